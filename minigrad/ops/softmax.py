"""softmax and log_softmax along one dim, stable for logits of any magnitude.

Both subtract the row maximum first, so logits of 1e4 neither overflow nor give NaN. Their
backward formulas use only registered ops, so second derivatives work.

>>> import minigrad as mg
>>> softmax(mg.tensor([1e4, 1e4, -1e4]), dim=0)
tensor([0.5, 0.5, 0. ], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import MinigradTypeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim

__all__ = ["log_softmax", "softmax"]


class Softmax(Op):
    """``exp(x - max) / sum(exp(x - max))`` along ``dim``."""

    save_inputs = False
    save_output = True

    def forward(self, xp: Any, x: Any, dim: int) -> Any:
        self.dim = dim
        if x.size == 0:  # an empty dim has no maximum; the result is empty, as PyTorch
            return xp.zeros_like(x)
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        return e

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (out * (g - m.sum(g * out, dim=(self.dim,), keepdim=True)),)


class LogSoftmax(Op):
    """``x - max - log(sum(exp(x - max)))`` along ``dim``."""

    save_inputs = False
    save_output = True

    def forward(self, xp: Any, x: Any, dim: int) -> Any:
        self.dim = dim
        if x.size == 0:
            return xp.zeros_like(x)
        shifted = x - x.max(axis=dim, keepdims=True)
        shifted -= xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        return shifted

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (g - m.exp(out) * m.sum(g, dim=(self.dim,), keepdim=True),)


register_math("softmax", Softmax)
register_math("log_softmax", LogSoftmax)


def _prepare(op: str, input: Tensor, dim: Any, dtype: Any) -> tuple[Tensor, int]:
    check_tensor(input, op)
    if dim is None:
        raise MinigradTypeError(f"{op}: pass `dim` explicitly (PyTorch's implicit choice of dim "
                                f"is deprecated); input shape {input.shape}")
    if dtype is not None:
        input = input.astype(dtype)
    elif input.dtype.kind != "f":
        input = input.float()
    if input.ndim == 0:
        return input, 0
    return input, normalize_dim(dim, input.ndim, op)


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """Softmax along ``dim`` as ``torch.nn.functional.softmax`` (``dim`` is required).

    >>> import minigrad as mg
    >>> softmax(mg.zeros(2, 4), dim=1)[0]
    tensor([0.25, 0.25, 0.25, 0.25], dtype=float32, device='cpu')
    """
    input, d = _prepare("softmax", input, dim, dtype)
    if input.ndim == 0:
        return Softmax.apply(input.reshape(1), dim=0).reshape(())
    return Softmax.apply(input, dim=d)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """Log-softmax along ``dim`` as ``torch.nn.functional.log_softmax`` (``dim`` is required).

    >>> import minigrad as mg
    >>> log_softmax(mg.tensor([0.0, 1e4]), dim=0)
    tensor([-10000.,      0.], dtype=float32, device='cpu')
    """
    input, d = _prepare("log_softmax", input, dim, dtype)
    if input.ndim == 0:
        return LogSoftmax.apply(input.reshape(1), dim=0).reshape(())
    return LogSoftmax.apply(input, dim=d)
