"""Define-by-run in action: a network that adds a hidden layer when it stops improving.

The model keeps its hidden layers in a Python list and ``forward`` is an ordinary loop over
it, so the graph that backpropagation walks is rebuilt from the code on every call. After an
epoch whose test accuracy improved by less than ``--min-gain`` points, a new tanh layer is
inserted (initialised near the identity, so the function barely changes), its parameters are
handed to the optimizer, and training simply goes on: nothing is compiled or re-traced. Run:

    python examples/grow_network.py --dataset synthetic          # no files needed
    python examples/grow_network.py --data ../shared/data        # MNIST
"""

from __future__ import annotations

import argparse

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import MNIST, DataLoader, Subset, SyntheticDigits
from minigrad.training import evaluate


class GrowingMLP(nn.Module):
    """784 -> width -> ... -> 10 with tanh; ``grow()`` appends one more hidden layer."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.width = width
        self.hidden = nn.ModuleList([nn.Linear(784, width)])
        self.out = nn.Linear(width, 10)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        h = x.flatten(1)
        for layer in self.hidden:  # as many layers as the list holds right now
            h = mg.tanh(layer(h))
        return self.out(h)

    def grow(self) -> nn.Linear:
        layer = nn.Linear(self.width, self.width)
        with mg.no_grad():  # near the identity: the new layer starts as a small change
            layer.weight.copy_(mg.eye(self.width) + 0.01 * mg.randn(self.width, self.width))
            layer.bias.zero_()
        self.hidden.append(layer)
        return layer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder with the MNIST files (default: $MINIGRAD_DATA)")
    parser.add_argument("--dataset", choices=["mnist", "synthetic"], default="mnist")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--limit", type=int, default=10000, help="training samples used")
    parser.add_argument("--min-gain", type=float, default=0.5,
                        help="grow when test accuracy gains fewer points than this")
    parser.add_argument("--max-layers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    mg.manual_seed(args.seed)
    if args.dataset == "mnist":
        train, test = MNIST(args.data, train=True), MNIST(args.data, train=False)
    else:
        train, test = SyntheticDigits(train=True), SyntheticDigits(train=False)
    train_set = Subset(train.tensors(), range(min(args.limit, len(train))))
    test_loader = DataLoader(test.tensors(), batch_size=1000)
    loader = DataLoader(train_set, batch_size=50, shuffle=True, seed=args.seed)

    model = GrowingMLP(args.width)
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    best = 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        acc = 100 * evaluate(model, test_loader)["acc"]
        print(f"epoch {epoch}: {len(model.hidden)} hidden layer(s), test accuracy {acc:.2f}%")
        if acc - best < args.min_gain and len(model.hidden) < args.max_layers:
            new = model.grow()
            optimizer.add_param_group({"params": list(new.parameters())})
            print(f"  gain {acc - best:+.2f} points < {args.min_gain}: added hidden layer "
                  f"{len(model.hidden)}")
        best = max(best, acc)
    print(model)


if __name__ == "__main__":
    main()
