"""elliotwaite/pytorch-hooks-tutorial 1_tensor_hooks/5_hook_with_in_place_operation.py, with
its import line changed: a tensor hook that multiplies its ``grad`` argument in place.

PyTorch's documentation says a hook must not modify its argument. The program shows why:
in PyTorch, ``c + d`` hands one gradient tensor to both branches, so ``d``'s hook also
multiplies the gradient flowing to ``c`` (and on to ``a`` and ``b``). minigrad gives each
branch its own gradient, so only ``d.grad`` changes (docs/pytorch-compat.md, autograd)."""

from __future__ import annotations

from typing import Any


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch

    a = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(3.0, requires_grad=True)

    c = a * b
    c.retain_grad()
    d = torch.tensor(4.0, requires_grad=True)

    def d_hook(grad):
        grad *= 100

    d.register_hook(d_hook)

    e = c + d
    e.retain_grad()
    e.backward()

    print(f'a.grad {a.grad}')
    print(f'b.grad {b.grad}')
    print(f'c.grad {c.grad}')
    print(f'd.grad {d.grad}')
    print(f'e.grad {e.grad}')
    return {"grads": [a.grad.item(), b.grad.item(), c.grad.item(), d.grad.item(),
                      e.grad.item()]}
