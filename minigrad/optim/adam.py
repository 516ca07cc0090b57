"""Adam and AdamW (decoupled weight decay), both with the AMSGrad option.

>>> import minigrad as mg
>>> w = mg.tensor([1.0, -1.0], requires_grad=True)
>>> opt = mg.optim.Adam([w], lr=0.1)
>>> (w * w).sum().backward(); opt.step(); [round(v, 6) for v in w.tolist()]
[0.9, -0.9]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from minigrad.optim._check import check_adam_group, impl_options
from minigrad.optim._params import apply_weight_decay
from minigrad.optim.optimizer import Optimizer, ParamsT, zeros_state
from minigrad.tensor import Tensor

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with PyTorch's update rule (``torch.optim.Adam``).

    At step ``t``, for gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p                  (Adam: L2 penalty in the gradient)
        p = p * (1 - lr * weight_decay)           (AdamW, or Adam with
                                                   decoupled_weight_decay: instead)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                     (amsgrad; used in place of v below)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    >>> import minigrad as mg
    >>> w = mg.tensor([3.0], requires_grad=True)
    >>> opt = mg.optim.Adam([w], lr=0.5, amsgrad=True)
    >>> for _ in range(50):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 0.5
    True
    """

    _decoupled = False

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
        foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
        differentiable: bool = False, fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    **impl_options(type(self).__name__, foreach=foreach, capturable=capturable,
                                   differentiable=differentiable, fused=fused)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_group(type(self).__name__, group)

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        state["exp_avg"] = zeros_state(p)
        state["exp_avg_sq"] = zeros_state(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_state(p)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            amsgrad = group["amsgrad"]
            decoupled = group.get("decoupled_weight_decay", self._decoupled)
            for p, xp, g, state, data in self._grads(group):
                g = apply_weight_decay(g, data, lr, wd, decoupled)
                step = state["step"]
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * (g * g)
                if amsgrad:
                    if "max_exp_avg_sq" not in state:
                        state["max_exp_avg_sq"] = zeros_state(p)
                    vmax = state["max_exp_avg_sq"]._data
                    xp.maximum(vmax, v, out=vmax)
                    v = vmax
                step_size = lr / (1 - beta1**step)
                denom = xp.sqrt(v) / math.sqrt(1 - beta2**step) + eps
                data -= step_size * (m / denom)
                p._version += 1
                for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
                    if key in state:
                        state[key]._version += 1
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019; ``torch.optim.AdamW``).

    Before the Adam update each parameter shrinks by ``p *= 1 - lr * weight_decay``;
    the gradient itself is not changed. Default ``weight_decay=1e-2`` as PyTorch.

    >>> import minigrad as mg
    >>> w = mg.tensor([1.0], requires_grad=True)
    >>> opt = mg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = mg.zeros(1); opt.step(); round(w.item(), 6)
    0.95
    """

    _decoupled = True

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
        maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
        differentiable: bool = False, fused: bool | None = None,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
