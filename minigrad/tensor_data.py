"""Turning user data (nested lists, NumPy arrays, numbers, tensors) into backend arrays, with
PyTorch's dtype inference and its errors for ragged or non-numeric data.

>>> import minigrad as mg
>>> mg.tensor([[1, 2], [3, 4.5]]).dtype, mg.tensor([]).dtype, mg.tensor([True]).dtype
(dtype('float32'), dtype('float32'), dtype('bool'))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.backends import backend_for, parse_device
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.size import Size
from minigrad.tensor_methods import TensorMethods

__all__: list[str] = []


def _to_array(data: Any, dtype: Any, device: Any) -> Any:
    """Convert user data to a backend array with PyTorch's dtype inference."""
    if isinstance(data, TensorMethods):
        data = data._data
    dev = parse_device(device)
    backend = backend_for(dev)
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
    elif isinstance(data, float) or (
        not hasattr(data, "dtype") and _infer_kind(data) == "f"
    ):
        dtype = dtypes.get_default_dtype()
    try:
        arr = backend.asarray(data, dtype=dtype, device=dev)
    except ValueError as e:  # ragged lists, strings that are not numbers, ...
        _check_rectangular(data)
        raise ValueError(f"tensor: cannot make a tensor from this data ({e})") from None
    if arr.dtype == np.dtype("O") or arr.dtype.kind in "USV":
        raise MinigradTypeError(f"tensor: cannot make a tensor from data of type {arr.dtype}")
    return arr


def _check_rectangular(data: Any) -> None:
    """Raise PyTorch's error for ragged nested lists: ``tensor([[1, 2], [3]])`` names the dim
    and the lengths; a list mixing numbers and lists is a ``TypeError``."""
    level, dim = [data], 0
    while level:
        seqs = [isinstance(x, (list, tuple)) for x in level]
        if not any(seqs):
            return
        if not all(seqs):
            raise MinigradTypeError(
                f"tensor: the data mixes numbers and sequences at dim {dim}; nested lists "
                "must be rectangular"
            )
        n = len(level[0])
        for x in level:
            if len(x) != n:
                raise ShapeError(
                    f"tensor: expected sequence of length {n} at dim {dim} (got {len(x)})"
                )
        level, dim = [y for x in level for y in x], dim + 1


def _legacy_array(args: tuple[Any, ...], dtype: Any, device: Any) -> Any:
    """The array of PyTorch's legacy ``Tensor(*sizes)`` / ``Tensor(data)`` constructor."""
    dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    if len(args) == 1 and isinstance(args[0], TensorMethods):
        return _to_array(args[0]._data, dtype, device)
    if len(args) == 1 and not isinstance(args[0], (int, Size)):
        if isinstance(args[0], (bool, float, complex, str, bytes)) or args[0] is None:
            raise MinigradTypeError(
                f"Tensor: data must be a sequence (got {type(args[0]).__name__}); "
                "use mg.tensor() for a 0-d tensor"
            )
        return _to_array(args[0], dt, device)
    sizes = args[0] if len(args) == 1 and isinstance(args[0], Size) else args or (0,)
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
        raise MinigradTypeError(
            f"Tensor: expected sizes (ints) or one sequence of data, got {args!r}"
        )
    if any(n < 0 for n in sizes):
        raise ValueError(f"Tensor: sizes must be non-negative, got {tuple(sizes)}")
    return backend_for(device).xp.zeros(tuple(sizes), dtype=dt)


def _infer_kind(data: Any) -> str:
    """'f' if any leaf of a nested list is a float, or if the lists hold no leaf at all
    (``tensor([[]])`` is float32, as in PyTorch), else '' (NumPy infers the rest)."""
    stack = [data]
    leaves = False
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            return "f"
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        leaves = True
        if isinstance(item, TensorMethods) and item.dtype.kind == "f":
            return "f"
    return "" if leaves else "f"
