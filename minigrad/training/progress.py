"""Progress reporting for training: a tqdm bar on a terminal, plain lines elsewhere.

The loop calls :meth:`Progress.advance` once per batch (cheap) and asks :meth:`Progress.due`
before computing the numbers to show (loss and accuracy need a device sync on GPUs).

>>> import io
>>> out = io.StringIO()
>>> p = Progress(total=4, desc="epoch 1", stream=out, bar=False)
>>> for _ in range(4):
...     p.advance(10)
>>> p.close("loss 0.1")
>>> out.getvalue().strip()
'epoch 1: loss 0.1'
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

__all__ = ["Progress", "tqdm_available"]


def tqdm_available() -> bool:
    """Whether the optional ``tqdm`` package can be imported.

    >>> isinstance(tqdm_available(), bool)
    True
    """
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


class Progress:
    """One epoch's progress: batches done, samples per second, and the latest statistics.

    Args:
        total: number of batches in the epoch.
        desc: the label in front (``"epoch 3/10"``).
        stream: where to write (default ``sys.stderr``).
        bar: ``True`` for a tqdm bar, ``False`` for plain lines, ``None`` (default) for a bar
            exactly when tqdm is installed and ``stream`` is a terminal.
        interval: seconds between statistic refreshes (bar) or plain status lines (0 turns
            plain status lines off; the closing line is always written).

    >>> p = Progress(total=2, desc="x", bar=False, interval=0)
    >>> p.advance(5); p.samples
    5
    """

    def __init__(self, total: int, desc: str = "", stream: TextIO | None = None,
                 bar: bool | None = None, interval: float | None = None) -> None:
        self.total, self.desc = int(total), desc
        self.label = desc  # what the bar shows: desc, then desc · phase (see phase())
        self.stream = stream if stream is not None else sys.stderr
        if bar is None:
            isatty = getattr(self.stream, "isatty", None)
            bar = tqdm_available() and bool(isatty and isatty())
        self.bar: Any = None
        if bar:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, desc=desc, file=self.stream, leave=True,
                            dynamic_ncols=True, unit="batch")
        self.interval = (0.5 if self.bar is not None else 30.0) if interval is None else interval
        self.batches = 0
        self.samples = 0
        self.start = time.perf_counter()
        self._last = self.start

    @property
    def elapsed(self) -> float:
        """Seconds since the epoch started."""
        return time.perf_counter() - self.start

    @property
    def samples_per_s(self) -> float:
        """Throughput so far."""
        return self.samples / max(self.elapsed, 1e-9)

    def advance(self, samples: int) -> None:
        """One more batch of ``samples`` samples is done."""
        self.batches += 1
        self.samples += samples
        if self.bar is not None:
            self.bar.update(1)

    def due(self) -> bool:
        """True when it is time to show fresh statistics (then call :meth:`show`)."""
        if self.interval <= 0:
            return False
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False

    def show(self, loss: float, acc: float | None = None) -> None:
        """Display the running loss and accuracy (when given) and the throughput."""
        if self.bar is not None:
            stats = {"loss": f"{loss:.4f}"}
            if acc is not None:
                stats["acc"] = f"{100 * acc:.2f}%"
            self.bar.set_postfix(**stats, rate=f"{self.samples_per_s:,.0f}/s", refresh=False)
        else:
            shown = f" acc {100 * acc:.2f}%" if acc is not None else ""
            print(f"{self.desc} [{self.batches}/{self.total}] loss {loss:.4f}{shown} "
                  f"{self.samples_per_s:,.0f} samples/s", file=self.stream, flush=True)

    def phase(self, label: str) -> None:
        """Name what runs now that the batches are done (``"evaluating on 10,000 test
        samples"``), so a bar standing at 100% says why it waits; plain-line output (no bar)
        needs no such line and stays as it is.

        >>> p = Progress(total=1, desc="epoch 1/2", bar=False)
        >>> p.phase("evaluating"); p.label
        'epoch 1/2 · evaluating'
        """
        self.label = f"{self.desc} · {label}"
        if self.bar is not None:
            self.bar.set_description(self.label, refresh=True)

    def close(self, summary: str = "") -> None:
        """End the epoch with a summary line."""
        if self.bar is not None:
            self.bar.close()
        if summary:
            print(f"{self.desc}: {summary}", file=self.stream, flush=True)
