"""Per-shape algorithm auto-tuning, switched on by ``mg.backends.cudnn.benchmark = True``.

Off (the default, as in PyTorch), every call runs the first (reference) algorithm. On, the
first call of a given key (op, shapes, settings, dtype, backend) times every applicable
algorithm on the real arguments (twice each, best time), keeps the fastest one's result,
and remembers the winner in memory for the rest of the process; later calls with the same
key run the winner directly.
:func:`winners` lists the choices (the benchmarks print them).

With ``disk_cache = True`` (or the environment variable ``MINIGRAD_AUTOTUNE_CACHE=1``) the
winners are also kept in a JSON file under ``~/.cache/minigrad``, named by CPU model and NumPy
version, so a later process on the same machine skips the timing.

>>> import minigrad as mg
>>> from minigrad.ops import autotune
>>> autotune.pick(("demo", 1), {"ref": lambda: 1, "other": lambda: 1})
('ref', 1)
>>> mg.backends.cudnn.benchmark = True
>>> name, value = autotune.pick(("demo", 2), {"ref": lambda: 2, "other": lambda: 2})
>>> value, autotune.winners()[("demo", 2)] == name
(2, True)
>>> mg.backends.cudnn.benchmark = False; autotune.clear()
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from minigrad.backends import cudnn

__all__ = ["cache_path", "clear", "disk_cache", "enabled", "pick", "winners"]

#: keep winners on disk too (also on when the environment sets MINIGRAD_AUTOTUNE_CACHE=1)
disk_cache: bool = os.environ.get("MINIGRAD_AUTOTUNE_CACHE", "") == "1"

_lock = threading.Lock()
_winners: dict[tuple[Any, ...], str] = {}
_times: dict[tuple[Any, ...], dict[str, float]] = {}
_loaded = False


def enabled() -> bool:
    """Whether auto-tuning is on: the value of ``mg.backends.cudnn.benchmark``."""
    return bool(cudnn.benchmark)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cache_path() -> Path:
    """The disk cache file: one per CPU model and NumPy version."""
    import numpy as np

    tag = "".join(ch if ch.isalnum() else "_" for ch in f"{_cpu_model()}-numpy{np.__version__}")
    return Path.home() / ".cache" / "minigrad" / f"autotune-{tag}.json"


def _load() -> None:
    global _loaded
    _loaded = True
    try:
        data = json.loads(cache_path().read_text())
    except (OSError, ValueError):
        return
    for row in data:
        _winners.setdefault(_tuple(row[0]), row[1])


def _tuple(v: Any) -> Any:
    return tuple(_tuple(x) for x in v) if isinstance(v, list) else v


def _save() -> None:
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps([[list(k), v] for k, v in _winners.items()]))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home only loses the cache, never the result


def pick(key: tuple[Any, ...], candidates: dict[str, Callable[[], Any]],
         sync: Callable[[], Any] | None = None) -> tuple[str, Any]:
    """Run the algorithm chosen for ``key``; returns ``(name, result)``.

    ``candidates`` maps names to thunks computing the same value; the first is the reference,
    run when tuning is off or only one applies. Keys must be hashable (tuples of ints/strs).
    ``sync`` (an asynchronous device's synchronize) is called before each clock reading.

    >>> pick(("doc",), {"only": lambda: 3})
    ('only', 3)
    """
    names = list(candidates)
    if len(names) == 1 or not enabled():
        return names[0], candidates[names[0]]()
    with _lock:
        if disk_cache and not _loaded:
            _load()
        name = _winners.get(key)
    if name in candidates:
        return name, candidates[name]()
    # each candidate twice, in the order a b .. b a, so a drift in machine load (other
    # processes) hits all alike; its best time counts, the winner's last result is returned
    results: dict[str, Any] = {}
    times: dict[str, float] = {}
    for nm in names + names[::-1]:
        if sync is not None:
            sync()
        t0 = time.perf_counter()
        results[nm] = candidates[nm]()
        if sync is not None:
            sync()
        times[nm] = min(times.get(nm, float("inf")), time.perf_counter() - t0)
    best = min(names, key=times.__getitem__)
    result = results[best]
    with _lock:
        _winners[key] = best
        _times[key] = times
        if disk_cache:
            _save()
    return best, result


def winners() -> dict[tuple[Any, ...], str]:
    """The algorithm chosen for each key so far (a copy).

    >>> isinstance(winners(), dict)
    True
    """
    with _lock:
        return dict(_winners)


def timings() -> dict[tuple[Any, ...], dict[str, float]]:
    """Seconds each algorithm took in the tuning call of each key tuned in this process."""
    with _lock:
        return {k: dict(v) for k, v in _times.items()}


def clear() -> None:
    """Forget every winner (in memory; the disk file is left alone).

    >>> clear(); winners()
    {}
    """
    global _loaded
    with _lock:
        _winners.clear()
        _times.clear()
        _loaded = False
