"""What ``minigrad train --tensorboard DIR`` logs: per epoch, the losses, accuracies and
learning rate, each parameter's gradient norm (mean over the epoch's steps) and a histogram of
its last gradient; at the end, the run's settings and final metrics in the HParams tab.

It hooks into :func:`~minigrad.training.fit` through ``after_step`` and ``on_epoch_end``
(``minigrad.cli`` wires it to ``--tensorboard``).

>>> import tempfile, minigrad as mg
>>> from minigrad import nn
>>> m = nn.Linear(2, 2); opt = mg.optim.SGD(m.parameters(), lr=0.1)
>>> log = TensorBoardLogger(tempfile.mkdtemp(), m)
>>> mg.nn.functional.cross_entropy(m(mg.randn(4, 2)), mg.zeros(4).long()).backward()
>>> log.step()
>>> log.epoch_end({"epoch": 1, "lr": 0.1, "train_loss": 0.7, "train_acc": 0.5,
...                "test_loss": None, "test_acc": None})
>>> log.close({"test_acc": 0.5}, {"lr": 0.1, "model": "linear"})
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["TensorBoardLogger"]

_SCALARS = {"train_loss": "Loss/train", "test_loss": "Loss/test", "train_acc": "Accuracy/train",
            "test_acc": "Accuracy/test", "val_loss": "Loss/val", "val_acc": "Accuracy/val",
            "lr": "LearningRate"}


class TensorBoardLogger:
    """Log a training run of ``model`` to ``log_dir`` with a
    :class:`~minigrad.utils.tensorboard.SummaryWriter` (tags ``Loss/train``, ``Loss/test``,
    ``Accuracy/train``, ``Accuracy/test``, ``LearningRate``, ``GradNorm/<param>``,
    ``Gradients/<param>``; the step is the epoch). ``purge_step``: the first epoch of a
    resumed run (TensorBoard then drops events an interrupted run wrote from that epoch on)."""

    def __init__(self, log_dir: str | os.PathLike[str], model: Any,
                 purge_step: int | None = None) -> None:
        from minigrad.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir, purge_step=purge_step)
        self.params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
        self._norm_sums: dict[str, Any] = {}
        self._steps = 0

    def step(self) -> None:
        """After an optimizer step: add each gradient's 2-norm to the epoch's sums (backend
        scalars: no device sync)."""
        for name, p in self.params:
            if p.grad is not None:
                g = p.grad._data
                self._norm_sums[name] = self._norm_sums.get(name, 0.0) + (g * g).sum() ** 0.5
        self._steps += 1

    def epoch_end(self, metrics: dict[str, Any]) -> None:
        """Write the epoch's metrics, mean gradient norms and gradient histograms."""
        w, epoch = self.writer, int(metrics["epoch"])
        for key, tag in _SCALARS.items():
            if metrics.get(key) is not None:
                w.add_scalar(tag, float(metrics[key]), epoch)
        for name, total in self._norm_sums.items():
            w.add_scalar(f"GradNorm/{name}", float(total) / max(self._steps, 1), epoch)
        for name, p in self.params:
            if p.grad is not None:
                w.add_histogram(f"Gradients/{name}", p.grad, epoch)
        self._norm_sums, self._steps = {}, 0
        w.flush()

    def close(self, final: dict[str, Any] | None = None,
              settings: dict[str, Any] | None = None) -> None:
        """Write the run's scalar ``settings`` and ``final`` metrics to the HParams tab (when
        an epoch completed), then close the event files."""
        metrics = {f"hparam/{k}": float(v) for k, v in (final or {}).items()
                   if k in _SCALARS and k != "lr" and v is not None}
        if metrics:
            hp = {k: v for k, v in (settings or {}).items()
                  if isinstance(v, (bool, int, float, str))}
            self.writer.add_hparams(hp, metrics, run_name=".")
        self.writer.close()
