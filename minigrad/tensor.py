"""Tensor: an array, its gradient, and the node of the graph that made it.

Arithmetic and methods only forward to the functions in :mod:`minigrad.ops`; the autograd
machinery lives in :mod:`minigrad.op` and :mod:`minigrad.autograd`.

>>> import minigrad as mg
>>> w = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
>>> loss = (w @ mg.ones(2)).relu().sum()
>>> loss.backward()
>>> w.grad
tensor([[1., 1.],
        [1., 1.]], dtype=float32, device='cpu')
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from minigrad import printing
from minigrad import tensor_methods as _methods
from minigrad.backends import Device, backend_of
from minigrad.errors import AutogradError, DeviceError, MinigradTypeError
from minigrad.size import Size
from minigrad.tensor_data import _legacy_array, _to_array
from minigrad.tensor_methods import TensorMethods

__all__ = ["Tensor"]


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook off again."""

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class Tensor(TensorMethods):
    """A multi-dimensional array that records the ops applied to it.

    Called directly it is PyTorch's legacy constructor: ``Tensor(2, 3)`` (sizes; minigrad
    fills with zeros where PyTorch leaves memory uninitialised), ``Tensor([1, 2])`` (data,
    converted to the default float dtype), ``Tensor()`` (empty), ``Tensor(t)`` (shares ``t``).
    minigrad also takes ``dtype=`` and ``requires_grad=`` keywords there (PyTorch does not);
    use :func:`minigrad.tensor` to keep the data's own dtype. Only floating-point tensors can
    require grad.

    >>> import minigrad as mg
    >>> t = mg.Tensor([[1, 2]], requires_grad=True)
    >>> t.shape, t.dtype, t.device, t.is_leaf
    (Size([1, 2]), dtype('float32'), device(type='cpu'), True)
    >>> mg.Tensor(2, 3).shape
    Size([2, 3])
    """

    __slots__ = {"__weakref__": None, "_data": None, "_grad": None, "_hooks": None,
                 "_requires_grad": None, "_version": None,
                 "grad_fn": "The node of the graph that made this tensor (None for a leaf).",
                 "name": "An optional label, shown by minigrad.viz in graph pictures."}
    __array_ufunc__ = None  # make NumPy defer `ndarray * tensor` to Tensor.__rmul__

    def __init__(
        self, *args: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None
    ) -> None:
        self._data = _legacy_array(args, dtype, device)
        self._grad: Tensor | None = None
        self.grad_fn: Any = None
        self._version = 0
        self._hooks: list[Any] | None = None
        self.name: str | None = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _make(data: Any, grad_fn: Any) -> Tensor:
        """Wrap a backend array without conversion (the fast path ops use)."""
        t = object.__new__(Tensor)
        t._data = data
        t.grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
        t._grad = None
        t._version = 0
        t._hooks = None
        t.name = None
        return t

    @staticmethod
    def _from_data(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
        """A tensor over ``data`` with :func:`minigrad.tensor`'s dtype inference (no copy of
        an array already of that dtype and device); the internal data constructor."""
        return Tensor._make(_to_array(data, dtype, device), None)

    # ------------------------------------------------------------------ properties
    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (None until then).

        Assigning checks the value as PyTorch does: a Tensor (or None) of this tensor's shape,
        dtype and device, so an optimizer can never broadcast a wrong gradient into it.
        """
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise MinigradTypeError(
                    f"grad: assigned grad must be a Tensor or None, got {type(value).__name__}"
                )
            for what, got, want in (("shape", value.shape, self.shape),
                                    ("dtype", value.dtype, self.dtype),
                                    ("device", value.device, self.device)):
                if got != want:
                    raise AutogradError(
                        f"grad: assigned grad has {what} {got}, but the tensor has {what} "
                        f"{want} (shape {tuple(self.shape)})"
                    )
        self._grad = value

    @property
    def _backend(self) -> Any:
        return backend_of(self._data)

    @property
    def shape(self) -> Size:
        """The size of each dimension, as a :class:`minigrad.Size` (a tuple)."""
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the elements (``float32`` by default)."""
        return self._data.dtype

    @property
    def device(self) -> Device:
        """Where the data lives: ``device(type='cpu')`` or ``device(type='cuda', index=0)``."""
        return backend_of(self._data).device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        """True when the tensor lives on a GPU."""
        return self.device.type == "cuda"

    @property
    def data(self) -> Tensor:
        """The same storage, outside the graph (changes to it are not tracked)."""
        return Tensor._make(self._data, None)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else _to_array(value, None, None)

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded for backward (floating point only)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None and not value:
            raise AutogradError(
                "requires_grad: you can only change requires_grad of leaf tensors; use "
                "detach() to get a tensor outside the graph"
            )
        if value and self._data.dtype.kind != "f":
            raise MinigradTypeError(
                f"requires_grad: only floating-point tensors can require gradients, this one "
                f"has dtype {self._data.dtype} (shape {self.shape})"
            )
        self._requires_grad = bool(value)

    @property
    def is_leaf(self) -> bool:
        """True when no recorded op made this tensor (its ``.grad`` is kept by backward)."""
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        """The dimensions in reverse order (the transpose of a matrix)."""
        return _methods._ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of matrices transposed)."""
        return _methods._ops.transpose(self, -2, -1)

    def size(self, dim: int | None = None) -> Any:
        """The shape as a :class:`minigrad.Size`, or the size of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_methods._ops.normalize_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def dim(self) -> int:
        """The number of dimensions (``ndim``)."""
        return self.ndim

    def element_size(self) -> int:
        """The size of one element in bytes."""
        return self._data.itemsize

    # ------------------------------------------------------------------ conversions
    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(
                f"item: a Tensor with {self._data.size} elements (shape {self.shape}) cannot "
                "be converted to a Python scalar"
            )
        return self._data.item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of numbers."""
        return backend_of(self._data).to_numpy(self._data).tolist()

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array sharing memory (CPU tensors that need no grad only)."""
        if backend_of(self._data).name != "numpy":
            raise DeviceError(
                f"numpy: this tensor is on {self.device}; call .cpu() first to copy it to host "
                "memory"
            )
        if self._requires_grad:
            raise AutogradError(
                "numpy: can't call numpy() on a tensor that requires grad; use "
                "tensor.detach().numpy()"
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if backend_of(self._data).name != "numpy":
            raise DeviceError(f"np.asarray: this tensor is on {self.device}; call .cpu() first")
        arr = self._data if dtype is None else self._data.astype(dtype, copy=False)
        return arr.copy() if copy else arr

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self._data.__dlpack_device__()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"bool: the truth value of a tensor with {self._data.size} elements is "
                "ambiguous; use .any() or .all()"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        arr = backend_of(self._data).to_numpy(self._data)
        body = printing.format_array(arr, "tensor(")
        extra = f", dtype={self.dtype}, device='{self.device}'"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name()}>"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # ------------------------------------------------------------------ autograd
    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None,
        create_graph: bool = False, inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of every leaf.

        ``gradient``: d(something)/d(self), of this tensor's shape; required unless the
        tensor has one element (then it is 1). ``retain_graph``: keep the saved values so
        backward can run through the same graph again (default: ``create_graph``); without
        it a second backward raises. ``create_graph``: record the backward pass itself, so
        the ``.grad`` it leaves is differentiable (gradients of gradients). ``inputs``: a
        tensor or a sequence of tensors; only these accumulate ``.grad`` (others are left
        alone). Gradients add up across calls; zero them between steps
        (``optimizer.zero_grad()``).

        >>> import minigrad as mg
        >>> x = mg.tensor(3.0, requires_grad=True)
        >>> y = x ** 3
        >>> y.backward(create_graph=True)
        >>> x.grad  # 3 x**2, itself part of a graph
        tensor(27., dtype=float32, device='cpu', grad_fn=<MulBackward0>)
        """
        from minigrad import autograd

        autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return this tensor."""
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage, outside the graph."""
        return Tensor._make(self._data, None)

    def detach_(self) -> Tensor:
        """Take this tensor out of the graph in place (it becomes a leaf)."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if self.grad_fn is None:
            return
        ref = weakref.ref(self)

        def keep(grad: Tensor) -> None:
            t = ref()
            if t is not None:
                t.grad = grad if grad.grad_fn is not None else Tensor._make(grad._data.copy(), None)

        keep._retains_grad = True  # type: ignore[attr-defined]  # the engine runs it last
        self.grad_fn._register_tensor_hook(keep)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """Call ``hook(self)`` once per backward, after this leaf's ``.grad`` is final."""
        from minigrad.autograd import graph

        return graph.register_post_accumulate_grad_hook(self, hook)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient.

        >>> import minigrad as mg
        >>> x = mg.ones(2, requires_grad=True)
        >>> _ = x.register_hook(lambda g: g * 10)
        >>> x.sum().backward(); x.grad
        tensor([10., 10.], dtype=float32, device='cpu')
        """
        if not self._requires_grad:
            raise AutogradError("register_hook: cannot register a hook on a tensor that "
                                "doesn't require gradient")
        if self.grad_fn is not None:
            self.grad_fn._register_tensor_hook(hook)
            return _HookHandle(self.grad_fn._pre_hooks, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)
