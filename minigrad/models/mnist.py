"""The models of the classic MNIST results: logreg, mlp, lenet5, lenet5-classic.

Every model takes images of shape (N, 1, H, W) and returns class scores (logits) of shape
(N, 10), so one loss (cross-entropy) and one accuracy (argmax) serve them all.

>>> import minigrad as mg
>>> mlp()(mg.zeros(2, 1, 28, 28)).shape
Size([2, 10])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import minigrad as mg
from minigrad import nn
from minigrad.tensor import Tensor

__all__ = [
    "C3_CONNECTIONS", "LeNet5", "LeNet5Classic", "ScaledTanh", "c3_table", "logistic_regression",
    "mlp",
]


class ScaledTanh(nn.Module):
    """LeCun's squashing function ``A·tanh(S·x)`` with A = 1.7159, S = 2/3 (1998, app. A).

    Chosen so that f(±1) = ±1 and the gain is largest around the working range.

    >>> import minigrad as mg
    >>> round(ScaledTanh()(mg.tensor([1.0])).item(), 4)
    1.0
    """

    def __init__(self, amplitude: float = 1.7159, slope: float = 2.0 / 3.0) -> None:
        super().__init__()
        self.amplitude = float(amplitude)
        self.slope = float(slope)

    def forward(self, x: Tensor) -> Tensor:
        return mg.tanh(x * self.slope) * self.amplitude

    def extra_repr(self) -> str:
        return f"amplitude={self.amplitude}, slope={self.slope:.4f}"


def logistic_regression(in_features: int = 784, num_classes: int = 10) -> nn.Module:
    """Multinomial logistic regression: flatten, one linear layer (softmax is in the loss).

    >>> logistic_regression()
    Sequential(
      (0): Flatten(start_dim=1, end_dim=-1)
      (1): Linear(in_features=784, out_features=10, bias=True)
    )
    """
    return nn.Sequential(nn.Flatten(), nn.Linear(in_features, num_classes))


def mlp(in_features: int = 784, hidden: int = 100, num_classes: int = 10,
        activation: str = "tanh") -> nn.Module:
    """One hidden layer: ``in_features``-``hidden``-``num_classes`` with tanh (or relu).

    >>> mlp(hidden=30)[1].out_features
    30
    """
    acts: dict[str, Callable[[], nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU,
                                                 "sigmoid": nn.Sigmoid}
    if activation not in acts:
        raise ValueError(f"mlp: activation must be one of {sorted(acts)}, got {activation!r}")
    return nn.Sequential(
        nn.Flatten(), nn.Linear(in_features, hidden), acts[activation](),
        nn.Linear(hidden, num_classes),
    )


class LeNet5(nn.Module):
    """LeNet-5 as it is usually trained today: ReLU and max-pooling, linear output.

    conv 6@5×5 (padding 2, so 28×28 in, 28×28 out) → pool → conv 16@5×5 → pool →
    120 → 84 → 10.

    >>> import minigrad as mg
    >>> LeNet5()(mg.zeros(1, 1, 28, 28)).shape
    Size([1, 10])
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


# LeCun et al. 1998, table I: which of S2's 6 maps feed each of C3's 16 maps. Columns 0-5
# take 3 contiguous maps, 6-11 four contiguous, 12-14 four discontinuous, 15 all six.
C3_CONNECTIONS: tuple[tuple[int, ...], ...] = (
    (0, 1, 2), (1, 2, 3), (2, 3, 4), (3, 4, 5), (0, 4, 5), (0, 1, 5),
    (0, 1, 2, 3), (1, 2, 3, 4), (2, 3, 4, 5), (0, 3, 4, 5), (0, 1, 4, 5), (0, 1, 2, 5),
    (0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5), (0, 1, 2, 3, 4, 5),
)


def c3_table() -> list[list[bool]]:
    """C3's connection table as a 16×6 boolean matrix (out map × in map).

    >>> t = c3_table(); sum(map(sum, t)), t[15]
    (60, [True, True, True, True, True, True])
    """
    return [[i in ins for i in range(6)] for ins in C3_CONNECTIONS]


class LeNet5Classic(nn.Module):
    """LeCun et al. (1998) LeNet-5, layer for layer.

    Input 32×32 (MNIST padded by 2). C1: conv 6@5×5 → S2: trainable sub-sampling (2×2 sum
    × coefficient + bias) → C3: conv 16@5×5 with the paper's 6→16 connection table (60 of
    the 96 map pairs) → S4: sub-sampling → C5: conv 120@5×5 (1×1 output) → F6: 84 units →
    RBF output with 10 centres. Every squashing is LeCun's scaled tanh 1.7159·tanh(2x/3).

    The RBF layer outputs penalties (squared distances to the centres; the smallest wins).
    ``forward`` returns their negatives, so as logits they feed the same cross-entropy as the
    other models; that loss, ``y_D + log Σ exp(-y_i)``, is the paper's MAP criterion (eq. 9)
    without its constant j.

    >>> import minigrad as mg
    >>> LeNet5Classic()(mg.zeros(2, 1, 32, 32)).shape
    Size([2, 10])
    """

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5)
        self.s2 = nn.Subsampling2d(6, 2)
        self.c3 = nn.Conv2d(6, 16, 5, connections=c3_table())
        self.s4 = nn.Subsampling2d(16, 2)
        self.c5 = nn.Conv2d(16, 120, 5)
        self.f6 = nn.Linear(120, 84)
        self.output = nn.RBF(84, num_classes, trainable=False)  # fixed ±1 centres
        self.act = ScaledTanh()
        self._init_weights()

    def _init_weights(self) -> None:
        """The paper's init: uniform in ±2.4 / F_in (F_in: a unit's connected inputs), so the
        squashing starts in its linear range. S2/S4 already start that way."""
        for layer in (self.c1, self.c3, self.c5, self.f6):
            w = layer.weight
            mask = getattr(layer, "connections", None)
            if mask is None:
                bounds: Any = 2.4 / math.prod(w.shape[1:])
                scale: Any = bounds
            else:  # per output map: only the connected input maps count
                table = mask.astype(w.dtype).reshape(w.shape[0], w.shape[1], 1, 1)
                bounds = 2.4 / (table.sum(dim=(1, 2, 3)) * math.prod(w.shape[2:]))
                scale = bounds.reshape(-1, 1, 1, 1) * table
            with mg.no_grad():
                w.uniform_(-1.0, 1.0)
                w.mul_(scale)
                if layer.bias is not None:
                    layer.bias.uniform_(-1.0, 1.0)
                    layer.bias.mul_(bounds)

    def forward(self, x: Tensor) -> Tensor:
        act = self.act
        x = act(self.s2(act(self.c1(x))))
        x = act(self.s4(act(self.c3(x))))
        x = act(self.c5(x)).flatten(1)
        x = act(self.f6(x))
        return -self.output(x)
