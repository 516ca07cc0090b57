"""Training speed beside PyTorch, in one run: the MLP step and LeNet-5 epoch throughput.

1. One SGD training step of the MLP 784-100-10 (tanh), batch 100: forward, cross-entropy,
   zero_grad, backward, step (PyTorch ~0.7 ms; target ratio <= 1.0).
2. LeNet-5 (ReLU, max-pool) trained with Adam, batch 64, for one epoch over the first
   ``--subset`` MNIST training images (the synthetic digits when MNIST is absent): samples/s
   of the whole loop (shuffled batches, forward, backward, step), same model, batch size and
   data for both frameworks.

Both frameworks get the same number of BLAS/intra-op threads (``--threads``, default 1: the
environment variables are set before NumPy loads). Run:

    python bench/bench_train.py [--subset 6000] [--threads 1] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=6000, help="LeNet epoch: images used")
    parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads")
    parser.add_argument("--data", help="MNIST folder (default: $MINIGRAD_DATA)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-lenet", action="store_true")
    return parser.parse_args()


ARGS = _parse()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from _timing import machine_header, median_time, ratio_line  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import nn, optim  # noqa: E402
from minigrad.data import MNIST, DataLoader, DatasetNotFoundError, SyntheticDigits  # noqa: E402
from minigrad.models import LeNet5  # noqa: E402

try:
    import torch
except ImportError:
    torch = None


def mlp_step_minigrad() -> float:
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 100), nn.Tanh(), nn.Linear(100, 10))
    opt = optim.SGD(model.parameters(), lr=0.1)
    x, y = mg.randn(100, 784), mg.randint(0, 10, (100,))

    def step() -> None:
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return median_time(step, repeat=ARGS.repeat, number=50)


def mlp_step_torch() -> float:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.Tanh(),
                                torch.nn.Linear(100, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(100, 784), torch.randint(0, 10, (100,))

    def step() -> None:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()

    return median_time(step, repeat=ARGS.repeat, number=50)


def lenet_data() -> tuple[np.ndarray, np.ndarray, str]:
    try:
        ds = MNIST(ARGS.data, train=True)
        name = "MNIST"
    except DatasetNotFoundError:
        ds = SyntheticDigits(train=True, size=ARGS.subset)
        name = "synthetic digits"
    x, y = ds.tensors().tensors
    n = min(ARGS.subset, len(ds))
    return x.numpy()[:n], y.numpy()[:n], name


def lenet_epoch_minigrad(x: np.ndarray, y: np.ndarray) -> float:
    mg.manual_seed(0)
    model = LeNet5()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(mg.data.TensorDataset(x, y), batch_size=64, shuffle=True, seed=0)
    for i, (xb, yb) in enumerate(loader):  # warm-up: a few steps
        F.cross_entropy(model(xb), yb).backward()
        if i == 3:
            break
    t0 = time.perf_counter()
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return len(x) / (time.perf_counter() - t0)


def lenet_epoch_torch(x: np.ndarray, y: np.ndarray) -> float:
    torch.manual_seed(0)
    tnn = torch.nn
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
        tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for i in range(4):
        torch.nn.functional.cross_entropy(model(xt[i * 64:(i + 1) * 64]),
                                          yt[i * 64:(i + 1) * 64]).backward()
    t0 = time.perf_counter()
    perm = torch.randperm(len(xt))
    for start in range(0, len(xt), 64):
        idx = perm[start:start + 64]
        loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return len(x) / (time.perf_counter() - t0)


def main() -> None:
    print(machine_header() + f"\n(this run: {ARGS.threads} BLAS thread(s) for both)")
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
        print(f"PyTorch {torch.__version__}")
    ours = mlp_step_minigrad()
    theirs = mlp_step_torch() if torch is not None else None
    print(ratio_line("MLP 784-100-10 SGD step, batch 100", ours, theirs))
    if ARGS.skip_lenet:
        return
    x, y, name = lenet_data()
    # three alternating epochs each, median rate: one epoch alone is at the mercy of the host
    ours_runs, theirs_runs = [], []
    for _ in range(3):
        ours_runs.append(lenet_epoch_minigrad(x, y))
        if torch is not None:
            theirs_runs.append(lenet_epoch_torch(x, y))
    ours_rate = statistics.median(ours_runs)
    line = (f"LeNet-5 epoch, {len(x)} {name} images, batch 64: minigrad {ours_rate:,.0f} "
            "samples/s")
    if theirs_runs:
        theirs_rate = statistics.median(theirs_runs)
        line += (f", PyTorch {theirs_rate:,.0f} samples/s, ratio (time) "
                 f"{theirs_rate / ours_rate:.2f}x")
    print(line)
    print(f"  full 60,000-image epoch at that rate: minigrad {60000 / ours_rate:.0f} s")


if __name__ == "__main__":
    main()
