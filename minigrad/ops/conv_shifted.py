"""Shifted-GEMM convolution for stride 1, groups 1: no ``kH*kW``-times column buffer.

The input is copied once into a zero-padded channel-first buffer ``xc`` (C, N, Hp, Wp), seen as
a (C, N*Hp*Wp) matrix. For kernel offset ``(i, j)`` the input pixels the output grid reads are
that matrix shifted by ``off = i*dH*Wp + j*dW`` columns: a strided view BLAS takes as it is.
So the forward is ``kH*kW`` GEMMs ``W[:, :, i, j] (O, C) @ xc[:, off:off+span]`` summed on an
(O, N, Hp, Wp) grid, of which the top-left (OH, OW) corner of each image is the output (the
rest of the grid is computed and dropped). The weight gradient is one GEMM per offset against
the output gradient placed on the same grid, and the input gradient the transposed GEMMs added
back at the shifted columns. Equal to the im2col path up to float rounding (tests check it).

>>> import numpy as np
>>> x = np.ones((1, 1, 3, 3)); w = np.ones((1, 1, 2, 2))
>>> out, _ = shifted_forward(np, x, w, (0, 0, 0, 0), (1, 1))
>>> out[0, 0]
array([[4., 4.],
       [4., 4.]])
"""

from __future__ import annotations

from typing import Any

__all__ = ["applies", "shifted_forward", "shifted_input_grad", "shifted_weight_grad"]

Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]


def applies(stride: Pair, groups: int) -> bool:
    """Whether the shifted-GEMM strategy covers these settings (stride 1, groups 1)."""
    return tuple(stride) == (1, 1) and groups == 1


def _grid(n: int, hp: int, wp: int, kernel: Pair, dilation: Pair) -> tuple[int, list[int]]:
    """(span, offsets): the columns every shifted GEMM covers and each offset's shift."""
    kh, kw = kernel
    dh, dw = dilation
    offs = [i * dh * wp + j * dw for i in range(kh) for j in range(kw)]
    return n * hp * wp - offs[-1], offs


def pad_channel_first(xp: Any, x: Any, padding: Pad4) -> Any:
    """``x`` (N, C, H, W) as a zero-padded (C, N, Hp, Wp) array (one copy)."""
    n, c, h, w = x.shape
    top, bottom, left, right = padding
    xc = xp.zeros((c, n, h + top + bottom, w + left + right), dtype=x.dtype)
    xc[:, :, top:top + h, left:left + w] = x.transpose(1, 0, 2, 3)
    return xc


def shifted_forward(xp: Any, x: Any, w: Any, padding: Pad4, dilation: Pair) -> tuple[Any, Any]:
    """Convolution (stride 1, groups 1) of ``x`` (N, C, H, W) with ``w`` (O, C, kH, kW).

    Returns ``(out, xc)``: out (N, O, OH, OW) and the padded channel-first input, which
    :func:`shifted_weight_grad` reuses.
    """
    n = x.shape[0]
    o, c, kh, kw = w.shape
    xc = pad_channel_first(xp, x, padding)
    hp, wp = xc.shape[2], xc.shape[3]
    oh, ow = hp - dilation[0] * (kh - 1), wp - dilation[1] * (kw - 1)
    span, offs = _grid(n, hp, wp, (kh, kw), dilation)
    flat = xc.reshape(c, -1)
    wt = xp.ascontiguousarray(w.transpose(2, 3, 0, 1)).reshape(kh * kw, o, c)
    acc = xp.empty((o, span), dtype=x.dtype)
    tmp = xp.empty((o, span), dtype=x.dtype) if len(offs) > 1 else None
    for k, off in enumerate(offs):
        xp.matmul(wt[k], flat[:, off:off + span], out=acc if k == 0 else tmp)
        if k:
            acc += tmp
    full = xp.empty((o, n * hp * wp), dtype=x.dtype)
    full[:, :span] = acc
    out = full.reshape(o, n, hp, wp)[:, :, :oh, :ow].transpose(1, 0, 2, 3)
    return xp.ascontiguousarray(out), xc


def _grad_grid(xp: Any, g: Any, hp: int, wp: int) -> Any:
    """The output gradient (N, O, OH, OW) on the zero-filled (O, N*Hp*Wp) grid."""
    n, o, oh, ow = g.shape
    gg = xp.zeros((o, n, hp, wp), dtype=g.dtype)
    gg[:, :, :oh, :ow] = g.transpose(1, 0, 2, 3)
    return gg.reshape(o, -1)


def shifted_weight_grad(xp: Any, xc: Any, g: Any, kernel_size: Pair, dilation: Pair) -> Any:
    """Weight gradient (O, C, kH, kW) from the padded channel-first input ``xc`` and ``g``."""
    c, n, hp, wp = xc.shape
    o = g.shape[1]
    kh, kw = kernel_size
    span, offs = _grid(n, hp, wp, kernel_size, dilation)
    gflat = _grad_grid(xp, g, hp, wp)[:, :span]
    flat = xc.reshape(c, -1)
    gw = xp.empty((kh * kw, o, c), dtype=g.dtype)
    for k, off in enumerate(offs):
        xp.matmul(gflat, flat[:, off:off + span].T, out=gw[k])
    return xp.ascontiguousarray(gw.reshape(kh, kw, o, c).transpose(2, 3, 0, 1))


def shifted_input_grad(xp: Any, g: Any, w: Any, in_size: Pair, padding: Pad4,
                       dilation: Pair) -> Any:
    """Input gradient (N, C, *in_size) of the stride-1, groups-1 convolution."""
    n, o = g.shape[0], g.shape[1]
    _, c, kh, kw = w.shape
    top, bottom, left, right = padding
    h, wd = in_size
    hp, wp = h + top + bottom, wd + left + right
    span, offs = _grid(n, hp, wp, (kh, kw), dilation)
    gflat = _grad_grid(xp, g, hp, wp)[:, :span]
    wt = xp.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(kh * kw, c, o)
    dflat = xp.zeros((c, n * hp * wp), dtype=g.dtype)
    tmp = xp.empty((c, span), dtype=g.dtype)
    for k, off in enumerate(offs):
        xp.matmul(wt[k], gflat, out=tmp)
        dflat[:, off:off + span] += tmp
    dx = dflat.reshape(c, n, hp, wp)[:, :, top:top + h, left:left + wd].transpose(1, 0, 2, 3)
    return xp.ascontiguousarray(dx)
