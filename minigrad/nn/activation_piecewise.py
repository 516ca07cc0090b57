"""Piecewise activation modules: ``Hardtanh``, ``ReLU6``, ``Hardswish``, ``Hardsigmoid``,
``Softshrink``, ``Hardshrink``, ``Threshold``, ``PReLU`` (learned slope ``weight``),
``RReLU`` and ``GLU``, with PyTorch's arguments.

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.ReLU6()(mg.tensor([-1.0, 9.0])).tolist()
[0.0, 6.0]
"""

from __future__ import annotations

from typing import Any

from minigrad import creation
from minigrad.nn import init
from minigrad.nn.activation_smooth import _Inplace
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.ops import activation_piecewise as P
from minigrad.tensor import Tensor

__all__ = ["GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "PReLU", "RReLU",
           "ReLU6", "Softshrink", "Threshold"]


class Hardtanh(Module):
    """``clamp(x, min_val, max_val)``.

    >>> Hardtanh(-2.0, 2.0)
    Hardtanh(min_val=-2.0, max_val=2.0)
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: `min_val` ({min_val}) cannot be greater than "
                             f"`max_val` ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return P.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace}"


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)``.

    >>> ReLU6(inplace=True)
    ReLU6(inplace=True)
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardswish(_Inplace):
    """``x·relu6(x + 3) / 6``.

    >>> import minigrad as mg
    >>> Hardswish()(mg.tensor([3.0])).tolist()
    [3.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return P.hardswish(input, self.inplace)


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6``.

    >>> import minigrad as mg
    >>> Hardsigmoid()(mg.tensor([0.0])).tolist()
    [0.5]
    """

    def forward(self, input: Tensor) -> Tensor:
        return P.hardsigmoid(input, self.inplace)


class Softshrink(Module):
    """``x ∓ λ`` outside ``[-λ, λ]``, zero inside.

    >>> Softshrink()
    Softshrink(0.5)
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return P.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Softshrink):
    """``x`` outside ``[-λ, λ]``, zero inside.

    >>> import minigrad as mg
    >>> Hardshrink(1.0)(mg.tensor([0.5, 2.0])).tolist()
    [0.0, 2.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return P.hardshrink(input, self.lambd)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    >>> Threshold(0.1, 20.0)
    Threshold(threshold=0.1, value=20.0)
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return P.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace}"


class PReLU(Module):
    """``x`` where positive, ``weight·x`` elsewhere; ``weight`` (``num_parameters`` slopes,
    one per channel of dim 1 or one shared) starts at ``init``.

    >>> import minigrad as mg
    >>> PReLU(3, init=0.1).weight.tolist()
    [0.10000000149011612, 0.10000000149011612, 0.10000000149011612]
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) \
                or num_parameters < 1:
            raise ValueError(f"PReLU: `num_parameters` must be a positive int, got "
                             f"{num_parameters!r}")
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.empty(num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return P.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class GLU(Module):
    """``a·sigmoid(b)`` for the two halves ``a``, ``b`` of the input along ``dim``.

    >>> import minigrad as mg
    >>> tuple(GLU()(mg.ones(2, 6)).shape)
    (2, 3)
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return P.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class RReLU(Module):
    """Randomized leaky ReLU: in training, slopes drawn from ``U(lower, upper)`` per element;
    in evaluation, the fixed slope ``(lower + upper) / 2``.

    >>> import minigrad as mg
    >>> RReLU(0.1, 0.3).eval()(mg.tensor([-10.0, 1.0])).tolist()
    [-2.0, 1.0]
    """

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        return P.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace}"
