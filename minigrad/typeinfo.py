"""Questions about tensors and dtypes: ``is_tensor``, ``numel``, ``finfo``, ``iinfo`` …

``finfo`` and ``iinfo`` are thin wrappers over NumPy's, under PyTorch's attribute names
(``bits``, ``eps``, ``max``, ``min``, ``tiny``, ``smallest_normal``, ``resolution``,
``dtype``; Python numbers, ``dtype`` a string as in PyTorch).

>>> import minigrad as mg
>>> mg.is_tensor(mg.ones(1)), mg.numel(mg.ones(2, 3)), mg.finfo(mg.float32).bits
(True, 6, 32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.errors import MinigradTypeError
from minigrad.tensor import Tensor

__all__ = ["finfo", "iinfo", "is_complex", "is_floating_point", "is_tensor", "numel"]


def is_tensor(obj: Any) -> bool:
    """True when ``obj`` is a minigrad Tensor (Parameters included).

    >>> import minigrad as mg
    >>> mg.is_tensor(mg.zeros(1)), mg.is_tensor([1.0])
    (True, False)
    """
    return isinstance(obj, Tensor)


def _tensor(op: str, input: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise MinigradTypeError(f"{op}: `input` must be a Tensor, got {type(input).__name__}")
    return input


def is_floating_point(input: Tensor) -> bool:
    """True when ``input`` has a floating dtype (float16, float32, float64).

    >>> import minigrad as mg
    >>> mg.is_floating_point(mg.ones(1)), mg.is_floating_point(mg.arange(2))
    (True, False)
    """
    return _tensor("is_floating_point", input)._data.dtype.kind == "f"


def is_complex(input: Tensor) -> bool:
    """False: minigrad has no complex dtypes.

    >>> import minigrad as mg
    >>> mg.is_complex(mg.ones(1))
    False
    """
    _tensor("is_complex", input)
    return False


def numel(input: Tensor) -> int:
    """The number of elements of ``input``.

    >>> import minigrad as mg
    >>> mg.numel(mg.zeros(2, 3))
    6
    """
    return int(_tensor("numel", input)._data.size)


class finfo:
    """Machine limits of a float dtype (the default float dtype when none is given).

    >>> import minigrad as mg
    >>> f = mg.finfo(mg.float16); f.bits, f.eps, f.max
    (16, 0.0009765625, 65504.0)
    """

    __slots__ = ("bits", "dtype", "eps", "max", "min", "resolution", "smallest_normal", "tiny")

    def __init__(self, type: Any = None) -> None:
        dt = dtypes.get_default_dtype() if type is None else dtypes.to_dtype(type)
        if dt.kind != "f":
            raise MinigradTypeError(f"finfo: needs a floating dtype, got {dt}; use mg.iinfo "
                                    "for integer dtypes")
        info = np.finfo(dt)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = str(dt)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype.

    >>> import minigrad as mg
    >>> i = mg.iinfo(mg.uint8); i.bits, i.min, i.max
    (8, 0, 255)
    """

    __slots__ = ("bits", "dtype", "max", "min")

    def __init__(self, type: Any) -> None:
        dt = dtypes.to_dtype(type)
        if dt.kind not in "iu":
            raise MinigradTypeError(f"iinfo: needs an integer dtype, got {dt}; use mg.finfo "
                                    "for floating dtypes")
        info = np.iinfo(dt)
        self.bits, self.min, self.max = int(info.bits), int(info.min), int(info.max)
        self.dtype = str(dt)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
