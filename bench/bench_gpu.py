"""GPU benchmark: minigrad on CuPy beside PyTorch CUDA (cuDNN) in one run, as ratios.

Cases: LeNet-5-style training step at batch 64 and 512; conv layer 64→128 3×3 pad 1 on 56×56,
batch 64, forward + backward; MLP 784-100-10 step at batch 100. Clocks are read after
``synchronize``; each case is warmed up first (kernel compilation excluded), and the first
step's time is reported too. Needs CuPy and a GPU; PyTorch CUDA is optional.

Run: ``python bench/bench_gpu.py [--quick]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import median_time, ratio_line

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim


def lenet(lib):
    return lib.Sequential(
        lib.Conv2d(1, 6, 5, padding=2), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(6, 16, 5), lib.ReLU(), lib.MaxPool2d(2), lib.Flatten(),
        lib.Linear(400, 120), lib.ReLU(), lib.Linear(120, 84), lib.ReLU(), lib.Linear(84, 10),
    )


def mlp(lib):
    return lib.Sequential(lib.Linear(784, 100), lib.Tanh(), lib.Linear(100, 10))


def train_step(model, opt, x, y, loss_fn):
    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def first_and_median(step, sync, repeat, number):
    t0 = time.perf_counter()
    step()
    sync()
    first = time.perf_counter() - t0
    return first, median_time(step, repeat=repeat, number=number, warmup=3, sync=sync)


def minigrad_cases(batch_sizes, repeat, number):
    sync = mg.cuda.synchronize
    results = {}
    for b in batch_sizes:
        model = lenet(nn).to("cuda")
        x = mg.randn(b, 1, 28, 28, device="cuda")
        y = mg.randint(0, 10, size=(b,), device="cuda")
        opt = optim.SGD(model.parameters(), lr=0.01)
        results[f"LeNet-5 step, batch {b}"] = first_and_median(
            train_step(model, opt, x, y, F.cross_entropy), sync, repeat, number)
    x = mg.randn(64, 64, 56, 56, device="cuda", requires_grad=True)
    w = mg.randn(128, 64, 3, 3, device="cuda", requires_grad=True)

    def conv():
        F.conv2d(x, w, padding=1).sum().backward()
    results["conv 64->128 3x3 56x56, batch 64, fwd+bwd"] = first_and_median(
        conv, sync, repeat, number)
    model = mlp(nn).to("cuda")
    xm = mg.randn(100, 784, device="cuda")
    ym = mg.randint(0, 10, size=(100,), device="cuda")
    results["MLP 784-100-10 step, batch 100"] = first_and_median(
        train_step(model, optim.SGD(model.parameters(), lr=0.1), xm, ym, F.cross_entropy),
        sync, repeat, number)
    return results


def torch_cases(batch_sizes, repeat, number):
    try:
        import torch
    except ImportError:
        return {}
    if not torch.cuda.is_available():
        return {}
    torch.backends.cudnn.benchmark = True
    sync = torch.cuda.synchronize
    results = {}
    for b in batch_sizes:
        model = lenet(torch.nn).cuda()
        x = torch.randn(b, 1, 28, 28, device="cuda")
        y = torch.randint(0, 10, (b,), device="cuda")
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        results[f"LeNet-5 step, batch {b}"] = first_and_median(
            train_step(model, opt, x, y, torch.nn.functional.cross_entropy), sync, repeat,
            number)
    x = torch.randn(64, 64, 56, 56, device="cuda", requires_grad=True)
    w = torch.randn(128, 64, 3, 3, device="cuda", requires_grad=True)

    def conv():
        torch.nn.functional.conv2d(x, w, padding=1).sum().backward()
    results["conv 64->128 3x3 56x56, batch 64, fwd+bwd"] = first_and_median(
        conv, sync, repeat, number)
    model = mlp(torch.nn).cuda()
    xm = torch.randn(100, 784, device="cuda")
    ym = torch.randint(0, 10, (100,), device="cuda")
    results["MLP 784-100-10 step, batch 100"] = first_and_median(
        train_step(model, torch.optim.SGD(model.parameters(), lr=0.1), xm, ym,
                   torch.nn.functional.cross_entropy), sync, repeat, number)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not mg.cuda.is_available():
        print("no CUDA device: this benchmark needs CuPy and a GPU")
        return
    import cupy

    repeat, number = (3, 5) if args.quick else (7, 20)
    props = cupy.cuda.runtime.getDeviceProperties(0)
    print(f"GPU {props['name'].decode()}, CuPy {cupy.__version__}, CUDA runtime "
          f"{cupy.cuda.runtime.runtimeGetVersion()}, {time.strftime('%Y-%m-%d')}")
    ours = minigrad_cases((64, 512), repeat, number)
    theirs = torch_cases((64, 512), repeat, number)
    for name, (first, median) in ours.items():
        other = theirs.get(name)
        print(ratio_line(name, median, other[1] if other else None))
        print(f"{'':<44} first step: minigrad {first * 1e3:.1f} ms" +
              (f", PyTorch {other[0] * 1e3:.1f} ms" if other else ""))


if __name__ == "__main__":
    main()
