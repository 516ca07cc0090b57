"""Shapes that meet: atleast_1d/2d/3d, broadcast_shapes, broadcast_tensors and meshgrid
(all differentiable through reshape and broadcast).

>>> import minigrad as mg
>>> [t.shape for t in mg.broadcast_tensors(mg.ones(2, 1), mg.ones(3))]
[Size([2, 3]), Size([2, 3])]
"""

from __future__ import annotations

import warnings
from typing import Any

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.tensor import Tensor

from ._util import broadcast_shapes as _broadcast
from ._util import check_tensor
from .shape import broadcast_to

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes", "broadcast_tensors",
    "meshgrid",
]
TENSOR_METHODS = ()


def _ints(op: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,)
    try:
        return tuple(int(v) for v in value)
    except TypeError:
        raise MinigradTypeError(f"{op}: shapes must be ints or sequences of ints, got "
                                f"{value!r}") from None


def _many(op: str, tensors: tuple[Any, ...]) -> tuple[list[Tensor], bool]:
    one = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return [check_tensor(t, op, f"tensors[{i}]") for i, t in enumerate(tensors)], one


def atleast_1d(*tensors: Any) -> Any:
    """A 0-d tensor as 1-D; others unchanged (several tensors give a tuple).

    >>> import minigrad as mg
    >>> mg.atleast_1d(mg.tensor(1.0)).shape
    Size([1])
    """
    ts, one = _many("atleast_1d", tensors)
    out = tuple(t.reshape(1) if t.ndim == 0 else t for t in ts)
    return out[0] if one else out


def atleast_2d(*tensors: Any) -> Any:
    """Tensors with fewer than 2 dims get leading 1s: ``(n,) -> (1, n)``.

    >>> import minigrad as mg
    >>> mg.atleast_2d(mg.ones(3)).shape
    Size([1, 3])
    """
    ts, one = _many("atleast_2d", tensors)
    out = tuple(t.reshape(1, t.numel()) if t.ndim < 2 else t for t in ts)
    return out[0] if one else out


def atleast_3d(*tensors: Any) -> Any:
    """As NumPy: ``() -> (1, 1, 1)``, ``(n,) -> (1, n, 1)``, ``(m, n) -> (m, n, 1)``.

    >>> import minigrad as mg
    >>> mg.atleast_3d(mg.ones(2, 3)).shape
    Size([2, 3, 1])
    """
    ts, one = _many("atleast_3d", tensors)
    out = tuple(t.reshape(1, t.numel(), 1) if t.ndim < 2 else
                t.unsqueeze(-1) if t.ndim == 2 else t for t in ts)
    return out[0] if one else out


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape that tensors of ``shapes`` broadcast to (ints count as 1-D shapes).

    >>> import minigrad as mg
    >>> mg.broadcast_shapes((2, 1), (3,))
    Size([2, 3])
    """
    from minigrad.size import Size

    return Size(_broadcast("broadcast_shapes", *(_ints("broadcast_shapes", s)
                                                 for s in shapes)) if shapes else ())


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Every tensor broadcast to their common shape.

    >>> import minigrad as mg
    >>> [t.shape for t in mg.broadcast_tensors(mg.ones(2, 1), mg.ones(3))]
    [Size([2, 3]), Size([2, 3])]
    """
    ts, _ = _many("broadcast_tensors", tensors)
    shape = _broadcast("broadcast_tensors", *(t.shape for t in ts)) if ts else ()
    return tuple(broadcast_to(t, shape) for t in ts)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors. ``indexing="ij"`` (matrix, the default) or
    ``"xy"`` (Cartesian: the first two dims of every output swapped). As PyTorch, leaving
    ``indexing`` out warns (PyTorch plans to require it).

    >>> import minigrad as mg
    >>> [g.shape for g in mg.meshgrid(mg.arange(2), mg.arange(3), indexing="ij")]
    [Size([2, 3]), Size([2, 3])]
    """
    ts, _ = _many("meshgrid", tensors)
    if indexing is None:
        warnings.warn("meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument (defaulting to indexing='ij' as PyTorch)",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, t in enumerate(ts):
        if t.ndim > 1:
            raise ShapeError(f"meshgrid: expects 0-D or 1-D tensors, tensors[{i}] has shape "
                             f"{t.shape}")
    ts = [t.reshape(-1) for t in ts]
    shape = tuple(t.shape[0] for t in ts)
    grids = [broadcast_to(t.reshape(*(-1 if j == i else 1 for j in range(len(ts)))), shape)
             for i, t in enumerate(ts)]
    if indexing == "xy" and len(ts) >= 2:
        grids = [g.transpose(0, 1) for g in grids]
    return tuple(grids)
