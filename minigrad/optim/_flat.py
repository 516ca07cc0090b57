"""All parameters of a closure-driven optimizer viewed as one flat vector.

LBFGS, ConjugateGradient and LevenbergMarquardt work on the concatenation of every
parameter; this helper gathers gradients into such a vector and writes vectors back, on the
parameters' own backend (``xp``), without going through the autograd graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.errors import DeviceError, MinigradTypeError
from minigrad.grad_mode import enable_grad
from minigrad.optim.optimizer import grad_data, writable_data
from minigrad.tensor import Tensor

__all__ = ["FlatParams", "as_array", "as_tensor", "dot", "max_abs", "to_float"]


def as_array(value: Any) -> Any:
    """The backend array inside a state value (Tensors are unwrapped, others pass through)."""
    return value._data if isinstance(value, Tensor) else value


def as_tensor(value: Any) -> Any:
    """Wrap a backend array as a Tensor for the state dict (None and scalars pass through)."""
    if value is None or isinstance(value, (int, float, Tensor)):
        return value
    return Tensor._make(value, None)


class FlatParams:
    """The parameters of one group as a single vector (same dtype and device required)."""

    def __init__(self, params: list[Tensor], op: str) -> None:
        first = params[0]
        for i, p in enumerate(params):
            if p.dtype != first.dtype:
                raise MinigradTypeError(
                    f"{op}: all parameters must share one dtype; params[0] is {first.dtype} "
                    f"but params[{i}] is {p.dtype}"
                )
            if p.device != first.device:
                raise DeviceError(
                    f"{op}: all parameters must be on one device; params[0] is on "
                    f"{first.device} but params[{i}] is on {p.device}"
                )
        self.params = params
        self.op = op
        self.xp = first._backend.xp
        self.dtype = first.dtype
        self.sizes = [p.numel() for p in params]
        self.numel = sum(self.sizes)

    def grad(self) -> Any:
        """The gradients, flattened and concatenated (zeros where a parameter has none)."""
        xp = self.xp
        parts = [
            xp.zeros(p.numel(), dtype=self.dtype) if p.grad is None
            else grad_data(self.op, p).reshape(-1).astype(self.dtype, copy=False)
            for p in self.params
        ]
        return xp.concatenate(parts) if len(parts) > 1 else parts[0].copy()

    def get(self) -> Any:
        """A copy of the current parameter values as one vector."""
        xp = self.xp
        return xp.concatenate([p._data.reshape(-1) for p in self.params])

    def set(self, flat: Any) -> None:
        """Write the vector ``flat`` into the parameters."""
        offset = 0
        for p, n in zip(self.params, self.sizes, strict=True):
            writable_data(p)[...] = flat[offset:offset + n].reshape(p.shape)
            p._version += 1
            offset += n

    def add(self, t: float, d: Any) -> None:
        """``params += t * d`` (``d`` a flat vector)."""
        offset = 0
        for p, n in zip(self.params, self.sizes, strict=True):
            data = writable_data(p)
            data += (t * d[offset:offset + n]).reshape(p.shape).astype(p.dtype, copy=False)
            p._version += 1
            offset += n

    def evaluate(self, closure: Callable[[], Any]) -> tuple[float, Any]:
        """Run the closure with recording on; return (loss as float, flat gradient)."""
        with enable_grad():
            loss = closure()
        return to_float(loss, self.op), self.grad()

    def directional(
        self, closure: Callable[[], Any], x: Any, t: float, d: Any
    ) -> tuple[float, Any]:
        """Loss and flat gradient at ``x + t * d``; the parameters are put back to ``x``."""
        self.add(t, d)
        loss, g = self.evaluate(closure)
        self.set(x)
        return loss, g


def to_float(loss: Any, op: str) -> float:
    """The closure's loss as a Python float, with a clear error for anything else."""
    if isinstance(loss, Tensor):
        if loss.numel() != 1:
            raise ValueError(
                f"{op}: the closure must return a scalar loss, got a tensor of shape {loss.shape}"
            )
        return float(loss.item())
    try:
        return float(loss)
    except (TypeError, ValueError):
        raise MinigradTypeError(
            f"{op}: the closure must return the loss (a scalar tensor or number), got "
            f"{type(loss).__name__}"
        ) from None


def dot(a: Any, b: Any) -> float:
    """The dot product of two flat vectors as a Python float."""
    return float(a @ b)


def max_abs(a: Any) -> float:
    """``max |a_i|`` as a Python float (0 for an empty vector)."""
    return float(abs(a).max()) if a.size else 0.0
