"""pytorch/tutorials beginner_source/examples_nn/polynomial_nn.py ("PyTorch: nn"), with its
import lines changed and 500 steps instead of 2000 (printing every 100 as it does)."""

from __future__ import annotations

import math
from typing import Any


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)

    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)

    model = torch.nn.Sequential(
        torch.nn.Linear(3, 1),
        torch.nn.Flatten(0, 1)
    )
    fw.sync(model)  # port: the same initial weights in both runs

    loss_fn = torch.nn.MSELoss(reduction='sum')

    learning_rate = 1e-6
    losses = []
    for t in range(500):
        y_pred = model(xx)

        loss = loss_fn(y_pred, y)
        if t % 100 == 99:
            print(t, loss.item())
            losses.append(loss.item())

        model.zero_grad()

        loss.backward()

        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad

    linear_layer = model[0]

    print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + {linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')  # noqa: E501
    return {"losses": losses, "bias": linear_layer.bias.item(),
            "weight": [linear_layer.weight[:, i].item() for i in range(3)]}
