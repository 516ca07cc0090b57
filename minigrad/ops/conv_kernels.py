"""Array-level convolution kernels: im2col + one matmul, chunked over the batch.

These work on raw arrays of any backend: the backend supplies ``im2col`` / ``col2im`` (see
:class:`minigrad.backends.base.Backend`), everything else is ``xp.matmul`` and reshapes. The
differentiable ops in :mod:`minigrad.ops.conv` call them.

The column buffer of one image is ``C*kH*kW*OH*OW`` elements; when the whole batch's buffer
would pass :data:`COL_BUDGET_BYTES`, the batch is processed in chunks, so memory stays bounded
(batch 256 x 3 x 224 x 224 with a 7x7 kernel runs in a few hundred MB of columns).

>>> import numpy as np
>>> from minigrad.backends import backend_for
>>> x = np.ones((1, 1, 3, 3), np.float32); w = np.ones((1, 1, 2, 2), np.float32)
>>> out, _ = conv2d_forward(backend_for("cpu"), x, w, None, (1, 1), (0, 0, 0, 0), (1, 1), 1)
>>> out[0, 0]
array([[4., 4.],
       [4., 4.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "COL_BUDGET_BYTES", "conv2d_forward", "conv2d_input_grad", "conv2d_weight_grad",
    "conv_out_size",
]

#: largest column buffer (bytes) built at once; bigger batches are processed in chunks
COL_BUDGET_BYTES = 256 * 2**20

Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]


def conv_out_size(size: int, k: int, s: int, p_lo: int, p_hi: int, d: int) -> int:
    """Output length along one axis: ``(size + p_lo + p_hi - d*(k-1) - 1) // s + 1``."""
    return (size + p_lo + p_hi - d * (k - 1) - 1) // s + 1


def _chunk(n: int, per_image_elems: int, itemsize: int) -> int:
    """How many images fit in the column budget (at least one)."""
    return max(1, min(n, COL_BUDGET_BYTES // max(1, per_image_elems * itemsize)))


def conv2d_forward(
    backend: Any, x: Any, w: Any, b: Any, stride: Pair, padding: Pad4, dilation: Pair,
    groups: int, keep_cols: bool = False,
) -> tuple[Any, Any]:
    """Cross-correlation of ``x`` (N, C, H, W) with ``w`` (O, C/groups, kH, kW) (+ ``b``).

    Returns ``(out, cols)``: out (N, O, OH, OW); ``cols`` is the (N, C, kH, kW, OH, OW) column
    buffer when ``keep_cols`` and the batch fit in one chunk (backward reuses it), else None.
    """
    xp = backend.xp
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = conv_out_size(h, kh, stride[0], padding[0], padding[1], dilation[0])
    ow = conv_out_size(wd, kw, stride[1], padding[2], padding[3], dilation[1])
    length = oh * ow
    kg = cg * kh * kw
    wm = w.reshape(o, kg) if groups == 1 else w.reshape(groups, o // groups, kg)
    out = xp.empty((n, o, length), dtype=x.dtype)
    step = _chunk(n, c * kh * kw * length, x.dtype.itemsize)
    cols = None
    for n0 in range(0, n, step):
        n1 = min(n, n0 + step)
        cols = backend.im2col(x[n0:n1], (kh, kw), stride, padding, dilation)
        if groups == 1:
            xp.matmul(wm, cols.reshape(n1 - n0, kg, length), out=out[n0:n1])
        else:
            res = xp.matmul(wm, cols.reshape(n1 - n0, groups, kg, length))
            out[n0:n1] = res.reshape(n1 - n0, o, length)
    if b is not None:
        out += b.reshape(1, o, 1)
    keep = keep_cols and step >= n
    return out.reshape(n, o, oh, ow), (cols if keep else None)


def conv2d_weight_grad(
    backend: Any, x: Any, g: Any, kernel_size: Pair, stride: Pair, padding: Pad4,
    dilation: Pair, groups: int, cols: Any = None,
) -> Any:
    """Gradient of the weight: correlation of input ``x`` with the output gradient ``g``.

    ``g`` is (N, O, OH, OW); returns (O, C/groups, kH, kW). ``cols`` (the forward's column
    buffer of ``x``) is used instead of ``x`` when given.
    """
    xp = backend.xp
    n, o, oh, ow = g.shape
    kh, kw = kernel_size
    length = oh * ow
    c = (cols.shape[1] if cols is not None else x.shape[1])
    cg = c // groups
    kg = cg * kh * kw
    og = o // groups
    gm = g.reshape(n, groups, og, length)
    acc = None
    step = n if cols is not None else _chunk(n, c * kh * kw * length, g.dtype.itemsize)
    for n0 in range(0, n, step):
        n1 = min(n, n0 + step)
        cc = cols if cols is not None else backend.im2col(
            x[n0:n1], kernel_size, stride, padding, dilation)
        cc = cc.reshape(n1 - n0, groups, kg, length)
        part = xp.matmul(gm[n0:n1], cc.transpose(0, 1, 3, 2)).sum(axis=0)
        acc = part if acc is None else acc + part
    return acc.reshape(o, cg, kh, kw)


def conv2d_input_grad(
    backend: Any, g: Any, w: Any, in_size: Pair, stride: Pair, padding: Pad4, dilation: Pair,
    groups: int,
) -> Any:
    """Gradient of the input (= the transposed convolution of ``g`` with ``w``).

    ``g`` is (N, O, OH, OW), ``w`` (O, C/groups, kH, kW); returns (N, C, H, W) with
    ``(H, W) = in_size``: the full correlation with the 180-degree-rotated kernel, computed as
    ``w^T @ g`` followed by ``col2im``.
    """
    xp = backend.xp
    n, o, oh, ow = g.shape
    _, cg, kh, kw = w.shape
    c = cg * groups
    length = oh * ow
    kg = cg * kh * kw
    out = xp.empty((n, c, *tuple(in_size)), dtype=g.dtype)
    step = _chunk(n, c * kh * kw * length, g.dtype.itemsize)
    for n0 in range(0, n, step):
        n1 = min(n, n0 + step)
        m = n1 - n0
        if groups == 1:
            # one 2-D matmul (K, O) @ (O, m*L) is the fast shape for BLAS; the (C, kH, kW, m,
            # OH, OW) result has contiguous rows, which keeps col2im's strided adds cheap
            g2 = xp.ascontiguousarray(g[n0:n1].reshape(m, o, length).transpose(1, 0, 2))
            dcols = xp.matmul(w.reshape(o, kg).T, g2.reshape(o, m * length))
            dcols = dcols.reshape(c, kh, kw, m, oh, ow).transpose(3, 0, 1, 2, 4, 5)
        else:
            wt = w.reshape(groups, o // groups, kg).transpose(0, 2, 1)
            dcols = xp.matmul(wt, g[n0:n1].reshape(m, groups, o // groups, length))
            dcols = dcols.reshape(m, c, kh, kw, oh, ow)
        res = backend.col2im(dcols, in_size, (kh, kw), stride, padding, dilation)
        if step >= n:
            return res  # one chunk: no copy
        out[n0:n1] = res
    return out
