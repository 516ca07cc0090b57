"""Tensor's in-place methods (``add_``, ``mul_``, ``zero_``, ``t[k] = v`` …).

They write into the tensor's own array and bump its version counter, so backward can tell
when a saved tensor was changed; a node that saved the overwritten output refuses to run.

>>> import minigrad as mg
>>> t = mg.ones(3)
>>> t.mul_(2).add_(1)
tensor([3., 3., 3.], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import AutogradError, MinigradTypeError
from minigrad.grad_mode import STATE
from minigrad.tensor_basics import TensorBasics

__all__ = ["TensorInplace"]

_ops: Any = None  # minigrad.ops, set by minigrad.tensor_methods.bind_ops


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


class TensorInplace(TensorBasics):
    """In-place methods of :class:`minigrad.Tensor`."""

    __slots__ = ()

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
