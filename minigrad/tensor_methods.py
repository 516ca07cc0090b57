"""Tensor's operators and op methods, each a one-line call into :mod:`minigrad.ops`.

Kept apart from :mod:`minigrad.tensor` so that file holds the data and autograd state only.
In-place methods (``add_``, ``mul_``, ``zero_``, ``t[k] = v`` …) write into the tensor's own
array and bump its version counter, so backward can tell when a saved tensor was changed.

>>> import minigrad as mg
>>> t = mg.ones(3)
>>> t.mul_(2).add_(1)
tensor([3., 3., 3.], dtype=float32, device='cpu')
"""

from __future__ import annotations

import sys
from typing import Any

from minigrad.errors import AutogradError, MinigradTypeError
from minigrad.grad_mode import STATE
from minigrad.tensor_basics import TensorBasics

__all__ = ["TensorMethods", "bind_ops"]

_ops: Any = None


def bind_ops(ops_module: Any) -> None:
    """Connect the methods to :mod:`minigrad.ops` (done once, when minigrad is imported).

    Methods that only forward to a function come from the op families' tables
    (``ops.TENSOR_METHODS``, ``ops.INPLACE_METHODS``) rather than from hand-written
    definitions here; a method written out below (or in :mod:`minigrad.tensor_basics`) wins
    over a table entry of the same name.
    """
    global _ops
    _ops = ops_module
    written = {name for cls in (TensorMethods, TensorBasics) for name in vars(cls)}
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


def _mark_modified(tensor: Any) -> None:
    """Called before ``tensor``'s array is overwritten in place: if the node that made it saved
    that array for backward (exp, tanh, softmax …), its backward will refuse to run, as
    PyTorch's version check does for saved outputs."""
    node = tensor.grad_fn
    if node is not None and node._saved_out is tensor._data:
        node._out_modified = True


def _keep_saved_values(node: Any, tensor: Any) -> None:
    """The in-place op's own node saved ``tensor`` (``y.mul_(z)`` needs the old ``y`` for
    ``z``'s gradient): give the node a copy of the values about to be overwritten."""
    saved = node._saved_inputs
    if saved is None or not any(t is tensor for t in saved):
        return
    old = type(tensor)._make(tensor._data.copy(), tensor.grad_fn)
    old._requires_grad = tensor._requires_grad
    old._version = tensor._version
    node._saved_inputs = tuple(old if t is tensor else t for t in saved)


def _setitem_array(tensor: Any, value: Any) -> Any:
    """The value of ``tensor[key] = value`` as an array of ``tensor``'s dtype: a number, an
    array or a (nested) list of numbers. ``None``, strings, ragged lists and complex values
    into a real tensor are a ``TypeError`` (PyTorch's too) rather than NaN or garbage."""
    bad = value is None or isinstance(value, (str, bytes, dict, set))
    arr = None
    if not bad:
        try:
            arr = tensor._backend.xp.asarray(value)
        except (TypeError, ValueError):
            bad = True
    if bad or arr.dtype.kind not in "biuf" + ("c" if tensor.dtype.kind == "c" else ""):
        raise MinigradTypeError(
            f"__setitem__: can't assign a {type(value).__name__} ({value!r:.40}) to a tensor of "
            f"dtype {tensor.dtype} (shape {tuple(tensor.shape)}); assign a number, an array or "
            "a tensor"
        )
    return arr.astype(tensor.dtype, copy=False)


class TensorMethods(TensorBasics):
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

    # ---------------------------------------------------------------- in place
    def _assign(self, result: Any, op: str) -> Any:
        """Write ``result`` into this tensor's array; when recording, take over its node."""
        recording = STATE.grad_enabled and (self._requires_grad or result._requires_grad)
        if recording and self.grad_fn is None and self._requires_grad:
            raise AutogradError(
                f"{op}: a leaf tensor that requires grad (shape {self.shape}) is being used in "
                "an in-place operation; do it under `with mg.no_grad():` or out of place"
            )
        if result.shape != self.shape:
            raise AutogradError(
                f"{op}: the result has shape {result.shape}, which cannot be written in place "
                f"into a tensor of shape {self.shape}"
            )
        if not getattr(getattr(self._data, "flags", None), "writeable", True):
            self._data = self._data.copy()  # a broadcast view: give the tensor its own memory
        if recording and result.grad_fn is not None:
            _keep_saved_values(result.grad_fn, self)
        _mark_modified(self)
        self._data[...] = result._data
        if recording:
            self.grad_fn = result.grad_fn
            self._requires_grad = True
        self._version += 1
        return self

    def add_(self, other: Any, alpha: float = 1) -> Any:
        """In-place ``self + alpha * other``."""
        return self._assign(_ops.add(self, other if alpha == 1 else other * alpha), "add_")

    def sub_(self, other: Any, alpha: float = 1) -> Any:
        """In-place ``self - alpha * other``."""
        return self._assign(_ops.sub(self, other if alpha == 1 else other * alpha), "sub_")

    def mul_(self, other: Any) -> Any:
        """In-place ``self * other``."""
        return self._assign(_ops.mul(self, other), "mul_")

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Any:
        """In-place ``self / other`` (``rounding_mode`` as :func:`minigrad.div`)."""
        return self._assign(_ops.named.div(self, other, rounding_mode=rounding_mode), "div_")

    def clamp_(self, min: Any = None, max: Any = None) -> Any:
        """In-place :meth:`clamp`."""
        return self._assign(_ops.clamp(self, min, max), "clamp_")

    def copy_(self, src: Any) -> Any:
        """Copy ``src`` (broadcast and cast to this tensor's dtype) into this tensor."""
        src = src if hasattr(src, "_data") else type(self)._from_data(src)
        return self._assign(_ops.broadcast_to(src.astype(self.dtype), self.shape), "copy_")

    def zero_(self) -> Any:
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: float) -> Any:
        """Fill with ``value`` in place."""
        if STATE.grad_enabled and self._requires_grad and self.grad_fn is None:
            raise AutogradError(
                f"fill_: a leaf tensor that requires grad (shape {self.shape}) is being used "
                "in an in-place operation; do it under `with mg.no_grad():`"
            )
        _mark_modified(self)
        self._data[...] = value
        self._version += 1
        if self.grad_fn is not None:
            self.grad_fn, self._requires_grad = None, False
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Any:
        """Fill in place with numbers drawn uniformly from ``[a, b)`` (from ``generator``
        when given)."""
        from minigrad.random import rng_of

        values = rng_of(generator, self.device).uniform(a, b, size=self._data.shape)
        return self._fill_random(values.astype(self._data.dtype, copy=False))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Any:
        """Fill in place with numbers drawn from a normal distribution (``mean``, ``std``;
        from ``generator`` when given)."""
        from minigrad.random import rng_of

        values = rng_of(generator, self.device).normal(mean, std, size=self._data.shape)
        return self._fill_random(values.astype(self._data.dtype, copy=False))

    def _fill_random(self, values: Any) -> Any:
        _mark_modified(self)
        self._data[...] = values
        self._version += 1
        return self

    def __iadd__(self, other: Any) -> Any:
        return self.add_(other)

    def __isub__(self, other: Any) -> Any:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Any:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Any:
        return self.div_(other)

    def __setitem__(self, key: Any, value: Any) -> None:
        if not hasattr(value, "_data"):
            value = type(self)._make(_setitem_array(self, value), None)
        elif value.dtype != self.dtype:
            value = value.astype(self.dtype)
        self._assign(_ops.index_put(self, key, value), "__setitem__")
