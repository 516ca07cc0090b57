"""The training loop of the language models (``char-gpt``): a fixed budget of iterations.

Each iteration draws ``batch_size`` random blocks of the training text from ``(seed, step)``
(:meth:`~minigrad.data.text.CharCorpus.batch`), so a resumed run, or a PyTorch twin fed the
same offsets, sees exactly the same batches. Every ``eval_interval`` iterations (and at the
end) :func:`fit_lm` estimates the validation loss on a fixed set of blocks, writes a
checkpoint and ``metrics.json``; at the end it also measures the loss over the whole
validation split (non-overlapping blocks). Losses are in nats per character.

The checkpoint's ``epoch`` field counts iterations here (its config says ``"unit":
"iteration"``).

>>> import minigrad as mg
>>> from minigrad.data.text import CharCorpus
>>> from minigrad.models import CharGPT
>>> corpus = CharCorpus("abcd" * 200)
>>> _ = mg.manual_seed(0)
>>> model = CharGPT(vocab_size=corpus.vocab_size, block_size=8, n_layer=1, n_head=1, n_embd=16)
>>> opt = mg.optim.AdamW(model.parameters(), lr=1e-2)
>>> res = fit_lm(model, opt, corpus, iters=30, batch_size=8, block_size=8, eval_interval=30,
...              verbose=False)
>>> res.final["val_loss"] < 0.5 * res.history[0]["initial_val_loss"]
True
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np

import minigrad as mg
from minigrad.nn.utils import clip_grad_norm_
from minigrad.training.checkpoint import CHECKPOINT_NAME, save_checkpoint
from minigrad.training.loop import _epoch_seed, write_json
from minigrad.training.progress import Progress

__all__ = ["LMResult", "WarmupCosine", "estimate_loss", "fit_lm", "split_loss"]

EVAL_SEED = 1234  # the fixed validation blocks of the periodic estimates


@dataclass
class WarmupCosine:
    """Learning-rate factor for ``LambdaLR``: linear warm-up from ``1/warmup`` to 1 over
    ``warmup`` steps, then a cosine from 1 down to ``min_ratio`` at step ``total`` (and
    ``min_ratio`` after). A plain object, so PyTorch's ``LambdaLR`` takes it too and its
    fields go into the scheduler's ``state_dict``.

    >>> f = WarmupCosine(warmup=10, total=110, min_ratio=0.1)
    >>> [round(f(s), 3) for s in (0, 9, 10, 60, 110, 500)]
    [0.1, 1.0, 1.0, 0.55, 0.1, 0.1]
    """

    warmup: int
    total: int
    min_ratio: float = 0.1

    def __call__(self, step: int) -> float:
        if step < self.warmup:
            return (step + 1) / self.warmup
        span = max(1, self.total - self.warmup)
        progress = min(1.0, (step - self.warmup) / span)
        return self.min_ratio + (1 - self.min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


def estimate_loss(model: Any, corpus: Any, split: str, block_size: int, batch_size: int,
                  batches: int, seed: int = EVAL_SEED, device: Any = None) -> float:
    """Mean loss over ``batches`` fixed random batches of ``split`` (the same blocks at every
    call with the same ``seed``), in eval mode, without gradients.

    >>> from minigrad.data.text import CharCorpus
    >>> from minigrad.models import CharGPT
    >>> c = CharCorpus("abcd" * 50); m = CharGPT(vocab_size=4, block_size=8, n_layer=1,
    ...                                          n_head=1, n_embd=8)
    >>> estimate_loss(m, c, "val", 8, 4, batches=2) == estimate_loss(m, c, "val", 8, 4, 2)
    True
    """
    was_training = model.training
    model.eval()
    total = 0.0
    try:
        with mg.no_grad():
            for i in range(batches):
                x, y = corpus.batch(split, block_size, batch_size, seed, i, device)
                total += float(model.loss(x, y))
    finally:
        model.train(was_training)
    return total / batches


def split_loss(model: Any, corpus: Any, split: str, block_size: int, batch_size: int,
               device: Any = None) -> float:
    """Mean loss over the whole ``split``, cut into non-overlapping blocks (each character
    but the first of a block predicted from its block's preceding ones; a short tail is left
    out).

    >>> from minigrad.data.text import CharCorpus
    >>> from minigrad.models import CharGPT
    >>> c = CharCorpus("abcd" * 50); m = CharGPT(vocab_size=4, block_size=8, n_layer=1,
    ...                                          n_head=1, n_embd=8)
    >>> 1.0 < split_loss(m, c, "val", block_size=8, batch_size=4) < 2.0   # ~ log 4 untrained
    True
    """
    data = corpus.split(split)
    starts = np.arange(0, len(data) - block_size - 1, block_size)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with mg.no_grad():
            for i in range(0, len(starts), batch_size):
                chunk = starts[i:i + batch_size]
                x, y = corpus.blocks(split, chunk, block_size, device)
                total += float(model.loss(x, y)) * len(chunk)
                count += len(chunk)
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError(f"split_loss: the {split} split is shorter than one block")
    return total / count


@dataclass
class LMResult:
    """What :func:`fit_lm` did: one entry per evaluation, the final losses, total time."""

    history: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    time_s: float = 0.0
    checkpoint: str | None = None
    final: dict[str, Any] = field(default_factory=dict)


def fit_lm(
    model: Any, optimizer: Any, corpus: Any, *, iters: int, batch_size: int, block_size: int,
    scheduler: Any = None, grad_clip: float | None = None, eval_interval: int = 100,
    eval_batches: int = 10, final_eval: bool = True, seed: int = 0, device: Any = None,
    out_dir: str | os.PathLike[str] | None = None, config: dict[str, Any] | None = None,
    start_iter: int = 0, history: list[dict[str, Any]] | None = None, verbose: bool = True,
    bar: bool | None = None, stream: TextIO | None = None,
) -> LMResult:
    """Train iterations ``start_iter+1 .. iters`` of ``model.loss(x, y)``; evaluate, save.

    Args:
        model: has ``loss(idx, targets)`` (as :class:`~minigrad.models.CharGPT`).
        optimizer, scheduler: the scheduler is stepped after every iteration.
        corpus: a :class:`~minigrad.data.text.CharCorpus`.
        grad_clip: clip the gradients' joint 2-norm to this before each step.
        eval_interval, eval_batches: estimate the validation loss every ``eval_interval``
            iterations on ``eval_batches`` fixed batches.
        final_eval: after the last iteration, also the loss over the whole validation split.
        out_dir: write ``checkpoint.mg`` and ``metrics.json`` there after each evaluation.
        start_iter, history: resume after ``start_iter`` iterations with their history.
    """
    history = list(history or [])
    result = LMResult(history=history)
    stream = stream if stream is not None else sys.stderr
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
    if not history:
        history.append({"iter": 0, "initial_val_loss": estimate_loss(
            model, corpus, "val", block_size, batch_size, eval_batches, device=device)})
    t0 = time.perf_counter()
    it = start_iter
    try:
        while it < iters:
            stop = min(iters, (it // eval_interval + 1) * eval_interval)
            mg.manual_seed(_epoch_seed(seed, it))  # dropout draws, reproducible on resume
            progress = Progress(stop - it, f"iter {it + 1}-{stop}/{iters}", stream=stream,
                                bar=bar if verbose else False, interval=None if verbose else 0)
            lr = float(optimizer.param_groups[0]["lr"])
            start, loss_sum, n = time.perf_counter(), 0.0, 0
            model.train()
            for step in range(it, stop):
                x, y = corpus.batch("train", block_size, batch_size, seed, step, device)
                loss = model.loss(x, y)
                optimizer.zero_grad()
                loss.backward()
                if grad_clip is not None:
                    clip_grad_norm_(model.parameters(), grad_clip)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                loss_sum += float(loss)
                n += 1
                progress.advance(batch_size)
                if progress.due():
                    progress.show(loss_sum / n)
            elapsed = time.perf_counter() - start
            it = stop
            val = estimate_loss(model, corpus, "val", block_size, batch_size, eval_batches,
                                device=device)
            history.append({"iter": it, "lr": lr, "train_loss": loss_sum / n, "val_loss": val,
                            "train_time_s": round(elapsed, 3),
                            "tokens_per_s": round(n * batch_size * block_size / elapsed, 1)})
            progress.close(f"train loss {loss_sum / n:.4f} | val loss {val:.4f} | "
                           f"{elapsed / n:.2f} s/iter" if verbose else "")
            if it == iters and final_eval:
                result.final = {"val_loss": split_loss(model, corpus, "val", block_size,
                                                       batch_size, device),
                                "train_loss": loss_sum / n, "iter": it}
            elif it == iters:
                result.final = {"val_loss": val, "train_loss": loss_sum / n, "iter": it}
            result.time_s = time.perf_counter() - t0
            if out_dir is not None:
                path = os.path.join(out_dir, CHECKPOINT_NAME)
                save_checkpoint(path, model=model, optimizer=optimizer, scheduler=scheduler,
                                epoch=it, config={**(config or {}), "unit": "iteration"},
                                history=history)
                result.checkpoint = path
                _write_metrics(out_dir, config, corpus, history, result, finished=it == iters)
    except KeyboardInterrupt:
        result.interrupted = True
        if verbose:
            done = history[-1]["iter"]
            print(f"\ninterrupted: keeping the checkpoint of iteration {done}", file=stream,
                  flush=True)
        if out_dir is not None:
            _write_metrics(out_dir, config, corpus, history, result, finished=False)
    result.time_s = time.perf_counter() - t0
    return result


def _write_metrics(out_dir: Any, config: Any, corpus: Any, history: list[dict[str, Any]],
                   result: LMResult, finished: bool) -> None:
    vals = [h["val_loss"] for h in history if "val_loss" in h]
    write_json(os.path.join(out_dir, "metrics.json"), {
        "config": config or {},
        "corpus": corpus.info(),
        "evals": history,
        "best_val_loss": min(vals) if vals else None,
        "final_val_loss": result.final.get("val_loss"),
        "loss_unit": "nats per character",
        "time_s": round(result.time_s, 3),
        "interrupted": result.interrupted,
        "finished": finished,
    })
