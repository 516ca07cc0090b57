"""Learning-rate schedules, as ``torch.optim.lr_scheduler``.

A scheduler changes ``group["lr"]`` of its optimizer's groups each time ``step()`` is
called (once per epoch, after ``optimizer.step()``; once per batch for CyclicLR and
OneCycleLR). The piecewise decay 0.01 → 0.001 → 1e-4 → 1e-5 at epochs 5, 10 and 15 is one
line:

>>> import minigrad as mg
>>> opt = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.01)
>>> sched = mg.optim.lr_scheduler.MultiStepLR(opt, milestones=[5, 10, 15], gamma=0.1)
>>> lrs = []
>>> for epoch in range(20):
...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
>>> [f"{lr:.0e}" for lr in lrs[::5]]
['1e-02', '1e-03', '1e-04', '1e-05']

Families: :mod:`~.base` (LRScheduler), :mod:`~.multiplicative` (LambdaLR,
MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR),
:mod:`~.cosine` (CosineAnnealingLR, CosineAnnealingWarmRestarts), :mod:`~.cyclic`
(CyclicLR, OneCycleLR), :mod:`~.compose` (SequentialLR, ChainedScheduler) and
:mod:`~.plateau` (ReduceLROnPlateau).
"""

from minigrad.optim.lr_scheduler.base import LRScheduler
from minigrad.optim.lr_scheduler.base import _LRScheduler as _LRScheduler  # old name
from minigrad.optim.lr_scheduler.compose import ChainedScheduler, SequentialLR
from minigrad.optim.lr_scheduler.cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from minigrad.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR
from minigrad.optim.lr_scheduler.multiplicative import (
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from minigrad.optim.lr_scheduler.plateau import ReduceLROnPlateau

__all__ = [
    "ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
    "CyclicLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
    "MultiplicativeLR", "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau", "SequentialLR",
    "StepLR",
]
