"""The custom Functions of PyTorch's "Extending torch.autograd" notes and its double-backward
tutorial, written once and run on minigrad and on PyTorch: outputs, first and second
derivatives compared, and minigrad's float64 gradcheck/gradgradcheck."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from autograd_fns import as_np as _np
from autograd_fns import torch_or_skip as _torch

import minigrad as mg


def _doc_fns(lib: Any) -> SimpleNamespace:
    Fn = lib.autograd.Function

    class LinearFunction(Fn):
        @staticmethod
        def forward(input, weight, bias):
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def setup_context(ctx, inputs, output):
            input, weight, bias = inputs
            ctx.save_for_backward(input, weight, bias)

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_input = grad_weight = grad_bias = None
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MulConstant(Fn):
        @staticmethod
        def forward(tensor, constant):
            return tensor * constant

        @staticmethod
        def setup_context(ctx, inputs, output):
            _, constant = inputs
            ctx.constant = constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class MyCube(Fn):  # saves an output it returns, so double backward works
        @staticmethod
        def forward(x):
            result = x ** 3
            dx = 3 * x ** 2
            return result, dx

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            _, dx = output
            ctx.save_for_backward(x, dx)

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_output * dx + grad_dx * 6 * x

    class MyExp(Fn):  # saves its output: double backward goes through this node again
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_out):
            (result,) = ctx.saved_tensors
            return grad_out * result

    return SimpleNamespace(LinearFunction=LinearFunction, MulConstant=MulConstant,
                           MyCube=MyCube, MyExp=MyExp)


def _inputs(lib: Any) -> tuple[Any, Any, Any]:
    gen = np.random.default_rng(5)
    return tuple(lib.tensor(gen.standard_normal(s).tolist(), dtype=lib.float64,
                            requires_grad=True) for s in ((3, 4), (2, 4), (2,)))


def _run(lib: Any) -> list[np.ndarray]:
    f = _doc_fns(lib)
    x, w, b = _inputs(lib)
    out = f.LinearFunction.apply(x, w, b)
    y = f.MulConstant.apply(out, 0.5)
    cube = f.MyCube.apply(y)[0]
    loss = (f.MyExp.apply(cube * 0.1) * cube).sum()
    gx, gw, gb = lib.autograd.grad(loss, (x, w, b), create_graph=True)
    ggx, ggw = lib.autograd.grad((gx.square().sum() + gw.sum() + gb.sum()), (x, w))
    no_bias = f.LinearFunction.apply(x, w, None).sum()
    (g_nb,) = lib.autograd.grad(no_bias, w)
    return [_np(t) for t in (out, y, cube, loss, gx, gw, gb, ggx, ggw, g_nb)]


def test_extending_autograd_examples_match_torch() -> None:
    torch = _torch()
    for ours, theirs in zip(_run(mg), _run(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_extending_autograd_examples_gradcheck() -> None:
    f = _doc_fns(mg)
    x, w, b = _inputs(mg)
    assert mg.autograd.gradcheck(f.LinearFunction.apply, (x, w, b))
    assert mg.autograd.gradcheck(f.MulConstant.apply, (x, 2.5))
    assert mg.autograd.gradcheck(lambda t: f.MyCube.apply(t)[0], (b,))
    assert mg.autograd.gradgradcheck(lambda t: f.MyCube.apply(t)[0], (b,))
    assert mg.autograd.gradgradcheck(f.MyExp.apply, (b,))
    assert mg.autograd.gradgradcheck(lambda a, c: f.LinearFunction.apply(a, c, None), (x, w))


def test_linear_function_in_a_module_trains_as_nn_linear() -> None:
    """The notes wrap LinearFunction in a Module; a few SGD steps agree with nn.Linear."""
    f = _doc_fns(mg)
    mg.manual_seed(0)
    ref = mg.nn.Linear(4, 2)
    w = mg.nn.Parameter(ref.weight.detach().clone())
    b = mg.nn.Parameter(ref.bias.detach().clone())
    x, target = mg.randn(8, 4), mg.randn(8, 2)
    opt_ref = mg.optim.SGD(ref.parameters(), lr=0.1)
    opt = mg.optim.SGD([w, b], lr=0.1)
    for _ in range(3):
        for model, o in ((ref, opt_ref), (lambda t: f.LinearFunction.apply(t, w, b), opt)):
            o.zero_grad()
            mg.nn.functional.mse_loss(model(x), target).backward()
            o.step()
    np.testing.assert_allclose(w.detach().numpy(), ref.weight.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(b.detach().numpy(), ref.bias.detach().numpy(), rtol=1e-5)


@pytest.mark.parametrize("lib_name", ["minigrad", "torch"])
def test_saved_output_modified_in_place_fails_double_backward_too(lib_name: str) -> None:
    lib = mg if lib_name == "minigrad" else _torch()
    x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
    result, dx = _doc_fns(lib).MyCube.apply(x)
    with lib.no_grad():
        dx.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        result.sum().backward()
