"""The minigrad error hierarchy.

Each error subclasses the built-in a NumPy or PyTorch user would catch: shape and value
problems are ``ValueError``, wrong argument types ``TypeError``, autograd-state and device
problems ``RuntimeError``. Messages name the op, the argument and the shapes.

>>> import minigrad as mg
>>> try:
...     mg.ones(2, 3) @ mg.ones(2, 3)
... except mg.ShapeError as e:
...     print(e)
matmul: inner dimensions differ: input (2, 3) @ other (2, 3) (3 != 2)
"""

from __future__ import annotations

__all__ = [
    "AnomalyError",
    "AutogradError",
    "DeviceError",
    "MinigradError",
    "MinigradIndexError",
    "MinigradTypeError",
    "OutOfMemoryError",
    "ShapeError",
]


class MinigradError(Exception):
    """Base class of every error minigrad raises on purpose."""


class ShapeError(MinigradError, ValueError):
    """Shapes that do not fit together, or a bad ``dim`` / value argument."""


class MinigradIndexError(ShapeError, IndexError):
    """An index out of range or an indexing key that does not fit the tensor (an
    ``IndexError``, as in PyTorch, and a :class:`ShapeError`)."""


class MinigradTypeError(MinigradError, TypeError):
    """An argument of the wrong type or dtype."""


class AutogradError(MinigradError, RuntimeError):
    """Misuse of the autograd engine: a freed graph, a modified saved tensor, …"""


class DeviceError(MinigradError, RuntimeError):
    """Tensors on different devices in one op, or a device that is not available."""


class OutOfMemoryError(DeviceError, MemoryError):
    """A GPU allocation failed (``torch.cuda.OutOfMemoryError``); the message says how much
    was asked for and what the memory pool holds.

    >>> issubclass(OutOfMemoryError, MemoryError)
    True
    """


class AnomalyError(AutogradError):
    """A NaN or Inf found by :func:`minigrad.autograd.detect_anomaly`."""
