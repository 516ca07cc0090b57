"""Per-op eager overhead: a chain of 100 elementwise ops on a (16,) tensor, then
``sum().backward()``, reported as microseconds per op beside PyTorch in the same run.

The two frameworks run in alternating rounds (median reported, best round beside it), so
load from neighbouring machines falls on both alike.

Run: ``python bench/bench_overhead.py``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import interleaved, machine_header, ratio_line

import minigrad as mg

N_OPS = 100  # 25 rounds of (mul scalar, tanh, add scalar, sigmoid)


def chain(x, tanh, sigmoid):
    y = x
    for _ in range(N_OPS // 4):
        y = tanh(y * 1.01)
        y = sigmoid(y + 0.5)
    y.sum().backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    print(machine_header())
    x = mg.randn(16, requires_grad=True)
    fns = [lambda: chain(x, mg.tanh, mg.sigmoid)]
    try:
        import torch

        torch.set_num_threads(1)
        xt = torch.randn(16, requires_grad=True)
        fns.append(lambda: chain(xt, torch.tanh, torch.sigmoid))
        print(f"PyTorch {torch.__version__}")
    except ImportError:
        pass
    times = interleaved(fns, args.rounds, number=20)
    (ours, ours_best), theirs = times[0], (times[1] if len(times) > 1 else (None, None))
    print(ratio_line("per-op overhead (fwd+bwd, (16,) float32)", ours / N_OPS,
                     theirs[0] / N_OPS if theirs[0] else None, "us", 1e6))
    if theirs[1]:
        print(f"{'best round':<44} minigrad {ours_best / N_OPS * 1e6:9.3f} us   PyTorch "
              f"{theirs[1] / N_OPS * 1e6:9.3f} us   ratio {ours_best / theirs[1]:5.2f}x")


if __name__ == "__main__":
    main()
