"""In-place changes of tensors saved for backward: an error where values were lost, the right
gradient where the in-place op itself needs the old values (as PyTorch)."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


@pytest.mark.parametrize(
    "make",
    [mg.exp, mg.tanh, mg.sigmoid, mg.sqrt, lambda x: F.softmax(x, dim=0),
     lambda x: F.log_softmax(x, dim=0)],
    ids=["exp", "tanh", "sigmoid", "sqrt", "softmax", "log_softmax"],
)
@pytest.mark.parametrize("change", ["add_", "mul_", "setitem", "fill_", "zero_"])
def test_changing_a_saved_output_in_place_is_an_error(make, change) -> None:
    x = mg.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = make(x)
    if change == "setitem":
        y[0] = 3.0
    elif change in ("fill_", "zero_"):
        z = y * 1  # fill_ on y itself would cut it from the graph; change its storage instead
        with mg.no_grad():
            getattr(y, change)(*([1.0] if change == "fill_" else []))
        y = z
    else:
        getattr(y, change)(2.0)
    with pytest.raises(mg.AutogradError, match="modified by an in-place operation"):
        y.sum().backward()


def test_change_under_no_grad_is_caught_too() -> None:
    x = mg.tensor([0.5, 1.0], requires_grad=True)
    y = mg.exp(x)
    with mg.no_grad():
        y.mul_(2)
    with pytest.raises(mg.AutogradError, match="Exp"):
        y.sum().backward()


def test_in_place_op_that_saves_its_own_target_uses_the_old_values() -> None:
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (mg, torch):
        x = lib.tensor([0.5, 1.0, -2.0], dtype=lib.float64, requires_grad=True)
        z = lib.tensor([3.0, 4.0, 0.5], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y.mul_(z)
        y.div_(z + 1)
        y.sub_(x, alpha=0.5) if lib is torch else y.sub_(x * 0.5)
        (y * y).sum().backward()
        grads.append([np.array(x.grad.tolist()), np.array(z.grad.tolist())])
    for a, b in zip(*grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_second_order_through_an_in_place_op() -> None:
    torch = pytest.importorskip("torch")
    out = []
    for lib in (mg, torch):
        x = lib.tensor([0.5, 1.0], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y.mul_(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        g.sum().backward()
        out.append((np.array(g.tolist()), np.array(x.grad.tolist())))
    np.testing.assert_allclose(out[0][0], out[1][0])
    np.testing.assert_allclose(out[0][1], out[1][1])


def test_relu_output_may_change_in_place() -> None:
    x = mg.tensor([-1.0, 2.0], requires_grad=True)
    y = mg.relu(x)
    y.mul_(3)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 3.0])


def test_anomaly_mode_accepts_an_infinity_passed_on_from_an_input() -> None:
    """A -inf attention mask is data, not an anomaly; log(0) making -inf still is one."""
    mask = mg.tensor([[0.0, float("-inf")], [0.0, 0.0]])
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with mg.autograd.detect_anomaly():
        F.softmax(x + mask, dim=-1).sum().backward()
        with pytest.raises(mg.AnomalyError, match="Log produced -inf"):
            mg.log(mg.zeros(1, requires_grad=True))
        with pytest.raises(mg.AnomalyError, match="NaN"):
            (x + mask) * 0.0 * mg.tensor(float("inf"))
