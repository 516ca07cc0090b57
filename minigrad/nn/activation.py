"""Activation modules: ``ReLU``, ``LeakyReLU``, ``Tanh``, ``Sigmoid``, ``Softmax``,
``LogSoftmax``, ``Softmin``, ``Softmax2d``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.ReLU()(mg.tensor([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""

from __future__ import annotations

from minigrad.errors import ShapeError
from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Softmax2d", "Softmin",
           "Tanh"]


class ReLU(Module):
    """``max(0, x)``; ``inplace=True`` writes the result into the input, as PyTorch.

    >>> import minigrad as mg
    >>> ReLU()(mg.tensor([-3.0, 0.5])).tolist()
    [0.0, 0.5]
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` if ``x > 0`` else ``negative_slope·x`` (``inplace=True`` writes into the input).

    >>> import minigrad as mg
    >>> LeakyReLU(0.1)(mg.tensor([-2.0, 3.0])).tolist()
    [-0.20000000298023224, 3.0]
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """Hyperbolic tangent.

    >>> import minigrad as mg
    >>> Tanh()(mg.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Sigmoid(Module):
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    >>> import minigrad as mg
    >>> Sigmoid()(mg.tensor([0.0])).tolist()
    [0.5]
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


def _legacy_dim(ndim: int) -> int:
    """PyTorch's implicit softmax dim when ``dim=None``: 0 for 0-, 1- and 3-d inputs, else 1."""
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """Softmax along ``dim``. With ``dim=None`` PyTorch's legacy rule picks the dim (0 for
    0-, 1- and 3-d inputs, else 1); PyTorch also warns then, minigrad does not.

    >>> import minigrad as mg
    >>> Softmax(dim=-1)(mg.zeros(1, 4)).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = _legacy_dim(input.ndim) if self.dim is None else self.dim
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably (``dim=None`` as in Softmax).

    >>> import minigrad as mg
    >>> round(LogSoftmax(dim=1)(mg.zeros(1, 2)).tolist()[0][0], 4)
    -0.6931
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = _legacy_dim(input.ndim) if self.dim is None else self.dim
        return F.log_softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` along ``dim`` (``dim=None`` as in Softmax).

    >>> import minigrad as mg
    >>> Softmin(dim=1)(mg.zeros(1, 2)).tolist()
    [[0.5, 0.5]]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = _legacy_dim(input.ndim) if self.dim is None else self.dim
        return F.softmin(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of ``(N, C, H, W)`` or ``(C, H, W)`` input.

    >>> import minigrad as mg
    >>> Softmax2d()(mg.zeros(2, 1, 1)).tolist()
    [[[0.5]], [[0.5]]]
    """

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (3, 4):
            raise ShapeError(f"Softmax2d: expected 3D or 4D input, got {input.ndim}D input of "
                             f"shape {input.shape}")
        return F.softmax(input, -3)
