"""Training checkpoints: model, optimizer and schedule state plus the run's config and history.

A checkpoint is one file written with :func:`minigrad.save` (atomic: a temporary file renamed
into place, so an interrupted save leaves the previous checkpoint intact) and read with
:func:`minigrad.load`, which raises :class:`~minigrad.serialization.CheckpointError` for a
truncated or corrupted file. ``config`` and ``history`` are stored as JSON text so the file holds
only arrays, strings and numbers.

>>> import os, tempfile
>>> from minigrad import nn, optim
>>> m = nn.Linear(2, 1); opt = optim.SGD(m.parameters(), lr=0.1)
>>> p = os.path.join(tempfile.mkdtemp(), CHECKPOINT_NAME)
>>> save_checkpoint(p, model=m, optimizer=opt, epoch=3, config={"model": "x"}, history=[])
>>> ck = load_checkpoint(p); ck["epoch"], ck["config"]
(3, {'model': 'x'})
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from minigrad.serialization import CheckpointError, load, save

__all__ = ["BEST_CHECKPOINT_NAME", "CHECKPOINT_NAME", "CheckpointError", "load_checkpoint",
           "restore", "save_checkpoint"]

CHECKPOINT_NAME = "checkpoint.mg"
BEST_CHECKPOINT_NAME = "best.mg"  # the epoch with the lowest validation loss (early stopping)
FORMAT = "minigrad-checkpoint/1"


def save_checkpoint(path: str | os.PathLike[str], *, model: Any, optimizer: Any = None,
                    scheduler: Any = None, epoch: int, config: dict[str, Any] | None = None,
                    history: list[dict[str, Any]] | None = None) -> None:
    """Write a checkpoint of a training run after ``epoch`` epochs."""
    obj: dict[str, Any] = {
        "format": FORMAT,
        "epoch": int(epoch),
        "model": model.state_dict(),
        "config": json.dumps(config or {}),
        "history": json.dumps(history or []),
    }
    if optimizer is not None:
        obj["optimizer"] = optimizer.state_dict()
    if scheduler is not None:
        obj["scheduler"] = json.dumps(scheduler.state_dict())
    save(obj, path)


def load_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a checkpoint; ``config``, ``history`` and ``scheduler`` come back decoded."""
    obj = load(path)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise CheckpointError(
            f"load_checkpoint: {os.fspath(path)} is not a minigrad training checkpoint "
            f"(expected format {FORMAT!r}); a bare state dict loads with mg.load"
        )
    out = dict(obj)
    out["epoch"] = int(out["epoch"])
    out["config"] = json.loads(str(out["config"]))
    out["history"] = json.loads(str(out["history"]))
    if "scheduler" in out:
        out["scheduler"] = json.loads(str(out["scheduler"]))
    return out


def restore(checkpoint: dict[str, Any], model: Any, optimizer: Any = None,
            scheduler: Any = None) -> int:
    """Load the states of a checkpoint into ``model`` (strictly), ``optimizer`` and
    ``scheduler``; returns the epoch it was written after.

    All or nothing: every state is checked against its target first (parameter names and
    shapes, optimizer groups and options, scheduler fields), and if loading still fails
    midway the earlier loads are undone; a :class:`CheckpointError` says what does not fit.
    """
    for name, target in (("optimizer", optimizer), ("scheduler", scheduler)):
        if target is not None and name not in checkpoint:
            raise CheckpointError(f"restore: the checkpoint has no {name} state to resume from")
    _check_model(checkpoint.get("model"), model)
    if optimizer is not None:
        _check_optimizer(checkpoint["optimizer"], optimizer)
    if scheduler is not None:
        _check_scheduler(checkpoint["scheduler"], scheduler)
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    opt_state = (optimizer.state, optimizer.param_groups) if optimizer is not None else None
    sched_state = copy.deepcopy(scheduler.state_dict()) if scheduler is not None else None
    try:
        model.load_state_dict(checkpoint["model"])
        if optimizer is not None:
            optimizer.load_state_dict(checkpoint["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(checkpoint["scheduler"])
    except Exception as e:  # undo, then report: the run is left exactly as it was
        model.load_state_dict(weights)
        if opt_state is not None:
            optimizer.state, optimizer.param_groups = opt_state
        if sched_state is not None:
            scheduler.load_state_dict(sched_state)
        raise CheckpointError(f"restore: the checkpoint does not fit: {e}") from e
    return int(checkpoint["epoch"])


def _check_model(saved: Any, model: Any) -> None:
    if not isinstance(saved, dict):
        raise CheckpointError("restore: the checkpoint has no model state")
    mine = model.state_dict()
    missing = [k for k in mine if k not in saved]
    unexpected = [k for k in saved if k not in mine]
    wrong = [f"{k} is {tuple(getattr(saved[k], 'shape', ()))} in the checkpoint, "
             f"{tuple(v.shape)} here" for k, v in mine.items()
             if k in saved and tuple(getattr(saved[k], "shape", ())) != tuple(v.shape)]
    problems = ([f"missing {', '.join(missing[:3])}"] if missing else []) + (
        [f"unexpected {', '.join(unexpected[:3])}"] if unexpected else []) + wrong[:3]
    if problems:
        raise CheckpointError(f"restore: the checkpoint's model does not fit this model: "
                              f"{'; '.join(problems)}")


def _check_optimizer(saved: Any, optimizer: Any) -> None:
    name = type(optimizer).__name__
    if not isinstance(saved, dict) or not {"state", "param_groups"} <= set(saved):
        raise CheckpointError(f"restore: the checkpoint's optimizer state is not a {name} "
                              "state dict")
    groups = saved["param_groups"]
    if len(groups) != len(optimizer.param_groups) or any(
            len(g.get("params", ())) != len(m["params"])
            for g, m in zip(groups, optimizer.param_groups, strict=False)):
        raise CheckpointError(
            f"restore: the checkpoint's optimizer has parameter groups of "
            f"{[len(g.get('params', ())) for g in groups]} parameters, this {name} "
            f"{[len(m['params']) for m in optimizer.param_groups]}")
    options = [k for k in optimizer.defaults if any(k not in g for g in groups)]
    if options:
        raise CheckpointError(f"restore: the checkpoint's optimizer is not a {name} (its groups "
                              f"lack {', '.join(options)})")
    params = {}
    for g, m in zip(groups, optimizer.param_groups, strict=True):
        params.update(zip(g["params"], m["params"], strict=True))
    for idx, state in saved["state"].items():
        p = params.get(int(idx)) if str(idx).lstrip("-").isdigit() else None
        if p is None or not isinstance(state, dict):
            raise CheckpointError(f"restore: optimizer state entry {idx!r} names no parameter")
        for key, value in state.items():
            shape = tuple(getattr(value, "shape", ()))
            if shape and shape != tuple(p.shape):
                raise CheckpointError(f"restore: optimizer state {key!r} of parameter {idx} has "
                                      f"shape {shape}, the parameter {tuple(p.shape)}")


def _check_scheduler(saved: Any, scheduler: Any) -> None:
    name = type(scheduler).__name__
    mine = scheduler.state_dict()
    if not isinstance(saved, dict) or any(k not in saved for k in mine):
        lacking = [k for k in mine if not isinstance(saved, dict) or k not in saved]
        raise CheckpointError(f"restore: the checkpoint's schedule is not a {name} (it lacks "
                              f"{', '.join(lacking[:3])})")
