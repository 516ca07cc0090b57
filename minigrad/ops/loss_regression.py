"""Binary and regression losses and the radial-basis layer, with PyTorch's definitions.

``binary_cross_entropy_with_logits`` is stable for logits of any magnitude; every loss takes
``reduction`` = "mean" | "sum" | "none".

>>> import minigrad as mg
>>> binary_cross_entropy_with_logits(mg.tensor([1e4, -1e4]), mg.tensor([1.0, 0.0]))
tensor(0., dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.amp.policy import FP32, autocast_function
from minigrad.backends import backend_of
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from .binary import where
from .conv_args import check_float
from .loss import check_reduction, legacy_reduction

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "huber_loss", "l1_loss",
    "mse_loss", "rbf", "smooth_l1_loss",
]


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _pair_args(op: str, input: Tensor, target: Tensor, reduction: str,
               size_average: bool | None = None,
               reduce: bool | None = None) -> tuple[Tensor, Tensor, str]:
    reduction = legacy_reduction(op, size_average, reduce, reduction)
    check_reduction(op, reduction)
    input, target = check_float(op, input=input, target=target)
    if tuple(input.shape) != tuple(target.shape):
        raise ShapeError(f"{op}: target shape {target.shape} must equal input shape "
                         f"{input.shape}")
    return input, target, reduction


class LogSigmoid(Op):
    """``log(sigmoid(x)) = -(relu(-x) + log1p(exp(-|x|)))``: no overflow at any ``x``."""

    def forward(self, xp: Any, x: Any) -> Any:
        return -(xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x))))

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (g * m.sigmoid(-inputs[0]),)


class BinaryCrossEntropy(Op):
    """``-(y log x + (1-y) log(1-x))`` with each log clamped at -100 (PyTorch's rule)."""

    def forward(self, xp: Any, x: Any, y: Any) -> Any:
        with backend_of(x).errstate(divide="ignore"):
            lx = xp.maximum(xp.log(x), -100.0)
            l1x = xp.maximum(xp.log(1 - x), -100.0)
        return -(y * lx + (1 - y) * l1x)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        x, y = inputs
        need = self.needs_input_grad
        gx = g * (x - y) / m.clamp((1 - x) * x, lo=1e-12, hi=None) if need[0] else None
        gy = None
        if need[1]:
            gy = g * (m.clamp(m.log(1 - x), lo=-100.0, hi=None)
                      - m.clamp(m.log(x), lo=-100.0, hi=None))
        return gx, gy


register_math("logsigmoid", LogSigmoid)
register_math("binary_cross_entropy", BinaryCrossEntropy)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """BCE of probabilities, as ``torch.nn.functional.binary_cross_entropy`` (logs >= -100).

    >>> import minigrad as mg
    >>> round(binary_cross_entropy(mg.tensor([0.5, 1.0]), mg.tensor([1.0, 1.0])).item(), 4)
    0.3466
    """
    op = "binary_cross_entropy"
    input, target, reduction = _pair_args(op, input, target, reduction, size_average, reduce)
    data = input._data
    if bool(((data < 0) | (data > 1)).any()):
        raise ShapeError(f"{op}: all elements of input must be in [0, 1] (probabilities); "
                         f"use binary_cross_entropy_with_logits for logits")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_function(FP32)
def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, weight: Tensor | None = None,
    size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """``-(pos_weight * y * log σ(x) + (1-y) * log(1-σ(x)))``, stable, as PyTorch.

    >>> import minigrad as mg
    >>> pw = mg.tensor([2.0])
    >>> loss = binary_cross_entropy_with_logits(mg.zeros(2), mg.ones(2), pos_weight=pw)
    >>> round(loss.item(), 4)  # 2 log 2
    1.3863
    """
    op = "binary_cross_entropy_with_logits"
    input, target, reduction = _pair_args(op, input, target, reduction, size_average, reduce)
    log_p = LogSigmoid.apply(input)
    log_q = LogSigmoid.apply(-input)
    pos = target * log_p
    if pos_weight is not None:
        pos = pos * pos_weight
    loss = -(pos + (1 - target) * log_q)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_function(FP32)
def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Squared error, as ``torch.nn.functional.mse_loss``.

    >>> import minigrad as mg
    >>> mse_loss(mg.tensor([1.0, 3.0]), mg.tensor([0.0, 0.0]))
    tensor(5., dtype=float32, device='cpu')
    """
    input, target, reduction = _pair_args("mse_loss", input, target, reduction, size_average,
                                          reduce)
    d = input - target
    return _reduce(d * d, reduction)


@autocast_function(FP32)
def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Absolute error, as ``torch.nn.functional.l1_loss``.

    >>> import minigrad as mg
    >>> l1_loss(mg.tensor([1.0, -3.0]), mg.tensor([0.0, 0.0]))
    tensor(2., dtype=float32, device='cpu')
    """
    input, target, reduction = _pair_args("l1_loss", input, target, reduction, size_average,
                                          reduce)
    return _reduce((input - target).abs(), reduction)


@autocast_function(FP32)
def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``0.5 d²/beta`` where ``|d| < beta``, else ``|d| - beta/2`` (PyTorch's smooth L1).

    >>> import minigrad as mg
    >>> smooth_l1_loss(mg.tensor([0.5, 3.0]), mg.zeros(2), reduction="none")
    tensor([0.125, 2.5  ], dtype=float32, device='cpu')
    """
    input, target, reduction = _pair_args("smooth_l1_loss", input, target, reduction,
                                          size_average, reduce)
    if beta < 0:
        raise ShapeError(f"smooth_l1_loss: `beta` must be >= 0, got {beta}")
    d = input - target
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    small = Tensor._make(a._data < beta, None)
    return _reduce(where(small, d * d * (0.5 / beta), a - 0.5 * beta), reduction)


@autocast_function(FP32)
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """``0.5 d²`` where ``|d| < delta``, else ``delta (|d| - delta/2)`` (PyTorch's Huber).

    >>> import minigrad as mg
    >>> huber_loss(mg.tensor([0.5, 3.0]), mg.zeros(2), reduction="none", delta=2.0)
    tensor([0.125, 4.   ], dtype=float32, device='cpu')
    """
    input, target, reduction = _pair_args("huber_loss", input, target, reduction)
    if delta <= 0:
        raise ShapeError(f"huber_loss: `delta` must be > 0, got {delta}")
    d = input - target
    a = d.abs()
    small = Tensor._make(a._data < delta, None)
    return _reduce(where(small, d * d * 0.5, (a - 0.5 * delta) * delta), reduction)


def rbf(input: Tensor, centres: Tensor) -> Tensor:
    """Squared Euclidean distance of each input vector to each centre (LeNet-5's output).

    ``input`` (N, D), ``centres`` (K, D) → (N, K); differentiable in both.

    >>> import minigrad as mg
    >>> rbf(mg.tensor([[0.0, 0.0], [1.0, 1.0]]), mg.tensor([[1.0, 0.0]]))
    tensor([[1.],
            [1.]], dtype=float32, device='cpu')
    """
    input, centres = check_float("rbf", input=input, centres=centres)
    if input.ndim != 2 or centres.ndim != 2 or input.shape[1] != centres.shape[1]:
        raise ShapeError(f"rbf: expected input (N, D) and centres (K, D) with the same D, got "
                         f"{input.shape} and {centres.shape}")
    d = input.unsqueeze(1) - centres.unsqueeze(0)
    return (d * d).sum(2)
