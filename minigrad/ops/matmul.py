"""Matrix products: 1-D, 2-D and batched N-D operands, batch dims broadcast as NumPy.

>>> import minigrad as mg
>>> a = mg.ones(5, 2, 3, requires_grad=True); b = mg.ones(3, 4, requires_grad=True)
>>> (a @ b).sum().backward(); b.grad.shape  # batch broadcasting undone by the engine
Size([3, 4])
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import broadcast_shapes, check_tensor

__all__ = ["matmul"]


class Matmul(Op):
    """``a @ b`` for operands of at least 2 dims."""

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        return xp.matmul(a, b)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a, b = inputs
        need = self.needs_input_grad
        ga = m.matmul(g, m.swapaxes(b)) if need[0] else None
        gb = m.matmul(m.swapaxes(a), g) if need[1] else None
        return ga, gb


class SwapLast(Op):
    """Swap the last two axes."""

    save_inputs = False

    def forward(self, xp: Any, x: Any) -> Any:
        return xp.swapaxes(x, -1, -2)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.swapaxes(g),)


register_math("matmul", Matmul)
register_math("swapaxes", SwapLast)


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product as ``torch.matmul``: 1-D operands are promoted and the added dim removed.

    >>> import minigrad as mg
    >>> (mg.ones(3) @ mg.ones(3, 2)).shape
    Size([2])
    """
    check_tensor(input, "matmul", "input")
    check_tensor(other, "matmul", "other")
    if input.ndim == 0 or other.ndim == 0:
        raise ShapeError(
            f"matmul: both arguments need at least 1 dim, got shapes {input.shape} and "
            f"{other.shape}"
        )
    k_a = input.shape[-1]
    k_b = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k_a != k_b:
        raise ShapeError(
            f"matmul: inner dimensions differ: input {input.shape} @ other {other.shape} "
            f"({k_a} != {k_b})"
        )
    if input.ndim > 2 or other.ndim > 2:
        try:
            broadcast_shapes("matmul (batch dims)", input.shape[:-2], other.shape[:-2])
        except ShapeError as e:
            raise ShapeError(f"{e}; input {input.shape} @ other {other.shape}") from None
    if input.dtype != other.dtype:
        dt = dtypes.result_dtype(input, other)
        input, other = input.astype(dt), other.astype(dt)
    a = input.unsqueeze(0) if input.ndim == 1 else input
    b = other.unsqueeze(-1) if other.ndim == 1 else other
    out = Matmul.apply(a, b)
    if other.ndim == 1:
        out = out.squeeze(-1)
    if input.ndim == 1:
        out = out.squeeze(-2 if other.ndim > 1 else -1)
    return out
