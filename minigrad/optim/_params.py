"""What every optimizer does with a parameter: read its checked gradient, write its data in
place, make its state tensors, and cast loaded state to it.

>>> import minigrad as mg
>>> w = mg.zeros(2, requires_grad=True)
>>> w.grad = mg.ones(2)
>>> grad_data("SGD", w)
array([1., 1.], dtype=float32)
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from minigrad.creation import tensor
from minigrad.errors import DeviceError, MinigradTypeError, ShapeError
from minigrad.tensor import Tensor

__all__ = ["apply_weight_decay", "grad_data", "writable_data", "zeros_state"]


def zeros_state(p: Tensor, fill: float = 0.0) -> Tensor:
    """A state tensor of ``p``'s shape, dtype and device filled with ``fill``."""
    backend = p._backend
    xp = backend.xp
    with backend.device_context(p._data):  # on the parameter's GPU
        arr = xp.zeros_like(p._data) if fill == 0 else xp.full_like(p._data, fill)
    return Tensor._make(arr, None)


def grad_data(op: str, p: Tensor) -> Any:
    """``p.grad``'s array, checked against ``p`` (shape, dtype, device) before a step uses it.

    The ``.grad`` setter checks what is assigned, but ``p.grad.data = ...`` or an in-place
    ``resize`` bypasses it; a wrong gradient must raise here rather than broadcast into ``p``.

    >>> import minigrad as mg
    >>> w = mg.zeros(3, requires_grad=True); w.grad = mg.zeros(3)
    >>> w.grad.data = mg.zeros(1)
    >>> try:
    ...     grad_data("SGD", w)
    ... except mg.ShapeError as e:
    ...     print(e)
    SGD.step: a parameter of shape (3,) has a gradient of shape (1,); gradients must have \
the parameter's shape
    """
    g = p._grad._data
    if g.shape != p._data.shape:
        raise ShapeError(
            f"{op}.step: a parameter of shape {tuple(p._data.shape)} has a gradient of shape "
            f"{tuple(g.shape)}; gradients must have the parameter's shape"
        )
    if g.dtype != p._data.dtype:
        raise MinigradTypeError(
            f"{op}.step: a parameter of dtype {p._data.dtype} (shape {tuple(p._data.shape)}) "
            f"has a gradient of dtype {g.dtype}; gradients must have the parameter's dtype"
        )
    if type(g) is not type(p._data) or getattr(g, "device", None) != getattr(
        p._data, "device", None
    ):
        raise DeviceError(
            f"{op}.step: a parameter on {p.device} (shape {tuple(p._data.shape)}) has a "
            f"gradient on {p._grad.device}; gradients must be on the parameter's device"
        )
    backend = p._backend
    if backend.enters_device:  # a GPU: the step's work for ``p`` runs on p's device
        backend.use_device_of(g)
    return g


def apply_weight_decay(g: Any, data: Any, lr: float, wd: float, decoupled: bool) -> Any:
    """Weight decay ``wd`` before a step: shrink ``data`` in place by ``1 - lr * wd``
    (``decoupled``, as AdamW) or add the L2 term ``wd * data`` to ``g``; returns ``g``.

    >>> import numpy as np
    >>> data = np.array([2.0])
    >>> apply_weight_decay(np.array([1.0]), data, 0.1, 0.5, False)
    array([2.])
    >>> apply_weight_decay(np.array([1.0]), data, 0.1, 0.5, True), data
    (array([1.]), array([1.9]))
    """
    if wd != 0:
        if decoupled:
            data *= 1 - lr * wd
        else:
            g = g + wd * data
    return g


def writable_data(p: Tensor) -> Any:
    """``p``'s array, given its own memory first if it is a read-only (broadcast) view."""
    if not getattr(getattr(p._data, "flags", None), "writeable", True):
        p._data = p._data.copy()
    return p._data


def _copy_value(value: Any) -> Any:
    """Copy a state value: tensors get new storage, containers are copied deeply."""
    if isinstance(value, Tensor):
        return Tensor._make(value._data.copy(), None)
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_value(v) for v in value)
    return copy.deepcopy(value)


def _cast_like(value: Any, p: Tensor, key: str) -> Any:
    """A loaded state value moved to ``p``'s device (and dtype, for floating values)."""
    if isinstance(value, Tensor) or (hasattr(value, "shape") and hasattr(value, "dtype")):
        t = value if isinstance(value, Tensor) else tensor(value)  # keeps the value's dtype
        if key != "step" and t.dtype.kind == "f":
            t = t.astype(p.dtype)
        t = t.to(p.device) if t.device != p.device else t
        return Tensor._make(t._data.copy(), None)
    if isinstance(value, dict):
        return {k: _cast_like(v, p, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_cast_like(v, p, key) for v in value]
    return copy.deepcopy(value)


def _gpu_device_scope() -> Any:
    """Restore the GPU's current device after a step (a no-op context on the CPU)."""
    from minigrad.backends import backends

    gpu = next((b for b in backends() if b.enters_device), None)
    return contextlib.nullcontext() if gpu is None else gpu.device_scope()
