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

import json
import os
from typing import Any

from minigrad.serialization import CheckpointError, load, save

__all__ = ["CHECKPOINT_NAME", "CheckpointError", "load_checkpoint", "restore",
           "save_checkpoint"]

CHECKPOINT_NAME = "checkpoint.mg"
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
    ``scheduler``; returns the epoch it was written after."""
    model.load_state_dict(checkpoint["model"])
    for name, target in (("optimizer", optimizer), ("scheduler", scheduler)):
        if target is None:
            continue
        if name not in checkpoint:
            raise CheckpointError(f"restore: the checkpoint has no {name} state to resume from")
        target.load_state_dict(checkpoint[name])
    return int(checkpoint["epoch"])
