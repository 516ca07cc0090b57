"""Logistic regression on MNIST by SGD with the piecewise learning-rate decay.

Softmax regression (784 -> 10), plain SGD on mini-batches of 10, learning rate 0.01 cut
tenfold at epochs 5, 10 and 15 (0.01 -> 0.001 -> 1e-4 -> 1e-5), 20 epochs. Reaches >= 92 %
test accuracy (measured: see the README). Run:

    python examples/logreg_mnist.py --data ../shared/data     # or set MINIGRAD_DATA
"""

from __future__ import annotations

import argparse
import time

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import MNIST, DataLoader
from minigrad.training import evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with the MNIST files (default: $MINIGRAD_DATA)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    mg.manual_seed(args.seed)
    train = MNIST(args.data, train=True).tensors(flatten=True)
    test = MNIST(args.data, train=False).tensors(flatten=True)
    model = nn.Linear(784, 10)
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    schedule = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[5, 10, 15], gamma=0.1)
    loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, seed=args.seed)

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        lr = schedule.get_last_lr()[0]
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
        acc = evaluate(model, DataLoader(test, batch_size=1000))["acc"]
        print(f"epoch {epoch:2d}  lr {lr:.0e}  test accuracy {100 * acc:.2f}%  "
              f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
