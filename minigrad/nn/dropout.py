"""``Dropout``: zero each element with probability ``p`` while training, scale the rest by
``1/(1-p)`` (inverted dropout); the identity in eval mode. Masks come from minigrad's seeded
generator, so ``mg.manual_seed`` makes them reproducible.

>>> import minigrad as mg
>>> from minigrad import nn
>>> drop = nn.Dropout(0.5).eval()
>>> drop(mg.ones(3)).tolist()
[1.0, 1.0, 1.0]
"""

from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class Dropout(Module):
    """Randomly zero elements with probability ``p`` during training (see module docstring).

    >>> import minigrad as mg
    >>> y = Dropout(0.5)(mg.ones(1000))
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability `p` has to be between 0 and 1, but got {p!r}")
        self.p, self.inplace = float(p), inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class _DropoutNd(Dropout):
    def forward(self, input: Tensor) -> Tensor:
        return getattr(F, type(self).__name__.lower())(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p`` (training).

    >>> import minigrad as mg
    >>> y = Dropout1d(0.5)(mg.ones(4, 8, 3))
    >>> all(len(set(y[n, c].tolist())) == 1 for n in range(4) for c in range(8))
    True
    """


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) inputs with probability ``p`` (training).

    >>> import minigrad as mg
    >>> Dropout2d(0.5).eval()(mg.ones(1, 2, 2, 2)).sum().item()
    8.0
    """


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p``.

    >>> import minigrad as mg
    >>> Dropout3d(0.0)(mg.ones(1, 2, 2, 2, 2)).sum().item()
    16.0
    """
