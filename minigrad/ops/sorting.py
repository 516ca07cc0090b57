"""Sorting and selection along a dim: ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``median``.

The order is found on the raw array (NaN sorts as the largest value, as in PyTorch); the
values are then gathered from the input, so their gradient is scattered back to the indices
they came from.

>>> import minigrad as mg
>>> x = mg.tensor([3.0, 1.0, 2.0], requires_grad=True)
>>> mg.topk(x, 2).values.sum().backward(); x.grad
tensor([1., 0., 1.], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any, NamedTuple

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim
from .index import Gather

__all__ = ["argsort", "kthvalue", "median", "msort", "sort", "topk"]


class ValuesIndices(NamedTuple):
    """The (values, indices) pair that ``sort``, ``topk``, ``kthvalue`` and ``median`` return."""

    values: Tensor
    indices: Tensor


def _order(xp: Any, data: Any, dim: int, descending: bool) -> Any:
    """Stable sorting permutation along ``dim``; descending keeps ties in input order."""
    if not descending:
        return xp.argsort(data, axis=dim, kind="stable")
    n = data.shape[dim]
    flipped = xp.argsort(xp.flip(data, dim), axis=dim, kind="stable")
    return (n - 1) - xp.flip(flipped, dim)


def _prepare(input: Any, dim: int, op: str) -> tuple[Tensor, int]:
    check_tensor(input, op)
    x = input.reshape(1) if input.ndim == 0 else input
    return x, normalize_dim(dim, x.ndim, op)


def _take(x: Tensor, idx: Any, d: int, scalar: bool) -> ValuesIndices:
    idx = x._backend.xp.asarray(idx, dtype="int64")
    values, indices = Gather.apply(x, index=idx, dim=d), Tensor._make(idx, None)
    if scalar:
        values, indices = values.reshape(()), indices.reshape(())
    return ValuesIndices(values, indices)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
         ) -> ValuesIndices:
    """Sorted values along ``dim`` and their source indices, as ``torch.sort``.

    The sort is always stable (ties keep their input order, also when descending), so
    ``stable`` only exists for PyTorch's signature.

    >>> import minigrad as mg
    >>> mg.sort(mg.tensor([3.0, 1.0, 2.0]), descending=True)
    ValuesIndices(values=tensor([3., 2., 1.], dtype=float32, device='cpu'), indices=tensor([0, 2, 1], dtype=int64, device='cpu'))
    """  # noqa: E501
    x, d = _prepare(input, dim, "sort")
    return _take(x, _order(x._backend.xp, x._data, d, bool(descending)), d, input.ndim == 0)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
            ) -> Tensor:
    """The indices that sort ``input`` along ``dim``, as ``torch.argsort`` (always stable).

    >>> import minigrad as mg
    >>> mg.tensor([3.0, 1.0, 2.0]).argsort()
    tensor([1, 2, 0], dtype=int64, device='cpu')
    """
    x, d = _prepare(input, dim, "argsort")
    idx = _order(x._backend.xp, x._data, d, bool(descending))
    out = Tensor._make(x._backend.xp.asarray(idx, dtype="int64"), None)
    return out.reshape(()) if input.ndim == 0 else out


def msort(input: Tensor) -> Tensor:
    """Values sorted along dim 0, as ``torch.msort``.

    >>> import minigrad as mg
    >>> mg.msort(mg.tensor([[2.0, 1.0], [1.0, 3.0]]))
    tensor([[1., 1.],
            [2., 3.]], dtype=float32, device='cpu')
    """
    return sort(input, 0).values


def _check_k(k: Any, n: int, op: str, lo: int, shape: Any) -> int:
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"{op}: `k` must be an int, got {type(k).__name__}")
    if not lo <= k <= n:
        raise ShapeError(f"{op}: k ({k}) out of range [{lo}, {n}] for input of shape {shape}")
    return k


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
         ) -> ValuesIndices:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, as
    ``torch.topk``; they always come sorted.

    >>> import minigrad as mg
    >>> mg.topk(mg.tensor([1.0, 5.0, 3.0]), 2).indices
    tensor([1, 2], dtype=int64, device='cpu')
    """
    x, d = _prepare(input, dim, "topk")
    _check_k(k, x.shape[d], "topk", 0, input.shape)
    order = _order(x._backend.xp, x._data, d, bool(largest))
    idx = order[(slice(None),) * d + (slice(0, k),)]
    return _take(x, idx, d, input.ndim == 0)


def _pick(x: Tensor, d: int, position: int, keepdim: bool, scalar: bool) -> ValuesIndices:
    """The element at ``position`` of the ascending order along ``d``."""
    order = _order(x._backend.xp, x._data, d, False)
    idx = order[(slice(None),) * d + (slice(position, position + 1),)]
    out = _take(x, idx, d, scalar)
    if keepdim or scalar:
        return out
    return ValuesIndices(out.values.squeeze(d), out.indices.squeeze(d))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """The ``k``-th smallest value (1-based) along ``dim`` and its index, as
    ``torch.kthvalue``.

    >>> import minigrad as mg
    >>> mg.kthvalue(mg.tensor([4.0, 1.0, 3.0]), 2).values
    tensor(3., dtype=float32, device='cpu')
    """
    x, d = _prepare(input, dim, "kthvalue")
    _check_k(k, x.shape[d], "kthvalue", 1, input.shape)
    return _pick(x, d, k - 1, keepdim, input.ndim == 0)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median: of all elements (a tensor) or along ``dim`` (values, indices), as
    ``torch.median``.

    >>> import minigrad as mg
    >>> mg.median(mg.tensor([1.0, 4.0, 2.0, 3.0]))
    tensor(2., dtype=float32, device='cpu')
    >>> mg.tensor([[1.0, 5.0, 2.0]]).median(dim=1).indices
    tensor([2], dtype=int64, device='cpu')
    """
    check_tensor(input, "median")
    if dim is None:
        if input.numel() == 0:
            raise ShapeError(f"median: cannot take the median of an empty tensor {input.shape}")
        flat = input.reshape(-1)
        return _pick(flat, 0, (flat.shape[0] - 1) // 2, False, False).values
    x, d = _prepare(input, dim, "median")
    if x.shape[d] == 0:
        raise ShapeError(f"median: dim {dim} of input {input.shape} is empty")
    return _pick(x, d, (x.shape[d] - 1) // 2, keepdim, input.ndim == 0)


TENSOR_METHODS = ["argsort", "kthvalue", "median", "msort", "sort", "topk"]
