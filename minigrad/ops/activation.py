"""Smooth activations (GELU, SiLU, Softplus, ELU, SELU, CELU, Mish, Softsign, Tanhshrink,
LogSigmoid), each one op with its own backward written over ``m``, so gradients of gradients
work (``inplace=True`` goes through :func:`minigrad.ops._activation_args.apply_inplace`).

Only the names PyTorch also has at the top level (``torch.selu``, ``torch.celu`` …) join
``minigrad.<name>``; the rest are reached as ``minigrad.nn.functional.<name>``.

>>> import minigrad as mg
>>> import minigrad.nn.functional as F
>>> x = mg.tensor([-1.0, 0.0, 1.0], requires_grad=True)
>>> F.gelu(x).sum().backward(); [round(v, 4) for v in x.grad.tolist()]
[-0.0833, 0.5, 1.0833]
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.ops.loss_regression import LogSigmoid
from minigrad.ops.softmax import log_softmax, softmax
from minigrad.tensor import Tensor

from . import special
from ._activation_args import apply_inplace, float_input

__all__ = ["celu", "celu_", "log_softmax", "selu", "selu_", "softmax"]
TENSOR_METHODS = ("log_softmax", "softmax")  # torch.softmax, Tensor.softmax (ops/softmax.py)

_SQRT_2 = math.sqrt(2.0)
_SQRT_2PI = math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(xp: Any, x: Any) -> Any:
    """``1 / (1 + exp(-x))`` to full relative precision in both tails, without overflow."""
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_m(m: Any, x: Any) -> Any:
    """:func:`_sigmoid` over ``m`` (for backward formulas, differentiable again; clamp, not
    abs, so that the derivative at 0 is that of the branch taken)."""
    e = m.exp(m.clamp(x, lo=None, hi=0.0))
    return m.where(x >= 0, 1 / (1 + m.exp(-m.clamp(x, lo=0.0, hi=None))), e / (1 + e))


class _Activation(Op):
    """An elementwise activation: ``_f(xp, x)`` forward, ``_grad(m, g, x, y)`` backward."""

    def forward(self, xp: Any, x: Any, **params: Any) -> Any:
        self.__dict__.update(params)
        return self._f(xp, x)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (self._grad(m, g, None if inputs is None else inputs[0], out),)

    def _f(self, xp: Any, x: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError


class Gelu(_Activation):
    """``x·Φ(x)`` (``approximate="none"``) or its tanh approximation (``"tanh"``).

    The forward keeps ``Φ(x)`` (or the tanh) for the first-order backward, which then needs
    no second ``erf``: ``g·(Φ(x) + x·φ(x))``."""

    approximate: str

    def _f(self, xp: Any, x: Any) -> Any:
        if x.ndim == 0:  # the in-place steps need arrays (NumPy makes 0-d results scalars)
            out = self._f(xp, x.reshape(1))
            self.saved_aux = self.saved_aux.reshape(())
            return out.reshape(())
        if self.approximate == "tanh":
            t = x * x
            t *= 0.044715
            t += 1
            t *= x
            t *= math.sqrt(2 / math.pi)
            xp.tanh(t, out=t)  # kept: tanh(√(2/π)(x + 0.044715x³))
            self.saved_aux = t
            out = t + 1
            out *= x
            out *= 0.5
            return out
        cdf = special.erf(xp, x / _SQRT_2)
        cdf += 1
        cdf *= 0.5
        self.saved_aux = cdf  # Φ(x)
        return x * cdf

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        saved = self.__dict__.get("saved_aux")
        if isinstance(g, Tensor) or saved is None or saved.ndim == 0:
            return super().backward(m, g, inputs, out)
        x, xp = inputs[0], self.backend.xp  # first order on arrays, from the kept Φ(x) or tanh
        if self.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            d = x * x
            d *= 3 * 0.044715 * k
            d += k
            d *= x
            d *= 0.5
            d *= 1 - saved * saved  # 0.5·x·(1 - t²)·k(1 + 3·0.044715x²)
            d += 0.5
            d += 0.5 * saved
        else:
            d = x * x
            d *= -0.5
            xp.exp(d, out=d)
            d *= x
            d *= 1 / _SQRT_2PI  # x·φ(x)
            d += saved
        d *= g
        return (d,)

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        if self.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = m.tanh(k * (x + 0.044715 * x * x * x))
            return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x))
        cdf = 0.5 * (1 + m.erf(x / _SQRT_2))
        return g * (cdf + x * m.exp(-0.5 * (x * x)) / _SQRT_2PI)


class Silu(_Activation):
    """``x·sigmoid(x)`` (swish)."""

    def _f(self, xp: Any, x: Any) -> Any:
        return x * _sigmoid(xp, x)

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        s = _sigmoid_m(m, x)
        return g * s * (1 + x * (1 - s))


class Softplus(_Activation):
    """``log(1 + exp(β·x)) / β``, and ``x`` itself where ``β·x > threshold``."""

    beta: float
    threshold: float

    def _f(self, xp: Any, x: Any) -> Any:
        bx = x * self.beta
        return xp.where(bx > self.threshold, x, xp.logaddexp(0, bx) / self.beta)

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        bx = x * self.beta
        return m.where(bx > self.threshold, g, g * _sigmoid_m(m, bx))


class Elu(_Activation):
    """``x`` where positive, ``scale·α·(exp(x / γ) - 1)`` elsewhere (ELU, SELU, CELU)."""

    alpha: float
    scale: float
    inv_gamma: float

    def _f(self, xp: Any, x: Any) -> Any:
        neg = self.alpha * xp.expm1(xp.minimum(x, 0) * self.inv_gamma)
        return self.scale * xp.where(x > 0, x, neg)

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        slope = m.exp(m.clamp(x, lo=None, hi=0.0) * self.inv_gamma)
        neg = g * (self.scale * self.alpha * self.inv_gamma) * slope
        return m.where(x > 0, g * self.scale, neg)


class Mish(_Activation):
    """``x·tanh(softplus(x))``."""

    def _f(self, xp: Any, x: Any) -> Any:
        return x * xp.tanh(xp.logaddexp(0, x))

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        t = m.tanh(m.softplus(x, beta=1.0, threshold=20.0))
        return g * (t + x * _sigmoid_m(m, x) * (1 - t * t))


class Softsign(_Activation):
    """``x / (1 + |x|)``."""

    def _f(self, xp: Any, x: Any) -> Any:
        return x / (1 + xp.abs(x))

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        d = 1 + m.abs(x)
        return g / (d * d)


class Tanhshrink(_Activation):
    """``x - tanh(x)``."""

    def _f(self, xp: Any, x: Any) -> Any:
        return x - xp.tanh(x)

    def _grad(self, m: Any, g: Any, x: Any, y: Any) -> Any:
        t = m.tanh(x)
        return g * t * t


for _name, _cls in [("gelu", Gelu), ("silu", Silu), ("softplus", Softplus), ("elu", Elu),
                    ("mish", Mish), ("softsign", Softsign), ("tanhshrink", Tanhshrink)]:
    register_math(_name, _cls)


# ---------------------------------------------------------------------------- public
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """``x·Φ(x)``, Φ the standard normal CDF, as ``F.gelu``; ``approximate="tanh"`` uses
    ``0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))``.

    >>> import minigrad as mg
    >>> round(gelu(mg.tensor([1.0])).item(), 6), round(gelu(mg.tensor([1.0]), "tanh").item(), 6)
    (0.841345, 0.841192)
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: `approximate` must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(float_input(input, "gelu"), approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x·sigmoid(x)``, as ``F.silu``.

    >>> import minigrad as mg
    >>> round(silu(mg.tensor([1.0])).item(), 5)
    0.73106
    """
    if inplace:
        return apply_inplace(silu, input, "silu")
    return Silu.apply(float_input(input, "silu"))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(β·x)) / β``, linear where ``β·x > threshold``, as ``F.softplus``.

    >>> import minigrad as mg
    >>> round(softplus(mg.tensor([0.0])).item(), 6), softplus(mg.tensor([30.0])).item()
    (0.693147, 30.0)
    """
    return Softplus.apply(float_input(input, "softplus"), beta=float(beta),
                          threshold=float(threshold))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``α·(exp(x) - 1)`` elsewhere, as ``F.elu``.

    >>> import minigrad as mg
    >>> round(elu(mg.tensor([-1.0, 2.0])).tolist()[0], 6)
    -0.632121
    """
    if inplace:
        return apply_inplace(elu, input, "elu", alpha=alpha)
    return Elu.apply(float_input(input, "elu"), alpha=float(alpha), scale=1.0, inv_gamma=1.0)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`elu` (``F.elu_``).

    >>> import minigrad as mg
    >>> elu_(mg.tensor([3.0])).tolist()
    [3.0]
    """
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale·elu(x, α)`` with PyTorch's constants (α ≈ 1.6733, scale ≈ 1.0507), as
    ``torch.selu``.

    >>> import minigrad as mg
    >>> round(selu(mg.tensor([1.0])).item(), 6)
    1.050701
    """
    if inplace:
        return apply_inplace(selu, input, "selu")
    return Elu.apply(float_input(input, "selu"), alpha=_SELU_ALPHA, scale=_SELU_SCALE,
                     inv_gamma=1.0)


def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu` (``torch.selu_``).

    >>> import minigrad as mg
    >>> selu_(mg.tensor([0.0])).tolist()
    [0.0]
    """
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where positive, ``α·(exp(x/α) - 1)`` elsewhere, as ``torch.celu``.

    >>> import minigrad as mg
    >>> round(celu(mg.tensor([-1.0]), alpha=2.0).item(), 6)
    -0.786939
    """
    if float(alpha) == 0.0:
        raise ValueError("celu: `alpha` must not be 0 (it divides the input)")
    if inplace:
        return apply_inplace(celu, input, "celu", alpha=alpha)
    return Elu.apply(float_input(input, "celu"), alpha=float(alpha), scale=1.0,
                     inv_gamma=1.0 / float(alpha))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu` (``torch.celu_``).

    >>> import minigrad as mg
    >>> celu_(mg.tensor([2.0])).tolist()
    [2.0]
    """
    return celu(input, alpha, inplace=True)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x·tanh(softplus(x))``, as ``F.mish``.

    >>> import minigrad as mg
    >>> round(mish(mg.tensor([1.0])).item(), 6)
    0.865098
    """
    if inplace:
        return apply_inplace(mish, input, "mish")
    return Mish.apply(float_input(input, "mish"))


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``, as ``F.softsign``.

    >>> import minigrad as mg
    >>> softsign(mg.tensor([-3.0, 1.0])).tolist()
    [-0.75, 0.5]
    """
    return Softsign.apply(float_input(input, "softsign"))


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``, as ``F.tanhshrink``.

    >>> import minigrad as mg
    >>> tanhshrink(mg.tensor([0.0])).tolist()
    [0.0]
    """
    return Tanhshrink.apply(float_input(input, "tanhshrink"))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed without overflow, as ``F.logsigmoid``.

    >>> import minigrad as mg
    >>> round(logsigmoid(mg.tensor([0.0])).item(), 6)
    -0.693147
    """
    return LogSigmoid.apply(float_input(input, "logsigmoid"))


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``softmax(-x)`` along ``dim``, as ``F.softmin`` (``dim`` is required, as in
    :func:`minigrad.nn.functional.softmax`).

    >>> import minigrad as mg
    >>> [round(v, 4) for v in softmin(mg.tensor([0.0, 1.0]), dim=0).tolist()]
    [0.7311, 0.2689]
    """
    return softmax(-float_input(input, "softmin"), dim, dtype)
