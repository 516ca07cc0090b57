"""Dtypes, the default float dtype and PyTorch's type-promotion rules.

minigrad's dtypes are NumPy dtypes (``mg.float32 is numpy.dtype('float32')``), so arrays move
between the two without translation. Promotion follows ``torch.result_type``: operands are
ranked tensors with dimensions, then zero-dim tensors, then Python scalars; a lower-ranked
operand changes the result only when it belongs to a higher category (bool < int < float).
So ``float32_tensor * 2.0`` stays float32 and ``int_tensor * 0.5`` is the default float dtype.

>>> import minigrad as mg
>>> (mg.ones(2) * 2.0).dtype
dtype('float32')
>>> (mg.arange(3) * 0.5).dtype
dtype('float32')
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "bool_",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_floating",
    "result_dtype",
    "set_default_dtype",
    "uint8",
]

bool_ = np.dtype("bool")
uint8 = np.dtype("uint8")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")

_ALIASES = {
    "bool": bool_, "uint8": uint8, "int8": int8, "int16": int16, "int32": int32,
    "int64": int64, "long": int64, "int": int64, "float16": float16, "half": float16,
    "float32": float32, "float": float32, "float64": float64, "double": float64,
}

_default_float = float32


def to_dtype(dtype: Any) -> np.dtype:
    """Normalise a dtype given as ``mg.float32``, ``"float64"``, ``np.int32``, ``float`` …"""
    if isinstance(dtype, np.dtype):
        return dtype
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    if dtype is float:
        return _default_float
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"not a dtype: {dtype!r}") from None
    if dt.kind not in "biufc" or dt.fields is not None:  # strings, objects, records, ...
        raise TypeError(f"not a dtype minigrad supports: {dtype!r} (NumPy reads it as {dt})")
    return dt


def get_default_dtype() -> np.dtype:
    """The float dtype that Python floats and creation functions give (float32 at start).

    >>> import minigrad as mg
    >>> mg.get_default_dtype()
    dtype('float32')
    """
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Set the default float dtype (float32 or float64), as ``torch.set_default_dtype``.

    >>> import minigrad as mg
    >>> mg.set_default_dtype(mg.float64); mg.tensor(1.5).dtype
    dtype('float64')
    >>> mg.set_default_dtype(mg.float32)
    """
    global _default_float
    d = to_dtype(dtype)
    if d.kind != "f":
        from minigrad.errors import MinigradTypeError

        raise MinigradTypeError(
            f"set_default_dtype: only floating dtypes are allowed, got {d}"
        )
    _default_float = d


def is_floating(dtype: np.dtype) -> bool:
    """True for floating-point dtypes (the ones that can carry gradients)."""
    return dtype.kind == "f"


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _scalar_category(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return 1
    if isinstance(value, float):
        return 2
    if isinstance(value, complex):
        return 3
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """PyTorch's promote_types: across categories the higher category's dtype wins as it is
    (int64 with float16 is float16, where NumPy says float64); within one category NumPy's
    table agrees with PyTorch's (uint8 with int8 is int16)."""
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_dtype(*operands: Any) -> np.dtype:
    """The dtype of an op over tensors and Python scalars, by PyTorch's rules.

    Each operand is a minigrad Tensor (anything with ``.dtype`` and ``.ndim``) or a Python
    bool/int/float.
    """
    dim_dtype = zero_dim_dtype = None
    scalar_cat = -1
    for op in operands:
        dtype = getattr(op, "dtype", None)
        if dtype is None:
            scalar_cat = max(scalar_cat, _scalar_category(op))
        elif op.ndim:
            dim_dtype = dtype if dim_dtype is None else _promote(dim_dtype, dtype)
        else:
            zero_dim_dtype = (
                dtype if zero_dim_dtype is None else _promote(zero_dim_dtype, dtype)
            )
    result = dim_dtype
    if zero_dim_dtype is not None and (
        result is None or _CATEGORY[zero_dim_dtype.kind] > _CATEGORY[result.kind]
    ):
        result = zero_dim_dtype
    if scalar_cat >= 0 and (result is None or scalar_cat > _CATEGORY[result.kind]):
        result = (bool_, int64, _default_float, np.dtype("complex64"))[scalar_cat]
    return result
