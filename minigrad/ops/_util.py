"""Helpers shared by the op modules: argument checking and scalar conversion."""

from __future__ import annotations

from typing import Any

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.tensor import Tensor

__all__ = ["as_tensor_like", "broadcast_shapes", "check_tensor", "normalize_dim", "normalize_dims"]


def check_tensor(x: Any, op: str, arg: str = "input") -> Tensor:
    """Return ``x`` if it is a Tensor, else raise a TypeError naming op and argument."""
    if isinstance(x, Tensor):
        return x
    raise MinigradTypeError(f"{op}: argument `{arg}` must be a Tensor, got {type(x).__name__}")


def normalize_dim(dim: int, ndim: int, op: str, allow_end: bool = False) -> int:
    """A possibly negative ``dim`` as a non-negative index, or a clear error."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        if hasattr(dim, "__index__"):
            dim = dim.__index__()
        else:
            raise MinigradTypeError(f"{op}: `dim` must be an int, got {type(dim).__name__}")
    size = ndim + 1 if allow_end else ndim
    lo, hi = -max(size, 1), max(size, 1) - 1
    if not lo <= dim <= hi:
        raise ShapeError(
            f"{op}: dim {dim} is out of range for a tensor of {ndim} dims "
            f"(expected a dim in [{lo}, {hi}])"
        )
    return dim % max(size, 1)


def normalize_dims(dim: Any, ndim: int, op: str) -> tuple[int, ...]:
    """``None`` → every axis; an int or a sequence → sorted unique non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        dims = tuple(normalize_dim(d, ndim, op) for d in dim)
        if len(set(dims)) != len(dims):
            raise ShapeError(f"{op}: dim {tuple(dim)} names an axis twice")
        return tuple(sorted(dims)) if ndim else ()  # a 0-d tensor accepts dim 0/-1: no axis
    normalize_dim(dim, ndim, op)
    return (normalize_dim(dim, ndim, op),) if ndim else ()


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast of ``shapes``, or a ShapeError listing them all."""
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(-ndim, 0):
        size = 1
        for s in shapes:
            d = s[i] if -i <= len(s) else 1
            if d != 1:
                if size not in (1, d):
                    listed = " and ".join(str(tuple(s)) for s in shapes)
                    raise ShapeError(
                        f"{op}: shapes {listed} are not broadcastable "
                        f"(dimension {i}: {size} vs {d})"
                    )
                size = d
        out.append(size)
    return tuple(out)


def as_tensor_like(value: Any, ref: Tensor, dtype: Any = None) -> Tensor:
    """A constant tensor holding ``value`` on ``ref``'s device (scalars, arrays, lists)."""
    if isinstance(value, Tensor):
        return value
    xp = ref._backend.xp
    return Tensor._make(xp.asarray(value, dtype=dtype), None)
