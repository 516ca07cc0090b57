"""pytorch/tutorials beginner_source/examples_autograd/polynomial_autograd.py ("PyTorch:
Tensors and autograd"), with its import lines changed and 500 steps instead of 2000. Its
``torch.randn`` parameters come from the shared stream (see ``_framework``)."""

from __future__ import annotations

import math
from typing import Any


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch

    dtype = torch.float
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.set_default_device(device)

    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)

    a = torch.randn((), dtype=dtype, requires_grad=True)
    b = torch.randn((), dtype=dtype, requires_grad=True)
    c = torch.randn((), dtype=dtype, requires_grad=True)
    d = torch.randn((), dtype=dtype, requires_grad=True)

    learning_rate = 1e-6
    losses = []
    for t in range(500):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3

        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
            losses.append(loss.item())

        loss.backward()

        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad

            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
    return {"losses": losses, "params": [a.item(), b.item(), c.item(), d.item()]}
