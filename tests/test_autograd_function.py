"""autograd.Function, PyTorch-style: the custom-Function tutorial and ctx features, each run
with the same code on minigrad and (where installed) on PyTorch, results compared."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, once_differentiable


def _torch() -> Any:
    return pytest.importorskip("torch")


def _libs() -> list[Any]:
    """minigrad, and torch where installed (the same test code runs on both)."""
    try:
        import torch
    except ImportError:
        return [mg]
    return [mg, torch]


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().tolist())


def _fns(lib: Any) -> SimpleNamespace:
    """The tutorial's custom Functions, written once against ``lib``."""
    Fn = lib.autograd.Function
    once = lib.autograd.function.once_differentiable

    class LegendreP3(Fn):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class Exp(Fn):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class SortWithIndices(Fn):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, g_values, g_idx):
            (idx,) = ctx.saved_tensors
            ctx.seen = (g_values is None, g_idx is None)
            out = g_values.new_zeros(g_values.shape)
            out[idx] = g_values
            return out

    class TwoClones(Fn):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(x)
            return x.clone(), x.clone()

        @staticmethod
        @once
        def backward(ctx, g1, g2):
            (x,) = ctx.saved_tensors
            ctx.seen = (g1 is None, g2 is None)
            grad = lib.zeros_like(x)
            if g1 is not None:
                grad += g1
            if g2 is not None:
                grad += 2 * g2
            return grad

    class TwoClonesMaterialized(Fn):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1.tolist(), g2.tolist())
            return g1 + 3 * g2

    class MulInPlace(Fn):
        @staticmethod
        def forward(ctx, x, k):
            x.mul_(k)
            ctx.mark_dirty(x)
            ctx.k = k
            return x

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class CubeOnce(Fn):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    class Cube(Fn):  # backward written with differentiable ops: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    class ScaleShift(Fn):  # non-tensor inputs, ctx attributes
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.nig = ctx.needs_input_grad
            return x * k + y

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None, g

    class SetupStyle(Fn):
        @staticmethod
        def forward(x, k=2.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * ctx.k + 0 * out, None

    return SimpleNamespace(**{k: v for k, v in locals().items() if isinstance(v, type)})


# ---------------------------------------------------------------------- the tutorial
def _train_p3(lib: Any, steps: int) -> list[float]:
    """PyTorch's "Defining new autograd functions" example: fit sin(x) with a P3 Legendre
    polynomial through a custom Function, plain SGD."""
    P3 = _fns(lib).LegendreP3.apply
    x = lib.linspace(-math.pi, math.pi, 200, dtype=lib.float64)
    y = lib.sin(x)
    a = lib.full((), 0.0, dtype=lib.float64, requires_grad=True)
    b = lib.full((), -1.0, dtype=lib.float64, requires_grad=True)
    c = lib.full((), 0.0, dtype=lib.float64, requires_grad=True)
    d = lib.full((), 0.3, dtype=lib.float64, requires_grad=True)
    lr = 5e-6
    for _ in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return [float(t.detach()) for t in (loss, a, b, c, d)]


def test_legendre_p3_tutorial_fits_and_matches_torch() -> None:
    ours = _train_p3(mg, 300)
    first = _train_p3(mg, 1)
    assert ours[0] < 0.7 * first[0]  # it learns
    torch = _torch()
    np.testing.assert_allclose(ours, _train_p3(torch, 300), rtol=1e-9, atol=1e-12)


def test_legendre_p3_gradcheck() -> None:
    x = mg.randn(5, dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(_fns(mg).LegendreP3.apply, (x,))
    assert mg.autograd.gradgradcheck(_fns(mg).Cube.apply, (x,))


# ---------------------------------------------------------------------- saved values
@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_exp_saves_its_output(lib: Any) -> None:
    x = lib.tensor([0.0, 1.0, -2.0], requires_grad=True)
    y = _fns(lib).Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward"
    (y * y).sum().backward()
    np.testing.assert_allclose(_np(x.grad), 2 * np.exp(2 * np.array([0.0, 1.0, -2.0])),
                               rtol=1e-6)


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_saved_output_changed_in_place_is_an_error(lib: Any) -> None:
    x = lib.tensor([0.0, 1.0], requires_grad=True)
    y = _fns(lib).Exp.apply(x)
    with lib.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_saved_input_changed_in_place_is_an_error(lib: Any) -> None:
    a = lib.tensor([1.0, 2.0], requires_grad=True).clone()
    y = _fns(lib).LegendreP3.apply(a)
    with lib.no_grad():
        a.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_saved_tensors_are_freed_unless_retain_graph(lib: Any) -> None:
    x = lib.tensor([1.0], requires_grad=True)
    y = _fns(lib).Exp.apply(x)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2 * math.e], rtol=1e-6)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="a second time"):
        _ = y.grad_fn.saved_tensors


# ---------------------------------------------------------------------- several outputs
def _multi_results(lib: Any) -> list[Any]:
    f = _fns(lib)
    x = lib.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, idx = f.SortWithIndices.apply(x)
    (values * lib.tensor([1.0, 10.0, 100.0])).sum().backward()
    seen = values.grad_fn.seen
    out = [values.requires_grad, idx.requires_grad, idx.grad_fn is None, seen, _np(x.grad)]
    x2 = lib.tensor([1.0, 2.0], requires_grad=True)
    b, _ = f.TwoClones.apply(x2)
    b.sum().backward()
    out += [b.grad_fn.seen, _np(x2.grad)]
    x3 = lib.tensor([1.0, 2.0], requires_grad=True)
    p, q = f.TwoClonesMaterialized.apply(x3)
    (p * 2).sum().backward()
    out += [p.grad_fn.seen, _np(x3.grad)]
    x4 = lib.tensor([1.0, 2.0], requires_grad=True)
    p, q = f.TwoClonesMaterialized.apply(x4)
    (p * q).sum().backward()  # both outputs feed one consumer
    out += [_np(x4.grad), p.grad_fn is not None and p.grad_fn.name()]
    return out


def test_multiple_outputs_non_differentiable_and_materialize_grads() -> None:
    ours = _multi_results(mg)
    assert ours[:4] == [True, False, True, (False, False)]
    np.testing.assert_allclose(ours[4], [100.0, 1.0, 10.0])
    assert ours[5] == (False, True)  # materialize_grads False: None for the unused output
    torch = _torch()
    theirs = _multi_results(torch)
    for a, b in zip(ours, theirs, strict=True):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(a, b)
        else:
            assert a == b


def test_multi_output_node_is_one_node_in_next_functions() -> None:
    x = mg.ones(2, requires_grad=True)
    a, b = _fns(mg).TwoClonesMaterialized.apply(x)
    z = a + b
    (n0, i0), (n1, i1) = z.grad_fn.next_functions
    assert n0 is n1 and (i0, i1) == (0, 1)
    assert a.grad_fn.name() == b.grad_fn.name() == "TwoClonesMaterializedBackward"
    assert repr(a.grad_fn) == repr(n0)
    seen = []
    a.grad_fn.register_prehook(lambda go: seen.append(len(go)))
    z.sum().backward()
    assert seen == [2]


# ---------------------------------------------------------------------- mark_dirty
@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_mark_dirty_rebases_the_input(lib: Any) -> None:
    f = _fns(lib)
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    out = f.MulInPlace.apply(a, 3.0)
    assert out is a and a.grad_fn.name() == "MulInPlaceBackward"
    np.testing.assert_allclose(_np(a), [3.0, 6.0])
    (a * a).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [18.0, 36.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        f.MulInPlace.apply(lib.ones(2, requires_grad=True), 2.0)


# ---------------------------------------------------------------------- double backward
@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_double_backward_through_differentiable_backward(lib: Any) -> None:
    x = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
    y = _fns(lib).Cube.apply(x)
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = lib.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(_np(g), [3.0, 12.0])
    np.testing.assert_allclose(_np(gg), [6.0, -12.0])


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_once_differentiable(lib: Any) -> None:
    f = _fns(lib)
    x = lib.tensor([2.0], requires_grad=True)
    (g,) = lib.autograd.grad(f.CubeOnce.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(_np(g), [12.0])
    assert not g.requires_grad  # the grad outputs did not require grad (as PyTorch)
    w = lib.tensor([1.0], requires_grad=True)
    (g,) = lib.autograd.grad((f.CubeOnce.apply(x) * w).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked "
                                           "with @once_differentiable"):
        g.sum().backward()


# ---------------------------------------------------------------------- inputs and checks
@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_non_tensor_inputs_ctx_attributes_and_next_functions(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = lib.ones(2)
    z = _fns(lib).ScaleShift.apply(x, 2.0, y)
    assert z.grad_fn.k == 2.0 and z.grad_fn.nig == (True, False, False)
    nf = z.grad_fn.next_functions
    assert [(type(n).__name__ if n is not None else None, i) for n, i in nf] == [
        ("AccumulateGrad", 0), (None, 0)]
    assert nf[0][0].variable is x
    z.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, 2.0])
    with lib.no_grad():
        assert not _fns(lib).ScaleShift.apply(x, 2.0, y).requires_grad


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_setup_context_style(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    f = _fns(lib).SetupStyle
    f.apply(x).sum().backward()
    f.apply(x, k=5.0).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [7.0, 7.0])


def _bad(lib: Any, grads: Any) -> Any:
    class Bad(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return grads(g)

    return Bad


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
@pytest.mark.parametrize(("grads", "match"), [
    (lambda g: g, r"BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"),
    (lambda g: (g, None, g), r"incorrect number of gradients \(expected 2, got 3\)"),
    (lambda g: (g[:1], None), r"BadBackward returned an invalid gradient"),
])
def test_wrong_gradients_name_the_function(lib: Any, grads: Any, match: str) -> None:
    x = lib.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=match):
        _bad(lib, grads).apply(x, 2.0).sum().backward()


def test_more_errors_and_extra_nones() -> None:
    x = mg.ones(3, requires_grad=True)
    _bad(mg, lambda g: (g, None, None)).apply(x, 2.0).sum().backward()  # trailing Nones: ok
    np.testing.assert_allclose(x.grad.numpy(), np.ones(3))
    with pytest.raises(TypeError, match="BadBackward returned a gradient of type int"):
        _bad(mg, lambda g: (3, None)).apply(x, 2.0).sum().backward()
    with pytest.raises(RuntimeError, match="position 1, but the corresponding forward input"):
        _bad(mg, lambda g: (g, g)).apply(x, 2.0).sum().backward()
    with pytest.raises(TypeError, match="save_for_backward can only save tensors"):
        mg.autograd.function.FunctionCtx().save_for_backward(3)
    with pytest.warns(DeprecationWarning):
        fn = _fns(mg).Exp()
    with pytest.raises(RuntimeError, match="Legacy autograd function"):
        fn(x)


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_returning_an_input_gives_a_new_tensor(lib: Any) -> None:
    class Identity(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = lib.ones(2, requires_grad=True)
    y = Identity.apply(x)
    assert y is not x and y.grad_fn.name() == "IdentityBackward"
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, 2.0])


def test_function_gradcheck_and_mixed_graph() -> None:
    f = _fns(mg)
    x = mg.randn(4, dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(lambda t: f.Exp.apply(t.sin()) * t, (x,))
    assert mg.autograd.gradcheck(lambda t: f.SortWithIndices.apply(t)[0], (x,))
    assert mg.autograd.gradcheck(lambda t: f.TwoClonesMaterialized.apply(t), (x,))
    assert mg.testing.gradgradcheck(lambda t: f.Exp.apply(t), (x,))


def test_once_differentiable_is_exported_where_torch_has_it() -> None:
    assert mg.autograd.function.once_differentiable is once_differentiable
    assert issubclass(_fns(mg).Exp, Function)


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_saved_versions_are_taken_when_forward_returns(lib: Any) -> None:
    class SaveThenChange(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            t = x * 2
            ctx.save_for_backward(t)
            t.add_(1)  # before forward returns: not an error (PyTorch saves at the end)
            return x * 3

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * t

    x = lib.ones(2, requires_grad=True)
    SaveThenChange.apply(x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [3.0, 3.0])


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_node_hooks_on_a_function_node(lib: Any) -> None:
    seen = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    z = _fns(lib).ScaleShift.apply(x, 2.0, lib.ones(2))
    z.grad_fn.register_hook(lambda gi, go: seen.append(
        (len(gi), gi[1] is None, _np(gi[0]).tolist(), len(go))))
    z.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    z.sum().backward()
    assert seen == [(2, False, [20.0, 20.0], 1)]  # y's gradient shows though y needs none
    np.testing.assert_allclose(_np(x.grad), [20.0, 20.0])


def test_anomaly_mode_names_the_function_and_where_it_was_applied() -> None:
    class BadGrad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return mg.tensor([float("nan"), 0.0])  # made without an op, so only the
            # engine's check of the returned gradient can catch it

    x = mg.ones(2, requires_grad=True)
    with mg.autograd.detect_anomaly():
        y = BadGrad.apply(x)
        with pytest.raises(mg.AnomalyError, match=r"BadGradBackward produced NaN(.|\n)*"
                                                  r"test_autograd_function.py"):
            y.sum().backward()
