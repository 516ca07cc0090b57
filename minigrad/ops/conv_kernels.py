"""Array-level convolution kernels: im2col + GEMM (the reference) and shifted GEMM.

These work on raw arrays of any backend: the backend supplies ``im2col`` / ``col2im`` (see
:class:`minigrad.backends.base.Backend`), everything else is ``xp.matmul`` and reshapes. The
differentiable ops in :mod:`minigrad.ops.conv` call them.

The column buffer of one image is ``C*kH*kW*OH*OW`` elements; when the whole batch's buffer
would pass :data:`COL_BUDGET_BYTES`, the batch is processed in chunks, so memory stays bounded
(batch 256 x 3 x 224 x 224 with a 7x7 kernel runs in a few hundred MB of columns).

Stride-1, groups-1 convolutions can also run as shifted GEMMs (:mod:`.conv_shifted`, no column
buffer). Which algorithm runs is chosen per shape by :mod:`.autotune` when
``mg.backends.cudnn.benchmark`` is True; otherwise im2col always runs.

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

from minigrad._threads import gemm_threads

from . import autotune
from .conv_shifted import applies, shifted_forward, shifted_input_grad, shifted_weight_grad

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


def _key(kind: str, backend: Any, dtype: Any, *parts: Any) -> tuple[Any, ...]:
    return (kind, backend.name, str(dtype), *(tuple(p) for p in parts))


def _gemm_each(xp: Any, a: Any, b: Any, out: Any) -> None:
    """``out[i] = a @ b[i]`` for every image ``i``, as one batched matmul, under the BLAS thread
    policy of :mod:`minigrad._threads` (judged on one image's GEMM)."""
    with gemm_threads(2.0 * a.shape[0] * a.shape[1] * b.shape[-1]):
        xp.matmul(a, b, out=out)


def conv2d_forward(
    backend: Any, x: Any, w: Any, b: Any, stride: Pair, padding: Pad4, dilation: Pair,
    groups: int, keep_cols: bool = False,
) -> tuple[Any, Any]:
    """Cross-correlation of ``x`` (N, C, H, W) with ``w`` (O, C/groups, kH, kW) (+ ``b``).

    Returns ``(out, aux)``: out (N, O, OH, OW); when ``keep_cols``, ``aux`` is what the weight
    gradient can reuse (``{"im2col": cols}`` when the batch fit in one chunk, or
    ``{"shifted": padded input}``), else None. Pass it to :func:`conv2d_weight_grad`.
    """
    cands = {"im2col": lambda: _im2col_forward(backend, x, w, stride, padding, dilation,
                                               groups, keep_cols)}
    if applies(stride, groups):
        cands["shifted"] = lambda: _shifted_fwd(backend.xp, x, w, padding, dilation, keep_cols)
    key = _key("conv2d", backend, x.dtype, x.shape, w.shape, stride, padding, dilation, (groups,))
    _, (out, aux) = autotune.pick(key, cands, getattr(backend, "synchronize", None))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out, aux


def _shifted_fwd(xp: Any, x: Any, w: Any, padding: Pad4, dilation: Pair,
                 keep: bool) -> tuple[Any, Any]:
    out, xc = shifted_forward(xp, x, w, padding, dilation)
    return out, ({"shifted": xc} if keep else None)


def _im2col_forward(backend: Any, x: Any, w: Any, stride: Pair, padding: Pad4, dilation: Pair,
                    groups: int, keep_cols: bool) -> tuple[Any, Any]:
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
            _gemm_each(xp, wm, cols.reshape(n1 - n0, kg, length), out[n0:n1])
        else:
            res = xp.matmul(wm, cols.reshape(n1 - n0, groups, kg, length))
            out[n0:n1] = res.reshape(n1 - n0, o, length)
    keep = keep_cols and step >= n
    return out.reshape(n, o, oh, ow), ({"im2col": cols} if keep else None)


def conv2d_weight_grad(
    backend: Any, x: Any, g: Any, kernel_size: Pair, stride: Pair, padding: Pad4,
    dilation: Pair, groups: int, cols: Any = None,
) -> Any:
    """Gradient of the weight: correlation of input ``x`` with the output gradient ``g``.

    ``g`` is (N, O, OH, OW); returns (O, C/groups, kH, kW). ``cols`` (the ``aux`` that
    :func:`conv2d_forward` returned for ``x``) is used instead of ``x`` when given.
    """
    if cols is not None:
        ((kind, buf),) = cols.items()
        if kind == "shifted":
            return shifted_weight_grad(backend.xp, buf, g, kernel_size, dilation)
        return _im2col_weight_grad(backend, None, g, kernel_size, stride, padding, dilation,
                                   groups, buf)
    cands = {"im2col": lambda: _im2col_weight_grad(backend, x, g, kernel_size, stride, padding,
                                                   dilation, groups, None)}
    if applies(stride, groups):
        cands["shifted"] = lambda: shifted_weight_grad(
            backend.xp, _pad_cf(backend.xp, x, padding), g, kernel_size, dilation)
    key = _key("conv2d_weight", backend, g.dtype, x.shape, g.shape, kernel_size, stride,
               padding, dilation, (groups,))
    return autotune.pick(key, cands, getattr(backend, "synchronize", None))[1]


def _pad_cf(xp: Any, x: Any, padding: Pad4) -> Any:
    from .conv_shifted import pad_channel_first

    return pad_channel_first(xp, x, padding)


def _im2col_weight_grad(backend: Any, x: Any, g: Any, kernel_size: Pair, stride: Pair,
                        padding: Pad4, dilation: Pair, groups: int, cols: Any) -> Any:
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
        if groups == 1:
            # per image (O, L) @ (L, K): BLAS reads the transposed columns in place
            cc = cc.reshape(n1 - n0, kg, length)
            with gemm_threads(2.0 * o * kg * length):
                for i in range(n1 - n0):
                    part = xp.matmul(gm[n0 + i, 0], cc[i].T)
                    acc = part if acc is None else acc.__iadd__(part)
            continue
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
    ``w^T @ g`` followed by ``col2im`` (or as shifted GEMMs, see :mod:`.conv_shifted`).
    """
    in_size = tuple(in_size)
    cands = {"im2col": lambda: _im2col_input_grad(backend, g, w, in_size, stride, padding,
                                                  dilation, groups)}
    kh, kw = w.shape[2:]
    fits = (g.shape[2] == in_size[0] + padding[0] + padding[1] - dilation[0] * (kh - 1)
            and g.shape[3] == in_size[1] + padding[2] + padding[3] - dilation[1] * (kw - 1))
    if applies(stride, groups) and fits:
        cands["shifted"] = lambda: shifted_input_grad(backend.xp, g, w, in_size, padding,
                                                      dilation)
    key = _key("conv2d_input", backend, g.dtype, g.shape, w.shape, in_size, stride, padding,
               dilation, (groups,))
    return autotune.pick(key, cands, getattr(backend, "synchronize", None))[1]


def _im2col_input_grad(backend: Any, g: Any, w: Any, in_size: Pair, stride: Pair,
                       padding: Pad4, dilation: Pair, groups: int) -> Any:
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
            # per image (K, O) @ (O, L) straight into the (m, C, kH, kW, OH, OW) columns
            # col2im reads: no transposed copy of g, no batched-matmul slow path
            dcols = xp.empty((m, kg, length), dtype=g.dtype)
            _gemm_each(xp, w.reshape(o, kg).T, g[n0:n1].reshape(m, o, length), dcols)
            dcols = dcols.reshape(m, c, kh, kw, oh, ow)
        else:
            wt = w.reshape(groups, o // groups, kg).transpose(0, 2, 1)
            dcols = xp.matmul(wt, g[n0:n1].reshape(m, groups, o // groups, length))
            dcols = dcols.reshape(m, c, kh, kw, oh, ow)
        res = backend.col2im(dcols, in_size, (kh, kw), stride, padding, dilation)
        if step >= n:
            return res  # one chunk: no copy
        out[n0:n1] = res
    return out
