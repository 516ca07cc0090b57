"""Per-batch cyclical schedules: CyclicLR (Smith, 2017) and OneCycleLR (Smith & Topin, 2018),
both optionally cycling momentum (SGD's ``momentum`` or the Adam family's ``beta1``) against
the rate.

>>> import minigrad as mg
>>> opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
>>> sched = mg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
>>> round(sched.get_last_lr()[0], 6), opt.param_groups[0]["momentum"]
(0.04, 0.95)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from minigrad.optim.lr_scheduler.base import LRScheduler, check_optimizer, format_param
from minigrad.optim.optimizer import Optimizer

__all__ = ["CyclicLR", "OneCycleLR"]


def _momentum_key(op: str, optimizer: Optimizer) -> bool:
    """Whether momentum is cycled through ``betas[0]`` (True) or ``momentum`` (False)."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError(
            f"{op}: cycle_momentum=True needs an optimizer with `momentum` or `betas` "
            f"({type(optimizer).__name__} has neither); pass cycle_momentum=False"
        )
    return "betas" in optimizer.defaults


def _set_momentum(group: dict[str, Any], value: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CyclicLR(LRScheduler):
    """Cycle the rate between ``base_lr`` and ``max_lr`` (``torch.optim.lr_scheduler.CyclicLR``).

    A cycle climbs for ``step_size_up`` steps and falls for ``step_size_down`` (default: the
    same); the amplitude is scaled by ``scale_fn`` of the cycle number (``scale_mode=
    "cycle"``) or of the step count (``"iterations"``). Built in: ``"triangular"`` (1),
    ``"triangular2"`` (halved each cycle), ``"exp_range"`` (``gamma**step``). With
    ``cycle_momentum`` the momentum moves the other way, between ``max_momentum`` and
    ``base_momentum``. ``step()`` is meant to be called after every batch.

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = mg.optim.lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2)
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
    >>> [round(v, 6) for v in lrs]
    [0.1, 0.3, 0.5, 0.3, 0.1]
    """

    def __init__(
        self, optimizer: Optimizer, base_lr: float | list[float], max_lr: float | list[float],
        step_size_up: int = 2000, step_size_down: int | None = None,
        mode: str = "triangular", gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
        cycle_momentum: bool = True, base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9, last_epoch: int = -1,
    ) -> None:
        check_optimizer("CyclicLR", optimizer)
        self.optimizer = optimizer
        base_lrs = format_param("CyclicLR", "base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups, strict=True):
                group["lr"] = lr
        self.max_lrs = format_param("CyclicLR", "max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        if not up + down > 0:
            raise ValueError(
                f"CyclicLR: `step_size_up` + `step_size_down` (={up + down}) must be > 0"
            )
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(
                f"CyclicLR: `mode` must be 'triangular', 'triangular2' or 'exp_range' when no "
                f"scale_fn is given, got {mode!r}"
            )
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(
                f"CyclicLR: `scale_mode` must be 'cycle' or 'iterations', got {scale_mode!r}"
            )
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        if scale_fn is None:  # the built-in modes fix their scale mode
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_key("CyclicLR", optimizer)
            self.base_momentums = format_param("CyclicLR", "base_momentum", optimizer,
                                               base_momentum)
            self.max_momentums = format_param("CyclicLR", "max_momentum", optimizer,
                                              max_momentum)
            if last_epoch == -1:
                for hi, lo, group in zip(self.max_momentums, self.base_momentums,
                                         optimizer.param_groups, strict=True):
                    _set_momentum(group, hi, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = hi, lo
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The amplitude scale at ``x`` (cycle number or step count)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        """The rates at ``last_epoch`` (and, with cycle_momentum, set the momenta)."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        r = self.step_ratio
        factor = x / r if x <= r else (x - 1) / (r - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [lo + (hi - lo) * factor * scale
               for lo, hi in zip(self.base_lrs, self.max_lrs, strict=True)]
        if self.cycle_momentum:
            for lo, hi, group in zip(self.base_momentums, self.max_momentums,
                                     self.optimizer.param_groups, strict=True):
                _set_momentum(group, hi - (hi - lo) * factor * scale, self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """As the base class; a custom scale_fn is saved as its attributes (None for a
        plain function or lambda), as PyTorch does."""
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = (
            fn.__dict__.copy() if fn is not None and not hasattr(fn, "__code__") else None
        )
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore; a callable-object scale_fn gets its attributes back."""
        state = dict(state_dict)
        saved = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        if saved is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(saved)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (``torch.optim.lr_scheduler.OneCycleLR``).

    The rate rises from ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start``
    of ``total_steps`` (or ``epochs * steps_per_epoch``) steps, then falls to
    ``initial_lr / final_div_factor``; with ``three_phase`` it first falls back to the
    initial rate symmetrically and only then to the minimum. ``anneal_strategy`` is
    ``"cos"`` or ``"linear"``. With ``cycle_momentum`` the momentum (or ``beta1``) moves
    inversely between ``max_momentum`` and ``base_momentum``. Stepping more than
    ``total_steps`` times raises ``ValueError``.

    >>> import minigrad as mg
    >>> opt = mg.optim.Adam([mg.zeros(1, requires_grad=True)])
    >>> sched = mg.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5,
    ...                                          anneal_strategy="linear", pct_start=0.4)
    >>> lrs, beta1 = [], []
    >>> for _ in range(5):
    ...     lrs.append(sched.get_last_lr()[0]); beta1.append(opt.param_groups[0]["betas"][0])
    ...     opt.step(); sched.step()
    >>> [round(v, 5) for v in lrs], [round(v, 4) for v in beta1]
    ([0.04, 1.0, 0.66667, 0.33334, 0.0], [0.95, 0.85, 0.8833, 0.9167, 0.95])
    """

    def __init__(
        self, optimizer: Optimizer, max_lr: float | list[float], total_steps: int | None = None,
        epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
        anneal_strategy: str = "cos", cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85, max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        check_optimizer("OneCycleLR", optimizer)
        self.optimizer = optimizer
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: `pct_start` (={pct_start!r}) must be a float in [0, 1]")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"OneCycleLR: `anneal_strategy` must be 'cos' or 'linear', got "
                f"{anneal_strategy!r}"
            )
        self._anneal_func_type = anneal_strategy
        n, up = self.total_steps, float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                _phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum",
                       "max_momentum"),
                _phase(n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._schedule_phases = [
                _phase(up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        max_lrs = format_param("OneCycleLR", "max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups, strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_key("OneCycleLR", optimizer)
            his = format_param("OneCycleLR", "max_momentum", optimizer, max_momentum)
            los = format_param("OneCycleLR", "base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for hi, lo, group in zip(his, los, optimizer.param_groups, strict=True):
                    _set_momentum(group, hi, self.use_beta1)
                    group["max_momentum"], group["base_momentum"] = hi, lo
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """The rates at ``last_epoch`` (and, with cycle_momentum, set the momenta)."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times; the schedule has total_steps="
                f"{self.total_steps}"
            )
        lrs = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if step <= end or i == last:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]],
                                            pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]],
                                                group[phase["end_momentum"]], pct)
                        _set_momentum(group, momentum, self.use_beta1)
                    break
                start = end
        return lrs


def _phase(end_step: float, start_lr: str, end_lr: str, start_m: str, end_m: str
           ) -> dict[str, Any]:
    return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr,
            "start_momentum": start_m, "end_momentum": end_m}


def _total_steps(total_steps: int | None, epochs: int | None, steps_per_epoch: int | None
                 ) -> int:
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(
                f"OneCycleLR: `total_steps` (={total_steps!r}) must be a positive integer"
            )
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("OneCycleLR: give either total_steps or both epochs and steps_per_epoch")
    for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"OneCycleLR: `{name}` (={value!r}) must be a positive integer")
    return epochs * steps_per_epoch
