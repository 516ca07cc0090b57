"""What a gradient hook returns and what is assigned to ``.grad`` are checked, naming the hook."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def test_hook_changing_the_shape_is_named() -> None:
    x = mg.ones(2, requires_grad=True)
    y = x * 2

    def squash(g):
        return g.sum()

    y.register_hook(squash)
    with pytest.raises(mg.AutogradError, match=r"hook '.*squash' changed the shape"):
        y.sum().backward()


def test_hook_changing_the_dtype_on_a_leaf_is_named() -> None:
    x = mg.ones(2, requires_grad=True)
    x.register_hook(lambda g: g.double())
    with pytest.raises(mg.AutogradError, match="changed the dtype"):
        (x * 2).sum().backward()


def test_hook_returning_a_non_tensor_is_named() -> None:
    x = mg.ones(2, requires_grad=True)

    def bad(g):
        return 3

    x.register_hook(bad)
    with pytest.raises(mg.AutogradError, match=r"hook '.*bad' returned 'int'"):
        (x * 2).sum().backward()


def test_retain_grad_keeps_the_post_hook_gradient_whatever_the_order() -> None:
    torch = pytest.importorskip("torch")
    for first_retain in (True, False):
        got = []
        for lib in (mg, torch):
            x = lib.ones(2, requires_grad=True)
            y = x * 2
            if first_retain:
                y.retain_grad()
            y.register_hook(lambda g: g * 10)
            if not first_retain:
                y.retain_grad()
            (y * 3).sum().backward()
            got.append((y.grad.tolist(), x.grad.tolist()))
        assert got[0] == got[1]


@pytest.mark.parametrize(
    ("value", "match"),
    [(mg.ones(3), "shape"), (mg.ones(2, dtype=mg.float64), "dtype"), ([1.0, 2.0], "Tensor")],
)
def test_assigning_a_wrong_grad_raises(value, match) -> None:
    w = mg.zeros(2, requires_grad=True)
    with pytest.raises((mg.AutogradError, mg.MinigradTypeError), match=match):
        w.grad = value
    assert w.grad is None


def test_assigning_a_right_grad_then_stepping() -> None:
    w = mg.zeros(2, requires_grad=True)
    w.grad = mg.tensor([1.0, -1.0])
    mg.optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(w.detach().numpy(), [-0.5, 0.5])
