"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

>>> import minigrad as mg
>>> w = mg.tensor([1.0], requires_grad=True)
>>> opt = mg.optim.SGD([w], lr=0.1, momentum=0.9)
>>> for _ in range(2):
...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
>>> round(w.item(), 4)
0.46
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.optim._check import check_nonneg, impl_options
from minigrad.optim._params import apply_weight_decay
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """SGD, with PyTorch's update rule (``torch.optim.SGD``).

    For each parameter ``p`` with gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        b = g                                  (first step)
        b = momentum * b + (1 - dampening) * g (later steps)
        g = g + momentum * b  if nesterov else  b      (when momentum != 0)
        p = p - lr * g

    >>> import minigrad as mg
    >>> w = mg.tensor([2.0], requires_grad=True)
    >>> opt = mg.optim.SGD([w], lr=0.25)
    >>> (w * w).sum().backward(); opt.step(); w.tolist()
    [1.0]
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
        weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
        foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None,
    ) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    **impl_options("SGD", foreach=foreach, differentiable=differentiable,
                                   fused=fused)}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "momentum", "weight_decay"):
            check_nonneg("SGD", key, group[key])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True requires momentum > 0 and dampening = 0 (got momentum="
                f"{group['momentum']}, dampening={group['dampening']})"
            )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given."""
        loss = self._eval_closure(closure)
        for group in self.param_groups:
            lr, mom, damp = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov = group["weight_decay"], group["nesterov"]
            for p, _, d, _, data in self._grads(group, stateful=False):
                d = apply_weight_decay(d, data, lr, wd, False)
                if mom != 0:
                    state = self.param_state(p)
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = Tensor._make(d.copy(), None)
                        state["momentum_buffer"] = buf
                    else:
                        b = buf._data
                        b *= mom
                        b += d if damp == 0 else (1 - damp) * d
                    d = d + mom * buf._data if nesterov else buf._data
                data -= lr * d
                p._version += 1
        return loss

