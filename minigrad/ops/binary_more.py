"""More binary math: ``atan2``, ``hypot``, ``logaddexp``/``logaddexp2``, ``fmod``,
``remainder``, ``floor_divide``, ``lerp``; broadcasting and type promotion as the operators.

Integer operands of ``atan2``/``hypot``/``logaddexp`` give the default float dtype; ``fmod``,
``remainder`` and ``floor_divide`` keep integers integer (and then carry no gradient).
Gradients are PyTorch's: ``fmod``/``remainder`` pass ``g`` to the dividend and
``-g * trunc(a / b)`` / ``-g * floor(a / b)`` to the divisor; ``floor_divide`` has none.

>>> import minigrad as mg
>>> mg.remainder(mg.tensor([-3, 3]), 2), mg.fmod(mg.tensor([-3, 3]), 2)
(tensor([1, 1], dtype=int64, device='cpu'), tensor([-1,  1], dtype=int64, device='cpu'))
"""

from __future__ import annotations

import math
from typing import Any

from minigrad import dtypes
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from .binary import _operands
from .named import div

__all__ = [
    "arctan2", "atan2", "floor_divide", "fmod", "hypot", "lerp", "logaddexp", "logaddexp2",
    "remainder",
]


class Atan2(Op):
    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return xp.arctan2(a, b)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        scale = g / (a * a + b * b)
        return scale * b, -scale * a


class Hypot(Op):
    save_output = True

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return xp.hypot(a, b)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        return g * a / out, g * b / out


class LogAddExp(Op):
    """``log(exp(a) + exp(b))`` (base 2 when ``base2``: ``log2(2**a + 2**b)``)."""

    save_output = True
    base2 = False

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return xp.logaddexp2(a, b) if self.base2 else xp.logaddexp(a, b)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        pick = m.exp2 if self.base2 else m.exp
        return g * pick(a - out), g * pick(b - out)


class LogAddExp2(LogAddExp):
    base2 = True


class _Remainder(Op):
    """``fmod`` (sign of the dividend) or ``remainder`` (sign of the divisor)."""

    floor = False

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return xp.remainder(a, b) if self.floor else xp.fmod(a, b)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        q = m.div_rounded(a, b, mode="floor" if self.floor else "trunc")
        return g, -g * q


class Fmod(_Remainder):
    floor = False


class Remainder(_Remainder):
    floor = True


for _name, _cls in [("atan2", Atan2), ("hypot", Hypot), ("logaddexp", LogAddExp),
                    ("logaddexp2", LogAddExp2), ("fmod", Fmod), ("remainder", Remainder)]:
    register_math(_name, _cls)


def _float_pair(op: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    a, b = _operands(op, input, other)
    if a._data.dtype.kind != "f":
        dt = dtypes.get_default_dtype()
        a, b = a.astype(dt), b.astype(dt)
    return a, b


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input): ``arctan(input / other)`` in the right quadrant.

    >>> import minigrad as mg
    >>> mg.atan2(mg.tensor([1.0, 1.0]), mg.tensor([1.0, -1.0]))
    tensor([0.7853981, 2.3561945], dtype=float32, device='cpu')
    """
    return Atan2.apply(*_float_pair("atan2", input, other))


arctan2 = atan2


def hypot(input: Any, other: Any) -> Tensor:
    """``sqrt(input**2 + other**2)`` without overflow, as ``torch.hypot``.

    >>> import minigrad as mg
    >>> mg.hypot(mg.tensor([3.0]), mg.tensor([4.0]))
    tensor([5.], dtype=float32, device='cpu')
    """
    return Hypot.apply(*_float_pair("hypot", input, other))


def logaddexp(input: Any, other: Any) -> Tensor:
    """``log(exp(input) + exp(other))`` without overflow, as ``torch.logaddexp``.

    >>> import minigrad as mg
    >>> mg.logaddexp(mg.tensor([1000.0]), mg.tensor([1000.0]))
    tensor([1000.6932], dtype=float32, device='cpu')
    """
    return LogAddExp.apply(*_float_pair("logaddexp", input, other))


def logaddexp2(input: Any, other: Any) -> Tensor:
    """``log2(2**input + 2**other)`` without overflow, as ``torch.logaddexp2``.

    >>> import minigrad as mg
    >>> mg.logaddexp2(mg.tensor([3.0]), mg.tensor([3.0]))
    tensor([4.], dtype=float32, device='cpu')
    """
    return LogAddExp2.apply(*_float_pair("logaddexp2", input, other))


def _rem(fn_cls: type[Op], op: str, input: Any, other: Any) -> Tensor:
    a, b = _operands(op, input, other)
    if a._data.dtype.kind in "biu":
        if bool((b._data == 0).any()):
            raise ZeroDivisionError(f"{op}: integer division by zero (shapes {a.shape} and "
                                    f"{b.shape})")
        return fn_cls.apply(a, b)
    with a._backend.errstate(divide="ignore", invalid="ignore"):
        return fn_cls.apply(a, b)


def fmod(input: Any, other: Any) -> Tensor:
    """The C remainder of ``input / other``: the sign of the dividend, as ``torch.fmod``.

    >>> import minigrad as mg
    >>> mg.fmod(mg.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.], dtype=float32, device='cpu')
    """
    return _rem(Fmod, "fmod", input, other)


def remainder(input: Any, other: Any) -> Tensor:
    """The Python remainder (``%``): the sign of the divisor, as ``torch.remainder``.

    >>> import minigrad as mg
    >>> mg.remainder(mg.tensor([-3.0, 3.0]), 2)
    tensor([1., 1.], dtype=float32, device='cpu')
    """
    return _rem(Remainder, "remainder", input, other)


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other`` rounded down, as ``torch.floor_divide`` (zero gradient).

    >>> import minigrad as mg
    >>> mg.floor_divide(mg.tensor([7, -7]), 2)
    tensor([ 3, -4], dtype=int64, device='cpu')
    """
    return div(input, other, rounding_mode="floor")


def lerp(input: Tensor, end: Any, weight: Any) -> Tensor:
    """``input + weight * (end - input)``; ``weight`` a number or a tensor, as ``torch.lerp``.

    >>> import minigrad as mg
    >>> mg.lerp(mg.tensor([0.0, 10.0]), mg.tensor([10.0, 20.0]), 0.25)
    tensor([ 2.5, 12.5], dtype=float32, device='cpu')
    """
    if isinstance(weight, (int, float)) and not isinstance(weight, bool) and math.isfinite(
            weight):
        return input + (end - input) * float(weight)
    return input + weight * (end - input)


TENSOR_METHODS = list(__all__)
INPLACE_METHODS = ["atan2", "arctan2", "floor_divide", "fmod", "hypot", "lerp", "logaddexp",
                   "remainder"]
