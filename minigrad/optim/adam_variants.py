"""Adam's relatives: Adamax (infinity norm), NAdam (Nesterov momentum), RAdam (rectified).

>>> import minigrad as mg
>>> w = mg.tensor([1.0, -1.0], requires_grad=True)
>>> opt = mg.optim.Adamax([w], lr=0.1)
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

__all__ = ["Adamax", "NAdam", "RAdam"]


def _moments(state: dict[str, Any], p: Tensor, second: str) -> None:
    """Create the zero first moment and the zero ``second`` state of a new parameter."""
    state["exp_avg"] = zeros_state(p)
    state[second] = zeros_state(p)


def _bump(p: Tensor, state: dict[str, Any], *keys: str) -> None:
    """Bump the version counters of ``p`` and of the state tensors updated in place."""
    p._version += 1
    for key in keys:
        state[key]._version += 1


class Adamax(Optimizer):
    """Adamax, Adam with the infinity norm (``torch.optim.Adamax``).

    At step ``t``, for gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)                 (exp_inf)
        p = p - lr / (1 - beta1**t) * m / u

    >>> import minigrad as mg
    >>> w = mg.tensor([3.0], requires_grad=True)
    >>> opt = mg.optim.Adamax([w], lr=0.5)
    >>> for _ in range(50):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 0.5
    True
    """

    def __init__(
        self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
        maximize: bool = False, differentiable: bool = False, capturable: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize,
                    **impl_options("Adamax", foreach=foreach, differentiable=differentiable,
                                   capturable=capturable)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_group("Adamax", group)

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        _moments(state, p, "exp_inf")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            for p, xp, g, state, data in self._grads(group):
                step = state["step"]
                g = apply_weight_decay(g, data, lr, wd, False)
                m, u = state["exp_avg"]._data, state["exp_inf"]._data
                m += (1 - beta1) * (g - m)
                u *= beta2
                xp.maximum(u, xp.abs(g) + eps, out=u)
                data -= lr / (1 - beta1**step) * (m / u)
                _bump(p, state, "exp_avg", "exp_inf")
        return loss


class NAdam(Optimizer):
    """NAdam, Adam with Nesterov momentum (Dozat, 2016; ``torch.optim.NAdam``).

    At step ``t``, for gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p                 (or p *= 1 - lr * weight_decay when
                                                  decoupled_weight_decay, as NAdamW)
        mu_t = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))
        P_t = mu_1 * ... * mu_t                  (state "mu_product")
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t mu_{t+1}) * m / d

    ``mu_product`` is kept as a Python float (float64); PyTorch keeps it in a tensor of the
    default dtype, so with float32 as default its value differs in the 8th digit.

    >>> import minigrad as mg
    >>> w = mg.tensor([3.0], requires_grad=True)
    >>> opt = mg.optim.NAdam([w], lr=0.3)
    >>> for _ in range(50):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 0.5
    True
    """

    def __init__(
        self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
        maximize: bool = False, capturable: bool = False, differentiable: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    **impl_options("NAdam", foreach=foreach, capturable=capturable,
                                   differentiable=differentiable)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_group("NAdam", group, extra=("momentum_decay",))

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        state["mu_product"] = 1.0
        _moments(state, p, "exp_avg_sq")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            psi, decoupled = group["momentum_decay"], group["decoupled_weight_decay"]
            for p, xp, g, state, data in self._grads(group):
                step = state["step"]
                g = apply_weight_decay(g, data, lr, wd, decoupled)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
                state["mu_product"] = mu_product = float(state["mu_product"]) * mu
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * (g * g)
                denom = xp.sqrt(v / (1 - beta2**step)) + eps
                data -= lr * (1.0 - mu) / (1.0 - mu_product) * (g / denom)
                data -= lr * mu_next / (1.0 - mu_product * mu_next) * (m / denom)
                _bump(p, state, "exp_avg", "exp_avg_sq")
        return loss


class RAdam(Optimizer):
    """RAdam, Adam with a rectified adaptive step (Liu et al., 2020; ``torch.optim.RAdam``).

    At step ``t``, for gradient ``g`` (negated when ``maximize``), with
    ``rho_inf = 2 / (1 - beta2) - 1``::

        g = g + weight_decay * p                 (or p *= 1 - lr * weight_decay when
                                                  decoupled_weight_decay, as RAdamW)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
        rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        m_hat = m / (1 - beta1**t)
        p = p - lr * m_hat * r_t * sqrt(1 - beta2**t) / (sqrt(v) + eps)   (rho_t > 5)
        p = p - lr * m_hat                                                (otherwise)

    where ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``.

    >>> import minigrad as mg
    >>> w = mg.tensor([3.0], requires_grad=True)
    >>> opt = mg.optim.RAdam([w], lr=0.3)
    >>> for _ in range(50):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 0.5
    True
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
        foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    **impl_options("RAdam", foreach=foreach, capturable=capturable,
                                   differentiable=differentiable)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        check_adam_group("RAdam", group)

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        _moments(state, p, "exp_avg_sq")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            beta1, beta2 = group["betas"]
            rho_inf = 2 / (1 - beta2) - 1
            decoupled = group["decoupled_weight_decay"]
            for p, xp, g, state, data in self._grads(group):
                step = state["step"]
                g = apply_weight_decay(g, data, lr, wd, decoupled)
                m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
                m += (1 - beta1) * (g - m)
                v *= beta2
                v += (1 - beta2) * (g * g)
                correction2 = 1 - beta2**step
                m_hat = m / (1 - beta1**step)
                rho_t = rho_inf - 2 * step * beta2**step / correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                     / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    data -= m_hat * lr * (math.sqrt(correction2) / (xp.sqrt(v) + eps)) * rect
                else:
                    data -= m_hat * lr
                _bump(p, state, "exp_avg", "exp_avg_sq")
        return loss
