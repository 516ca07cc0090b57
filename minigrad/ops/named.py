"""PyTorch's named forms of the operators: ``add(alpha=)``, ``div(rounding_mode=)``, aliases.

``mg.add(x, y, alpha=2)`` is ``x + 2 * y``; ``mg.div(x, y, rounding_mode="floor")`` rounds the
quotient down (``"trunc"``: toward zero) and keeps integer operands integer, with a zero
gradient as in PyTorch. The aliases (``multiply``, ``greater`` …) are the same functions under
NumPy's names. Each is also a Tensor method; ``clamp_min``, ``clamp_max`` and ``pow`` get
in-place ``_`` forms too.

>>> import minigrad as mg
>>> mg.add(mg.tensor([1, 2]), mg.tensor([1, 1]), alpha=3)
tensor([4, 5], dtype=int64, device='cpu')
>>> mg.div(mg.tensor([7, -7]), 2, rounding_mode="floor")
tensor([ 3, -4], dtype=int64, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.errors import MinigradTypeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from . import binary
from ._util import check_tensor
from .binary import eq, ge, gt, le, lt, mul, ne, pow  # noqa: F401  (method tables below)
from .elementwise import clamp, neg  # noqa: F401  (method tables below)

__all__ = [
    "add", "clamp_max", "clamp_min", "clone", "div", "divide", "greater", "greater_equal",
    "less", "less_equal", "multiply", "not_equal", "sub", "subtract", "true_divide",
]


def _scaled(op: str, input: Any, other: Any, alpha: Any) -> Any:
    """``alpha * other``, refusing a float ``alpha`` with integer operands as PyTorch does."""
    if alpha == 1:
        return other
    if not isinstance(other, Tensor):
        if isinstance(alpha, float) and isinstance(other, int) and getattr(
                input, "dtype", dtypes.float32).kind in "biu":
            raise MinigradTypeError(
                f"{op}: for integral input tensors, `alpha` must not be a floating point "
                f"number, got {alpha}"
            )
        return other * alpha
    ints = all(getattr(t, "dtype", dtypes.int64).kind in "biu" and not isinstance(t, float)
               for t in (input, other))
    if ints and isinstance(alpha, float):
        raise MinigradTypeError(
            f"{op}: for integral input tensors, `alpha` must not be a floating point number, "
            f"got {alpha}"
        )
    return binary.mul(other, alpha)


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other`` with broadcasting and PyTorch type promotion.

    >>> import minigrad as mg
    >>> mg.add(mg.ones(2), mg.ones(2), alpha=0.5)
    tensor([1.5, 1.5], dtype=float32, device='cpu')
    """
    return binary.add(input, _scaled("add", input, other, alpha))


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other`` with broadcasting and PyTorch type promotion.

    >>> import minigrad as mg
    >>> mg.sub(mg.tensor([1.0, 2.0]), 1, alpha=2)
    tensor([-1.,  0.], dtype=float32, device='cpu')
    """
    return binary.sub(input, _scaled("sub", input, other, alpha))


class DivRounded(Op):
    """The quotient rounded down (``floor``) or toward zero (``trunc``); zero gradient."""

    save_inputs = False

    def forward(self, xp: Any, a: Any, b: Any, mode: str) -> Any:
        if mode == "floor":
            return xp.floor_divide(a, b)
        if a.dtype.kind == "f":
            return xp.trunc(a / b)
        q = xp.floor_divide(a, b)  # integer trunc: floor, plus one where the signs differ
        return q + ((a % b != 0) & ((a < 0) != (b < 0))).astype(q.dtype)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        return g * 0, g * 0


register_math("div_rounded", DivRounded)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """``input / other``: true division (integers give the default float dtype), or with
    ``rounding_mode="trunc"`` / ``"floor"`` the rounded quotient in the promoted dtype.

    Integer division by zero raises ZeroDivisionError, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.div(mg.tensor([7.0, -7.0]), 2, rounding_mode="trunc")
    tensor([ 3., -3.], dtype=float32, device='cpu')
    """
    if rounding_mode is None:
        return binary.div(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div: `rounding_mode` must be None, 'trunc' or 'floor', got {rounding_mode!r}"
        )
    a, b = binary._operands("div", input, other)
    if a._data.dtype.kind in "biu":
        if bool((b._data == 0).any()):
            raise ZeroDivisionError(f"div: integer division by zero (rounding_mode="
                                    f"{rounding_mode!r}, shapes {a.shape} and {b.shape})")
        if a._data.dtype.kind == "b":
            a, b = a.long(), b.long()
        return DivRounded.apply(a, b, mode=rounding_mode)
    with a._backend.errstate(divide="ignore", invalid="ignore"):
        return DivRounded.apply(a, b, mode=rounding_mode)


def true_divide(input: Any, other: Any) -> Tensor:
    """``input / other`` (true division), as ``div`` without a rounding mode.

    >>> import minigrad as mg
    >>> mg.true_divide(mg.tensor([1, 3]), 2)
    tensor([0.5, 1.5], dtype=float32, device='cpu')
    """
    return binary.div(input, other)


def clamp_min(input: Tensor, min: Any) -> Tensor:
    """``clamp(input, min=min)``: values below ``min`` become ``min``.

    >>> import minigrad as mg
    >>> mg.clamp_min(mg.tensor([-1.0, 2.0]), 0)
    tensor([0., 2.], dtype=float32, device='cpu')
    """
    return clamp(input, min, None)


def clamp_max(input: Tensor, max: Any) -> Tensor:
    """``clamp(input, max=max)``: values above ``max`` become ``max``.

    >>> import minigrad as mg
    >>> mg.clamp_max(mg.tensor([-1.0, 2.0]), 0)
    tensor([-1.,  0.], dtype=float32, device='cpu')
    """
    return clamp(input, None, max)


class Clone(Op):
    """A copy with its own memory; the gradient passes through unchanged."""

    save_inputs = False

    def forward(self, xp: Any, x: Any) -> Any:
        return x.copy()

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (g,)


register_math("clone", Clone)


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy of ``input`` with its own memory, differentiable (the gradient flows back).

    ``memory_format`` is accepted for PyTorch's signature; minigrad has one memory layout.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> y = x.clone(); y.sum().backward(); x.grad
    tensor([1., 1.], dtype=float32, device='cpu')
    """
    check_tensor(input, "clone")
    return Clone.apply(input)


# NumPy's names, which PyTorch also has
divide = div
multiply, subtract = mul, sub
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

TENSOR_METHODS = [
    *__all__, "eq", "ge", "gt", "le", "lt", "mul", "ne", "neg",
]
INPLACE_METHODS = [
    "clamp_max", "clamp_min", "divide", "multiply", "pow", "subtract", "true_divide",
]
