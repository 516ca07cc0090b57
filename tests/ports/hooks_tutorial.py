"""elliotwaite/pytorch-hooks-tutorial: nine of its twelve programs (tensor hooks, module
forward hooks, and the tensor-hook workaround for module backward hooks), with their import
lines changed, run in order; the two on ``register_backward_hook`` are in
``hooks_tutorial_backward``, the one whose hook changes its gradient in place in
``hooks_tutorial_inplace``. Warnings they raise are recorded (their categories are
returned), not printed."""

# ruff: noqa: UP008, F811  (the programs' own code, kept verbatim)
from __future__ import annotations

import warnings
from typing import Any


def tensor_hooks(torch: Any) -> None:
    print("== 1_tensor_hooks/1_without_hooks.py")
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)

    c = a * b
    c.retain_grad()
    d = torch.tensor(4.0, requires_grad=True)

    e = c * d
    e.retain_grad()
    e.backward()

    print(f'a.grad {a.grad}')
    print(f'b.grad {b.grad}')
    print(f'c.grad {c.grad}')
    print(f'd.grad {d.grad}')
    print(f'e.grad {e.grad}')

    print("== 1_tensor_hooks/2_with_hooks.py")
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)

    c = a * b

    def c_hook(grad):
        print(grad)
        return grad + 2

    c.register_hook(c_hook)
    c.register_hook(lambda grad: print(grad))
    c.retain_grad()

    d = torch.tensor(4.0, requires_grad=True)
    d.register_hook(lambda grad: grad + 100)

    e = c * d

    e.retain_grad()
    e.register_hook(lambda grad: grad * 2)
    e.retain_grad() # second-time retain_grad() is NOP

    e.backward()

    print(f'a.grad {a.grad}')
    print(f'b.grad {b.grad}')
    print(f'c.grad {c.grad}')
    print(f'd.grad {d.grad}')
    print(f'e.grad {e.grad}')

    print("== 1_tensor_hooks/3_with_hooks_and_remove.py")
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)

    c = a * b

    def c_hook(grad):
        print(grad)
        return grad + 2

    h = c.register_hook(c_hook)
    c.register_hook(lambda grad: print(grad))
    c.retain_grad()

    d = torch.tensor(4.0, requires_grad=True)
    d.register_hook(lambda grad: grad + 100)

    e = c * d

    e.retain_grad()
    e.register_hook(lambda grad: grad * 2)
    e.retain_grad()

    h.remove()

    e.backward()
    print(f'a.grad {a.grad}')
    print(f'b.grad {b.grad}')
    print(f'c.grad {c.grad}')
    print(f'd.grad {d.grad}')
    print(f'e.grad {e.grad}')

    print("== 1_tensor_hooks/4_addition_instead_of_multiplication.py")
    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)

    c = a * b
    c.retain_grad()
    d = torch.tensor(4.0, requires_grad=True)

    e = c + d
    e.retain_grad()
    e.backward()

    print(f'a.grad {a.grad}')
    print(f'b.grad {b.grad}')
    print(f'c.grad {c.grad}')
    print(f'd.grad {d.grad}')
    print(f'e.grad {e.grad}')


def module_forward_hooks(torch: Any, nn: Any) -> None:
    print("== 2_module_forward_hooks/1_module_without_hooks.py")

    class SumNet(nn.Module):
        def __init__(self):
            super(SumNet, self).__init__()

        @staticmethod
        def forward(a, b, c):
            return a + b + c

    def main():
        sum_net = SumNet()

        a = torch.tensor(1.0, requires_grad=True)
        b = torch.tensor(2.0, requires_grad=True)
        c = torch.tensor(3.0, requires_grad=True)

        d = sum_net(a, b, c)

        print('d:', d)

    main()

    print("== 2_module_forward_hooks/2_module_with_hooks.py")

    class SumNet(nn.Module):
        def __init__(self):
            super(SumNet, self).__init__()

        @staticmethod
        def forward(a, b, c):
            d = a + b + c
            return d

    def forward_pre_hook(module, inputs):
        a, b = inputs
        return a + 10, b

    def forward_hook(module, inputs, output):
        return output + 100

    def main():
        sum_net = SumNet()

        sum_net.register_forward_pre_hook(forward_pre_hook)
        sum_net.register_forward_hook(forward_hook)

        a = torch.tensor(1.0, requires_grad=True)
        b = torch.tensor(2.0, requires_grad=True)
        c = torch.tensor(3.0, requires_grad=True)

        d = sum_net(a, b, c=c)

        print('d:', d)

    main()

    print("== 2_module_forward_hooks/3_module_with_hooks_and_prints.py")

    class SumNet(nn.Module):
        def __init__(self):
            super(SumNet, self).__init__()

        @staticmethod
        def forward(a, b, c):
            d = a + b + c

            print('forward():')
            print('    a:', a)
            print('    b:', b)
            print('    c:', c)
            print()
            print('    d:', d)
            print()

            return d

    def forward_pre_hook(module, input_positional_args):
        a, b = input_positional_args
        new_input_positional_args = a + 10, b

        print('forward_pre_hook():')
        print('    module:', module)
        print('    input_positional_args:', input_positional_args)
        print()
        print('    new_input_positional_args:', new_input_positional_args)
        print()

        return new_input_positional_args

    def forward_hook(module, input_positional_args, output):
        new_output = output + 100

        print('forward_hook():')
        print('    module:', module)
        print('    input_positional_args:', input_positional_args)
        print('    output:', output)
        print()
        print('    new_output:', new_output)
        print()

        return new_output

    def main():
        sum_net = SumNet()
        sum_net.register_forward_pre_hook(forward_pre_hook)
        sum_net.register_forward_hook(forward_hook)

        a = torch.tensor(1.0, requires_grad=True)
        b = torch.tensor(2.0, requires_grad=True)
        c = torch.tensor(3.0, requires_grad=True)

        print('start')
        print()
        print('a:', a)
        print('b:', b)
        print('c:', c)
        print()
        print('before model')
        print()

        d = sum_net(a, b, c=c)

        print('after model')
        print()
        print('d:', d)

    main()

    print("== 2_module_forward_hooks/4_remove_module_hooks.py")

    class SumNet(nn.Module):
        def __init__(self):
            super(SumNet, self).__init__()

        @staticmethod
        def forward(a, b, c):
            d = a + b + c
            return d

    def forward_pre_hook(module, input_positional_args):
        a, b = input_positional_args
        return a + 10, b

    def forward_hook(module, input_positional_args, output):
        return output + 100

    def main():
        sum_net = SumNet()

        forward_pre_hook_handle = sum_net.register_forward_pre_hook(forward_pre_hook)
        forward_hook_handle = sum_net.register_forward_hook(forward_hook)

        a = torch.tensor(1.0, requires_grad=True)
        b = torch.tensor(2.0, requires_grad=True)
        c = torch.tensor(3.0, requires_grad=True)

        d = sum_net(a, b, c=c)

        print('d:', d)

        forward_pre_hook_handle.remove()
        forward_hook_handle.remove()

        d = sum_net(a, b, c=c)

        print('d:', d)

    main()


def tensor_hooks_workaround(torch: Any, nn: Any) -> None:
    print("== 3_module_backward_hooks/3_tensor_hooks_workaround.py")

    class MyMultiply(nn.Module):
        def __init__(self):
            super(MyMultiply, self).__init__()

        @staticmethod
        def forward(a, b, c):
            return a * b * c

    def main():
        my_multiply = MyMultiply()

        a = torch.tensor(2.0, requires_grad=True)
        b = torch.tensor(3.0, requires_grad=True)
        c = torch.tensor(4.0, requires_grad=True)

        d = my_multiply(a, b, c)

        a.register_hook(lambda grad: print('a grad:', grad))
        b.register_hook(lambda grad: print('b grad:', grad))
        c.register_hook(lambda grad: print('c grad:', grad))
        d.register_hook(lambda grad: print('d grad:', grad))

        d.backward()

    main()


def run(fw: Any) -> dict[str, Any]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tensor_hooks(fw.torch)
        module_forward_hooks(fw.torch, fw.nn)
        tensor_hooks_workaround(fw.torch, fw.nn)
    return {"warnings": [w.category.__name__ for w in caught]}
