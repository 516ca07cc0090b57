"""The backward engine: graph shapes, accumulation, hooks, retain_graph, grad modes,
deep graphs, higher order, version counters, anomaly detection and error messages."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import minigrad as mg


def _f64(*values: float, requires_grad: bool = True) -> mg.Tensor:
    return mg.tensor(list(values), dtype=mg.float64, requires_grad=requires_grad)


def test_diamond_graph() -> None:
    x = _f64(1.5, -2.0)
    a = x * 3
    b = x.exp()
    y = (a * b + a - b).sum()  # d/dx = 3e^x + 3x e^x + 3 - e^x
    y.backward()
    xv = np.array([1.5, -2.0])
    expected = 3 * np.exp(xv) + 3 * xv * np.exp(xv) + 3 - np.exp(xv)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_tensor_reused_many_times() -> None:
    x = _f64(2.0)
    y = x
    for _ in range(10):
        y = y + x * x  # y = x + 10 x^2
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1 + 20 * 2.0)
    z = _f64(0.5)
    (z * z * z * z).sum().backward()  # same tensor in both operands
    assert z.grad.item() == pytest.approx(4 * 0.5**3)


def test_accumulation_across_backward_calls() -> None:
    x = _f64(1.0, 2.0)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5, 5])


def test_leaf_grad_is_private_copy() -> None:
    x, w = _f64(1.0, 2.0), _f64(3.0, 4.0)
    (x + w).sum().backward()  # Add hands one array to both inputs
    x.grad.add_(1)
    np.testing.assert_allclose(w.grad.numpy(), [1, 1])


def test_hooks_leaf_and_nonleaf_replace_and_remove() -> None:
    x = _f64(1.0, 2.0)
    seen = []
    h1 = x.register_hook(lambda g: seen.append(g.numpy().copy()))
    h2 = x.register_hook(lambda g: g * 10)
    y = x * 2
    hy = y.register_hook(lambda g: g + 1)
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [4, 4])  # (1 + 1) * 2
    np.testing.assert_allclose(x.grad.numpy(), [40, 40])
    h2.remove()
    hy.remove()
    h1.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 2])
    assert len(seen) == 1
    with pytest.raises(mg.AutogradError, match="doesn't require gradient"):
        mg.ones(2).register_hook(lambda g: g)


def test_retain_grad() -> None:
    x = _f64(1.0, 2.0)
    y = x * x
    z = y * 3
    y.retain_grad()
    z.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [3, 3])
    assert z.grad is None
    x.retain_grad()  # a leaf: nothing changes
    np.testing.assert_allclose(x.grad.numpy(), [6, 12])


def test_second_backward_needs_retain_graph() -> None:
    x = _f64(1.0, 2.0)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (np.exp([1, 2]) * (1 + np.array([1, 2]))))
    with pytest.raises(mg.AutogradError, match=r"second time.*retain_graph=True"):
        y.backward()


def test_no_grad_enable_grad_set_grad_enabled() -> None:
    x = _f64(1.0)
    with mg.no_grad():
        y = x * 2
        assert not mg.is_grad_enabled()
        with mg.enable_grad():
            z = x * 2
        w = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    assert not w.requires_grad
    assert mg.is_grad_enabled()
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad
    mg.set_grad_enabled(False)  # as a plain call it switches the mode, as in PyTorch
    try:
        assert not (x * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()


def test_grad_modes_as_decorators() -> None:
    @mg.no_grad()
    def f(t: mg.Tensor) -> mg.Tensor:
        return t * 2

    @mg.enable_grad()
    def g(t: mg.Tensor) -> mg.Tensor:
        return t * 2

    @mg.set_grad_enabled(False)
    def h(t: mg.Tensor) -> mg.Tensor:
        return t * 2

    x = _f64(1.0)
    assert mg.is_grad_enabled()  # decorating changed nothing outside
    assert not f(x).requires_grad and not h(x).requires_grad
    with mg.no_grad():
        assert g(x).requires_grad
    assert mg.is_grad_enabled()


def test_deep_chain_no_recursion_error() -> None:
    x = mg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0 + 0.0
    limit = sys.getrecursionlimit()
    assert limit < 20_000
    y.sum().backward()
    assert x.grad.item() == 1.0


def test_grad_function_allow_unused_and_leaves_untouched() -> None:
    x, u = _f64(1.0, 2.0), _f64(3.0)
    y = (x * x).sum()
    with pytest.raises(mg.AutogradError, match=r"input 1 .*not used.*allow_unused=True"):
        mg.grad(y, [x, u], retain_graph=True)
    gx, gu = mg.grad(y, [x, u], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.numpy(), [2, 4])
    assert x.grad is None and u.grad is None


def test_grad_of_intermediate_and_grad_outputs() -> None:
    x = _f64(1.0, 2.0)
    h = x * 3
    y = h * h
    (gh,) = mg.grad(y, h, grad_outputs=mg.tensor([1.0, 0.5], dtype=mg.float64))
    np.testing.assert_allclose(gh.numpy(), [6.0, 6.0])


def test_create_graph_second_and_third_derivatives() -> None:
    x = _f64(0.5, -2.0, 3.0)
    (dy,) = mg.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(dy.detach().numpy(), 3 * np.array([0.5, -2, 3]) ** 2)
    assert dy.requires_grad
    (d2y,) = mg.grad(dy.sum(), x, create_graph=True)
    np.testing.assert_allclose(d2y.detach().numpy(), 6 * np.array([0.5, -2, 3]))
    (d3y,) = mg.grad(d2y.sum(), x)
    np.testing.assert_allclose(d3y.numpy(), [6, 6, 6])


def test_backward_create_graph_populates_differentiable_grad() -> None:
    x = _f64(1.0, 2.0)
    (x.sin() * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    xv = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(xv) - xv * np.sin(xv))


def test_version_counter_detects_inplace_change() -> None:
    x = _f64(1.0, 2.0)
    a = x * 1
    y = (a * a).sum()  # Mul saves `a`
    a.mul_(2)
    with pytest.raises(mg.AutogradError) as info:
        y.backward()
    msg = str(info.value)
    assert "Mul" in msg and "modified by an in-place operation" in msg
    assert "version 1" in msg and "expected version 0" in msg


def test_inplace_on_leaf_requiring_grad_is_refused() -> None:
    x = _f64(1.0)
    with pytest.raises(mg.AutogradError, match="leaf"):
        x.add_(1)
    with mg.no_grad():
        x.add_(1)  # how optimizers update parameters
    assert x.item() == 2.0


def test_detect_anomaly_forward_names_op_and_line() -> None:
    x = _f64(-1.0, 1.0)
    with mg.autograd.detect_anomaly(), pytest.raises(mg.AnomalyError) as info:
        x.sqrt()  # NaN at -1
    msg = str(info.value)
    assert "Sqrt produced NaN in its forward output" in msg
    assert f"{__file__}:" in msg and "x.sqrt()" in msg


def test_detect_anomaly_backward_names_op_and_line() -> None:
    x = _f64(0.0, 4.0)
    with mg.autograd.detect_anomaly():
        y = x.sqrt().sum()  # finite forward, inf gradient at 0
        with pytest.raises(mg.AnomalyError) as info:
            y.backward()
    msg = str(info.value)
    assert "Sqrt produced inf in its gradient for input 0" in msg
    assert f"{__file__}:" in msg and "y = x.sqrt().sum()" in msg


def test_no_anomaly_no_check() -> None:
    x = _f64(0.0, 4.0)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()  # outside anomaly mode inf flows through
    assert np.isinf(x.grad.numpy()[0])


def test_requires_grad_on_int_tensor_errors() -> None:
    with pytest.raises(mg.MinigradTypeError, match=r"only floating-point.*int64"):
        mg.tensor([1, 2], requires_grad=True)
    with pytest.raises(mg.MinigradTypeError, match="bool"):
        mg.tensor([True]).requires_grad_()


def test_backward_non_scalar_needs_gradient() -> None:
    x = _f64(1.0, 2.0)
    with pytest.raises(mg.AutogradError, match=r"scalar outputs.*shape \(2,\)"):
        (x * 2).backward()
    (x * 2).backward(mg.tensor([1.0, 1.0], dtype=mg.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2, 2])
    with pytest.raises(mg.AutogradError, match=r"gradient.*shape \(3,\).*shape \(2,\)"):
        (x * 2).backward(mg.ones(3, dtype=mg.float64))


def test_backward_without_grad_errors() -> None:
    with pytest.raises(mg.AutogradError, match="does not require grad"):
        mg.ones(2).sum().backward()


def test_engine_checks_op_gradient_shape() -> None:
    from minigrad.op import Op

    class Broken(Op):
        def forward(self, xp, a):
            return a * 2

        def backward(self, m, g, inputs, out):
            return (m.reshape(g, shape=(g.size, 1)) if g.size > 1 else g,)

    x = mg.ones(3, 2, requires_grad=True)
    with pytest.raises(mg.AutogradError, match=r"Broken returned an invalid gradient.*\(6, 1\)"):
        Broken.apply(x).sum().backward()


def test_unbroadcast_in_engine() -> None:
    a = mg.ones(3, 1, requires_grad=True)
    b = mg.ones(4, requires_grad=True)
    (a * b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 3.0))
    assert a.grad.dtype == mg.float32


def test_zero_dim_gradients_are_arrays() -> None:
    x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
    y = x * x + x.exp() - x.mean()
    y.backward()
    y = x * x + x.exp() - x.mean()
    y.backward()
    assert isinstance(x.grad._data, np.ndarray) and x.grad.shape == ()
    assert x.grad.item() == pytest.approx(2 * (4 + np.exp(2.0) - 1))


def test_leaf_grads_never_share_memory():
    """Leaves adopt gradient arrays without copying; no two may end up sharing one."""
    a = mg.ones(3, requires_grad=True)
    b = mg.ones(3, requires_grad=True)
    (a + b).sum().backward()  # Add hands the same array to both inputs
    a.grad.mul_(5)
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0, 1.0])
    c = mg.ones(2, 2, requires_grad=True)
    d = mg.ones(2, 2, requires_grad=True)
    s = c.astype(mg.float64) + d.astype(mg.float64)  # identity ops after the fan-out
    s.sum().backward()
    c.grad.add_(1)
    np.testing.assert_array_equal(d.grad.numpy(), np.ones((2, 2)))


def test_leaf_grad_does_not_alias_the_gradient_passed_to_backward():
    x = mg.ones(3, requires_grad=True)
    seed = mg.tensor([1.0, 2.0, 3.0])
    (x * 1).backward(seed)
    x.grad.zero_()
    np.testing.assert_array_equal(seed.numpy(), [1.0, 2.0, 3.0])


def test_accumulation_into_one_leaf_leaves_pending_gradients_alone():
    x = mg.ones(3, requires_grad=True)
    y = x * 2
    z = (x + y) * 3  # x receives a gradient directly and through y
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [9.0, 9.0, 9.0])


def test_custom_function_returning_the_wrong_number_of_gradients_is_named():
    from minigrad.op import Op

    class Twice(Op):
        def forward(self, xp, a, b):
            return a * 2 + b

        def backward(self, m, g, inputs, out):
            return (g * 2,)  # forgot b's gradient

    a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    with pytest.raises(mg.AutogradError,
                       match=r"Twice\.backward returned 1 gradients but the op has 2 inputs"):
        Twice.apply(a, b).sum().backward()


def test_custom_function_may_return_a_lone_gradient():
    from minigrad.op import Op

    class Double(Op):
        def forward(self, xp, a):
            return a * 2

        def backward(self, m, g, inputs, out):
            return g * 2

    a = mg.ones(3, requires_grad=True)
    Double.apply(a).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0, 2.0])
