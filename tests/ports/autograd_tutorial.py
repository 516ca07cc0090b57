"""pytorch/tutorials beginner_source/blitz/autograd_tutorial.py ("A Gentle Introduction to
torch.autograd", the 60-minute blitz), with its import lines changed and the parts that
need torchvision's pretrained resnet18 left out: "Differentiation in Autograd" and
"Exclusion from the DAG", plus the fine-tuning steps on a small stand-in model."""

from __future__ import annotations

from typing import Any


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch

    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)

    Q = 3*a**3 - b**2

    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)

    # check if collected gradients are correct
    print(9*a**2 == a.grad)
    print(-2*b == b.grad)

    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)

    a = x + y
    print(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")

    nn, optim = fw.torch.nn, fw.optim  # port: ``from torch import nn, optim``

    # port: a small stand-in for resnet18(weights=ResNet18_Weights.DEFAULT)
    model = nn.Sequential()
    model.conv = nn.Conv2d(3, 8, 3)
    model.pool = nn.AdaptiveAvgPool2d(1)
    model.flatten = nn.Flatten()
    model.fc = nn.Linear(8, 1000)
    fw.sync(model)

    # Freeze all the parameters in the network
    for param in model.parameters():
        param.requires_grad = False

    model.fc = nn.Linear(8, 10)  # port: 8 features in the stand-in, 512 in resnet18
    fw.sync(model)  # port: the new head's weights too

    # Optimize only the classifier
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

    # port: one step of fine-tuning, as the tutorial's first section does
    data = torch.rand(1, 3, 64, 64)
    labels = torch.rand(1, 10)
    prediction = model(data)
    loss = (prediction - labels).sum()
    loss.backward()
    optimizer.step()
    grads = [p.grad is not None for p in model.parameters()]
    print(grads)
    return {"Q": Q.tolist(), "fc": model.fc.weight.detach().numpy().ravel().tolist(),
            "prediction": prediction.detach().numpy().ravel().tolist()}
