"""RMSprop (Hinton's lecture 6e), plain or centered, with optional momentum.

>>> import minigrad as mg
>>> w = mg.tensor([1.0], requires_grad=True)
>>> opt = mg.optim.RMSprop([w], lr=0.01)
>>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
0.9
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.optim._check import check_nonneg, impl_options
from minigrad.optim._params import apply_weight_decay
from minigrad.optim.optimizer import Optimizer, ParamsT, zeros_state
from minigrad.tensor import Tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop with PyTorch's update rule (``torch.optim.RMSprop``).

    For gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        a = alpha * a + (1 - alpha) * g            (centered only)
        s = sqrt(v - a * a) + eps  if centered else  sqrt(v) + eps
        b = momentum * b + g / s;  p = p - lr * b  (momentum > 0)
        p = p - lr * g / s                         (momentum = 0)

    >>> import minigrad as mg
    >>> w = mg.tensor([2.0], requires_grad=True)
    >>> opt = mg.optim.RMSprop([w], lr=0.05, momentum=0.5, centered=True)
    >>> for _ in range(100):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 0.1
    True
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
        weight_decay: float = 0, momentum: float = 0, centered: bool = False,
        capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered, "maximize": maximize,
                    **impl_options("RMSprop", capturable=capturable, foreach=foreach,
                                   differentiable=differentiable)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            check_nonneg("RMSprop", key, group[key])

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        state["square_avg"] = zeros_state(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_state(p)
        if group["centered"]:
            state["grad_avg"] = zeros_state(p)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
            mom, centered = group["momentum"], group["centered"]
            for p, xp, g, state, data in self._grads(group):
                g = apply_weight_decay(g, data, lr, wd, False)
                v = state["square_avg"]._data
                v *= alpha
                v += (1 - alpha) * (g * g)
                if centered:
                    if "grad_avg" not in state:
                        state["grad_avg"] = zeros_state(p)
                    a = state["grad_avg"]._data
                    a += (1 - alpha) * (g - a)
                    avg = xp.sqrt(v - a * a)
                else:
                    avg = xp.sqrt(v)
                avg += eps
                if mom > 0:
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = zeros_state(p)
                    b = state["momentum_buffer"]._data
                    b *= mom
                    b += g / avg
                    data -= lr * b
                else:
                    data -= lr * (g / avg)
                p._version += 1
        return loss
