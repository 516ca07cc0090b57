"""What a benchmark prints about its machine, and a thread limit for both frameworks."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["machine", "set_threads"]


def machine() -> list[str]:
    """The lines printed at the top: CPU, SIMD, NumPy's BLAS, threads, PyTorch, load."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and model in ("", platform.machine()):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    simd = next((name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"),
                                         ("avx", "AVX"), ("sse4_2", "SSE4.2"),
                                         ("asimd", "NEON")) if flag in flags), "unknown")
    extras = [f for f in ("fma", "avx512_bf16", "avx512_vnni", "amx_tile") if f in flags]
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    lines = [f"CPU: {model}, {cores} logical cores ({usable} usable), SIMD {simd}"
             + (f" (+{', '.join(extras)})" if extras else "")]
    blas = "BLAS: unknown"
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            if info.get("user_api") == "blas":
                blas = (f"BLAS: {info['internal_api']} {info.get('version')}, kernel "
                        f"{info.get('architecture')}, {info['num_threads']} threads")
                break
    except ImportError:  # fall back on NumPy's build record (no runtime kernel, no threads)
        try:
            dep = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            blas = f"BLAS (build): {dep.get('name')} {dep.get('version')}"
        except Exception:  # older NumPy has no mode="dicts"
            pass
    lines.append(f"Python {platform.python_version()}, NumPy {np.__version__}; {blas}")
    try:
        import torch

        cap = torch.backends.cpu.get_cpu_capability()
        lines.append(f"PyTorch {torch.__version__}, {torch.get_num_threads()} intra-op "
                     f"threads, CPU capability {cap}, oneDNN "
                     f"{'on' if torch.backends.mkldnn.is_available() else 'off'}")
    except ImportError:
        lines.append("PyTorch not installed: minigrad and the GEMM floor only")
    if hasattr(os, "getloadavg"):
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        lines.append(f"load average {load}, {time.strftime('%Y-%m-%d %H:%M')}")
    return lines


def set_threads(n: int, torch: Any) -> None:
    """Limit NumPy's BLAS (through threadpoolctl) and PyTorch to ``n`` threads each."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        sys.exit("--threads needs threadpoolctl to limit NumPy's BLAS (pip install threadpoolctl)")
    threadpool_limits(n)
    if torch is not None:
        torch.set_num_threads(n)
