"""Averaged SGD (Polyak & Juditsky, 1992) with the step-size decay of ``torch.optim.ASGD``.

>>> import minigrad as mg
>>> w = mg.tensor([1.0], requires_grad=True)
>>> opt = mg.optim.ASGD([w], lr=0.1, lambd=0.0, t0=0)
>>> (w * w).sum().backward(); opt.step(); round(w.item(), 4), round(opt.state[w]["ax"].item(), 4)
(0.8, 0.8)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.optim._check import check_nonneg, impl_options
from minigrad.optim._params import apply_weight_decay
from minigrad.optim.optimizer import Optimizer, ParamsT, zeros_state
from minigrad.tensor import Tensor

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD with PyTorch's update rule (``torch.optim.ASGD``).

    At step ``t``, for gradient ``g`` (negated when ``maximize``), with ``eta`` starting at
    ``lr`` and ``mu`` at 1::

        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax)          (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t)**alpha
        mu = 1 / max(1, t - t0)

    ``ax`` (in ``state[p]["ax"]``) is the running average of the iterates, which starts once
    ``t0`` steps have passed; copy it into the parameters to use the averaged model. ``eta``
    and ``mu`` are kept as Python floats (float64); PyTorch keeps them in tensors of the
    default dtype, so with float32 as default they differ in the 8th digit.

    >>> import minigrad as mg
    >>> w = mg.tensor([2.0], requires_grad=True)
    >>> opt = mg.optim.ASGD([w], lr=0.2, t0=10)
    >>> for _ in range(30):
    ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> abs(w.item()) < 1e-3, abs(opt.state[w]["ax"].item()) < 1e-2
    (True, True)
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
        t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
        maximize: bool = False, differentiable: bool = False, capturable: bool = False,
    ) -> None:
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "maximize": maximize,
                    **impl_options("ASGD", foreach=foreach, differentiable=differentiable,
                                   capturable=capturable)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "weight_decay"):
            check_nonneg("ASGD", key, group[key])

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        state.update(eta=float(group["lr"]), mu=1.0, ax=zeros_state(p))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
            wd = group["weight_decay"]
            for p, _, g, state, data in self._grads(group):
                step = state["step"]
                g = apply_weight_decay(g, data, lr, wd, False)
                eta, mu = float(state["eta"]), float(state["mu"])
                data *= 1 - lambd * eta
                data -= eta * g
                ax = state["ax"]._data
                if mu != 1:
                    ax += mu * (data - ax)
                else:
                    ax[...] = data
                state["eta"] = lr / (1 + lambd * lr * step) ** alpha
                state["mu"] = 1 / max(1, step - t0)
                p._version += 1
                state["ax"]._version += 1
        return loss
