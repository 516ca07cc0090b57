"""The scheduler base class: ``last_epoch``, ``base_lrs``, and writing rates into the groups.

>>> import minigrad as mg
>>> opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
>>> class Halving(mg.optim.lr_scheduler.LRScheduler):
...     def get_lr(self):
...         return [base * 0.5**self.last_epoch for base in self.base_lrs]
>>> sched = Halving(opt); opt.step(); sched.step(); opt.step(); sched.step()
>>> sched.last_epoch, sched.get_last_lr()
(2, [0.25])
"""

from __future__ import annotations

from typing import Any

from minigrad.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "check_optimizer", "format_param"]


def format_param(op: str, name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One ``value`` per parameter group: a list or tuple of the right length, or a scalar
    repeated (PyTorch's ``_format_param``)."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{op}: `{name}` must have one value per parameter group ({n}), got "
                f"{len(value)}"
            )
        return list(value)
    return [value] * n


def check_optimizer(op: str, optimizer: Any) -> None:
    """Raise ``TypeError`` unless ``optimizer`` is a minigrad Optimizer."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{op}: expected a minigrad Optimizer, got {type(optimizer).__name__}")


class LRScheduler:
    """Base class: keeps ``last_epoch`` and ``base_lrs`` and writes new rates into the groups.

    Subclasses implement ``get_lr()`` (the rates for ``last_epoch``, computed from the
    current ones as PyTorch does, so schedulers can be chained) and may implement
    ``_get_closed_form_lr()`` (used when ``step(epoch)`` jumps to an epoch). Constructing a
    scheduler performs the first ``step()``, setting the rates for epoch 0; ``_is_initial``
    is True during that step (a resumed scheduler keeps the rates it finds).

    >>> import minigrad as mg
    >>> opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = mg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    >>> sched.last_epoch, sched.get_last_lr()
    (0, [1.0])
    """

    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        check_optimizer(type(self).__name__, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param 'initial_lr' is not specified in "
                        f"param_groups[{i}] when resuming (last_epoch={last_epoch})"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Reset the step count and take the first step (with ``_is_initial`` set)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:  # pragma: no cover - interface
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step()``, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``) and write the new rates."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Set ``last_epoch`` (next one, or ``epoch`` via the closed form) and write rates."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = int(epoch)
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr = self._lrs()

    def state_dict(self) -> dict[str, Any]:
        """Everything except the optimizer (functions of LambdaLR are left out)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.__dict__.update(state_dict)

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


class _LRScheduler(LRScheduler):
    """PyTorch's old name for :class:`LRScheduler`, still subclassed by older programs."""
