"""Training loops (epochs of images; iterations of text), checkpoints, progress bars and
recipes (used by ``minigrad train``).

>>> from minigrad.training import fit, evaluate, recipe
>>> recipe("lenet5")["optimizer"]
'adam'
"""

from minigrad.training.checkpoint import (
    BEST_CHECKPOINT_NAME,
    CHECKPOINT_NAME,
    CheckpointError,
    load_checkpoint,
    restore,
    save_checkpoint,
)
from minigrad.training.lm import LMResult, WarmupCosine, estimate_loss, fit_lm, split_loss
from minigrad.training.loop import (
    FitResult,
    best_epoch,
    evaluate,
    fit,
    train_epoch,
    write_json,
)
from minigrad.training.progress import Progress, tqdm_available
from minigrad.training.recipes import (
    OPTIMIZERS,
    RECIPES,
    SCHEDULES,
    build_optimizer,
    build_scheduler,
    recipe,
)

__all__ = [
    "BEST_CHECKPOINT_NAME",
    "CHECKPOINT_NAME",
    "OPTIMIZERS",
    "RECIPES",
    "SCHEDULES",
    "CheckpointError",
    "FitResult",
    "LMResult",
    "Progress",
    "WarmupCosine",
    "best_epoch",
    "build_optimizer",
    "build_scheduler",
    "estimate_loss",
    "evaluate",
    "fit",
    "fit_lm",
    "load_checkpoint",
    "recipe",
    "restore",
    "save_checkpoint",
    "split_loss",
    "tqdm_available",
    "train_epoch",
    "write_json",
]
