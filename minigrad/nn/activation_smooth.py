"""Smooth activation modules: ``GELU``, ``SiLU``, ``Softplus``, ``ELU``, ``SELU``, ``CELU``,
``Mish``, ``Softsign``, ``Tanhshrink``, ``LogSigmoid``, with PyTorch's arguments.

``inplace=True`` writes the result into the input tensor (see
:func:`minigrad.ops._activation_args.apply_inplace`).

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.Sequential(nn.Linear(3, 4), nn.GELU())(mg.ones(2, 3)).ndim
2
"""

from __future__ import annotations

from minigrad.nn.module import Module
from minigrad.ops import activation as A
from minigrad.tensor import Tensor

__all__ = ["CELU", "ELU", "GELU", "SELU", "LogSigmoid", "Mish", "SiLU", "Softplus", "Softsign",
           "Tanhshrink"]


class _Inplace(Module):
    """An activation with only an ``inplace`` flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """``x·Φ(x)`` (``approximate="none"``) or its tanh approximation (``"tanh"``).

    >>> import minigrad as mg
    >>> GELU(approximate="tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return A.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_Inplace):
    """``x·sigmoid(x)``.

    >>> import minigrad as mg
    >>> SiLU()(mg.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return A.silu(input, inplace=self.inplace)


class Mish(_Inplace):
    """``x·tanh(softplus(x))``.

    >>> import minigrad as mg
    >>> Mish()(mg.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return A.mish(input, inplace=self.inplace)


class SELU(_Inplace):
    """``scale·elu(x, α)`` with PyTorch's fixed ``α`` and ``scale``.

    >>> import minigrad as mg
    >>> SELU()(mg.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return A.selu(input, inplace=self.inplace)


class Softplus(Module):
    """``log(1 + exp(β·x)) / β``, linear where ``β·x > threshold``.

    >>> Softplus(beta=2.0)
    Softplus(beta=2.0, threshold=20.0)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return A.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """``x`` where positive, ``α·(exp(x) - 1)`` elsewhere.

    >>> ELU(alpha=0.5, inplace=True)
    ELU(alpha=0.5, inplace=True)
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return A.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """``x`` where positive, ``α·(exp(x/α) - 1)`` elsewhere.

    >>> CELU()
    CELU(alpha=1.0)
    """

    def forward(self, input: Tensor) -> Tensor:
        return A.celu(input, self.alpha, self.inplace)


class Softsign(Module):
    """``x / (1 + |x|)``.

    >>> import minigrad as mg
    >>> Softsign()(mg.tensor([1.0])).tolist()
    [0.5]
    """

    def forward(self, input: Tensor) -> Tensor:
        return A.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``.

    >>> import minigrad as mg
    >>> Tanhshrink()(mg.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return A.tanhshrink(input)


class LogSigmoid(Module):
    """``log(sigmoid(x))``, without overflow.

    >>> import minigrad as mg
    >>> round(LogSigmoid()(mg.tensor([0.0])).item(), 4)
    -0.6931
    """

    def forward(self, input: Tensor) -> Tensor:
        return A.logsigmoid(input)
