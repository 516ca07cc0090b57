"""``RBF``: the radial-basis output layer of LeNet-5 (LeCun et al. 1998, section II-B).

Output unit ``i`` computes the squared Euclidean distance between the input vector and its
centre, ``y_i = Σ_j (x_j - c_ij)²``: the smaller, the better the match. LeNet-5 set the 10
centres of its 84-unit F6 layer to stylised ±1 bitmaps of the digits (7×12); pass such a
table as ``centres``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> rbf = nn.RBF(3, 2, centres=mg.tensor([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]]))
>>> rbf(mg.ones(1, 3)).tolist()
[[0.0, 12.0]]
"""

from __future__ import annotations

from typing import Any

from minigrad import creation
from minigrad.errors import ShapeError
from minigrad.grad_mode import no_grad
from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["RBF"]


class RBF(Module):
    """Euclidean radial-basis units with learnable ``centres`` of shape
    ``(out_features, in_features)``; input ``(N, in_features)`` → output ``(N, out_features)``.

    ``centres``: the initial centres (copied). Without it each entry is drawn as ±1 with equal
    probability from minigrad's seeded generator, a random version of LeNet-5's ±1 bitmaps.
    ``trainable=False`` keeps them fixed, as LeNet-5 did. A given table is also kept as the
    non-persistent buffer ``initial_centres`` so that ``reset_parameters()`` restores it.

    >>> import minigrad as mg
    >>> rbf = RBF(84, 10)
    >>> rbf(mg.zeros(5, 84)).shape, sorted(set(rbf.centres.tolist()[0]))
    (Size([5, 10]), [-1.0, 1.0])
    """

    def __init__(self, in_features: int, out_features: int, centres: Any = None,
                 trainable: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for arg, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"RBF: `{arg}` must be a positive int, got {v!r}")
        self.in_features, self.out_features = in_features, out_features
        self.centres = Parameter(creation.empty(out_features, in_features, dtype=dtype,
                                                device=device), requires_grad=trainable)
        initial = None
        if centres is not None:
            given = centres if isinstance(centres, Tensor) else Tensor._from_data(centres)
            if given.shape != (out_features, in_features):
                raise ShapeError(f"RBF: `centres` must have shape (out_features, in_features) "
                                 f"= {(out_features, in_features)}, got {given.shape}")
            initial = Tensor._make(given.detach().to(self.centres.device, self.centres.dtype)
                                   ._data.copy(), None)
        self.register_buffer("initial_centres", initial, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set the centres to the table given at construction, else to random ±1 entries."""
        with no_grad():
            if self.initial_centres is not None:
                self.centres._data[...] = self.initial_centres._data
                self.centres._version += 1
            else:
                self.centres.uniform_(-1.0, 1.0)
                self.centres._data[...] = self.centres._backend.xp.where(
                    self.centres._data >= 0, 1.0, -1.0)

    def forward(self, input: Tensor) -> Tensor:
        return F.rbf(input, self.centres)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"trainable={self.centres.requires_grad}")
