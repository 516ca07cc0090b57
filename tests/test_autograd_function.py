"""autograd.Function, PyTorch-style: the custom-Function tutorial, saved tensors, several
outputs, mark_dirty, double backward and once_differentiable, each run with the same code on
minigrad and (where installed) on PyTorch, results compared."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from autograd_fns import as_np as _np
from autograd_fns import libs as _libs
from autograd_fns import make_fns as _fns
from autograd_fns import torch_or_skip as _torch

import minigrad as mg


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
