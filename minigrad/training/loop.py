"""The train / evaluate loop behind ``minigrad train`` and the examples.

:func:`fit` runs epochs of :func:`train_epoch`, evaluates on the test loader after each, steps
the learning-rate schedule, and (given ``out_dir``) writes a checkpoint and ``metrics.json``
after every epoch. With a validation loader it also evaluates on that; given ``patience`` it
stops once the validation loss has not improved for that many epochs (early stopping), and it
keeps the best epoch's checkpoint as ``best.mg``. Ctrl-C (``KeyboardInterrupt``) ends
training between two batches: the partial epoch is dropped, the last good checkpoint stays,
``metrics.json`` records the interruption, and :func:`fit` returns normally with
``interrupted=True``.

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
from minigrad.training.checkpoint import BEST_CHECKPOINT_NAME, CHECKPOINT_NAME, save_checkpoint
from minigrad.training.progress import Progress

__all__ = ["FitResult", "best_epoch", "evaluate", "fit", "train_epoch", "write_json"]

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
    """What :func:`fit` did: per-epoch metrics, whether it was interrupted or stopped early,
    the epoch of lowest validation loss, total time."""

    history: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    time_s: float = 0.0
    checkpoint: str | None = None
    stopped_early: bool = False
    best: dict[str, Any] | None = None

    @property
    def final(self) -> dict[str, Any]:
        """The metrics of the last completed epoch (empty if none completed)."""
        return self.history[-1] if self.history else {}


def _unwrapped(model: Any) -> Any:
    """The model inside a (Distributed)DataParallel wrapper: checkpoints hold its state, so
    they load the same into one process or many."""
    return model.module if isinstance(model, (DataParallel, DistributedDataParallel)) else model


def best_epoch(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The metrics of the epoch with the lowest ``val_loss`` (the first one on a tie: a later
    epoch must improve strictly), or None when no epoch was validated.

    >>> best_epoch([{"epoch": 1, "val_loss": 0.5}, {"epoch": 2, "val_loss": 0.4},
    ...             {"epoch": 3, "val_loss": 0.4}])["epoch"]
    2
    """
    validated = [h for h in history if h.get("val_loss") is not None]
    return min(validated, key=lambda h: h["val_loss"]) if validated else None


def _patience_spent(history: list[dict[str, Any]], patience: int | None) -> bool:
    """Whether the validation loss has not improved for ``patience`` epochs: the counter is
    read from the history, so a resumed run keeps it."""
    best = best_epoch(history)
    return (patience is not None and best is not None
            and history[-1]["epoch"] - best["epoch"] >= patience)


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
    grad_clip: float | None = None, val_loader: Any = None, patience: int | None = None,
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
        val_loader: evaluated after every epoch (``val_loss``, ``val_acc`` in the metrics); it
            then drives ``ReduceLROnPlateau``, and with ``out_dir`` the epoch of lowest
            validation loss is also saved as ``best.mg``.
        patience: stop once the validation loss has not improved for this many epochs (early
            stopping; needs ``val_loader``). Counted from ``history``, so resuming keeps it.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> from minigrad.data import DataLoader, TensorDataset
    >>> _ = mg.manual_seed(0)
    >>> x = mg.randn(32, 2); y = mg.randint(0, 2, (32,))  # labels are noise: no real progress
    >>> m = nn.Linear(2, 2); opt = mg.optim.SGD(m.parameters(), lr=1.0)
    >>> ds = TensorDataset(x, y)
    >>> r = fit(m, opt, DataLoader(ds, 8), val_loader=DataLoader(ds, 32), patience=1,
    ...         epochs=50, verbose=False)
    >>> r.stopped_early, len(r.history) == r.best["epoch"] + 1
    (True, True)
    """
    from minigrad.optim.lr_scheduler import ReduceLROnPlateau

    if patience is not None and (val_loader is None or patience < 1):
        raise ValueError(f"fit: early stopping (patience={patience}) needs a positive patience "
                         f"and a val_loader (got {'one' if val_loader is not None else 'None'})")
    history = list(history or [])
    saved = len(history)  # epochs the checkpoint on disk holds: metrics.json never names more
    result = FitResult(history=history)
    stream = stream if stream is not None else sys.stderr
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    try:
        for epoch in range(start_epoch + 1, epochs + 1):
            if history and _patience_spent(history, patience):
                result.stopped_early = True
                break
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
            va = None
            if val_loader is not None:
                progress.phase(f"validating on {_n_samples(val_loader)} samples")
                va = evaluate(model, val_loader, loss_fn)
            metrics: dict[str, Any] = {
                "epoch": epoch, "lr": lr, "train_loss": tr["loss"], "train_acc": tr["acc"],
                "test_loss": te["loss"] if te else None, "test_acc": te["acc"] if te else None,
                "train_time_s": round(tr["time_s"], 3),
                "samples_per_s": round(tr["samples"] / max(tr["time_s"], 1e-9), 1),
            }
            if va is not None:
                metrics.update(val_loss=va["loss"], val_acc=va["acc"])
            if scheduler is not None:
                if isinstance(scheduler, ReduceLROnPlateau):
                    scheduler.step((va or te or tr)["loss"])
                else:
                    scheduler.step()
            history.append(metrics)
            result.best = best_epoch(history)
            improved = result.best is metrics
            result.time_s = time.perf_counter() - t0
            summary = (f"train loss {tr['loss']:.4f} acc {100 * tr['acc']:.2f}%"
                       + (f" | val loss {va['loss']:.4f} acc {100 * va['acc']:.2f}%"
                          f"{' (best)' if improved else ''}" if va else "")
                       + (f" | test loss {te['loss']:.4f} acc {100 * te['acc']:.2f}%" if te
                          else "")
                       + f" | {metrics['samples_per_s']:,.0f} samples/s, "
                         f"{tr['time_s']:.1f} s")
            progress.close(summary if verbose else "")
            result.stopped_early = _patience_spent(history, patience)
            if out_dir is not None:
                state = {"model": _unwrapped(model), "optimizer": optimizer,
                         "scheduler": scheduler, "epoch": epoch, "config": config or {},
                         "history": history}
                if improved:  # first: checkpoint.mg never names a best epoch best.mg lacks
                    save_checkpoint(os.path.join(out_dir, BEST_CHECKPOINT_NAME), **state)
                path = os.path.join(out_dir, CHECKPOINT_NAME)
                save_checkpoint(path, **state)
                saved = len(history)
                result.checkpoint = path
                _write_metrics(out_dir, config, history, result,
                               finished=epoch == epochs or result.stopped_early)
            if on_epoch_end is not None:
                on_epoch_end(metrics)
            if result.stopped_early:
                if verbose:
                    best = result.best or {}
                    print(f"early stopping: validation loss not improved for {patience} "
                          f"epochs; best epoch {best.get('epoch')} (val loss "
                          f"{best.get('val_loss', float('nan')):.4f})", file=stream, flush=True)
                break
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
    best = best_epoch(history)
    validated = {"best_epoch": best["epoch"], "best_val_loss": best["val_loss"],
                 "best_val_acc": best.get("val_acc"),
                 "stopped_early": result.stopped_early} if best is not None else {}
    write_json(os.path.join(out_dir, "metrics.json"), {
        "config": config or {},
        "epochs": history,
        "best_test_acc": max(tests) if tests else None,
        "final_test_acc": tests[-1] if tests else None,
        "time_s": round(result.time_s, 3),
        "interrupted": result.interrupted,
        "finished": finished,
        **validated,
    })
