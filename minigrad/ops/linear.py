"""``linear(x, W, b) = x @ Wᵀ + b`` as one op: one node instead of transpose + matmul + add.

The fused op is what ``nn.Linear`` runs; a test checks it equals the composite.

>>> import minigrad as mg
>>> x = mg.ones(4, 3); w = mg.ones(2, 3, requires_grad=True); b = mg.zeros(2, requires_grad=True)
>>> mg.ops.linear(x, w, b).sum().backward(); w.grad.shape, b.grad.tolist()
(Size([2, 3]), [4.0, 4.0])
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor

__all__ = ["linear"]


class Linear(Op):
    """``x @ w.T (+ b)`` for x of shape (..., in), w (out, in), b (out,)."""

    def forward(self, xp: Any, x: Any, w: Any, b: Any = None) -> Any:
        out = xp.matmul(x, w.T)
        if b is not None:
            out += b  # the matmul result is a fresh array: add the bias in place
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        x, w = inputs[0], inputs[1]
        need = self.needs_input_grad
        x_shape = self.in_meta[0][0]
        n_out, n_in = self.in_meta[1][0]
        flat = len(x_shape) != 2  # work on 2-D (rows, features) views of g and x
        g2 = m.reshape(g, shape=(-1, n_out)) if flat else g
        gx = gw = None
        if need[0]:
            gx = m.matmul(g2, w)
            gx = m.reshape(gx, shape=x_shape) if flat else gx
        if need[1]:
            x2 = m.reshape(x, shape=(-1, n_in)) if flat else x
            gw = m.matmul(m.swapaxes(g2), x2)
        if len(inputs) == 2:
            return gx, gw
        return gx, gw, (g if need[2] else None)  # the engine sums g down to b's shape


register_math("linear", Linear)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, as ``torch.nn.functional.linear``.

    >>> import minigrad as mg
    >>> mg.ops.linear(mg.ones(5, 3), mg.ones(2, 3)).shape
    Size([5, 2])
    """
    check_tensor(input, "linear", "input")
    check_tensor(weight, "linear", "weight")
    if weight.ndim != 2:
        raise ShapeError(f"linear: `weight` must be 2-D (out_features, in_features), got shape "
                         f"{weight.shape}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input of shape {input.shape} does not fit weight of shape {weight.shape} "
            f"(in_features = {weight.shape[1]} must equal the input's last dim)"
        )
    tensors = [input, weight]
    if bias is not None:
        check_tensor(bias, "linear", "bias")
        if bias.shape != (weight.shape[0],):
            raise ShapeError(f"linear: `bias` must have shape ({weight.shape[0]},), got "
                             f"{bias.shape}")
        tensors.append(bias)
    dt = dtypes.result_dtype(*tensors)
    if dt.kind != "f":
        raise ShapeError(f"linear: expected floating tensors, got dtype {dt}")
    tensors = [t if t.dtype == dt else t.astype(dt) for t in tensors]
    return Linear.apply(*tensors)
