"""Per-op eager overhead: a chain of 100 elementwise ops on a (16,) tensor, then
``sum().backward()``, reported as microseconds per op beside PyTorch in the same run.

Run: ``python bench/bench_overhead.py``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import machine_line, median_time, ratio_line

import minigrad as mg

N_OPS = 100  # 25 rounds of (mul scalar, tanh, add scalar, sigmoid)


def chain(x, ops):
    y = x
    for _ in range(N_OPS // 4):
        y = ops["tanh"](y * 1.01)
        y = ops["sigmoid"](y + 0.5)
    y.sum().backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    print(machine_line())
    x = mg.randn(16, requires_grad=True)
    ours = median_time(lambda: chain(x, {"tanh": mg.tanh, "sigmoid": mg.sigmoid}),
                       repeat=args.repeat, number=20) / N_OPS
    theirs = None
    try:
        import torch

        torch.set_num_threads(1)
        xt = torch.randn(16, requires_grad=True)
        theirs = median_time(lambda: chain(xt, {"tanh": torch.tanh, "sigmoid": torch.sigmoid}),
                             repeat=args.repeat, number=20) / N_OPS
        print(f"PyTorch {torch.__version__}")
    except ImportError:
        pass
    print(ratio_line("per-op overhead (fwd+bwd, (16,) float32)", ours, theirs, "us", 1e6))


if __name__ == "__main__":
    main()
