"""Piecewise activations (Hardtanh, ReLU6, Hardswish, Hardsigmoid, Softshrink, Hardshrink,
Threshold, PReLU, RReLU), GLU, and the in-place forms of ReLU and LeakyReLU, with PyTorch's
signatures and its gradients at the kinks (e.g. Hardtanh passes none at ``min_val``).

>>> import minigrad as mg
>>> import minigrad.nn.functional as F
>>> F.hardtanh(mg.tensor([-2.0, 0.5, 2.0])).tolist()
[-1.0, 0.5, 1.0]
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.ops._activation_args import apply_inplace, float_input
from minigrad.ops.activation import _Activation
from minigrad.ops.elementwise import leaky_relu as _leaky_relu
from minigrad.ops.elementwise import relu as _relu
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim

__all__ = ["hardshrink", "prelu", "relu_", "rrelu", "rrelu_", "threshold", "threshold_"]
TENSOR_METHODS = ("hardshrink", "prelu", "relu_")


class Hardtanh(_Activation):
    """``clamp(x, min_val, max_val)``; the gradient passes strictly inside the bounds."""

    lo: float
    hi: float

    def _f(self, xp: Any, x: Any) -> Any:
        return xp.clip(x, self.lo, self.hi)

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        return g * ((x > self.lo) & (x < self.hi))


class Hardswish(_Activation):
    """``x·relu6(x + 3) / 6``."""

    def _f(self, xp: Any, x: Any) -> Any:
        return x * xp.clip(x + 3, 0, 6) / 6

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        return g * ((x / 3 + 0.5) * ((x >= -3) & (x <= 3)) + (x > 3))


class Hardsigmoid(_Activation):
    """``relu6(x + 3) / 6``."""

    def _f(self, xp: Any, x: Any) -> Any:
        return xp.clip(x + 3, 0, 6) / 6

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        return g * ((x > -3) & (x < 3)) / 6


class Shrink(_Activation):
    """Zero on ``[-λ, λ]``; elsewhere ``x`` (hard) or ``x ∓ λ`` (soft)."""

    lambd: float
    soft: bool

    def _f(self, xp: Any, x: Any) -> Any:
        keep = xp.abs(x) > self.lambd
        if self.soft:
            return xp.where(keep, x - xp.sign(x) * self.lambd, 0).astype(x.dtype)
        return xp.where(keep, x, 0).astype(x.dtype)

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        return g * ((x > self.lambd) | (x < -self.lambd))


class Threshold(_Activation):
    """``x`` where ``x > threshold``, else ``value``."""

    threshold: float
    value: float

    def _f(self, xp: Any, x: Any) -> Any:
        return xp.where(x > self.threshold, x, self.value).astype(x.dtype)

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        return g * (x > self.threshold)


class Prelu(Op):
    """``x`` where positive, ``weight·x`` elsewhere (``weight`` broadcast to ``x``)."""

    def forward(self, xp: Any, x: Any, w: Any) -> Any:
        return xp.where(x > 0, x, w * x)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        x, w = inputs
        pos = x > 0
        gx = m.where(pos, g, g * w) if self.needs_input_grad[0] else None
        gw = m.where(pos, g * 0, g * x) if self.needs_input_grad[1] else None
        return gx, gw


for _name, _cls in [("hardtanh", Hardtanh), ("hardswish", Hardswish),
                    ("hardsigmoid", Hardsigmoid), ("shrink", Shrink), ("threshold", Threshold),
                    ("prelu", Prelu)]:
    register_math(_name, _cls)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``clamp(x, min_val, max_val)``, as ``F.hardtanh`` (no gradient at the bounds).

    >>> import minigrad as mg
    >>> hardtanh(mg.tensor([-3.0, 3.0]), -2.0, 2.0).tolist()
    [-2.0, 2.0]
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: `min_val` ({min_val}) cannot be greater than `max_val` "
                         f"({max_val})")
    if inplace:
        return apply_inplace(hardtanh, input, "hardtanh", min_val=min_val, max_val=max_val)
    return Hardtanh.apply(float_input(input, "hardtanh"), lo=float(min_val), hi=float(max_val))


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place :func:`hardtanh` (``F.hardtanh_``).

    >>> import minigrad as mg
    >>> hardtanh_(mg.tensor([5.0])).tolist()
    [1.0]
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(0, x), 6)``, as ``F.relu6``.

    >>> import minigrad as mg
    >>> relu6(mg.tensor([-1.0, 7.0])).tolist()
    [0.0, 6.0]
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x·relu6(x + 3) / 6``, as ``F.hardswish``.

    >>> import minigrad as mg
    >>> hardswish(mg.tensor([-4.0, 0.0, 4.0])).tolist()
    [-0.0, 0.0, 4.0]
    """
    if inplace:
        return apply_inplace(hardswish, input, "hardswish")
    return Hardswish.apply(float_input(input, "hardswish"))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``relu6(x + 3) / 6``, as ``F.hardsigmoid``.

    >>> import minigrad as mg
    >>> hardsigmoid(mg.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    if inplace:
        return apply_inplace(hardsigmoid, input, "hardsigmoid")
    return Hardsigmoid.apply(float_input(input, "hardsigmoid"))


def _lambd(op: str, lambd: float) -> float:
    if lambd < 0:
        raise ValueError(f"{op}: `lambd` must be greater than or equal to 0, got {lambd}")
    return float(lambd)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - λ`` above ``λ``, ``x + λ`` below ``-λ``, zero between, as ``F.softshrink``.

    >>> import minigrad as mg
    >>> softshrink(mg.tensor([-1.0, 0.2, 1.0])).tolist()
    [-0.5, 0.0, 0.5]
    """
    return Shrink.apply(float_input(input, "softshrink"), lambd=_lambd("softshrink", lambd),
                        soft=True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > λ``, zero elsewhere, as ``torch.hardshrink``.

    >>> import minigrad as mg
    >>> hardshrink(mg.tensor([-1.0, 0.2, 1.0])).tolist()
    [-1.0, 0.0, 1.0]
    """
    return Shrink.apply(float_input(input, "hardshrink"), lambd=_lambd("hardshrink", lambd),
                        soft=False)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``, as ``torch.threshold``.

    >>> import minigrad as mg
    >>> threshold(mg.tensor([0.5, 2.0]), 1.0, -9.0).tolist()
    [-9.0, 2.0]
    """
    if inplace:
        return apply_inplace(_threshold, input, "threshold", th=threshold, value=value)
    return _threshold(input, threshold, value)


def _threshold(input: Tensor, th: float, value: float) -> Tensor:
    return Threshold.apply(float_input(input, "threshold"), threshold=float(th),
                           value=float(value))


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place :func:`threshold` (``torch.threshold_``).

    >>> import minigrad as mg
    >>> threshold_(mg.tensor([0.5]), 1.0, 0.0).tolist()
    [0.0]
    """
    return apply_inplace(_threshold, input, "threshold", th=threshold, value=value)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(0, x)``, as ``F.relu`` (``inplace=True`` writes into ``input``).

    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 1.0]); relu(x, inplace=True) is x
    True
    """
    return apply_inplace(_relu, input, "relu") if inplace else _relu(input)


def relu_(input: Tensor) -> Tensor:
    """In-place ReLU (``torch.relu_``, ``Tensor.relu_``).

    >>> import minigrad as mg
    >>> mg.tensor([-2.0, 3.0]).relu_().tolist()
    [0.0, 3.0]
    """
    return apply_inplace(_relu, input, "relu")


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``negative_slope·x`` elsewhere, as ``F.leaky_relu``.

    >>> import minigrad as mg
    >>> x = mg.tensor([-10.0, 1.0]); leaky_relu(x, inplace=True) is x, x.tolist()[1]
    (True, 1.0)
    """
    if inplace:
        return apply_inplace(_leaky_relu, input, "leaky_relu", negative_slope=negative_slope)
    return _leaky_relu(input, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place :func:`leaky_relu` (``F.leaky_relu_``).

    >>> import minigrad as mg
    >>> leaky_relu_(mg.tensor([1.0])).tolist()
    [1.0]
    """
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where positive, ``weight·x`` elsewhere, as ``torch.prelu``: ``weight`` holds one
    slope, or one per channel (dim 1 of the input).

    >>> import minigrad as mg
    >>> prelu(mg.tensor([[-2.0, -2.0]]), mg.tensor([0.5, 0.25])).tolist()
    [[-1.0, -0.5]]
    """
    float_input(input, "prelu")
    check_tensor(weight, "prelu", "weight")
    n = weight.numel()
    if weight.ndim > 1:
        raise ShapeError(f"prelu: `weight` must be 0-D or 1-D, got shape {weight.shape}")
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if n != channels:
            raise ShapeError(f"prelu: `weight` has {n} parameters but the input (shape "
                             f"{input.shape}) has {channels} channels in dim 1")
        weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    if weight.dtype != input.dtype:
        weight = weight.astype(input.dtype)
    return Prelu.apply(input, weight)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a·sigmoid(b)`` where ``a``, ``b`` are the halves of ``input`` along ``dim``, as
    ``F.glu``.

    >>> import minigrad as mg
    >>> glu(mg.tensor([[2.0, 0.0]])).tolist()
    [[1.0]]
    """
    float_input(input, "glu")
    if input.ndim == 0:
        raise ShapeError("glu: does not support 0-D (scalar) input")
    d = normalize_dim(dim, input.ndim, "glu")
    if input.shape[d] % 2:
        raise ShapeError(f"glu: halving dimension must be even, but dimension {d} of input "
                         f"shape {input.shape} has size {input.shape[d]}")
    a, b = input.split(input.shape[d] // 2, d)
    return a * b.sigmoid()


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomized leaky ReLU, as ``F.rrelu``: in training each non-positive element is scaled
    by its own slope drawn from ``U(lower, upper)`` (minigrad's seeded generator), and the
    gradient uses that slope; otherwise the fixed slope ``(lower + upper) / 2``.

    >>> import minigrad as mg
    >>> rrelu(mg.tensor([-8.0, 2.0]), 0.25, 0.75).tolist()
    [-4.0, 2.0]
    """
    float_input(input, "rrelu")
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: expected 0 <= lower <= upper, got lower={lower}, "
                         f"upper={upper}")
    if inplace:
        return apply_inplace(rrelu, input, "rrelu", lower=lower, upper=upper, training=training)
    if not training:
        return _leaky_relu(input, (lower + upper) / 2)
    backend = input._backend
    draw = backend.xp.asarray(backend.rng(input.device).random(input.shape))
    slope = (lower + (upper - lower) * draw).astype(input.dtype)
    noise = backend.xp.where(input._data <= 0, slope, 1).astype(input.dtype)
    return input * Tensor._make(noise, None)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place :func:`rrelu` (``torch.rrelu_``, ``F.rrelu_``).

    >>> import minigrad as mg
    >>> x = mg.tensor([-3.0]); rrelu_(x, 0.5, 0.5) is x, x.tolist()
    (True, [-1.5])
    """
    return rrelu(input, lower, upper, training, inplace=True)
