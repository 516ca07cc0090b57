"""Optimizers, schedules and per-model default settings, by name (what the CLI offers).

>>> import minigrad as mg
>>> from minigrad import nn
>>> m = nn.Linear(2, 2)
>>> opt = build_optimizer("momentum", m.parameters(), lr=0.1)
>>> type(opt).__name__, opt.param_groups[0]["momentum"]
('SGD', 0.9)
>>> sched = build_scheduler("multistep", opt, epochs=20, milestones=[5, 10, 15])
>>> type(sched).__name__
'MultiStepLR'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from minigrad import optim
from minigrad.optim import lr_scheduler

__all__ = ["OPTIMIZERS", "RECIPES", "SCHEDULES", "build_optimizer", "build_scheduler", "recipe"]

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULES = ("none", "step", "multistep", "exponential", "cosine", "plateau")

# Settings that reproduce the classic results (see examples/ and the README); each entry is
# the default of the matching CLI option for that model.
RECIPES: dict[str, dict[str, Any]] = {
    "logreg": {"optimizer": "sgd", "lr": 0.01, "batch_size": 10, "epochs": 20,
               "lr_schedule": "multistep", "milestones": [5, 10, 15], "lr_gamma": 0.1},
    "mlp": {"optimizer": "sgd", "lr": 0.1, "batch_size": 100, "epochs": 20,
            "lr_schedule": "none"},
    "lenet5": {"optimizer": "adam", "lr": 2e-3, "batch_size": 64, "epochs": 3,
               "lr_schedule": "exponential", "lr_gamma": 0.5},
    # the tanh/RBF network learns more per sample with smaller batches (97.9 % vs 97.3 % at 64)
    "lenet5-classic": {"optimizer": "adam", "lr": 1e-3, "batch_size": 16, "epochs": 3,
                       "lr_schedule": "exponential", "lr_gamma": 0.5},
    # MNIST row by row: 28 steps of 28 pixels; clipping keeps the early steps of Adam sane
    "lstm": {"optimizer": "adam", "lr": 2e-3, "batch_size": 64, "epochs": 3,
             "lr_schedule": "exponential", "lr_gamma": 0.5, "grad_clip": 1.0},
    # a fixed budget of iterations (nanoGPT's small character recipe, shortened): AdamW with
    # decay on matrices only, betas (0.9, 0.99), linear warm-up then cosine to lr/10
    "char-gpt": {"optimizer": "adamw", "lr": 2e-3, "batch_size": 32, "iters": 1000,
                 "block_size": 64, "n_layer": 4, "n_head": 4, "n_embd": 128, "dropout": 0.0,
                 "warmup": 50, "min_lr_ratio": 0.1, "weight_decay": 0.1,
                 "betas": [0.9, 0.99], "grad_clip": 1.0, "eval_interval": 200,
                 "eval_batches": 10, "lr_schedule": "warmup-cosine"},
}
_FALLBACK = {"optimizer": "sgd", "lr": 0.1, "batch_size": 64, "epochs": 3,
             "lr_schedule": "none", "milestones": None, "lr_gamma": 0.1, "lr_step": 1,
             "momentum": 0.9, "weight_decay": 0.0, "grad_clip": None}


def recipe(model: str) -> dict[str, Any]:
    """The default training settings for ``model`` (every key filled).

    >>> recipe("mlp")["lr"], recipe("mlp")["batch_size"]
    (0.1, 100)
    """
    return {**_FALLBACK, **RECIPES.get(model, {})}


def build_optimizer(name: str, params: Iterable[Any], lr: float, momentum: float = 0.9,
                    weight_decay: float = 0.0) -> Any:
    """An optimizer by name: sgd (no momentum), momentum, nesterov, adam, adamw, rmsprop,
    adagrad. ``momentum`` applies to momentum/nesterov (and rmsprop when given explicitly).

    >>> from minigrad import nn
    >>> type(build_optimizer("adam", nn.Linear(1, 1).parameters(), lr=1e-3)).__name__
    'Adam'
    """
    params = list(params)
    if name == "sgd":
        return optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if name == "nesterov":
        return optim.SGD(params, lr=lr, momentum=momentum, nesterov=True,
                         weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=weight_decay or 1e-2)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, weight_decay=weight_decay)
    if name == "adagrad":
        return optim.Adagrad(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"build_optimizer: unknown optimizer {name!r}; choose one of {OPTIMIZERS}")


def build_scheduler(name: str, optimizer: Any, epochs: int, gamma: float = 0.1,
                    step_size: int = 1, milestones: Sequence[int] | None = None,
                    patience: int = 2) -> Any:
    """A per-epoch learning-rate schedule by name (None for ``"none"``).

    step: ×gamma every ``step_size`` epochs; multistep: ×gamma at each milestone (default:
    thirds of the run); exponential: ×gamma every epoch; cosine: cosine annealing to 0 over
    ``epochs``; plateau: ×gamma after ``patience`` epochs without a better test loss.

    >>> from minigrad import nn, optim
    >>> opt = optim.SGD(nn.Linear(1, 1).parameters(), lr=1.0)
    >>> build_scheduler("none", opt, 3) is None
    True
    """
    if name == "none":
        return None
    if name == "step":
        return lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    if name == "multistep":
        if not milestones:
            milestones = sorted({max(1, epochs * k // 3) for k in (1, 2)})
        return lr_scheduler.MultiStepLR(optimizer, milestones=list(milestones), gamma=gamma)
    if name == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, gamma=gamma)
    if name == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs))
    if name == "plateau":
        return lr_scheduler.ReduceLROnPlateau(optimizer, factor=gamma, patience=patience)
    raise ValueError(f"build_scheduler: unknown schedule {name!r}; choose one of {SCHEDULES}")
