"""CNN benchmarks, minigrad beside PyTorch in the same run (both on all CPU cores).

1. conv layer: 32 -> 64 channels, 3x3, padding 1, bias, batch 32 of 32x32; forward plus
   backward for input, weight and bias.
2. LeNet-5-style training step with F ops and plain tensors as parameters: conv 1->6 5x5
   pad 2, relu, maxpool 2, conv 6->16 5x5, relu, maxpool 2, linear 400->120->84->10,
   cross-entropy, batch 64, SGD update.

The two frameworks are timed in alternating rounds and the median per call is reported, so
load from other processes hits both alike. ``--profile`` prints a cProfile of minigrad's side.

Run: ``python bench/bench_cnn.py`` (``--quick`` for a short run).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import interleaved, machine_line, ratio_line

import minigrad as mg
import minigrad.nn.functional as F


def conv_layer(lib: Any, F_: Any) -> Callable[[], None]:
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((32, 32, 32, 32), dtype=np.float32), requires_grad=True)
    w = lib.tensor(rng.standard_normal((64, 32, 3, 3), dtype=np.float32) * 0.05,
                   requires_grad=True)
    b = lib.tensor(np.zeros(64, np.float32), requires_grad=True)
    g = lib.tensor(rng.standard_normal((32, 64, 32, 32), dtype=np.float32))

    def step() -> None:
        x.grad = w.grad = b.grad = None
        F_.conv2d(x, w, b, padding=1).backward(g)

    return step


def lenet_step(lib: Any, F_: Any) -> Callable[[], None]:
    rng = np.random.default_rng(1)

    def param(*shape: int) -> Any:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        a = (rng.uniform(-1, 1, shape) / np.sqrt(fan_in)).astype(np.float32)
        return lib.tensor(a, requires_grad=True)

    params = [param(6, 1, 5, 5), param(6), param(16, 6, 5, 5), param(16),
              param(120, 400), param(120), param(84, 120), param(84), param(10, 84), param(10)]
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    lr = 0.01

    def step() -> None:
        c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b, f3w, f3b = params
        h = F_.max_pool2d(F_.relu(F_.conv2d(x, c1w, c1b, padding=2)), 2)
        h = F_.max_pool2d(F_.relu(F_.conv2d(h, c2w, c2b)), 2)
        h = h.reshape(64, 400)
        h = F_.relu(h @ f1w.T + f1b)
        h = F_.relu(h @ f2w.T + f2b)
        loss = F_.cross_entropy(h @ f3w.T + f3b, y)
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few rounds (smoke run)")
    parser.add_argument("--profile", action="store_true", help="cProfile minigrad's side")
    args = parser.parse_args()
    rounds, number = (3, 2) if args.quick else (11, 5)
    print(machine_line())
    try:
        import torch
        import torch.nn.functional as TF

        print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    except ImportError:
        torch = TF = None
    for name, make in (("conv 32->64 3x3 pad1, 32x32x32x32, fwd+bwd", conv_layer),
                       ("LeNet-5 train step, batch 64 (F ops + SGD)", lenet_step)):
        ours = make(mg, F)
        fns = [ours] if torch is None else [ours, make(torch, TF)]
        times = interleaved(fns, rounds, number)
        print(ratio_line(name, times[0][0], times[1][0] if len(times) > 1 else None))
        print(ratio_line("  (best round)", times[0][1], times[1][1] if len(times) > 1 else None))
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(lambda f=ours: [f() for _ in range(5)])
            pstats.Stats(prof).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
