"""Unary elementwise ops, declared as a table: forward over ``xp``, backward over ``m``.

Each row becomes a named :class:`~minigrad.op.Op` subclass (``Exp``, ``Tanh`` …)
and a public function (``minigrad.exp``), and registers itself for backward formulas.

>>> import minigrad as mg
>>> x = mg.tensor([0.0, 1.0], requires_grad=True)
>>> mg.exp(x).sum().backward(); x.grad
tensor([1.      , 2.718282], dtype=float32, device='cpu')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.errors import MinigradTypeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor

__all__ = [
    "abs", "clamp", "cos", "exp", "leaky_relu", "log", "log1p", "neg", "reciprocal", "relu",
    "sigmoid", "sign", "sin", "sqrt", "square", "tanh",
]

# name: (forward(xp, x), backward(m, g, x, y), saves)  — saves: "x", "y" or ""
_TABLE: dict[str, tuple[Callable[..., Any], Callable[..., Any], str]] = {
    "neg": (lambda xp, x: -x, lambda m, g, x, y: -g, ""),
    "exp": (lambda xp, x: xp.exp(x), lambda m, g, x, y: g * y, "y"),
    "log": (lambda xp, x: xp.log(x), lambda m, g, x, y: g / x, "x"),
    "log1p": (lambda xp, x: xp.log1p(x), lambda m, g, x, y: g / (x + 1), "x"),
    "sqrt": (lambda xp, x: xp.sqrt(x), lambda m, g, x, y: g / (y * 2), "y"),
    "sin": (lambda xp, x: xp.sin(x), lambda m, g, x, y: g * m.cos(x), "x"),
    "cos": (lambda xp, x: xp.cos(x), lambda m, g, x, y: -g * m.sin(x), "x"),
    "tanh": (lambda xp, x: xp.tanh(x), lambda m, g, x, y: g * (1 - y * y), "y"),
    # 0.5 (1 + tanh(x / 2)) never overflows, unlike 1 / (1 + exp(-x))
    "sigmoid": (
        lambda xp, x: (xp.tanh(x * 0.5) + 1) * 0.5,
        lambda m, g, x, y: g * y * (1 - y),
        "y",
    ),
    "relu": (lambda xp, x: xp.maximum(x, 0), lambda m, g, x, y: g * (x > 0), "x"),
    "abs": (lambda xp, x: xp.abs(x), lambda m, g, x, y: g * m.sign(x), "x"),
    "sign": (lambda xp, x: xp.sign(x), lambda m, g, x, y: g * 0, ""),
    "reciprocal": (lambda xp, x: 1 / x, lambda m, g, x, y: -g * y * y, "y"),
    "square": (lambda xp, x: x * x, lambda m, g, x, y: g * 2 * x, "x"),
}


def _make_unary(name: str) -> tuple[type[Op], Callable[[Tensor], Tensor]]:
    return make_unary(name, *_TABLE[name], keep_int=name in ("neg", "abs", "sign", "square"))


def make_unary(
    name: str, fwd: Callable[..., Any], bwd: Callable[..., Any], saves: str,
    keep_int: bool = False, module: str = __name__, example: float = 0.5,
) -> tuple[type[Op], Callable[[Tensor], Tensor]]:
    """One table row as a named Op class and its public function (registered for ``m``).

    ``keep_int``: integer input stays integer (else it is promoted to the default float).
    """

    def forward(self: Op, xp: Any, x: Any) -> Any:
        return fwd(xp, x)

    def backward(self: Op, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x = inputs[0] if inputs is not None else None
        return (bwd(m, g, x, out),)

    cls_name = "".join(part.capitalize() for part in name.split("_"))
    fn_cls = type(cls_name, (Op,), {
        "forward": forward, "backward": backward, "save_inputs": saves == "x",
        "save_output": saves == "y", "__module__": module,
        "__doc__": f"Elementwise ``{name}`` (see :func:`minigrad.{name}`).",
    })
    register_math(name, fn_cls)

    def public(input: Tensor) -> Tensor:
        check_tensor(input, name)
        if input._data.dtype.kind != "f" and not keep_int:
            input = input.float()
        return fn_cls.apply(input)

    public.__name__ = public.__qualname__ = name
    public.__doc__ = (
        f"Elementwise ``{name}``, differentiable.\n\n"
        f">>> import minigrad as mg\n>>> mg.{name}(mg.tensor([{example}])).shape\nSize([1])\n"
    )
    return fn_cls, public


Neg, neg = _make_unary("neg")
Exp, exp = _make_unary("exp")
Log, log = _make_unary("log")
Log1p, log1p = _make_unary("log1p")
Sqrt, sqrt = _make_unary("sqrt")
Sin, sin = _make_unary("sin")
Cos, cos = _make_unary("cos")
Tanh, tanh = _make_unary("tanh")
Sigmoid, sigmoid = _make_unary("sigmoid")
Relu, relu = _make_unary("relu")
Abs, abs = _make_unary("abs")  # PyTorch's name
Sign, sign = _make_unary("sign")
Reciprocal, reciprocal = _make_unary("reciprocal")
Square, square = _make_unary("square")


class LeakyRelu(Op):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""

    def forward(self, xp: Any, x: Any, negative_slope: float) -> Any:
        self.slope = negative_slope
        return xp.where(x > 0, x, x * negative_slope)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.where(inputs[0] > 0, g, g * self.slope),)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``max(0, x) + negative_slope * min(0, x)``, as ``torch.nn.functional.leaky_relu``.

    >>> import minigrad as mg
    >>> mg.leaky_relu(mg.tensor([-1.0, 2.0]), 0.1)
    tensor([-0.1,  2. ], dtype=float32, device='cpu')
    """
    return LeakyRelu.apply(check_tensor(input, "leaky_relu"), negative_slope=float(negative_slope))


class Clamp(Op):
    """``min(max(x, lo), hi)``; the gradient passes where ``lo <= x <= hi``."""

    def forward(self, xp: Any, x: Any, lo: float | None, hi: float | None) -> Any:
        self.lo, self.hi = lo, hi
        return xp.clip(x, lo, hi)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x = inputs[0]
        if self.lo is not None:
            g = g * (x >= self.lo)
        if self.hi is not None:
            g = g * (x <= self.hi)
        return (g,)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit values to ``[min, max]`` (either bound may be None, a number or a tensor that
    broadcasts), as ``torch.clamp``: where ``min > max`` the result is ``max``.

    With tensor bounds the gradient goes to the input where ``min <= x <= max``, else to the
    bound that was taken.

    >>> import minigrad as mg
    >>> mg.clamp(mg.tensor([-2.0, 0.5, 3.0]), -1, 1)
    tensor([-1. ,  0.5,  1. ], dtype=float32, device='cpu')
    >>> mg.clamp(mg.tensor([-2.0, 0.5, 3.0]), min=mg.tensor([0.0, 1.0, 0.0]))
    tensor([0., 1., 3.], dtype=float32, device='cpu')
    """
    check_tensor(input, "clamp")
    for name, bound in (("min", min), ("max", max)):
        if bound is not None and not isinstance(bound, (Tensor, int, float)) and not (
                hasattr(bound, "dtype") and getattr(bound, "ndim", 1) == 0):
            raise MinigradTypeError(
                f"clamp: `{name}` must be a number or a Tensor, got {type(bound).__name__}"
            )
    if min is None and max is None:
        raise ValueError("clamp: at least one of `min` and `max` must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from minigrad.ops.binary import where

        out = input if min is None else where(input < min, min, input)
        return out if max is None else where(out > max, max, out)
    return Clamp.apply(input, lo=min, hi=max)


register_math("leaky_relu", LeakyRelu)
register_math("clamp", Clamp)
