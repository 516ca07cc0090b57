"""Tensor's operators and op methods, each a one-line call into :mod:`minigrad.ops`.

Kept apart from :mod:`minigrad.tensor` so that file holds the data and autograd state only;
the in-place methods live in :mod:`minigrad.tensor_inplace`.

>>> import minigrad as mg
>>> t = mg.ones(3)
>>> t.mul_(2).add_(1)
tensor([3., 3., 3.], dtype=float32, device='cpu')
"""

from __future__ import annotations

import sys
from typing import Any

from minigrad import tensor_inplace
from minigrad.tensor_inplace import TensorInplace

__all__ = ["TensorMethods", "bind_ops"]

_ops: Any = None


def bind_ops(ops_module: Any) -> None:
    """Connect the methods to :mod:`minigrad.ops` (done once, when minigrad is imported).

    Methods that only forward to a function come from the op families' tables
    (``ops.TENSOR_METHODS``, ``ops.INPLACE_METHODS``) rather than from hand-written
    definitions here; a method written out below (or in :mod:`minigrad.tensor_basics` or
    :mod:`minigrad.tensor_inplace`) wins
    over a table entry of the same name.
    """
    global _ops
    _ops = ops_module
    tensor_inplace._ops = ops_module
    written = {name for cls in TensorMethods.__mro__[:-1] for name in vars(cls)}
    for name, fn in getattr(ops_module, "TENSOR_METHODS", {}).items():
        if name not in written:
            setattr(TensorMethods, name, _forwarding_method(name, fn))
    for name, fn in getattr(ops_module, "INPLACE_METHODS", {}).items():
        if name + "_" not in written:
            setattr(TensorMethods, name + "_", _inplace_method(name, fn))
    for name in written:  # a written method that only forwards takes its function's summary
        method, fn = vars(TensorMethods).get(name), getattr(ops_module, name, None)
        if (not name.startswith("_") and callable(method) and not method.__doc__
                and hasattr(fn, "__module__") and fn.__doc__):
            method.__doc__ = _method_doc(name, fn)


def _forwarding_method(name: str, fn: Any) -> Any:
    """``t.name(*args)`` is ``fn(t, *args)``; the method shares the function's docstring."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = name
    method.__qualname__ = f"Tensor.{name}"
    method.__doc__ = _method_doc(name, fn)
    return method


def _method_doc(name: str, fn: Any) -> str:
    """The function's summary paragraph and a pointer to it (its examples stay with the
    function, so doctests run once)."""
    summary = (fn.__doc__ or "").strip().split("\n\n")[0]
    top = sys.modules.get("minigrad")
    fname = getattr(fn, "__name__", name)
    public = top is not None and getattr(top, fname, None) is fn
    target = f"minigrad.{fname}" if public else f"{fn.__module__}.{fname}"
    return f"{summary}\n\nThe method form of :func:`{target}` (this tensor is ``input``)."


def _inplace_method(name: str, fn: Any) -> Any:
    """``t.name_(*args)`` writes ``fn(t, *args)`` into ``t`` (version counter bumped)."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self._assign(fn(self, *args, **kwargs), name + "_")

    method.__name__ = name + "_"
    method.__qualname__ = f"Tensor.{name}_"
    method.__doc__ = f"In-place :meth:`Tensor.{name}`: writes the result into this tensor."
    return method


class TensorMethods(TensorInplace):
    """Operators and methods of :class:`minigrad.Tensor`."""

    __slots__ = ()

    # ---------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Any:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Any:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Any:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Any:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Any:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Any:
        return _ops.div(other, self)

    def __pow__(self, other: Any) -> Any:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Any:
        return _ops.pow(other, self)

    def __matmul__(self, other: Any) -> Any:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return _ops.matmul(other, self)

    def __neg__(self) -> Any:
        return _ops.neg(self)

    def __pos__(self) -> Any:
        return self

    def __abs__(self) -> Any:
        return _ops.abs(self)

    # ---------------------------------------------------------------- comparisons
    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return _ops.eq(self, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return _ops.ne(self, other)

    def __lt__(self, other: Any) -> Any:
        return _ops.lt(self, other)

    def __le__(self, other: Any) -> Any:
        return _ops.le(self, other)

    def __gt__(self, other: Any) -> Any:
        return _ops.gt(self, other)

    def __ge__(self, other: Any) -> Any:
        return _ops.ge(self, other)

    def __invert__(self) -> Any:
        return _ops.bitwise_not(self)

    def __and__(self, other: Any) -> Any:
        return _ops.bitwise_and(self, other)

    def __rand__(self, other: Any) -> Any:
        return _ops.bitwise_and(other, self)

    def __or__(self, other: Any) -> Any:
        return _ops.bitwise_or(self, other)

    def __ror__(self, other: Any) -> Any:
        return _ops.bitwise_or(other, self)

    def __xor__(self, other: Any) -> Any:
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other: Any) -> Any:
        return _ops.bitwise_xor(other, self)

    # ---------------------------------------------------------------- elementwise
    def exp(self) -> Any:
        return _ops.exp(self)

    def log(self) -> Any:
        return _ops.log(self)

    def log1p(self) -> Any:
        return _ops.log1p(self)

    def sqrt(self) -> Any:
        return _ops.sqrt(self)

    def sin(self) -> Any:
        return _ops.sin(self)

    def cos(self) -> Any:
        return _ops.cos(self)

    def tanh(self) -> Any:
        return _ops.tanh(self)

    def sigmoid(self) -> Any:
        return _ops.sigmoid(self)

    def relu(self) -> Any:
        return _ops.relu(self)

    def abs(self) -> Any:
        return _ops.abs(self)

    def sign(self) -> Any:
        return _ops.sign(self)

    def square(self) -> Any:
        return _ops.square(self)

    def reciprocal(self) -> Any:
        return _ops.reciprocal(self)

    def clamp(self, min: Any = None, max: Any = None) -> Any:
        return _ops.clamp(self, min, max)

    clip = clamp

    def pow(self, exponent: Any) -> Any:
        return _ops.pow(self, exponent)

    def maximum(self, other: Any) -> Any:
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Any:
        return _ops.minimum(self, other)

    def matmul(self, other: Any) -> Any:
        return _ops.matmul(self, other)

    # ---------------------------------------------------------------- reductions
    # sum, mean, max, var, all, any … are bound from the table in minigrad/ops/reduce_more.py,
    # so they share the functions' keyword aliases (axis=, keepdims=, unbiased=, dtype=)

    # ---------------------------------------------------------------- shape
    def reshape(self, *shape: Any) -> Any:
        return _ops.reshape(self, *shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        return _ops.flatten(self, start_dim, end_dim)

    def squeeze(self, dim: Any = None) -> Any:
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Any:
        return _ops.unsqueeze(self, dim)

    def transpose(self, dim0: int, dim1: int) -> Any:
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Any:
        return _ops.permute(self, *dims)

    def expand(self, *sizes: Any) -> Any:
        return _ops.expand(self, *sizes)

    def expand_as(self, other: Any) -> Any:
        """This tensor broadcast to ``other``'s shape (``expand(other.shape)``)."""
        return _ops.broadcast_to(self, other.shape)

    def broadcast_to(self, shape: Any) -> Any:
        return _ops.broadcast_to(self, shape)

    def view_as(self, other: Any) -> Any:
        """This tensor reshaped to ``other``'s shape."""
        return _ops.reshape(self, other.shape)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> Any:
        return _ops.split(self, split_size_or_sections, dim)

    def gather(self, dim: int, index: Any) -> Any:
        return _ops.gather(self, dim, index)

    def __getitem__(self, key: Any) -> Any:
        return _ops.index(self, key)
