"""``step()`` checks each parameter's ``.grad`` (shape, dtype) even where ``.grad.data = ...``
bypassed the setter: a named error, never a gradient broadcast into the parameter."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

FIRST_ORDER = [
    (mg.optim.SGD, {"lr": 0.1}), (mg.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (mg.optim.Adam, {}), (mg.optim.AdamW, {}), (mg.optim.RMSprop, {}),
    (mg.optim.Adagrad, {}), (mg.optim.Adadelta, {}), (mg.optim.Adamax, {}),
    (mg.optim.NAdam, {}), (mg.optim.RAdam, {}), (mg.optim.ASGD, {}),
]
CLOSURE = [(mg.optim.LBFGS, {}), (mg.optim.ConjugateGradient, {})]


def _param_with_bad_grad(bad: np.ndarray) -> mg.Tensor:
    w = mg.ones(3, requires_grad=True)
    w.grad = mg.zeros(3)
    w.grad.data = mg.tensor(bad)  # bypasses the .grad setter's check
    return w


@pytest.mark.parametrize(("cls", "kwargs"), FIRST_ORDER, ids=lambda v: getattr(v, "__name__", ""))
def test_wrong_shape_grad_raises_and_leaves_the_parameter(cls, kwargs) -> None:
    w = _param_with_bad_grad(np.array([5.0], dtype=np.float32))  # would broadcast
    opt = cls([w], **kwargs)
    with pytest.raises(mg.ShapeError, match=rf"{cls.__name__}.step: .*shape \(3,\).*\(1,\)"):
        opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), np.ones(3, np.float32))


@pytest.mark.parametrize(("cls", "kwargs"), FIRST_ORDER, ids=lambda v: getattr(v, "__name__", ""))
def test_wrong_dtype_grad_raises(cls, kwargs) -> None:
    w = _param_with_bad_grad(np.ones(3, dtype=np.float64))
    with pytest.raises(mg.MinigradTypeError, match=r"dtype float32.*gradient of dtype float64"):
        cls([w], **kwargs).step()


@pytest.mark.parametrize(("cls", "kwargs"), CLOSURE, ids=lambda v: getattr(v, "__name__", ""))
def test_closure_optimizers_check_the_grad_too(cls, kwargs) -> None:
    w = mg.ones(3, requires_grad=True)
    opt = cls([w], **kwargs)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        w.grad.data = mg.ones(1)
        return loss

    with pytest.raises(mg.ShapeError, match=rf"{cls.__name__}.step: .*\(1,\)"):
        opt.step(closure)


def test_a_right_grad_still_steps() -> None:
    w = mg.ones(3, requires_grad=True)
    w.grad = mg.ones(3)
    w.grad.data = mg.full((3,), 2.0)  # same shape and dtype: fine
    mg.optim.SGD([w], lr=0.5).step()
    np.testing.assert_array_equal(w.detach().numpy(), np.zeros(3, np.float32))
