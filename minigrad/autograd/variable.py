"""``Variable``: PyTorch's old name for a tensor that records its history, kept as PyTorch keeps
it. ``isinstance(t, Variable)`` is True for every Tensor and ``Variable(t, requires_grad)``
returns a new leaf Tensor sharing ``t``'s data.

>>> import minigrad as mg
>>> from minigrad.autograd import Variable
>>> v = Variable(mg.ones(2), requires_grad=True)
>>> v, isinstance(v, Variable), type(v).__name__
(tensor([1., 1.], dtype=float32, device='cpu', requires_grad=True), True, 'Tensor')
"""

from __future__ import annotations

import warnings
from typing import Any

from minigrad.errors import MinigradTypeError
from minigrad.tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other: Any) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(data=None, requires_grad=False, volatile=False)``: a leaf Tensor over
    ``data``'s array (no copy, outside ``data``'s graph); ``Variable()`` is an empty tensor."""

    def __new__(  # type: ignore[misc]
        cls, data: Tensor | None = None, requires_grad: bool = False, volatile: bool = False
    ) -> Tensor:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with "
                          "minigrad.no_grad():` instead.", UserWarning, stacklevel=2)
            if requires_grad:
                raise ValueError("Variable can't be volatile and require_grad at the same time!")
        if data is None:
            return Tensor()
        if not isinstance(data, Tensor):
            raise MinigradTypeError(
                f"Variable data has to be a tensor, but got {type(data).__name__}"
            )
        t = Tensor._make(data._data, None)
        if requires_grad:
            t.requires_grad = True
        return t
