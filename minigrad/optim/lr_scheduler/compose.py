"""Schedules made of schedules: one after another (SequentialLR) or all at once
(ChainedScheduler).

>>> import minigrad as mg
>>> S = mg.optim.lr_scheduler
>>> opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
>>> warmup = S.LinearLR(opt, start_factor=0.5, total_iters=2)
>>> decay = S.ExponentialLR(opt, gamma=0.5)
>>> sched = S.SequentialLR(opt, [warmup, decay], milestones=[2])
>>> lrs = []
>>> for _ in range(5):
...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
>>> lrs
[0.5, 0.75, 1.0, 0.5, 0.25]
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from minigrad.optim.lr_scheduler.base import LRScheduler, check_optimizer
from minigrad.optim.lr_scheduler.plateau import ReduceLROnPlateau
from minigrad.optim.optimizer import Optimizer

__all__ = ["ChainedScheduler", "SequentialLR"]


def _check_schedulers(op: str, optimizer: Optimizer, schedulers: Sequence[Any]) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{op}: expects at least one scheduler, got none")
    for i, sched in enumerate(schedulers):
        if not hasattr(sched, "optimizer"):
            raise TypeError(
                f"{op}: schedulers[{i}] ({type(sched).__name__}) has no `optimizer` attribute"
            )
        if isinstance(sched, ReduceLROnPlateau):
            raise ValueError(
                f"{op}: schedulers[{i}] is a ReduceLROnPlateau, which is not supported (its "
                "step needs the metric)"
            )
        if sched.optimizer is not optimizer:
            raise ValueError(
                f"{op}: all schedulers must belong to the same optimizer, but schedulers[{i}] "
                f"({type(sched).__name__}) has a different one"
            )


class _Composite(LRScheduler):
    """State dicts that nest the state dicts of the wrapped schedulers."""

    _schedulers: list[Any]

    def state_dict(self) -> dict[str, Any]:
        """This scheduler's state, with each wrapped scheduler's state under ``_schedulers``."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore this scheduler and each wrapped one."""
        state = dict(state_dict)
        nested = state.pop("_schedulers")
        self.__dict__.update(state)
        for sched, saved in zip(self._schedulers, nested, strict=True):
            sched.load_state_dict(saved)


class SequentialLR(_Composite):
    """Run ``schedulers[i]`` between ``milestones[i - 1]`` and ``milestones[i]``.

    At each milestone the next scheduler starts from its epoch 0 (its closed form, so it
    starts from the base rates); constructing it undoes the first steps the wrapped
    schedulers took when they were made, as PyTorch does.

    >>> import minigrad as mg
    >>> S = mg.optim.lr_scheduler
    >>> opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.1, total_iters=2),
    ...                              S.StepLR(opt, step_size=1, gamma=0.5)], milestones=[2])
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
    >>> [round(v, 6) for v in lrs]
    [0.1, 0.1, 1.0, 0.5]
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: list[LRScheduler], milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        check_optimizer("SequentialLR", optimizer)
        _check_schedulers("SequentialLR", optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expects one milestone fewer than schedulers, got "
                f"{len(schedulers)} schedulers and {len(milestones)} milestones"
            )
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self.recursive_undo()
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Step back every wrapped scheduler (recursively) by the step it took when made."""
        scheds = self if sched is None else sched
        if hasattr(scheds, "_schedulers"):
            for s in scheds._schedulers:
                self.recursive_undo(s)
        elif hasattr(scheds, "last_epoch"):
            scheds.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance one epoch with the scheduler whose turn it is."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            sched._update_lr(0)
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()


class ChainedScheduler(_Composite):
    """Step all ``schedulers`` at once each epoch, their factors multiplying.

    >>> import minigrad as mg
    >>> S = mg.optim.lr_scheduler
    >>> opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=2),
    ...                             S.ExponentialLR(opt, gamma=0.9)])
    >>> lrs = []
    >>> for _ in range(4):
    ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
    >>> [round(v, 6) for v in lrs]
    [0.5, 0.45, 0.81, 0.729]
    """

    def __init__(
        self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler: expects at least one scheduler, got none")
        optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = self._lrs()

    def step(self) -> None:  # type: ignore[override]
        """Step every wrapped scheduler once."""
        for sched in self._schedulers:
            sched.step()
        self._last_lr = self._lrs()
