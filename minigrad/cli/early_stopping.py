"""``minigrad train --val-split FRACTION --early-stopping PATIENCE``: the CLI's side of early
stopping (the loop's side is ``fit(val_loader=..., patience=...)``). Each check raises
``error`` (the CLI passes its ``UserError``) with one line naming the option.

>>> check_options({"val_split": None, "early_stopping": 3})
Traceback (most recent call last):
ValueError: --early-stopping needs --val-split FRACTION (the validation set whose loss it watches)
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from minigrad.data import Subset
from minigrad.training import BEST_CHECKPOINT_NAME, best_epoch

__all__ = ["best_line", "check_options", "check_resume", "remove_stale_best",
           "split_validation"]


def check_options(settings: dict[str, Any], error: type[Exception] = ValueError) -> None:
    """Refuse a non-positive patience, a fraction outside (0, 1), and a patience without a
    validation set."""
    patience, fraction = settings.get("early_stopping"), settings.get("val_split")
    if patience is not None and not patience > 0:
        raise error(f"--early-stopping must be positive, got {patience}")
    if fraction is not None and not 0 < fraction < 1:
        raise error(f"--val-split must be in (0, 1), got {fraction}")
    if patience is not None and fraction is None:
        raise error("--early-stopping needs --val-split FRACTION (the validation set whose "
                    "loss it watches)")


def check_resume(checkpoint: dict[str, Any] | None, settings: dict[str, Any], path: str,
                 error: type[Exception] = ValueError) -> None:
    """A run that stopped early stays stopped: the patience counter comes back with the
    history, so resuming it needs a larger ``--early-stopping``."""
    best = best_epoch(checkpoint["history"]) if checkpoint is not None else None
    patience = settings.get("early_stopping")
    if best is not None and patience is not None and checkpoint is not None \
            and checkpoint["epoch"] - best["epoch"] >= patience:
        raise error(f"the run in {path} stopped early at epoch {checkpoint['epoch']} (best "
                    f"epoch {best['epoch']}, patience {patience}); pass a larger "
                    f"--early-stopping PATIENCE to train it further")


def split_validation(ds: Any, fraction: float | None, seed: int,
                     error: type[Exception] = ValueError) -> tuple[Any, Any]:
    """``(train, validation)``: ``round(fraction * len(ds))`` samples held out, drawn by a
    permutation seeded with ``seed`` (the same split on every run and on ``--resume``);
    ``(ds, None)`` without a fraction.

    >>> import minigrad as mg
    >>> from minigrad.data import TensorDataset
    >>> tr, va = split_validation(TensorDataset(mg.arange(10)), 0.2, seed=0)
    >>> len(tr), len(va), sorted(set(tr.indices) | set(va.indices)) == list(range(10))
    (8, 2, True)
    """
    if fraction is None:
        return ds, None
    n = len(ds)
    n_val = round(fraction * n)
    if not 1 <= n_val < n:
        raise error(f"--val-split {fraction:g} of {n} training samples leaves {n_val} for "
                    f"validation and {n - n_val} for training; each needs at least one")
    perm = np.random.default_rng(seed).permutation(n)
    return Subset(ds, np.sort(perm[n_val:])), Subset(ds, np.sort(perm[:n_val]))


def remove_stale_best(out: str) -> None:
    """A fresh run drops an earlier run's ``best.mg`` from its output folder."""
    stale = os.path.join(out, BEST_CHECKPOINT_NAME)
    if os.path.isfile(stale):
        os.remove(stale)


def best_line(best: dict[str, Any], out: str) -> str:
    """The summary line naming the best epoch and its checkpoint.

    >>> line = best_line({"epoch": 3, "val_loss": 0.25, "val_acc": 0.9, "test_acc": 0.875},
    ...                  "run")
    >>> line.split("; ")[0]
    'best epoch 3: val loss 0.2500, val accuracy 90.00%, test accuracy 87.50%'
    """
    test = best.get("test_acc")
    return (f"best epoch {best['epoch']}: val loss {best['val_loss']:.4f}, val accuracy "
            f"{100 * best['val_acc']:.2f}%"
            + (f", test accuracy {100 * test:.2f}%" if test is not None else "")
            + f"; checkpoint {os.path.join(out, BEST_CHECKPOINT_NAME)}")
