"""Padding layers, as ``torch.nn``'s: ``ZeroPad*``, ``ConstantPad*``, ``ReflectionPad*``,
``ReplicationPad*`` and ``CircularPad*`` for 1, 2 and 3 spatial dims, over ``F.pad``.

``padding`` is an int (every side) or a tuple (left, right[, top, bottom[, front, back]]),
stored as the full tuple, as PyTorch.

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.ReflectionPad2d((1, 1, 2, 0))(mg.ones(1, 1, 3, 3)).shape
Size([1, 1, 5, 5])
"""

from __future__ import annotations

from typing import Any

from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = [
    "CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
    "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
    "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
    "ZeroPad3d",
]


def _padding(name: str, padding: Any, n: int) -> tuple[int, ...]:
    if isinstance(padding, bool):
        raise TypeError(f"{name}: `padding` must be an int or a tuple of {2 * n} ints, got "
                        f"{padding!r}")
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    items = tuple(padding)
    if len(items) != 2 * n or not all(isinstance(p, int) and not isinstance(p, bool)
                                      for p in items):
        raise ValueError(f"{name}: `padding` must be an int or a tuple of {2 * n} ints, got "
                         f"{padding!r}")
    return items


class _PadNd(Module):
    mode = "constant"
    dims = 1

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _padding(type(self).__name__, padding, self.dims)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``.

    >>> import minigrad as mg
    >>> ConstantPad1d((1, 0), 3.5)(mg.zeros(1, 2)).tolist()
    [[3.5, 0.0, 0.0]]
    """


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with ``value``.

    >>> import minigrad as mg
    >>> ConstantPad2d(1, -1.0)(mg.zeros(1, 1, 1)).tolist()
    [[[-1.0, -1.0, -1.0], [-1.0, 0.0, -1.0], [-1.0, -1.0, -1.0]]]
    """

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with ``value``.

    >>> import minigrad as mg
    >>> ConstantPad3d(1, 0.0)(mg.ones(1, 1, 1, 1)).shape
    Size([1, 3, 3, 3])
    """

    dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim with zeros.

    >>> import minigrad as mg
    >>> ZeroPad1d((0, 2))(mg.ones(1, 1)).tolist()
    [[1.0, 0.0, 0.0]]
    """


class ZeroPad2d(_ZeroPadNd):
    """Pad the last 2 dims with zeros.

    >>> import minigrad as mg
    >>> ZeroPad2d((1, 0, 0, 1))(mg.ones(1, 1, 1)).tolist()
    [[[0.0, 1.0], [0.0, 0.0]]]
    """

    dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last 3 dims with zeros.

    >>> import minigrad as mg
    >>> ZeroPad3d(1)(mg.ones(1, 1, 1, 1)).sum().item()
    1.0
    """

    dims = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim of (N,) C, W by reflection (the edge is not repeated).

    >>> import minigrad as mg
    >>> ReflectionPad1d(2)(mg.tensor([[0.0, 1.0, 2.0]])).tolist()
    [[2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]]
    """

    mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dims of (N,) C, H, W by reflection.

    >>> import minigrad as mg
    >>> ReflectionPad2d(1)(mg.ones(1, 2, 2)).shape
    Size([1, 4, 4])
    """

    mode, dims = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dims of (N,) C, D, H, W by reflection.

    >>> import minigrad as mg
    >>> ReflectionPad3d(1)(mg.ones(1, 2, 2, 2)).shape
    Size([1, 4, 4, 4])
    """

    mode, dims = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Pad the last dim of (N,) C, W by repeating the edge.

    >>> import minigrad as mg
    >>> ReplicationPad1d((2, 1))(mg.tensor([[0.0, 1.0]])).tolist()
    [[0.0, 0.0, 0.0, 1.0, 1.0]]
    """

    mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dims of (N,) C, H, W by repeating the edge.

    >>> import minigrad as mg
    >>> ReplicationPad2d(1)(mg.ones(1, 2, 2)).sum().item()
    16.0
    """

    mode, dims = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dims of (N,) C, D, H, W by repeating the edge.

    >>> import minigrad as mg
    >>> ReplicationPad3d(1)(mg.ones(1, 1, 1, 1)).sum().item()
    27.0
    """

    mode, dims = "replicate", 3


class CircularPad1d(_PadNd):
    """Pad the last dim of (N,) C, W by wrapping around.

    >>> import minigrad as mg
    >>> CircularPad1d((1, 2))(mg.tensor([[0.0, 1.0, 2.0]])).tolist()
    [[2.0, 0.0, 1.0, 2.0, 0.0, 1.0]]
    """

    mode = "circular"


class CircularPad2d(_PadNd):
    """Pad the last 2 dims of (N,) C, H, W by wrapping around.

    >>> import minigrad as mg
    >>> CircularPad2d(1)(mg.ones(1, 2, 2)).shape
    Size([1, 4, 4])
    """

    mode, dims = "circular", 2


class CircularPad3d(_PadNd):
    """Pad the last 3 dims of (N,) C, D, H, W by wrapping around.

    >>> import minigrad as mg
    >>> CircularPad3d(1)(mg.ones(1, 2, 2, 2)).shape
    Size([1, 4, 4, 4])
    """

    mode, dims = "circular", 3
