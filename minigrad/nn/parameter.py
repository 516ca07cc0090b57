"""``Parameter``: a tensor that a :class:`~minigrad.nn.Module` registers as learnable.

>>> import minigrad as mg
>>> from minigrad.nn import Parameter
>>> p = Parameter(mg.zeros(2))
>>> p.requires_grad, isinstance(p, mg.Tensor)
(True, True)
"""

from __future__ import annotations

from typing import Any

from minigrad.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A :class:`~minigrad.Tensor` that is a module parameter (``requires_grad=True`` by default).

    ``Parameter(data)`` shares ``data``'s storage (as PyTorch does); assigning one to a module
    attribute registers it, so it appears in ``parameters()`` and ``state_dict()``.

    >>> import minigrad as mg
    >>> w = Parameter(mg.ones(2, 2), requires_grad=False)
    >>> w.requires_grad
    False
    >>> Parameter(mg.tensor([1.0]))
    Parameter containing:
    tensor([1.], dtype=float32, device='cpu', requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = Tensor([])
        if isinstance(data, Tensor):
            self._data = data._data
        else:
            self._data = Tensor._from_data(data)._data
        self._grad = None
        self.grad_fn = None
        self._version = 0
        self._hooks = None
        self.name = None
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:  # deepcopy / copy support
        return (_rebuild_parameter, (self._data.copy(), self._requires_grad))

    def __deepcopy__(self, memo: dict[int, Any]) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._make(self._data.copy(), None), self._requires_grad)
        if self.grad is not None:
            out.grad = Tensor._make(self.grad._data.copy(), None)
        memo[id(self)] = out
        return out


def _rebuild_parameter(data: Any, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(data, None), requires_grad)
