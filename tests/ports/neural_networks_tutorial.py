"""pytorch/tutorials beginner_source/blitz/neural_networks_tutorial.py ("Neural Networks",
the 60-minute blitz: LeNet, a backward pass, MSELoss, walking ``grad_fn``, and the weight
updates its text shows, by hand and with ``optim.SGD``), with its import lines changed. Its
``torch.randn`` inputs come from the shared stream (see ``_framework``)."""

# ruff: noqa: UP008  (the program's own code, kept verbatim)
from __future__ import annotations

from typing import Any


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch
    nn = fw.nn
    F = fw.F

    class Net(nn.Module):

        def __init__(self):
            super(Net, self).__init__()
            # 1 input image channel, 6 output channels, 5x5 square convolution
            # kernel
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            # an affine operation: y = Wx + b
            self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            # Max pooling over a (2, 2) window
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            # If the size is a square, you can specify with a single number
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = torch.flatten(x, 1) # flatten all dimensions except the batch dimension
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = Net()
    fw.sync(net)  # port: the same initial weights in both runs
    print(net)

    params = list(net.parameters())
    print(len(params))
    print(params[0].size())  # conv1's .weight

    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    print(out)

    net.zero_grad()
    out.backward(torch.randn(1, 10))

    output = net(input)
    target = torch.randn(10)  # a dummy target, for example
    target = target.view(1, -1)  # make it the same shape as output
    criterion = nn.MSELoss()

    loss = criterion(output, target)
    print(loss)

    print(loss.grad_fn)  # MSELoss
    print(loss.grad_fn.next_functions[0][0])  # Linear
    print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU
    # port: the names of the first two nodes, for the test (the third differs on purpose:
    # minigrad's AddmmBackward0 lists its inputs in call order, see docs/pytorch-compat.md)
    nodes = [loss.grad_fn.name(), loss.grad_fn.next_functions[0][0].name()]

    net.zero_grad()     # zeroes the gradient buffers of all parameters

    print('conv1.bias.grad before backward')
    print(net.conv1.bias.grad)

    loss.backward()

    print('conv1.bias.grad after backward')
    print(net.conv1.bias.grad)

    # "Update the weights", from the tutorial's text
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)

    import_optim = fw.optim  # port: ``import torch.optim as optim``
    optim = import_optim

    # create your optimizer
    optimizer = optim.SGD(net.parameters(), lr=0.01)

    # in your training loop:
    optimizer.zero_grad()   # zero the gradient buffers
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()    # Does the update
    print(loss)
    return {"nodes": nodes, "loss": loss.item(), "fc3.bias": net.fc3.bias.tolist(),
            "conv1.weight": net.conv1.weight.detach().numpy().ravel().tolist()}
