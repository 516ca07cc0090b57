"""Small training steps on a busy machine: the BLAS thread policy's evidence.

MLP 784-100-10 (tanh, batch 100) and LeNet-5 (batch 64) SGD steps, minigrad beside PyTorch in
alternating rounds, for each BLAS/intra-op thread count (1 and all cores) with and without a
competing load: one ``while True: pass`` process per core, started by this script and stopped
at its end. Both frameworks get the same thread count (threadpoolctl for NumPy's BLAS,
``torch.set_num_threads`` for PyTorch). Needs threadpoolctl.

The "policy" rows run minigrad with all threads but its BLAS thread policy
(:mod:`minigrad._threads`) applied to every GEMM: the conv kernels apply it themselves;
``matmul`` and ``linear`` are wrapped here, by this script, until those ops apply it too.

Run: ``python bench/bench_busy.py [--rounds 7]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import interleaved, machine_header, ratio_line
from bench_cnn import lenet_step
from threadpoolctl import threadpool_limits

import minigrad as mg
import minigrad.nn.functional as F
from minigrad._threads import gemm_threads

POLICY = {"on": False}


def wire_policy() -> None:
    """Run matmul / linear forwards under the BLAS thread policy while ``POLICY["on"]``."""
    import importlib

    for mod, cls in (("minigrad.ops.matmul", "Matmul"), ("minigrad.ops.linear", "Linear")):
        op = getattr(importlib.import_module(mod), cls)
        fwd = op.forward

        def wrapped(self: Any, xp: Any, a: Any, b: Any, *rest: Any, _f: Any = fwd) -> Any:
            k = a.shape[-1]
            flops = 2.0 * a.size * (b.shape[0] if _f.__qualname__.startswith("Linear")
                                    else b.shape[-1])
            if not POLICY["on"]:
                return _f(self, xp, a, b, *rest)
            with gemm_threads(flops if k else 0):
                return _f(self, xp, a, b, *rest)

        op.forward = wrapped


def mlp_step(lib: Any, F_: Any) -> Any:
    rng = np.random.default_rng(2)
    w1 = lib.tensor((rng.standard_normal((100, 784)) * 0.03).astype(np.float32),
                    requires_grad=True)
    b1 = lib.tensor(np.zeros(100, np.float32), requires_grad=True)
    w2 = lib.tensor((rng.standard_normal((10, 100)) * 0.1).astype(np.float32), requires_grad=True)
    b2 = lib.tensor(np.zeros(10, np.float32), requires_grad=True)
    x = lib.tensor(rng.standard_normal((100, 784), dtype=np.float32))
    y = lib.tensor(rng.integers(0, 10, 100))
    params = [w1, b1, w2, b2]

    def step() -> None:
        loss = F_.cross_entropy(F_.linear(F_.tanh(F_.linear(x, w1, b1)), w2, b2), y)
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.1 * p.grad

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    import torch
    import torch.nn.functional as TF

    print(machine_header())
    wire_policy()
    cores = os.cpu_count() or 1
    for load in (False, True):
        spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                    for _ in range(cores if load else 0)]
        try:
            for threads in [*sorted({1, cores}), "policy"]:
                POLICY["on"] = threads == "policy"
                n = cores if threads == "policy" else threads
                torch.set_num_threads(n)
                with threadpool_limits(n):
                    tag = f"{threads} thr, {'+' if load else 'no'} load"
                    for name, make, number in (("MLP step", mlp_step, 20),
                                               ("LeNet-5 step", lenet_step, 3)):
                        fns = [make(mg, F), make(torch, TF)]
                        (ours, _), (theirs, _) = interleaved(fns, args.rounds, number)
                        print(ratio_line(f"{name}, {tag}", ours, theirs))
        finally:
            for p in spinners:
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
