"""autograd.Function: inputs that are not tensors, setup_context, the checks on what backward
returns, hooks and anomaly mode on Function nodes; compared with PyTorch where installed."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from autograd_fns import as_np as _np
from autograd_fns import libs as _libs
from autograd_fns import make_fns as _fns

import minigrad as mg
from minigrad.autograd import Function, once_differentiable


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
                                                  r"test_autograd_function_checks.py"):
            y.sum().backward()


def test_nodes_are_freed_without_the_cycle_collector() -> None:
    """Node, ctx, saved outputs and rebased (dirty) inputs form no reference cycle, so a
    graph is freed as soon as its outputs are dropped (as PyTorch's SavedVariable ensures)."""
    import gc
    import weakref

    f = _fns(mg)
    x = mg.ones(3, requires_grad=True)
    calls = [lambda: f.Exp.apply(x), lambda: f.SortWithIndices.apply(x)[0],
             lambda: f.TwoClonesMaterialized.apply(x)[1], lambda: f.TwoClones.apply(x)[0],
             lambda: f.MulInPlace.apply(x * 1, 2.0), lambda: f.SetupStyle.apply(x)]
    enabled = gc.isenabled()
    gc.disable()
    try:
        for i, call in enumerate(calls):
            y = call()
            ref = weakref.ref(getattr(y.grad_fn, "core", y.grad_fn))
            del y
            assert ref() is None, i
    finally:
        if enabled:
            gc.enable()
