"""elliotwaite/pytorch-hooks-tutorial: its two programs on ``Module.register_backward_hook``
(deprecated in PyTorch: the hook sees the gradients of the module's last autograd node
only, which the second program shows going wrong), with their import lines changed, run in
order. Warnings they raise are recorded (their categories are returned), not printed."""

# ruff: noqa: UP008, F811  (the programs' own code, kept verbatim)
from __future__ import annotations

import warnings
from typing import Any


def module_backward_hooks(torch: Any, nn: Any) -> None:
    print("== 3_module_backward_hooks/1_working_module_backward_hook.py")

    class MyMultiply(nn.Module):
        def __init__(self):
            super(MyMultiply, self).__init__()

        @staticmethod
        def forward(a, b):
            return a * b

    def backward_hook(module, grad_input, grad_output):
        print('module:', module)
        print('grad_input:', grad_input)
        print('grad_output:', grad_output)

    def main():
        my_multiply = MyMultiply()
        my_multiply.register_backward_hook(backward_hook)

        a = torch.tensor(2.0, requires_grad=True)
        b = torch.tensor(3.0, requires_grad=True)

        c = my_multiply(a, b)

        c.backward()

    main()

    print("== 3_module_backward_hooks/2_broken_module_backward_hook.py")

    class MyMultiply(nn.Module):
        def __init__(self):
            super(MyMultiply, self).__init__()

        @staticmethod
        def forward(a, b, c):
            return (a * b) * c

    def backward_hook(module, grad_input, grad_output):
        print('module:', module)
        print('grad_input:', grad_input)
        print('grad_output:', grad_output)

    def main():
        my_multiply = MyMultiply()
        my_multiply.register_backward_hook(backward_hook)

        a = torch.tensor(2.0, requires_grad=True)
        b = torch.tensor(3.0, requires_grad=True)
        c = torch.tensor(4.0, requires_grad=True)

        d = my_multiply(a, b, c)

        d.backward()

    main()


def run(fw: Any) -> dict[str, Any]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module_backward_hooks(fw.torch, fw.nn)
    return {"warnings": [w.category.__name__ for w in caught]}
