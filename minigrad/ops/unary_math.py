"""More unary math, as rows of the elementwise table: roots, logs, trigonometry, rounding, erf.

Each row becomes a named Op class (``Rsqrt``, ``Erf`` …), a public function
(``minigrad.rsqrt``), a Tensor method and, where PyTorch has one, an in-place ``<name>_``
method. Integer input is promoted to the default float dtype, except for the rounding ops,
which return integer input unchanged (as PyTorch). Rounding has a zero gradient.

>>> import minigrad as mg
>>> x = mg.tensor([0.25, 4.0], requires_grad=True)
>>> x.rsqrt().sum().backward(); x.grad
tensor([-4.    , -0.0625], dtype=float32, device='cpu')
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from . import special
from ._util import check_tensor
from .elementwise import (
    abs,
    cos,
    exp,
    log,
    log1p,
    make_unary,
    neg,
    reciprocal,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    tanh,
)

__all__ = [
    "acos", "acosh", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "asin",
    "asinh", "atan", "atanh", "ceil", "cosh", "erf", "erfc", "erfinv", "exp2", "expm1", "fix",
    "floor", "frac", "log2", "log10", "logit", "negative", "round", "rsqrt", "sinh", "tan",
    "trunc",
]

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _zero(m: Any, g: Any, x: Any, y: Any) -> Any:
    return g * 0


# name: (forward(xp, x), backward(m, g, x, y), saves, keep_int) — as elementwise._TABLE
_ROWS: dict[str, tuple[Any, Any, str, bool]] = {
    "rsqrt": (lambda xp, x: 1 / xp.sqrt(x), lambda m, g, x, y: g * y * y * y * -0.5, "y", False),
    "log2": (lambda xp, x: xp.log2(x), lambda m, g, x, y: g / (x * _LN2), "x", False),
    "log10": (lambda xp, x: xp.log10(x), lambda m, g, x, y: g / (x * _LN10), "x", False),
    "exp2": (lambda xp, x: xp.exp2(x), lambda m, g, x, y: g * y * _LN2, "y", False),
    "expm1": (lambda xp, x: xp.expm1(x), lambda m, g, x, y: g * (y + 1), "y", False),
    "tan": (lambda xp, x: xp.tan(x), lambda m, g, x, y: g * (y * y + 1), "y", False),
    "asin": (lambda xp, x: xp.arcsin(x), lambda m, g, x, y: g / m.sqrt(1 - x * x), "x", False),
    "acos": (lambda xp, x: xp.arccos(x), lambda m, g, x, y: -g / m.sqrt(1 - x * x), "x", False),
    "atan": (lambda xp, x: xp.arctan(x), lambda m, g, x, y: g / (x * x + 1), "x", False),
    "sinh": (lambda xp, x: xp.sinh(x), lambda m, g, x, y: g * m.cosh(x), "x", False),
    "cosh": (lambda xp, x: xp.cosh(x), lambda m, g, x, y: g * m.sinh(x), "x", False),
    "asinh": (lambda xp, x: xp.arcsinh(x), lambda m, g, x, y: g / m.sqrt(x * x + 1), "x", False),
    "acosh": (lambda xp, x: xp.arccosh(x),
              lambda m, g, x, y: g / m.sqrt((x - 1) * (x + 1)), "x", False),
    "atanh": (lambda xp, x: xp.arctanh(x), lambda m, g, x, y: g / (1 - x * x), "x", False),
    "erf": (lambda xp, x: special.erf(xp, x),
            lambda m, g, x, y: g * m.exp(-(x * x)) * _TWO_OVER_SQRT_PI, "x", False),
    "erfc": (lambda xp, x: special.erfc(xp, x),
             lambda m, g, x, y: g * m.exp(-(x * x)) * -_TWO_OVER_SQRT_PI, "x", False),
    "erfinv": (lambda xp, x: special.erfinv(xp, x),
               lambda m, g, x, y: g * m.exp(y * y) * (1 / _TWO_OVER_SQRT_PI), "y", False),
    "floor": (lambda xp, x: xp.floor(x), _zero, "", True),
    "ceil": (lambda xp, x: xp.ceil(x), _zero, "", True),
    "trunc": (lambda xp, x: xp.trunc(x), _zero, "", True),
    "frac": (lambda xp, x: x - xp.trunc(x), lambda m, g, x, y: g, "", False),
}

Rsqrt, rsqrt = make_unary("rsqrt", *_ROWS["rsqrt"], module=__name__)
Log2, log2 = make_unary("log2", *_ROWS["log2"], module=__name__)
Log10, log10 = make_unary("log10", *_ROWS["log10"], module=__name__)
Exp2, exp2 = make_unary("exp2", *_ROWS["exp2"], module=__name__)
Expm1, expm1 = make_unary("expm1", *_ROWS["expm1"], module=__name__)
Tan, tan = make_unary("tan", *_ROWS["tan"], module=__name__)
Asin, asin = make_unary("asin", *_ROWS["asin"], module=__name__)
Acos, acos = make_unary("acos", *_ROWS["acos"], module=__name__)
Atan, atan = make_unary("atan", *_ROWS["atan"], module=__name__)
Sinh, sinh = make_unary("sinh", *_ROWS["sinh"], module=__name__)
Cosh, cosh = make_unary("cosh", *_ROWS["cosh"], module=__name__)
Asinh, asinh = make_unary("asinh", *_ROWS["asinh"], module=__name__)
Acosh, acosh = make_unary("acosh", *_ROWS["acosh"], module=__name__, example=1.5)
Atanh, atanh = make_unary("atanh", *_ROWS["atanh"], module=__name__)
Erf, erf = make_unary("erf", *_ROWS["erf"], module=__name__)
Erfc, erfc = make_unary("erfc", *_ROWS["erfc"], module=__name__)
Erfinv, erfinv = make_unary("erfinv", *_ROWS["erfinv"], module=__name__)
Floor, floor = make_unary("floor", *_ROWS["floor"], module=__name__)
Ceil, ceil = make_unary("ceil", *_ROWS["ceil"], module=__name__)
Trunc, trunc = make_unary("trunc", *_ROWS["trunc"], module=__name__)
Frac, frac = make_unary("frac", *_ROWS["frac"], module=__name__)


class Round(Op):
    """Round half to even, to ``decimals`` places (``x * 10**d`` rounded, then scaled back)."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, decimals: int) -> Any:
        return xp.round(x, decimals)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (g * 0,)


register_math("round", Round)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:  # PyTorch's name
    """Round to the nearest integer (or to ``decimals`` places), half to even; zero gradient.

    Integer input is returned unchanged, as ``torch.round``.

    >>> import minigrad as mg
    >>> mg.round(mg.tensor([0.5, 1.5, 2.675]), decimals=0)
    tensor([0., 2., 3.], dtype=float32, device='cpu')
    >>> mg.round(mg.tensor([1234.5678]), decimals=2)
    tensor([1234.57], dtype=float32, device='cpu')
    """
    check_tensor(input, "round")
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise TypeError(f"round: `decimals` must be an int, got {type(decimals).__name__}")
    if input._data.dtype.kind != "f" and decimals >= 0:
        return Round.apply(input, decimals=0)
    if input._data.dtype.kind != "f":
        input = input.float()
    return Round.apply(input, decimals=decimals)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """``log(x / (1 - x))``; with ``eps`` the input is first clamped to ``[eps, 1 - eps]``
    (zero gradient outside), as ``torch.logit``.

    >>> import minigrad as mg
    >>> mg.logit(mg.tensor([0.5, 0.75]))
    tensor([0.       , 1.0986123], dtype=float32, device='cpu')
    """
    check_tensor(input, "logit")
    if input._data.dtype.kind != "f":
        input = input.float()
    if eps is not None:
        input = input.clamp(eps, 1 - eps)
    return log(input) - log1p(-input)


# NumPy-style aliases PyTorch also has
arccos, arccosh, arcsin, arcsinh, arctan, arctanh = acos, acosh, asin, asinh, atan, atanh
fix, negative = trunc, neg

#: Tensor methods (``t.rsqrt()`` …) and in-place forms (``t.rsqrt_()``); the older unary ops
#: of elementwise.py gain their in-place forms here too
TENSOR_METHODS = list(__all__)
INPLACE_METHODS = [*__all__, *(f.__name__ for f in (
    abs, cos, exp, log, log1p, neg, reciprocal, relu, sigmoid, sign, sin, sqrt, square, tanh))]
