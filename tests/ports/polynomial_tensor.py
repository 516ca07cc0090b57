"""pytorch/tutorials beginner_source/examples_tensor/polynomial_tensor.py ("PyTorch:
Tensors", gradients by hand), with its import lines changed and 500 steps instead of 2000.
Its ``torch.randn`` parameters come from the shared stream (see ``_framework``)."""

from __future__ import annotations

import math
from typing import Any


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch

    dtype = torch.float
    device = torch.device("cpu")

    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)

    a = torch.randn((), device=device, dtype=dtype)
    b = torch.randn((), device=device, dtype=dtype)
    c = torch.randn((), device=device, dtype=dtype)
    d = torch.randn((), device=device, dtype=dtype)

    learning_rate = 1e-6
    losses = []
    for t in range(500):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3

        loss = (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            print(t, loss)
            losses.append(loss)

        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()

        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d

    print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
    return {"losses": losses, "params": [a.item(), b.item(), c.item(), d.item()]}
