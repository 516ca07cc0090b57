"""Binary and ternary elementwise ops with NumPy broadcasting and PyTorch type promotion.

Backward formulas return gradients of the broadcast shape; the engine sums them back to each
input's shape.

>>> import minigrad as mg
>>> a = mg.ones(2, 3, requires_grad=True); b = mg.ones(3, requires_grad=True)
>>> (a * b).sum().backward(); b.grad
tensor([2., 2., 2.], dtype=float32, device='cpu')
"""

from __future__ import annotations

import math
from typing import Any

from minigrad import dtypes
from minigrad.errors import MinigradTypeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import broadcast_shapes, check_tensor
from .shape import astype

__all__ = [
    "add",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "div",
    "eq",
    "ge",
    "gt",
    "le",
    "lt",
    "maximum",
    "minimum",
    "mul",
    "ne",
    "pow",
    "sub",
    "where",
]


class Add(Op):
    save_inputs = False

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return a + b

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        return g, g


class Sub(Op):
    save_inputs = False

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return a - b

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Op):
    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return a * b

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        need = self.needs_input_grad
        return (g * b if need[0] else None), (g * a if need[1] else None)


class Div(Op):
    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return a / b

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        need = self.needs_input_grad
        ga = g / b if need[0] else None
        gb = -g * a / (b * b) if need[1] else None
        return ga, gb


class Pow(Op):
    """``a ** b`` for two tensors (see :class:`PowScalar` for a constant exponent)."""

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return a**b

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        need = self.needs_input_grad
        # as PyTorch: d/da is 0 where b == 0 (at a = 0 too, where b * a**(b-1) is 0 * inf),
        # d/db is 0 where a == 0 and b >= 0 (a**b * log(a) there is 0 * -inf)
        ga = g * b * a ** (b - 1 + (b == 0) * (a == 0)) if need[0] else None
        gb = None
        if need[1]:
            flat = (a == 0) * (b >= 0)
            gb = g * (a**b) * m.log(a + flat)
        return ga, gb


class PowScalar(Op):
    """``x ** exponent`` for a Python-number exponent."""

    def forward(self, xp: Any, x: Any, exponent: float) -> Any:
        self.exponent = exponent
        return x**exponent

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        p = self.exponent
        if p == 0:
            return (g * 0,)
        if p == 1:
            return (g,)
        if p == 2:
            return (g * 2 * inputs[0],)
        return (g * p * inputs[0] ** (p - 1),)


class RPowScalar(Op):
    """``base ** x`` for a Python-number base."""

    save_inputs = False
    save_output = True

    def forward(self, xp: Any, x: Any, base: float) -> Any:
        self.base = base
        self.log_base = math.log(base) if base > 0 else math.nan
        return base**x

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        if self.base == 0:  # as PyTorch: 0 where x >= 0 (out <= 1), -inf where x < 0 (out inf)
            return (-(g * out * (out > 1)),)
        return (g * out * self.log_base,)


class _TieSplit(Op):
    """maximum / minimum: the gradient goes to the winner, split evenly on ties."""

    pick: str = "max"

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return xp.maximum(a, b) if self.pick == "max" else xp.minimum(a, b)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        half = m.where(a == b, g * 0.5, g)
        a_wins, b_wins = (a >= b, b >= a) if self.pick == "max" else (a <= b, b <= a)
        return half * a_wins, half * b_wins


class Maximum(_TieSplit):
    pick = "max"


class Minimum(_TieSplit):
    pick = "min"


class Where(Op):
    def forward(self, xp: Any, cond: Any, a: Any, b: Any) -> Any:
        return xp.where(cond, a, b)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any, Any]:
        cond = inputs[0]
        ga = g * cond
        return None, ga, g - ga


class _Compare(Op):
    """Comparisons and bitwise ops: bool or integer results, never differentiable."""

    differentiable = False
    save_inputs = False
    ufunc = "equal"

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return getattr(xp, self.ufunc)(a, b)


def _compare_class(name: str, ufunc: str) -> type[Op]:
    return type(name, (_Compare,), {"ufunc": ufunc, "__module__": __name__})


Eq = _compare_class("Eq", "equal")
Ne = _compare_class("Ne", "not_equal")
Lt = _compare_class("Lt", "less")
Le = _compare_class("Le", "less_equal")
Gt = _compare_class("Gt", "greater")
Ge = _compare_class("Ge", "greater_equal")
BitwiseAnd = _compare_class("BitwiseAnd", "bitwise_and")
BitwiseOr = _compare_class("BitwiseOr", "bitwise_or")
BitwiseXor = _compare_class("BitwiseXor", "bitwise_xor")


class BitwiseNot(Op):
    """``~x``: logical not for bool, bitwise not for integers."""

    differentiable = False
    save_inputs = False

    def forward(self, xp: Any, x: Any) -> Any:
        return xp.invert(x)

for _name, _cls in [("add", Add), ("sub", Sub), ("mul", Mul), ("div", Div), ("pow", Pow),
                    ("maximum", Maximum), ("minimum", Minimum), ("where", Where)]:
    register_math(_name, _cls)


def _operands(op: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of the promoted dtype, on the tensor operand's device."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        da, db = a._data.dtype, b._data.dtype
        if da != db:
            dt = dtypes.result_dtype(a, b)
            a = a if da == dt else astype(a, dt)
            b = b if db == dt else astype(b, dt)
        if a._data.shape != b._data.shape:
            broadcast_shapes(op, a.shape, b.shape)
        return a, b
    ref = a if isinstance(a, Tensor) else b
    if not isinstance(ref, Tensor):
        raise TypeError(f"{op}: at least one operand must be a Tensor")
    other = b if ref is a else a
    if not isinstance(other, (bool, int, float)):
        if hasattr(other, "shape") and hasattr(other, "dtype"):  # an array: wrap it
            other = Tensor._from_data(other, device=ref.device)
            return _operands(op, a if ref is a else other, other if ref is a else b)
        raise TypeError(
            f"{op}: unsupported operand type {type(other).__name__} (expected a Tensor or a "
            "Python number)"
        )
    rdt = ref._data.dtype
    if rdt.kind == "f" and type(other) is not bool:  # a number never upcasts a float tensor
        dt = rdt
    else:
        dt = dtypes.result_dtype(ref, other)
        if rdt != dt:
            ref = astype(ref, dt)
    backend = ref._backend
    if backend.enters_device:  # a GPU: the constant goes to ref's device
        with backend.device_context(ref._data):
            const = Tensor._make(backend.xp.asarray(other, dtype=dt), None)
    else:
        const = Tensor._make(backend.xp.asarray(other, dtype=dt), None)
    return (ref, const) if isinstance(a, Tensor) else (const, ref)


def _binary(fn_cls: type[Op], op: str) -> Any:
    def public(input: Any, other: Any) -> Tensor:
        a, b = _operands(op, input, other)
        return fn_cls.apply(a, b)

    public.__name__ = public.__qualname__ = op
    public.__doc__ = (
        f"Elementwise ``{op}`` with broadcasting and PyTorch type promotion.\n\n"
        f">>> import minigrad as mg\n>>> mg.{op}(mg.ones(2, 1), mg.ones(3)).shape\nSize([2, 3])\n"
    )
    return public


def _bitwise(fn_cls: type[Op], op: str) -> Any:
    def public(input: Any, other: Any) -> Tensor:
        a, b = _operands(op, input, other)
        if a._data.dtype.kind not in "biu":
            raise MinigradTypeError(f"{op}: needs bool or integer tensors, got {a.dtype}")
        return fn_cls.apply(a, b)

    public.__name__ = public.__qualname__ = op
    public.__doc__ = (
        f"Elementwise ``{op}`` of bool or integer tensors (the ``&``, ``|``, ``^`` operators)."
        f"\n\n>>> import minigrad as mg\n>>> mg.{op}(mg.tensor([True, False]), True).dtype\n"
        "dtype('bool')\n"
    )
    return public


def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: logical not of a bool tensor, bitwise not of an integer one.

    >>> import minigrad as mg
    >>> mg.bitwise_not(mg.tensor([True, False]))
    tensor([False,  True], dtype=bool, device='cpu')
    """
    check_tensor(input, "bitwise_not")
    if input._data.dtype.kind not in "biu":
        raise MinigradTypeError(f"bitwise_not: needs a bool or integer tensor, got {input.dtype}")
    return BitwiseNot.apply(input)


add = _binary(Add, "add")
sub = _binary(Sub, "sub")
mul = _binary(Mul, "mul")
maximum = _binary(Maximum, "maximum")
minimum = _binary(Minimum, "minimum")
eq = _binary(Eq, "eq")
ne = _binary(Ne, "ne")
lt = _binary(Lt, "lt")
le = _binary(Le, "le")
gt = _binary(Gt, "gt")
ge = _binary(Ge, "ge")
bitwise_and = _bitwise(BitwiseAnd, "bitwise_and")
bitwise_or = _bitwise(BitwiseOr, "bitwise_or")
bitwise_xor = _bitwise(BitwiseXor, "bitwise_xor")


def div(input: Any, other: Any) -> Tensor:
    """True division; integer operands give the default float dtype, as ``torch.div``.

    >>> import minigrad as mg
    >>> mg.div(mg.tensor([1, 2]), 2)
    tensor([0.5, 1. ], dtype=float32, device='cpu')
    """
    a, b = _operands("div", input, other)
    if a._data.dtype.kind != "f":
        a, b = a.astype(dtypes.get_default_dtype()), b.astype(dtypes.get_default_dtype())
    return Div.apply(a, b)


def pow(input: Any, exponent: Any) -> Tensor:  # PyTorch's name
    """``input ** exponent``; either may be a Python number.

    >>> import minigrad as mg
    >>> mg.pow(mg.tensor([2.0, 3.0]), 2)
    tensor([4., 9.], dtype=float32, device='cpu')
    """
    if isinstance(input, Tensor) and isinstance(exponent, (int, float)) and not isinstance(
        exponent, bool
    ):
        if input._data.dtype.kind != "f" and (isinstance(exponent, float) or exponent < 0):
            input = input.astype(dtypes.get_default_dtype())
        return PowScalar.apply(input, exponent=exponent)
    if isinstance(exponent, Tensor) and isinstance(input, (int, float)):
        x = exponent if exponent._data.dtype.kind == "f" else exponent.float()
        return RPowScalar.apply(x, base=input)
    a, b = _operands("pow", input, exponent)
    return Pow.apply(a, b)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """Pick ``input`` where ``condition`` holds, else ``other`` (broadcasting all three).
    ``where(condition)`` alone is ``nonzero(condition, as_tuple=True)``.

    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 2.0])
    >>> mg.where(x > 0, x, 0.0)
    tensor([0., 2.], dtype=float32, device='cpu')
    >>> mg.where(x > 0)
    (tensor([1], dtype=int64, device='cpu'),)
    """
    check_tensor(condition, "where", "condition")
    if input is None and other is None:
        from minigrad.ops.select import nonzero

        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: pass both `input` and `other`, or neither")
    if condition._data.dtype.kind != "b":
        condition = condition.astype(dtypes.bool_)
    a, b = _operands("where", input, other)
    broadcast_shapes("where", condition.shape, a.shape, b.shape)
    return Where.apply(condition, a, b)
