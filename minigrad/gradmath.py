"""The namespace ``m`` that backward formulas are written over.

Ops register themselves by name (``register_math("exp", Exp)``). ``ArrayMath(xp)`` calls an
op's forward straight on arrays (fast, nothing recorded); ``TENSOR_MATH`` calls
``Op.apply`` on Tensors, so a gradient computed with ``create_graph=True`` is itself a graph.
One formula serves both, e.g. ``return (g * out,)`` for exp.

>>> import numpy as np
>>> import minigrad  # registers the ops
>>> from minigrad.gradmath import ArrayMath
>>> ArrayMath(np).sum_to(np.ones((2, 3)), (1, 3))
array([[2., 2., 2.]])
"""

from __future__ import annotations

from typing import Any

__all__ = ["TENSOR_MATH", "ArrayMath", "TensorMath", "register_math"]

_REGISTRY: dict[str, type] = {}


def register_math(name: str, fn_cls: type) -> type:
    """Make op ``fn_cls`` callable as ``m.<name>(*inputs, **params)`` in backward formulas."""
    _REGISTRY[name] = fn_cls
    return fn_cls


class ArrayMath:
    """Backward formulas on raw arrays of the array module ``xp``."""

    def __init__(self, xp: Any) -> None:
        self.xp = xp

    def __getattr__(self, name: str) -> Any:
        try:
            fn_cls = _REGISTRY[name]
        except KeyError:
            raise AttributeError(f"no op {name!r} registered for backward formulas") from None
        xp = self.xp

        def call(*arrays: Any, **params: Any) -> Any:
            return fn_cls.__new__(fn_cls).forward(xp, *arrays, **params)

        self.__dict__[name] = call  # cache: later lookups skip __getattr__
        return call


class TensorMath:
    """Backward formulas on Tensors, recorded so they can be differentiated again."""

    def __getattr__(self, name: str) -> Any:
        try:
            fn_cls = _REGISTRY[name]
        except KeyError:
            raise AttributeError(f"no op {name!r} registered for backward formulas") from None
        call = fn_cls.apply
        self.__dict__[name] = call
        return call


TENSOR_MATH = TensorMath()
_ARRAY_MATHS: dict[int, ArrayMath] = {}


def array_math(xp: Any) -> ArrayMath:
    """The (cached) :class:`ArrayMath` of array module ``xp``."""
    m = _ARRAY_MATHS.get(id(xp))
    if m is None:
        m = _ARRAY_MATHS[id(xp)] = ArrayMath(xp)
    return m
