"""Adadelta (Zeiler, 2012): per-coordinate steps from running averages of g² and Δx².

>>> import minigrad as mg
>>> w = mg.tensor([1.0], requires_grad=True)
>>> opt = mg.optim.Adadelta([w], lr=1.0, eps=1e-2)
>>> (w * w).sum().backward(); opt.step(); round(w.item(), 4)
0.6877
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.optim._check import check_closed, check_nonneg, impl_options
from minigrad.optim._params import apply_weight_decay
from minigrad.optim.optimizer import Optimizer, ParamsT, zeros_state
from minigrad.tensor import Tensor

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta with PyTorch's update rule (``torch.optim.Adadelta``).

    For gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g                    (square_avg)
        d = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * d * d                    (acc_delta)
        p = p - lr * d

    >>> import minigrad as mg
    >>> w = mg.tensor([2.0], requires_grad=True)
    >>> opt = mg.optim.Adadelta([w], lr=1.0, rho=0.5, eps=0.1)
    >>> for _ in range(60):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 0.1
    True
    """

    def __init__(
        self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
        weight_decay: float = 0, foreach: bool | None = None, *, capturable: bool = False,
        maximize: bool = False, differentiable: bool = False,
    ) -> None:
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize,
                    **impl_options("Adadelta", foreach=foreach, capturable=capturable,
                                   differentiable=differentiable)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "eps", "weight_decay"):
            check_nonneg("Adadelta", key, group[key])
        check_closed("Adadelta", "rho", group["rho"], 0.0, 1.0)

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        state.update(square_avg=zeros_state(p), acc_delta=zeros_state(p))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p, xp, g, state, data in self._grads(group):
                g = apply_weight_decay(g, data, lr, wd, False)
                v, u = state["square_avg"]._data, state["acc_delta"]._data
                v *= rho
                v += (1 - rho) * (g * g)
                delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
                u *= rho
                u += (1 - rho) * (delta * delta)
                data -= lr * delta
                p._version += 1
                state["square_avg"]._version += 1
                state["acc_delta"]._version += 1
        return loss
