"""LeNet-5 on MNIST: the modern variant (ReLU, max-pooling) or LeCun's 1998 original.

``--model lenet5`` (default): conv 6@5x5 -> max-pool -> conv 16@5x5 -> max-pool -> 120 -> 84
-> 10 with ReLU, trained with Adam; >= 98.7 % test accuracy within 3 epochs.
``--model lenet5-classic``: C1, S2 (trainable sub-sampling), C3 (the paper's connection
table), S4, C5, F6 (scaled tanh), RBF output, on 32x32 inputs (MNIST padded by 2).
Measured accuracies and times: see the README. Run:

    python examples/lenet5_mnist.py --data ../shared/data --epochs 3
"""

from __future__ import annotations

import argparse
import time

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import optim
from minigrad.data import MNIST, DataLoader
from minigrad.models import build_model, input_options
from minigrad.training import evaluate, recipe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with the MNIST files (default: $MINIGRAD_DATA)")
    parser.add_argument("--model", choices=["lenet5", "lenet5-classic"], default="lenet5")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, help="default: the model's recipe")
    parser.add_argument("--batch-size", type=int, help="default: the model's recipe")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    settings = recipe(args.model)  # lenet5: Adam 2e-3, batch 64; classic: Adam 1e-3, batch 16
    lr = args.lr or settings["lr"]
    batch_size = args.batch_size or settings["batch_size"]
    mg.manual_seed(args.seed)
    prep = input_options(args.model)  # lenet5-classic: pad 28x28 -> 32x32
    train = MNIST(args.data, train=True).tensors(**prep)  # (60000, 1, H, W), normalised
    test = MNIST(args.data, train=False).tensors(**prep)
    model = build_model(args.model)
    print(model)
    optimizer = optim.Adam([p for p in model.parameters() if p.requires_grad], lr=lr)
    schedule = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    loader = DataLoader(train, batch_size=batch_size, shuffle=True, seed=args.seed)

    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
        acc = evaluate(model, DataLoader(test, batch_size=1000))["acc"]
        print(f"epoch {epoch:2d}  test accuracy {100 * acc:.2f}%  "
              f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
