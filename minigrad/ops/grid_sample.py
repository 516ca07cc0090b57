"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (2-D), with PyTorch's formulas.

``grid_sample`` is a composition: the grid is mapped to pixel coordinates (unnormalized, then
clipped or reflected per ``padding_mode``, with PyTorch's gradients: zero where clipped, the
sign of the reflection), the corner pixels are gathered, and the bilinear weights are products
of coordinate differences, so gradients flow to both the input and the grid, to any order.

>>> import minigrad as mg
>>> theta = mg.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
>>> x = mg.arange(4.0).reshape(1, 1, 2, 2)
>>> grid_sample(x, affine_grid(theta, [1, 1, 2, 2]), align_corners=False)[0, 0].tolist()
[[0.0, 1.0], [2.0, 3.0]]
"""

from __future__ import annotations

import warnings
from typing import Any

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from .binary import where
from .conv_args import check_float

__all__ = ["affine_grid", "grid_sample"]

_PADDING = ("zeros", "border", "reflection")


def _const(x: Tensor, data: Any) -> Tensor:
    return Tensor._make(data, None)


def _base(n: int, align_corners: bool, xp: Any, dtype: Any) -> Any:
    """The normalized coordinates of ``n`` pixel centres (PyTorch's ``linspace_from_neg_one``)."""
    if n <= 1:
        return xp.zeros(max(n, 0), dtype=dtype)
    lin = xp.linspace(-1.0, 1.0, n, dtype=dtype)
    return lin if align_corners else lin * (n - 1) / n


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The (N, H, W, 2) sampling grid of the affine maps ``theta`` (N, 2, 3) for an output
    of ``size`` (N, C, H, W), as ``torch.nn.functional.affine_grid`` (``align_corners``
    defaults to False).

    >>> import minigrad as mg
    >>> theta = mg.tensor([[[2.0, 0.0, 0.0], [0.0, 1.0, 0.5]]])
    >>> affine_grid(theta, (1, 1, 2, 2), align_corners=True)[0, 0].tolist()
    [[-2.0, -0.5], [2.0, -0.5]]
    """
    op = "affine_grid"
    (theta,) = check_float(op, theta=theta)
    size = tuple(int(s) for s in size)
    if len(size) != 4:
        raise NotImplementedError(f"{op}: only 2-D grids (size (N, C, H, W)) are supported, got "
                                  f"size {size}")
    n, _, h, w = size
    if theta.ndim != 3 or tuple(theta.shape) != (n, 2, 3):
        raise ShapeError(f"{op}: expected theta of shape (N, 2, 3) = ({n}, 2, 3) for size "
                         f"{list(size)}, got {theta.shape}")
    if min(size) <= 0:
        raise ShapeError(f"{op}: expected a non-zero, positive size, got {list(size)}")
    if align_corners and min(h, w) == 1:
        warnings.warn("affine_grid: unit-size grids with align_corners=True are not an intended "
                      "use case (their behavior changed in PyTorch 1.3.0)", UserWarning,
                      stacklevel=2)
    xp, dtype = theta._backend.xp, theta._data.dtype
    base = xp.ones((h, w, 3), dtype=dtype)
    base[:, :, 0] = _base(w, bool(align_corners), xp, dtype)[None, :]
    base[:, :, 1] = _base(h, bool(align_corners), xp, dtype)[:, None]
    grid = _const(theta, base.reshape(1, h * w, 3)) @ theta.transpose(1, 2)
    return grid.reshape(n, h, w, 2)


def _source(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """Pixel coordinates of normalized ``coord`` along an axis of ``size`` pixels."""
    x = (coord + 1) * ((size - 1) / 2) if align_corners else ((coord + 1) * size - 1) / 2
    if padding_mode == "reflection":
        lo, hi = (0.0, 2.0 * (size - 1)) if align_corners else (-1.0, 2.0 * size - 1)
        if lo == hi:
            return x * 0.0
        low, span = lo / 2, (hi - lo) / 2
        sign = _const(x, ((x._data - low) >= 0) * 2.0 - 1.0).astype(x.dtype)
        dist = (x - low) * sign  # |x - low|, with the gradient of the reflection
        flips = _const(x, (dist._data // span).astype(x.dtype))
        extra = dist - flips * span
        even = _const(x, (flips._data % 2) == 0)
        x = where(even, extra + low, (extra * -1 + span) + low)
    if padding_mode in ("border", "reflection"):  # clip: zero gradient outside (0, size-1)
        data = x._data
        inside = _const(x, (data > 0) & (data < size - 1))
        clipped = _const(x, data.clip(0, size - 1))
        x = where(inside, x, clipped)
    return x


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample ``input`` (N, C, H, W) at ``grid`` (N, Ho, Wo, 2) of normalized (x, y)
    coordinates, as ``torch.nn.functional.grid_sample`` (``align_corners`` defaults to
    False). Modes ``bilinear`` and ``nearest`` (rounding half to even, as PyTorch); padding
    ``zeros``, ``border`` or ``reflection``. 5-D inputs and ``bicubic`` are not implemented.

    >>> import minigrad as mg
    >>> x = mg.arange(4.0).reshape(1, 1, 2, 2)
    >>> grid_sample(x, mg.zeros(1, 1, 1, 2), align_corners=True).item()  # the centre
    1.5
    """
    op = "grid_sample"
    input, grid = check_float(op, input=input, grid=grid)
    if mode not in ("bilinear", "nearest"):
        raise NotImplementedError(f"{op}: mode must be 'bilinear' or 'nearest' (bicubic is not "
                                  f"implemented), got {mode!r}")
    if padding_mode not in _PADDING:
        raise ValueError(f"{op}: padding_mode must be one of {_PADDING}, got {padding_mode!r}")
    if input.ndim != 4:
        raise NotImplementedError(f"{op}: only 4-D inputs (N, C, H, W) are supported, got "
                                  f"{input.shape}")
    if grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise ShapeError(f"{op}: expected grid of shape (N, H_out, W_out, 2) with N = "
                         f"{input.shape[0]} for input {input.shape}, got {grid.shape}")
    n, _, h, w = input.shape
    ac = bool(align_corners)
    ix = _source(grid[..., 0], w, padding_mode, ac)
    iy = _source(grid[..., 1], h, padding_mode, ac)
    xp = input._backend.xp
    batch = xp.arange(n).reshape(n, 1, 1)

    def corner(yi: Any, xi: Any) -> tuple[Tensor, Tensor]:
        """The pixels at integer (yi, xi) (N, Ho, Wo, C) and a 0/1 in-bounds mask."""
        ok = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        vals = input[batch, :, yi.clip(0, h - 1), xi.clip(0, w - 1)]
        return vals, _const(input, ok[..., None].astype(input._data.dtype))

    if mode == "nearest":
        vals, ok = corner(xp.rint(iy._data).astype(xp.int64), xp.rint(ix._data).astype(xp.int64))
        out = vals * ok
    else:
        x0 = xp.floor(ix._data).astype(xp.int64)
        y0 = xp.floor(iy._data).astype(xp.int64)
        fx = ix - _const(ix, x0.astype(ix._data.dtype))  # weight of the right column
        fy = iy - _const(iy, y0.astype(iy._data.dtype))
        out = None
        for dy, dx, wy, wx in ((0, 0, 1 - fy, 1 - fx), (0, 1, 1 - fy, fx),
                               (1, 0, fy, 1 - fx), (1, 1, fy, fx)):
            vals, ok = corner(y0 + dy, x0 + dx)
            term = vals * (ok * (wy * wx).unsqueeze(-1))
            out = term if out is None else out + term
    return out.permute(0, 3, 1, 2)
