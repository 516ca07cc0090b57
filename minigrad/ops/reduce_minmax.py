"""``max``/``min`` (whole tensor, or ``(values, indices)`` along a dim), ``argmax``/``argmin``.

>>> import minigrad as mg
>>> values, indices = mg.max(mg.tensor([[1.0, 3.0], [4.0, 2.0]]), dim=1)
>>> values, indices
(tensor([3., 4.], dtype=float32, device='cpu'), tensor([1, 0], dtype=int64, device='cpu'))
"""

from __future__ import annotations

from typing import Any, NamedTuple

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim
from .reduce import MaxAll, MinAll, _reduce, reduction_args

__all__ = ["MinMax", "argmax", "argmin", "max", "min"]


class MinMax(NamedTuple):
    """The (values, indices) pair that ``max``/``min`` with a ``dim`` return."""

    values: Tensor
    indices: Tensor


def _arg(input: Tensor, dim: int | None, keepdim: bool, op: str) -> Tensor:
    check_tensor(input, op)
    xp = input._backend.xp
    fn = xp.argmax if op == "argmax" else xp.argmin
    if input.numel() == 0:
        raise ShapeError(f"{op}: cannot take {op} of an empty tensor (shape {input.shape})")
    if dim is None:
        out = fn(input._data.reshape(-1))
        if keepdim:
            out = out.reshape((1,) * input.ndim)
    else:
        d = normalize_dim(dim, input.ndim, op)
        out = fn(input._data, axis=d, keepdims=keepdim) if input.ndim else fn(input._data)
    return Tensor._make(xp.asarray(out, dtype="int64"), None)


@reduction_args
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (of the flattened tensor when ``dim`` is None).

    >>> import minigrad as mg
    >>> mg.argmax(mg.tensor([[1.0, 3.0], [2.0, 0.0]]), dim=1)
    tensor([1, 0], dtype=int64, device='cpu')
    """
    return _arg(input, dim, keepdim, "argmax")


@reduction_args
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (of the flattened tensor when ``dim`` is None).

    >>> import minigrad as mg
    >>> mg.argmin(mg.tensor([3.0, 1.0, 2.0]))
    tensor(1, dtype=int64, device='cpu')
    """
    return _arg(input, dim, keepdim, "argmin")


def _minmax(input: Tensor, dim: Any, keepdim: bool, op: str) -> Any:
    if isinstance(dim, Tensor):  # torch.max(input, other) is the elementwise maximum
        from minigrad.ops.binary import maximum, minimum

        return (maximum if op == "max" else minimum)(input, dim)
    check_tensor(input, op)
    if dim is None:
        return _reduce(MaxAll if op == "max" else MinAll, op, input, None, False)
    from minigrad.ops.index import gather

    d = normalize_dim(dim, input.ndim, op)
    idx = _arg(input, d, True, "argmax" if op == "max" else "argmin")
    values = gather(input, d, idx)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return MinMax(values, idx)


@reduction_args
def max(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The largest value, or with ``dim`` a ``(values, indices)`` pair, as ``torch.max``.

    With ``dim`` the gradient goes to the returned index only.

    >>> import minigrad as mg
    >>> mg.max(mg.tensor([[1.0, 3.0], [4.0, 2.0]]), dim=1).indices
    tensor([1, 0], dtype=int64, device='cpu')
    """
    return _minmax(input, dim, keepdim, "max")


@reduction_args
def min(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The smallest value, or with ``dim`` a ``(values, indices)`` pair, as ``torch.min``.

    >>> import minigrad as mg
    >>> mg.min(mg.tensor([[1.0, 3.0], [2.0, 0.0]]), dim=1).values
    tensor([1., 0.], dtype=float32, device='cpu')
    """
    return _minmax(input, dim, keepdim, "min")
