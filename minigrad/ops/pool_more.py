"""1-D pooling and adaptive max pooling, as ``torch.nn.functional``'s.

The 1-D pools are the 2-D ones over a height of 1 (an unbatched (C, L) input gets a batch of
one). Adaptive max pooling gathers every bin's window (bins ``[floor(i·n/o), ceil((i+1)·n/o))``
as PyTorch, padded to the largest bin by repeating its last element) and takes each window's
first maximum, so the gradient goes to that one element, as PyTorch's.

>>> import minigrad as mg
>>> adaptive_max_pool2d(mg.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0].tolist()
[[5.0, 7.0], [13.0, 15.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import check_tensor
from .conv_args import check_float, pair
from .pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d

__all__ = [
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "avg_pool1d",
    "max_pool1d",
]


def _as_4d(op: str, input: Tensor) -> tuple[Tensor, bool]:
    """(N, C, L) → (N, C, 1, L); an unbatched (C, L) → (1, C, 1, L)."""
    check_tensor(input, op)
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                         f"{input.shape}")
    x = input if input.ndim == 3 else input.unsqueeze(0)
    return x.unsqueeze(2), input.ndim == 2


def _back(out: Tensor, unbatched: bool) -> Tensor:
    out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def _one(op: str, name: str, value: Any, minimum: int) -> int:
    return pair(value, name, op, minimum, 1)[0]


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """1-D max pooling of (N, C, L) or (C, L), as ``torch.nn.functional.max_pool1d``.

    >>> import minigrad as mg
    >>> max_pool1d(mg.tensor([[1.0, 3.0, 2.0, 0.0]]), 2).tolist()
    [[3.0, 2.0]]
    """
    op = "max_pool1d"
    x, unbatched = _as_4d(op, input)
    k = _one(op, "kernel_size", kernel_size, 1)
    s = k if stride is None or stride == () else _one(op, "stride", stride, 1)
    out = max_pool2d(x, (1, k), (1, s), (0, _one(op, "padding", padding, 0)),
                     (1, _one(op, "dilation", dilation, 1)), ceil_mode, return_indices)
    if return_indices:
        return _back(out[0], unbatched), _back(out[1], unbatched)
    return _back(out, unbatched)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling of (N, C, L) or (C, L), as ``torch.nn.functional.avg_pool1d``.

    >>> import minigrad as mg
    >>> avg_pool1d(mg.tensor([[1.0, 3.0, 2.0, 0.0]]), 2).tolist()
    [[2.0, 1.0]]
    """
    op = "avg_pool1d"
    x, unbatched = _as_4d(op, input)
    k = _one(op, "kernel_size", kernel_size, 1)
    s = k if stride is None or stride == () else _one(op, "stride", stride, 1)
    out = avg_pool2d(x, (1, k), (1, s), (0, _one(op, "padding", padding, 0)), ceil_mode,
                     count_include_pad)
    return _back(out, unbatched)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Adaptive average pooling of (N, C, L) or (C, L) to ``output_size`` bins.

    >>> import minigrad as mg
    >>> adaptive_avg_pool1d(mg.tensor([[1.0, 3.0, 2.0]]), 2).tolist()
    [[2.0, 2.5]]
    """
    op = "adaptive_avg_pool1d"
    x, unbatched = _as_4d(op, input)
    return _back(adaptive_avg_pool2d(x, (1, _one(op, "output_size", output_size, 1))),
                 unbatched)


def _bins(n: int, o: int) -> tuple[np.ndarray, int]:
    """(o, kmax) input indices of each bin, short bins padded with their last index."""
    i = np.arange(o)
    start, end = (i * n) // o, -((-(i + 1) * n) // o)
    kmax = int((end - start).max())
    idx = start[:, None] + np.minimum(np.arange(kmax)[None, :], (end - start - 1)[:, None])
    return idx, kmax


def adaptive_max_pool2d(input: Tensor, output_size: Any,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Adaptive max pooling of (N, C, H, W) or (C, H, W), as
    ``torch.nn.functional.adaptive_max_pool2d`` (``None`` in ``output_size`` keeps that
    size); indices are flat into each ``H*W`` plane.

    >>> import minigrad as mg
    >>> out, idx = adaptive_max_pool2d(mg.arange(6.0).reshape(1, 2, 3), (1, 2), True)
    >>> out.tolist(), idx.tolist()
    ([[[4.0, 5.0]]], [[[4, 5]]])
    """
    op = "adaptive_max_pool2d"
    (input,) = check_float(op, input=input)
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D or 4-D input, got shape {input.shape}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(sizes) != 2:
        raise ShapeError(f"{op}: `output_size` must be an int or a pair, got {output_size!r}")
    (h, w), xp = input.shape[-2:], input._backend.xp
    oh, ow = (n if o is None else _one(op, "output_size", o, 1)
              for n, o in zip((h, w), sizes, strict=True))
    if h < 1 or w < 1:
        raise ShapeError(f"{op}: expected a non-empty input, got shape {input.shape}")
    (ih, kh), (iw, kw) = _bins(h, oh), _bins(w, ow)
    rows = xp.asarray(ih.reshape(oh, 1, kh, 1))
    cols = xp.asarray(iw.reshape(1, ow, 1, kw))
    win = input[..., rows, cols]  # (*, oh, ow, kh, kw)
    win = win.reshape(*win.shape[:-2], kh * kw)
    arg = Tensor._make(win._data.argmax(-1)[..., None], None)
    out = win.take_along_dim(arg, -1).squeeze(-1)
    if not return_indices:
        return out
    flat = xp.asarray((ih[:, None, :, None] * w + iw[None, :, None, :]).reshape(oh, ow, -1))
    grid = flat[xp.arange(oh)[:, None], xp.arange(ow)[None, :], arg._data[..., 0]]
    return out, Tensor._make(grid.astype(xp.int64), None)


def adaptive_max_pool1d(input: Tensor, output_size: Any,
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Adaptive max pooling of (N, C, L) or (C, L), as
    ``torch.nn.functional.adaptive_max_pool1d``.

    >>> import minigrad as mg
    >>> adaptive_max_pool1d(mg.tensor([[1.0, 3.0, 2.0]]), 2).tolist()
    [[3.0, 3.0]]
    """
    op = "adaptive_max_pool1d"
    x, unbatched = _as_4d(op, input)
    out = adaptive_max_pool2d(x, (1, _one(op, "output_size", output_size, 1)), return_indices)
    if return_indices:
        return _back(out[0], unbatched), _back(out[1], unbatched)
    return _back(out, unbatched)
