"""Optimizers and learning-rate schedules, with PyTorch's names, defaults and update rules.

First-order: :class:`SGD`, :class:`Adam`, :class:`AdamW`, :class:`RMSprop`,
:class:`Adagrad`, :class:`Adadelta`, :class:`Adamax`, :class:`NAdam`, :class:`RAdam`,
:class:`ASGD`. Closure-driven (``step(closure)``): :class:`LBFGS`,
:class:`ConjugateGradient` (both with a strong-Wolfe line search) and
:class:`LevenbergMarquardt` (whose closure returns a residual vector). Schedules live in
:mod:`minigrad.optim.lr_scheduler`.

>>> import minigrad as mg
>>> w = mg.tensor([4.0], requires_grad=True)
>>> opt = mg.optim.SGD([w], lr=0.1)
>>> sched = mg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
>>> for _ in range(3):
...     opt.zero_grad(); (w * w).sum().backward(); opt.step(); sched.step()
>>> sched.get_last_lr()
[0.0125]
"""

from minigrad.optim import lr_scheduler
from minigrad.optim.adadelta import Adadelta
from minigrad.optim.adagrad import Adagrad
from minigrad.optim.adam import Adam, AdamW
from minigrad.optim.adam_variants import Adamax, NAdam, RAdam
from minigrad.optim.asgd import ASGD
from minigrad.optim.cg import ConjugateGradient
from minigrad.optim.lbfgs import LBFGS
from minigrad.optim.lm import LevenbergMarquardt
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.rmsprop import RMSprop
from minigrad.optim.sgd import SGD

__all__ = [
    "ASGD", "LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax",
    "ConjugateGradient", "LevenbergMarquardt", "NAdam", "Optimizer", "RAdam", "RMSprop",
    "lr_scheduler",
]
