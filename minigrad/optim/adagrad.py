"""Adagrad (Duchi, Hazan & Singer, 2011) with learning-rate decay.

>>> import minigrad as mg
>>> w = mg.tensor([1.0], requires_grad=True)
>>> opt = mg.optim.Adagrad([w], lr=0.1)
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

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad with PyTorch's update rule (``torch.optim.Adagrad``).

    At step ``t`` for gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                     (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    >>> import minigrad as mg
    >>> w = mg.tensor([2.0], requires_grad=True)
    >>> opt = mg.optim.Adagrad([w], lr=1.0, initial_accumulator_value=0.1)
    >>> for _ in range(30):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 0.1
    True
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
        initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool | None = None,
        *, maximize: bool = False, differentiable: bool = False, fused: bool | None = None,
    ) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps,
                    "maximize": maximize,
                    **impl_options("Adagrad", foreach=foreach, differentiable=differentiable,
                                   fused=fused)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            check_nonneg("Adagrad", key, group[key])

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group; its accumulators start at its ``initial_accumulator_value``."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state.setdefault(
                p, {"step": 0, "sum": zeros_state(p, group["initial_accumulator_value"])}
            )

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        state["sum"] = zeros_state(p, group["initial_accumulator_value"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, decay, wd, eps = group["lr"], group["lr_decay"], group["weight_decay"], group["eps"]
            for p, xp, g, state, data in self._grads(group):
                step = state["step"]
                g = apply_weight_decay(g, data, lr, wd, False)
                clr = lr / (1 + (step - 1) * decay)
                s = state["sum"]._data
                s += g * g
                data -= clr * (g / (xp.sqrt(s) + eps))
                p._version += 1
        return loss
