"""``interpolate`` (``upsample``) with PyTorch's modes and source-index formulas.

Resampling is separable: along each spatial dim, every output position reads one input
position (``nearest``, ``nearest-exact``) or a weighted pair of neighbours (``linear``,
``bilinear``, ``trilinear``). Each step is a gather (plus a multiply by constant weights), so
the gradients are the gathers' scatter-adds, differentiable again. The index and weight
formulas are PyTorch's, evaluated in the input's float precision as PyTorch's CPU kernels do
(``nearest`` always in float32), so outputs agree to rounding.

>>> import minigrad as mg
>>> interpolate(mg.tensor([[[0.0, 1.0]]]), scale_factor=2, mode="linear")
tensor([[[0.  , 0.25, 0.75, 1.  ]]], dtype=float32, device='cpu')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import check_tensor
from .conv_args import check_float

__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]

_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "bicubic", "area")
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution parameter


def _scale(in_size: int, out_size: int, scale: float | None, dtype: Any) -> Any:
    """PyTorch's ``compute_scales_value``: ``1/scale`` if the user gave one, else in/out."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(in_size) / dtype(out_size)


def nearest_index(in_size: int, out_size: int, scale: float | None, exact: bool) -> np.ndarray:
    """The input position each output position copies (float32 arithmetic, as PyTorch)."""
    dst = np.arange(out_size)
    if not exact and out_size == in_size:
        return dst
    if not exact and out_size == 2 * in_size:
        return dst >> 1
    s = _scale(in_size, out_size, scale, np.float32)
    pos = dst.astype(np.float32) + np.float32(0.5) if exact else dst.astype(np.float32)
    return np.minimum(np.floor(pos * s).astype(np.int64), in_size - 1)


def linear_weights(in_size: int, out_size: int, scale: float | None, align_corners: bool,
                   dtype: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left and right neighbour of each output position, and the right one's weight."""
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        s = dtype(in_size - 1) / dtype(out_size - 1) if out_size > 1 else dtype(0)
        src = s * dst
    else:
        s = _scale(in_size, out_size, scale, dtype)
        src = np.maximum(s * (dst + dtype(0.5)) - dtype(0.5), dtype(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    i1 = i0 + (i0 < in_size - 1)
    return i0, i1, lam


def cubic_weights(in_size: int, out_size: int, scale: float | None, align_corners: bool,
                  dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """The four taps of each output position (clamped to the input, as PyTorch reads them)
    and their cubic-convolution weights (Keys' kernel with ``A = -0.75``)."""
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        s = dtype(in_size - 1) / dtype(out_size - 1) if out_size > 1 else dtype(0)
        src = s * dst
    else:  # no clamp at 0 for cubic
        src = _scale(in_size, out_size, scale, dtype) * (dst + dtype(0.5)) - dtype(0.5)
    i0 = np.floor(src).astype(np.int64)
    t = (src - i0.astype(dtype)).astype(dtype)
    a = dtype(_CUBIC_A)

    def near(x: Any) -> Any:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Any) -> Any:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1).astype(dtype)
    taps = np.clip(i0[:, None] + np.arange(-1, 3)[None, :], 0, in_size - 1)
    return taps, weights


def _sizes(input: Tensor, size: Any, scale_factor: Any, recompute: bool | None,
           mode: str) -> tuple[list[int], list[float | None]]:
    """Output sizes and the scales the kernels use (None: derive from the sizes)."""
    dim = input.ndim - 2
    spatial = list(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of `size` and `scale_factor`, got "
                         f"size={size!r}, scale_factor={scale_factor!r}")
    if size is not None:
        if recompute:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                             "explicit size")
        out = list(size) if isinstance(size, (list, tuple)) else [size] * dim
        if len(out) != dim:
            raise ShapeError(f"interpolate: `size` {size!r} must have one entry per spatial "
                             f"dim of the input {input.shape} ({dim})")
        out = [int(s) for s in out]
        scales: list[float | None] = [None] * dim
    else:
        sf = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dim
        if len(sf) != dim:
            raise ShapeError(f"interpolate: `scale_factor` {scale_factor!r} must have one entry "
                             f"per spatial dim of the input {input.shape} ({dim})")
        out = [math.floor(float(n) * float(f)) for n, f in zip(spatial, sf, strict=True)]
        scales = [None] * dim if recompute or mode == "area" else [float(f) for f in sf]
    if any(s <= 0 for s in out) or any(n <= 0 for n in spatial):
        raise ShapeError(f"interpolate: input sizes {tuple(spatial)} and output sizes "
                         f"{tuple(out)} must be greater than 0 (input {input.shape})")
    return out, scales


def _repeat(x: Tensor, d: int, k: int) -> Tensor:
    """Each slice along ``d`` repeated ``k`` times in place (nearest upsampling by ``k``)."""
    shape = list(x.shape)
    wide = x.unsqueeze(d + 1).expand(*shape[:d + 1], k, *shape[d + 1:])
    return wide.reshape(*shape[:d], shape[d] * k, *shape[d + 1:])


def _gather(x: Tensor, d: int, idx: np.ndarray) -> Tensor:
    return x[(slice(None),) * d + (x._backend.xp.asarray(idx),)]


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resample ``(N, C, *spatial)`` to ``size`` or ``spatial * scale_factor``, as
    ``torch.nn.functional.interpolate``.

    Modes: ``nearest`` and ``nearest-exact`` (1-3 spatial dims), ``linear`` (3-D input),
    ``bilinear`` (4-D), ``trilinear`` (5-D), each with ``align_corners``; ``area`` (3-D or
    4-D: adaptive average pooling), ``bicubic`` (4-D; PyTorch's ``A = -0.75`` kernel, edge
    pixels repeated, values not clamped). ``antialias=True`` is not implemented.
    With ``scale_factor`` and ``recompute_scale_factor`` not True, the kernels use the given
    factor (not the ratio of sizes), as PyTorch.

    >>> import minigrad as mg
    >>> x = mg.arange(4.0).reshape(1, 1, 2, 2)
    >>> interpolate(x, size=(3, 3), mode="bilinear", align_corners=True)[0, 0].tolist()
    [[0.0, 0.5, 1.0], [1.0, 1.5, 2.0], [2.0, 2.5, 3.0]]
    >>> interpolate(x, scale_factor=2)[0, 0, 0].tolist()
    [0.0, 0.0, 1.0, 1.0]
    """
    check_tensor(input, "interpolate")
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: `mode` must be one of {_MODES}, got {mode!r}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    if mode in _LINEAR:
        align_corners = bool(align_corners)
        if input.ndim != _LINEAR[mode]:
            raise NotImplementedError(f"interpolate: mode {mode!r} needs a {_LINEAR[mode]}-D "
                                      f"input, got {input.ndim}-D input {input.shape}")
    elif align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | trilinear")
    if not 3 <= input.ndim <= 5:
        raise NotImplementedError(f"interpolate: expected a 3-D, 4-D or 5-D input (N, C, "
                                  f"*spatial), got {input.ndim}-D input {input.shape}")
    (input,) = check_float("interpolate", input=input)
    out_size, scales = _sizes(input, size, scale_factor, recompute_scale_factor, mode)
    if mode == "area":
        return _area(input, out_size)
    x = input
    dtype = np.float64 if input.dtype == np.float64 else np.float32
    for k, (n, o, s) in enumerate(zip(input.shape[2:], out_size, scales, strict=True)):
        d = k + 2
        if mode.startswith("nearest"):
            idx = nearest_index(n, o, s, mode == "nearest-exact")
            k = o // n
            if k > 1 and k * n == o and (idx == np.arange(o) // k).all():
                x = _repeat(x, d, k)  # integer upsampling: a broadcast, summed back in backward
            else:
                x = _gather(x, d, idx)
            continue
        shape = [o if j == d else 1 for j in range(x.ndim)]
        if mode == "bicubic":
            taps, weights = cubic_weights(n, o, s, align_corners, dtype)
            terms = [_gather(x, d, taps[:, k]) * Tensor._make(x._backend.xp.asarray(
                weights[:, k].reshape(shape).astype(x.dtype)), None) for k in range(4)]
            x = terms[0] + terms[1] + terms[2] + terms[3]
            continue
        i0, i1, lam = linear_weights(n, o, s, align_corners, dtype)
        w1 = Tensor._make(x._backend.xp.asarray(lam.reshape(shape).astype(x.dtype)), None)
        x = _gather(x, d, i0) * (1 - w1) + _gather(x, d, i1) * w1
    return x


def _area(input: Tensor, out_size: list[int]) -> Tensor:
    from .pool import adaptive_avg_pool2d

    if input.ndim == 3:
        return adaptive_avg_pool2d(input.unsqueeze(2), (1, out_size[0])).squeeze(2)
    if input.ndim == 4:
        return adaptive_avg_pool2d(input, tuple(out_size))
    raise NotImplementedError(f"interpolate: mode 'area' needs a 3-D or 4-D input, got "
                              f"{input.shape}")


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None,
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (``torch.nn.functional.upsample``).

    >>> import minigrad as mg
    >>> upsample(mg.ones(1, 1, 2), scale_factor=2).shape
    Size([1, 1, 4])
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(..., mode="nearest")`` (``torch.nn.functional.upsample_nearest``).

    >>> import minigrad as mg
    >>> upsample_nearest(mg.ones(1, 1, 2, 2), size=3).shape
    Size([1, 1, 3, 3])
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:
    """``interpolate(..., mode="bilinear", align_corners=True)``, as
    ``torch.nn.functional.upsample_bilinear``.

    >>> import minigrad as mg
    >>> upsample_bilinear(mg.ones(1, 1, 2, 2), scale_factor=2).shape
    Size([1, 1, 4, 4])
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
