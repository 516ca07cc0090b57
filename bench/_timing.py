"""Shared timing helpers for the benchmarks: warm-up, repeats, median."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["interleaved", "machine_line", "median_time", "ratio_line"]


def median_time(fn: Callable[[], object], repeat: int = 7, number: int = 10,
                warmup: int = 3, sync: Callable[[], None] | None = None) -> float:
    """Median over ``repeat`` runs of the mean seconds per call of ``fn`` (``number`` calls)."""
    for _ in range(warmup):
        fn()
    if sync:
        sync()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        if sync:
            sync()
        samples.append((time.perf_counter() - t0) / number)
    return statistics.median(samples)


def interleaved(fns: list[Callable[[], Any]], rounds: int,
                number: int) -> list[tuple[float, float]]:
    """(median, min) seconds per call of each fn, timed in alternating rounds after a warm-up.

    The median is the figure reported; the min shows the uncontended speed when other
    processes load the machine in bursts."""
    for f in fns:
        for _ in range(2):
            f()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            samples[i].append((time.perf_counter() - t0) / number)
    return [(statistics.median(s), min(s)) for s in samples]


def ratio_line(name: str, ours: float, theirs: float | None, unit: str = "ms",
               scale: float = 1e3) -> str:
    """One aligned result line: minigrad time, PyTorch time and their ratio."""
    if theirs is None:
        return f"{name:<44} minigrad {ours * scale:9.3f} {unit}   (PyTorch not installed)"
    return (f"{name:<44} minigrad {ours * scale:9.3f} {unit}   PyTorch {theirs * scale:9.3f} "
            f"{unit}   ratio {ours / theirs:5.2f}x")


def machine_line() -> str:
    import os

    import numpy as np

    return (f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"NumPy {np.__version__}, {time.strftime('%Y-%m-%d')}")
