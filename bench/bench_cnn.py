"""CNN benchmarks, minigrad beside PyTorch in the same run (both on all CPU cores).

1. conv layer: 32 -> 64 channels, 3x3, padding 1, bias, batch 32 of 32x32; forward plus
   backward for input, weight and bias.
2. LeNet-5-style training step with F ops and plain tensors as parameters: conv 1->6 5x5
   pad 2, relu, maxpool 2, conv 6->16 5x5, relu, maxpool 2, linear 400->120->84->10,
   cross-entropy, batch 64, SGD update.

The two frameworks are timed in alternating rounds and the median per call is reported, so
load from other processes hits both alike. ``--profile`` prints a cProfile of minigrad's side.
Beside each ratio: the achieved GFLOP/s of both and the GEMM-only floor (NumPy's matmul on the
same GEMM shapes, the fastest minigrad could be with zero overhead around the GEMMs).
``--autotune`` sets ``mg.backends.cudnn.benchmark = True`` and prints the winning algorithm
per convolution shape.

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

from _timing import gflops, interleaved, machine_header, median_time, ratio_line

import minigrad as mg
import minigrad.nn.functional as F
from minigrad._threads import SMALL_GEMM_FLOPS, gemm_threads, policy_active


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


# (O, C, kH, kW, OH*OW, N) of each convolution: the three GEMMs per conv are (O,K)@(K,L),
# (O,L)@(L,K), (K,O)@(O,L) with K = C*kH*kW, L = OH*OW, once per image
CONV_LAYER = [(64, 32, 3, 3, 1024, 32)]
LENET_CONVS = [(6, 1, 5, 5, 784, 64), (16, 6, 5, 5, 100, 64)]
LENET_FC = [(64, 400, 120), (64, 120, 84), (64, 84, 10)]


def flops_of(convs: list[tuple[int, ...]], fcs: list[tuple[int, int, int]] = ()) -> float:
    """Forward + both backward GEMMs (3x the forward), multiply-adds counted as 2."""
    f = sum(2.0 * o * c * kh * kw * length * n for o, c, kh, kw, length, n in convs)
    f += sum(2.0 * m * k * nn for m, k, nn in fcs)
    return 3 * f


def gemm_floor(convs: list[tuple[int, ...]], fcs: list[tuple[int, int, int]] = ()) -> float:
    """Seconds NumPy's matmul alone needs for all the GEMMs of one step (the floor)."""
    rng = np.random.default_rng(0)
    jobs = []
    for o, c, kh, kw, length, n in convs:
        k = c * kh * kw
        a, b = rng.standard_normal((o, k), np.float32), rng.standard_normal((k, length), np.float32)
        g = rng.standard_normal((o, length), np.float32)
        jobs.append((n, [(a, b), (g, b.T), (a.T, g)]))
    for m, k, nn in fcs:
        x, w = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, nn), np.float32)
        gy = rng.standard_normal((m, nn), np.float32)
        jobs.append((1, [(x, w), (x.T, gy), (gy, w.T)]))

    def run() -> None:  # under minigrad's BLAS thread policy, as minigrad's own GEMMs
        for n, pairs in jobs:
            for a, b in pairs:
                with gemm_threads(2.0 * a.shape[0] * a.shape[1] * b.shape[1]):
                    for _ in range(n):
                        np.matmul(a, b)

    return median_time(run, repeat=5, number=3, warmup=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few rounds (smoke run)")
    parser.add_argument("--profile", action="store_true", help="cProfile minigrad's side")
    parser.add_argument("--threads", type=int, default=0,
                        help="BLAS and PyTorch threads for both (default: all cores)")
    parser.add_argument("--autotune", action="store_true",
                        help="mg.backends.cudnn.benchmark = True; print the winners")
    args = parser.parse_args()
    rounds, number = (3, 2) if args.quick else (11, 5)
    mg.backends.cudnn.benchmark = args.autotune
    try:
        import torch
        import torch.nn.functional as TF
    except ImportError:
        torch = TF = None
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    print(machine_header())
    print(f"minigrad BLAS policy: {'on' if policy_active() else 'off'} (GEMMs under "
          f"{SMALL_GEMM_FLOPS:.0e} FLOP on one thread); autotune {args.autotune}")
    cases = (("conv 32->64 3x3 pad1, 32x32x32x32, fwd+bwd", conv_layer, CONV_LAYER, []),
             ("LeNet-5 train step, batch 64 (F ops + SGD)", lenet_step, LENET_CONVS, LENET_FC))
    for name, make, convs, fcs in cases:
        ours = make(mg, F)
        fns = [ours] if torch is None else [ours, make(torch, TF)]
        times = interleaved(fns, rounds, number)
        theirs = times[1] if len(times) > 1 else (None, None)
        print(ratio_line(name, times[0][0], theirs[0]))
        print(ratio_line("  (best round)", times[0][1], theirs[1]))
        fl, floor = flops_of(convs, fcs), gemm_floor(convs, fcs)
        line = f"  {fl / 1e9:.3f} GFLOP/step: minigrad {gflops(fl, times[0][1])}"
        if theirs[1]:
            line += f", PyTorch {gflops(fl, theirs[1])}"
        print(line + f"; GEMM-only floor {floor * 1e3:.2f} ms ({gflops(fl, floor)}), "
              f"minigrad at {times[0][1] / floor:.2f}x the floor (best rounds)")
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(lambda f=ours: [f() for _ in range(5)])
            pstats.Stats(prof).sort_stats("tottime").print_stats(12)
    if args.autotune:
        from minigrad.ops import autotune

        times_ = autotune.timings()
        for key, winner in autotune.winners().items():
            alts = ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in times_.get(key, {}).items())
            print(f"autotune {key[0]} {key[3:5]}: {winner}  ({alts})")


if __name__ == "__main__":
    main()
