"""``SummaryWriter``: PyTorch's ``torch.utils.tensorboard.SummaryWriter`` for minigrad.

Events go through TensorBoard's own ``EventFileWriter`` (``pip install
"minigrad[tensorboard]"``) into ``log_dir``; ``tensorboard --logdir runs`` shows them.

>>> import tempfile
>>> from minigrad.utils.tensorboard import SummaryWriter
>>> with SummaryWriter(tempfile.mkdtemp()) as w:
...     for step in range(3):
...         w.add_scalar("loss", 1.0 / (step + 1), step)
"""

from __future__ import annotations

import os
import socket
import sys
import time
from datetime import datetime
from typing import Any

from minigrad.utils.tensorboard import summary as S

__all__ = ["SummaryWriter", "default_log_dir"]


def default_log_dir(comment: str = "") -> str:
    """``runs/<Mon><DD>_<HH>-<MM>-<SS>_<hostname><comment>``, PyTorch's default ``log_dir``.

    >>> default_log_dir("_x").startswith("runs" + os.sep) and default_log_dir("_x").endswith("_x")
    True
    """
    now = datetime.now().strftime("%b%d_%H-%M-%S")
    return os.path.join("runs", f"{now}_{socket.gethostname()}{comment}")


class SummaryWriter:
    """Write scalars, histograms, images, figures, text and hparams as TensorBoard events.

    Args (as in PyTorch): ``log_dir`` (default :func:`default_log_dir`), ``comment`` (appended
    to the default ``log_dir``; ignored when ``log_dir`` is given), ``purge_step`` (TensorBoard
    drops events of a crashed earlier run with step >= it), ``max_queue`` (events buffered
    before a write), ``flush_secs`` (seconds between flushes), ``filename_suffix``.

    >>> import tempfile, numpy as np
    >>> w = SummaryWriter(tempfile.mkdtemp())
    >>> w.add_histogram("weights", np.random.default_rng(0).normal(size=100), 0)
    >>> w.add_text("notes", "first run", 0); w.close()
    """

    def __init__(self, log_dir: str | os.PathLike[str] | None = None, comment: str = "",
                 purge_step: int | None = None, max_queue: int = 10, flush_secs: int = 120,
                 filename_suffix: str = "") -> None:
        S.require_tensorboard()
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        self.log_dir = os.fspath(log_dir) if log_dir is not None else default_log_dir(comment)
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self._writer = EventFileWriter(self.log_dir, max_queue, flush_secs, filename_suffix)
        self._children: dict[str, SummaryWriter] = {}
        self._closed = False
        if purge_step is not None:
            from tensorboard.compat.proto import event_pb2

            self._writer.add_event(event_pb2.Event(
                step=purge_step, wall_time=time.time(),
                session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.START)))

    def get_logdir(self) -> str:
        """The folder the event files go to."""
        return self.log_dir

    def _add(self, summary: Any, global_step: Any = None, walltime: float | None = None) -> None:
        from tensorboard.compat.proto import event_pb2

        if self._closed:
            raise RuntimeError(f"SummaryWriter({self.log_dir!r}) is closed")
        event = event_pb2.Event(summary=summary,
                                wall_time=time.time() if walltime is None else walltime)
        if global_step is not None:
            event.step = int(S.to_numpy(global_step).reshape(()))
        self._writer.add_event(event)

    def add_scalar(self, tag: str, scalar_value: Any, global_step: Any = None,
                   walltime: float | None = None, new_style: bool = False,
                   double_precision: bool = False) -> None:
        """Log one number (float, one-element Tensor or array) under ``tag`` at ``global_step``.

        ``new_style`` and ``double_precision`` are accepted for PyTorch compatibility; the
        value is always written as a float32 ``simple_value`` (the classic scalar event).
        """
        self._add(S.scalar(tag, scalar_value), global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict[str, Any],
                    global_step: Any = None, walltime: float | None = None) -> None:
        """Several scalars on one chart: each key goes to its own run
        ``<log_dir>/<main_tag>_<key>`` under the tag ``main_tag``, as in PyTorch."""
        walltime = time.time() if walltime is None else walltime
        for key, value in tag_scalar_dict.items():
            folder = os.path.join(self.log_dir, f"{main_tag}_{key}".replace("/", "_"))
            child = self._children.get(folder)
            if child is None:
                child = self._children[folder] = SummaryWriter(
                    folder, max_queue=self.max_queue, flush_secs=self.flush_secs,
                    filename_suffix=self.filename_suffix)
            child.add_scalar(main_tag, value, global_step, walltime)

    def add_histogram(self, tag: str, values: Any, global_step: Any = None,
                      bins: Any = "tensorflow", walltime: float | None = None,
                      max_bins: int | None = None) -> None:
        """Log the distribution of ``values`` (see :func:`.summary.histogram` for ``bins``)."""
        self._add(S.histogram(tag, values, bins, max_bins), global_step, walltime)

    def add_image(self, tag: str, img_tensor: Any, global_step: Any = None,
                  walltime: float | None = None, dataformats: str = "CHW") -> None:
        """Log one image: float values in [0, 1] (scaled by 255) or uint8, laid out as
        ``dataformats`` (``CHW``, ``HWC``, ``HW``; 1, 3 or 4 channels)."""
        self._add(S.image(tag, img_tensor, dataformats), global_step, walltime)

    def add_figure(self, tag: str, figure: Any, global_step: Any = None, close: bool = True,
                   walltime: float | None = None) -> None:
        """Render a matplotlib ``Figure`` with the Agg canvas and log it as an RGBA image;
        ``close`` closes it in pyplot. A list of figures is logged as ``tag/0``, ``tag/1``, ...
        (PyTorch tiles a list into one image instead)."""
        if isinstance(figure, (list, tuple)):
            for i, fig in enumerate(figure):
                self.add_figure(f"{tag}/{i}", fig, global_step, close, walltime)
            return
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rgba = S.to_numpy(canvas.buffer_rgba()).copy()
        if close and "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(figure)
        self.add_image(tag, rgba, global_step, walltime, dataformats="HWC")

    def add_text(self, tag: str, text_string: str, global_step: Any = None,
                 walltime: float | None = None) -> None:
        """Log a (markdown) string for TensorBoard's Text tab."""
        self._add(S.text(tag, text_string), global_step, walltime)

    def add_hparams(self, hparam_dict: dict[str, Any], metric_dict: dict[str, Any],
                    hparam_domain_discrete: dict[str, list[Any]] | None = None,
                    run_name: str | None = None, global_step: Any = None) -> None:
        """One row of TensorBoard's HParams table: the hyperparameters and the metrics of a
        run, written (as in PyTorch) to the sub-run ``<log_dir>/<run_name>`` (default: the
        current time), with each metric logged there as a scalar."""
        exp, start, end = S.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        folder = os.path.join(self.log_dir, run_name or str(time.time()))
        with SummaryWriter(folder) as w:
            for s in (exp, start, end):
                w._add(s)
            for k, v in metric_dict.items():
                w.add_scalar(k, v, global_step)

    def flush(self) -> None:
        """Write the buffered events to disk now."""
        if self._closed:
            return
        self._writer.flush()
        for child in self._children.values():
            child.flush()

    def close(self) -> None:
        """Flush and close the event files (a second call does nothing)."""
        if self._closed:
            return
        self._writer.close()
        for child in self._children.values():
            child.close()
        self._closed = True

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
