"""The train / evaluate loop behind ``minigrad train`` and the examples.

:func:`fit` runs epochs of :func:`train_epoch`, evaluates on the test loader after each, steps
the learning-rate schedule, and (given ``out_dir``) writes a checkpoint and ``metrics.json``
after every epoch. Ctrl-C (``KeyboardInterrupt``) ends training between two batches: the
partial epoch is dropped, the last good checkpoint stays, ``metrics.json`` records the
interruption, and :func:`fit` returns normally with ``interrupted=True``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> from minigrad.data import DataLoader, TensorDataset
>>> _ = mg.manual_seed(0)
>>> x = mg.randn(64, 2); y = (x[:, 0] > 0).long()
>>> model = nn.Linear(2, 2)
>>> opt = mg.optim.SGD(model.parameters(), lr=0.5)
>>> res = fit(model, opt, DataLoader(TensorDataset(x, y), 16, shuffle=True, seed=0),
...           DataLoader(TensorDataset(x, y), 64), epochs=5, verbose=False)
>>> res.history[-1]["test_acc"] > 0.9, res.interrupted
(True, False)
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import minigrad as mg
from minigrad.nn import functional as F
from minigrad.nn.parallel import DataParallel, DistributedDataParallel
from minigrad.nn.utils import clip_grad_norm_
from minigrad.serialization.atomic import atomic_replace
from minigrad.tensor import Tensor
from minigrad.training.checkpoint import CHECKPOINT_NAME, save_checkpoint
from minigrad.training.progress import Progress

__all__ = ["FitResult", "evaluate", "fit", "train_epoch", "write_json"]

LossFn = Callable[[Tensor, Tensor], Tensor]


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as JSON atomically (temporary file, then rename; see
    :func:`minigrad.serialization.atomic.atomic_replace`).

    >>> import os, tempfile, json
    >>> p = os.path.join(tempfile.mkdtemp(), "m.json"); write_json(p, {"a": 1})
    >>> with open(p) as f: json.load(f)
    {'a': 1}
    """
    with atomic_replace(os.fspath(path), "w") as f:  # mode 0644 under umask 022
        json.dump(obj, f, indent=2)
        f.write("\n")


def _correct(out: Tensor, target: Tensor) -> Any:
    """Number of rows whose argmax equals the target, as a backend scalar (no sync)."""
    return (out._data.argmax(axis=1) == target._data).sum()


def train_epoch(
    model: Any, loader: Any, optimizer: Any, loss_fn: LossFn | None = None,
    progress: Progress | None = None, after_step: Callable[[], None] | None = None,
    grad_clip: float | None = None,
) -> dict[str, float]:
    """One pass over ``loader``: forward, loss, backward, ``optimizer.step()`` per batch.

    Returns the mean training loss and accuracy over the epoch (accuracy measured on the fly,
    with the weights of each step), the number of samples and the wall time.
    ``after_step`` runs after each ``optimizer.step()`` (gradient recorders hook in there).
    ``grad_clip``: clip the gradients' joint 2-norm to this before each step
    (``nn.utils.clip_grad_norm_``).

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> from minigrad.data import DataLoader, TensorDataset
    >>> m = nn.Linear(3, 2); opt = mg.optim.SGD(m.parameters(), lr=0.1)
    >>> ds = TensorDataset(mg.randn(8, 3), mg.zeros(8).long())
    >>> sorted(train_epoch(m, DataLoader(ds, 4), opt))
    ['acc', 'loss', 'samples', 'time_s']
    """
    loss_fn = loss_fn or F.cross_entropy
    model.train()
    loss_sum: Any = 0.0
    correct: Any = 0
    n = 0
    start = time.perf_counter()
    for x, y in loader:
        out = model(x)
        loss = loss_fn(out, y)
        optimizer.zero_grad()
        loss.backward()
        if grad_clip is not None:
            clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        if after_step is not None:
            after_step()
        bs = y.shape[0]
        loss_sum = loss_sum + loss._data * bs
        correct = correct + _correct(out, y)
        n += bs
        if progress is not None:
            progress.advance(bs)
            if progress.due():
                progress.show(float(loss_sum) / n, float(correct) / n)
    if n == 0:
        raise ValueError("train_epoch: the loader yielded no batches")
    return {"loss": float(loss_sum) / n, "acc": float(correct) / n, "samples": n,
            "time_s": time.perf_counter() - start}


def evaluate(model: Any, loader: Any, loss_fn: LossFn | None = None) -> dict[str, float]:
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode, without gradients.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> from minigrad.data import DataLoader, TensorDataset
    >>> m = nn.Linear(3, 2)
    >>> r = evaluate(m, DataLoader(TensorDataset(mg.randn(10, 3), mg.zeros(10).long()), 4))
    >>> r["samples"], 0.0 <= r["acc"] <= 1.0
    (10, True)
    """
    loss_fn = loss_fn or F.cross_entropy
    was_training = getattr(model, "training", False)
    model.eval()
    loss_sum: Any = 0.0
    correct: Any = 0
    n = 0
    try:
        with mg.no_grad():
            for x, y in loader:
                out = model(x)
                bs = y.shape[0]
                loss_sum = loss_sum + loss_fn(out, y)._data * bs
                correct = correct + _correct(out, y)
                n += bs
    finally:
        model.train(was_training)
    if n == 0:
        raise ValueError("evaluate: the loader yielded no batches")
    return {"loss": float(loss_sum) / n, "acc": float(correct) / n, "samples": n}


@dataclass
class FitResult:
    """What :func:`fit` did: per-epoch metrics, whether it was interrupted, total time."""

    history: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    time_s: float = 0.0
    checkpoint: str | None = None

    @property
    def final(self) -> dict[str, Any]:
        """The metrics of the last completed epoch (empty if none completed)."""
        return self.history[-1] if self.history else {}


def _unwrapped(model: Any) -> Any:
    """The model inside a (Distributed)DataParallel wrapper: checkpoints hold its state, so
    they load the same into one process or many."""
    return model.module if isinstance(model, (DataParallel, DistributedDataParallel)) else model


def _epoch_seed(seed: int, epoch: int) -> int:
    return (int(seed) * 1_000_003 + epoch) % (2**63)


def fit(
    model: Any, optimizer: Any, train_loader: Any, test_loader: Any = None, *,
    epochs: int, scheduler: Any = None, loss_fn: LossFn | None = None,
    out_dir: str | os.PathLike[str] | None = None, config: dict[str, Any] | None = None,
    start_epoch: int = 0, history: list[dict[str, Any]] | None = None, seed: int | None = None,
    verbose: bool = True, bar: bool | None = None, stream: TextIO | None = None,
    after_step: Callable[[], None] | None = None,
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
    grad_clip: float | None = None,
) -> FitResult:
    """Train for epochs ``start_epoch+1 .. epochs``; evaluate, schedule and save after each.

    Args:
        model, optimizer: as in PyTorch.
        train_loader, test_loader: :class:`~minigrad.data.DataLoader` s (test optional).
        epochs: the epoch to stop after (so resuming at ``start_epoch=3`` with ``epochs=5``
            runs epochs 4 and 5).
        scheduler: stepped once per epoch; ``ReduceLROnPlateau`` gets the test loss (or the
            training loss without a test loader).
        loss_fn: default ``F.cross_entropy``.
        out_dir: write ``checkpoint.mg`` (model, optimizer and scheduler state, epoch,
            ``config``, history) and ``metrics.json`` there after every epoch.
        history: metrics of epochs already done (when resuming).
        seed: reseed minigrad's generator at every epoch from ``(seed, epoch)`` and set the
            loader's epoch, so a resumed run repeats the uninterrupted one exactly.
        verbose, bar, stream: progress output (see :class:`~minigrad.training.Progress`).
        after_step: called after every optimizer step.
        on_epoch_end: called with each epoch's metrics dict.
        grad_clip: clip the gradients' joint 2-norm to this before every step.
    """
    from minigrad.optim.lr_scheduler import ReduceLROnPlateau

    history = list(history or [])
    saved = len(history)  # epochs the checkpoint on disk holds: metrics.json never names more
    result = FitResult(history=history)
    stream = stream if stream is not None else sys.stderr
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    try:
        for epoch in range(start_epoch + 1, epochs + 1):
            if seed is not None:
                mg.manual_seed(_epoch_seed(seed, epoch))
            if hasattr(train_loader, "set_epoch"):
                train_loader.set_epoch(epoch - 1)
            lr = float(optimizer.param_groups[0]["lr"])
            progress = Progress(len(train_loader), f"epoch {epoch}/{epochs}", stream=stream,
                                bar=bar if verbose else False, interval=None if verbose else 0)
            tr = train_epoch(model, train_loader, optimizer, loss_fn, progress, after_step,
                             grad_clip)
            te = None
            if test_loader is not None:
                progress.phase(f"evaluating on {_n_samples(test_loader)} test samples")
                te = evaluate(model, test_loader, loss_fn)
            metrics: dict[str, Any] = {
                "epoch": epoch, "lr": lr, "train_loss": tr["loss"], "train_acc": tr["acc"],
                "test_loss": te["loss"] if te else None, "test_acc": te["acc"] if te else None,
                "train_time_s": round(tr["time_s"], 3),
                "samples_per_s": round(tr["samples"] / max(tr["time_s"], 1e-9), 1),
            }
            if scheduler is not None:
                if isinstance(scheduler, ReduceLROnPlateau):
                    scheduler.step(te["loss"] if te else tr["loss"])
                else:
                    scheduler.step()
            history.append(metrics)
            result.time_s = time.perf_counter() - t0
            summary = (f"train loss {tr['loss']:.4f} acc {100 * tr['acc']:.2f}%"
                       + (f" | test loss {te['loss']:.4f} acc {100 * te['acc']:.2f}%" if te
                          else "")
                       + f" | {metrics['samples_per_s']:,.0f} samples/s, "
                         f"{tr['time_s']:.1f} s")
            progress.close(summary if verbose else "")
            if out_dir is not None:
                path = os.path.join(out_dir, CHECKPOINT_NAME)
                save_checkpoint(path, model=_unwrapped(model), optimizer=optimizer,
                                scheduler=scheduler,
                                epoch=epoch, config=config or {}, history=history)
                saved = len(history)
                result.checkpoint = path
                _write_metrics(out_dir, config, history, result, finished=epoch == epochs)
            if on_epoch_end is not None:
                on_epoch_end(metrics)
    except KeyboardInterrupt:
        result.interrupted = True
        result.time_s = time.perf_counter() - t0
        if out_dir is not None:  # an epoch whose checkpoint write was cut off is not done
            del history[saved:]
        if verbose:
            done = history[-1]["epoch"] if history else start_epoch
            print(f"\ninterrupted: keeping the checkpoint of epoch {done}", file=stream,
                  flush=True)
        if out_dir is not None:
            _write_metrics(out_dir, config, history, result, finished=False)
    result.time_s = time.perf_counter() - t0
    return result


def _n_samples(loader: Any) -> str:
    try:
        return f"{len(loader.dataset):,}"
    except (AttributeError, TypeError):
        return "the"


def _write_metrics(out_dir: Any, config: Any, history: list[dict[str, Any]],
                   result: FitResult, finished: bool) -> None:
    tests = [h["test_acc"] for h in history if h.get("test_acc") is not None]
    write_json(os.path.join(out_dir, "metrics.json"), {
        "config": config or {},
        "epochs": history,
        "best_test_acc": max(tests) if tests else None,
        "final_test_acc": tests[-1] if tests else None,
        "time_s": round(result.time_s, 3),
        "interrupted": result.interrupted,
        "finished": finished,
    })
