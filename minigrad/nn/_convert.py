"""``Module.to``: move parameters and buffers (and their gradients) in place.

The Parameter objects stay the same, only their arrays are replaced, so an optimizer that holds
them keeps working after ``model.to(...)``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> lin = nn.Linear(2, 2)
>>> w = lin.weight
>>> lin.to(mg.float64).weight is w, w.dtype
(True, dtype('float64'))
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.backends import Device
from minigrad.errors import MinigradTypeError
from minigrad.tensor import Tensor

__all__ = ["module_to"]


def _parse(args: tuple[Any, ...], device: Any, dtype: Any) -> tuple[Any, Any]:
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (str, Device)) or (isinstance(a, int) and not isinstance(a, bool)):
            device = a
        else:
            dtype = a
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
        if dtype.kind != "f":
            raise MinigradTypeError(f"Module.to only accepts floating point dtypes, got {dtype}")
    return device, dtype


def module_to(module: Any, args: tuple[Any, ...], device: Any = None, dtype: Any = None) -> Any:
    """Move/cast every parameter and buffer of ``module`` (floating ones only for dtype)."""
    device, dtype = _parse(args, device, dtype)

    def convert(arr: Any) -> Any:
        t = Tensor._make(arr, None)
        if device is not None and t.device != device:
            t = t.to(device)
        if dtype is not None and arr.dtype.kind == "f" and arr.dtype != dtype:
            t = t.astype(dtype)
        return t._data

    for m in module.modules():
        for store in (m._parameters, m._buffers):
            for t in store.values():
                if t is None:
                    continue
                t._data = convert(t._data)
                if t.grad is not None:
                    t.grad._data = convert(t.grad._data)
    return module
