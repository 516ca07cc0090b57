"""Shared timing helpers for the benchmarks: warm-up, repeats, median."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["gflops", "interleaved", "machine_header", "machine_line", "median_time",
           "ratio_line"]


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


def _cpu() -> tuple[str, str]:
    """(CPU model, SIMD level) from /proc/cpuinfo (best effort elsewhere)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, val = line.partition(":")
                if key.strip() == "model name":
                    model = val.strip()
                elif key.strip() == "flags" and not flags:
                    flags = set(val.split())
    except OSError:
        pass
    simd = [x for x in ("avx512f", "avx512_bf16", "avx512_vnni", "avx2", "fma", "avx", "sse4_2",
                        "neon", "asimd") if x in flags]
    return model, " ".join(simd[:3]) or "unknown"


def machine_header() -> str:
    """Lines naming the machine: CPU model, cores, SIMD level, BLAS kernel, library versions."""
    import os

    import numpy as np

    model, simd = _cpu()
    lines = [f"CPU: {model}, {os.cpu_count()} cores, SIMD {simd}"]
    try:
        from threadpoolctl import threadpool_info

        for i in threadpool_info():
            if i.get("user_api") == "blas":
                lines.append(f"NumPy BLAS: {i.get('internal_api')} {i.get('version')}, kernel "
                             f"{i.get('architecture')}, {i.get('num_threads')} threads"
                             + (f" (OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']})"
                                if "OPENBLAS_CORETYPE" in os.environ else ""))
    except ImportError:
        lines.append("NumPy BLAS: (threadpoolctl not installed)")
    try:
        import torch

        torch_v = f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads, "
        torch_v += f"CPU capability {torch.backends.cpu.get_cpu_capability()})"
    except ImportError:
        torch_v = "PyTorch not installed"
    lines.append(f"Python {platform.python_version()}, NumPy {np.__version__}, {torch_v}, "
                 f"{time.strftime('%Y-%m-%d %H:%M')}")
    return "\n".join(lines)


def gflops(flops: float, seconds: float) -> str:
    """``flops`` done in ``seconds`` as a short GFLOP/s figure."""
    return f"{flops / seconds / 1e9:6.1f} GFLOP/s"
