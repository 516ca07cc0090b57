"""clip_grad_norm_, clip_grad_value_ and the parameter/vector helpers in minigrad.nn.utils."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.utils as U


def _params_with_grads(grads, dtype="float32"):
    params = []
    for g in grads:
        p = mg.zeros(*np.shape(g), dtype=dtype, requires_grad=True)
        p.grad = mg.tensor(np.asarray(g, dtype=dtype))
        params.append(p)
    return params


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    max_norm=st.floats(0.01, 10.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, math.inf]),
)
def test_clip_grad_norm_against_numpy(seed, max_norm, norm_type):
    rng = np.random.default_rng(seed)
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(4) * 3]
    params = _params_with_grads(grads, "float64")
    flat = np.concatenate([g.ravel() for g in grads])
    expected = np.linalg.norm(flat, ord=norm_type)
    total = U.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    assert isinstance(total, mg.Tensor) and total.shape == ()
    assert float(total) == pytest.approx(expected, rel=1e-10)
    coef = min(1.0, max_norm / (expected + 1e-6))
    for p, g in zip(params, grads, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), g * coef, rtol=1e-10)
    clipped = np.concatenate([p.grad.numpy().ravel() for p in params])
    assert np.linalg.norm(clipped, ord=norm_type) <= max_norm * (1 + 1e-9) or coef == 1.0


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 0.5])
def test_clip_grad_norm_matches_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal((4, 3)).astype("float32"), rng.standard_normal(5).astype("f4")]
    params = _params_with_grads(grads)
    tparams = []
    for g in grads:
        tp = torch.zeros(g.shape, requires_grad=True)
        tp.grad = torch.tensor(g)
        tparams.append(tp)
    total = U.clip_grad_norm_(params, 0.7, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, 0.7, norm_type=norm_type)
    assert total.dtype == mg.float32
    assert float(total) == pytest.approx(float(ttotal), rel=1e-6)
    for p, tp in zip(params, tparams, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    # no gradients at all: total norm 0, nothing changes
    p = mg.zeros(2, requires_grad=True)
    assert float(U.clip_grad_norm_([p], 1.0)) == 0.0 and p.grad is None
    # a single tensor is accepted; small norms are left as they are
    q = _params_with_grads([[0.3, 0.4]])[0]
    assert float(U.clip_grad_norm_(q, 10.0)) == pytest.approx(0.5)
    np.testing.assert_allclose(q.grad.numpy(), [0.3, 0.4], rtol=1e-6)
    # non-finite norms
    bad = _params_with_grads([[1.0, math.inf]])
    with pytest.raises(RuntimeError, match="non-finite"):
        U.clip_grad_norm_(bad, 1.0, error_if_nonfinite=True)
    assert math.isinf(float(U.clip_grad_norm_(bad, 1.0)))
    with pytest.raises(ValueError, match="norm_type"):
        U.clip_grad_norm_(q, 1.0, norm_type=0)
    with pytest.raises(TypeError, match="item 0"):
        U.clip_grad_norm_([1.0], 1.0)


def test_clip_grad_norm_inside_training_step():
    w = mg.tensor([10.0, -10.0], requires_grad=True)
    opt = mg.optim.SGD([w], lr=1.0)
    (w * w).sum().backward()  # grad (20, -20), norm 28.28
    total = U.clip_grad_norm_([w], max_norm=1.0)
    opt.step()
    assert float(total) == pytest.approx(math.sqrt(800), rel=1e-6)
    np.testing.assert_allclose(w.tolist(), [10 - 1 / math.sqrt(2), -10 + 1 / math.sqrt(2)],
                               rtol=1e-5)


def test_clip_grad_value():
    params = _params_with_grads([[-3.0, 0.2, 3.0], [[0.5, -0.7]]])
    U.clip_grad_value_(params, 0.6)
    assert params[0].grad.tolist() == pytest.approx([-0.6, 0.2, 0.6])
    assert params[1].grad.tolist()[0] == pytest.approx([0.5, -0.6])
    none = mg.zeros(1, requires_grad=True)
    U.clip_grad_value_(none, 1.0)
    assert none.grad is None
    with pytest.raises(ValueError, match="clip_value"):
        U.clip_grad_value_(params, -1.0)


def test_parameters_vector_round_trip():
    a = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = mg.tensor([5.0], requires_grad=True)
    vec = U.parameters_to_vector([a, b])
    assert vec.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    (vec * mg.arange(5).float()).sum().backward()  # differentiable
    assert a.grad.tolist() == [[0.0, 1.0], [2.0, 3.0]] and b.grad.tolist() == [4.0]
    U.vector_to_parameters(vec.detach() * 2, [a, b])
    assert a.tolist() == [[2.0, 4.0], [6.0, 8.0]] and b.tolist() == [10.0]
    with pytest.raises(ValueError, match=r"expected shape \(5,\)"):
        U.vector_to_parameters(mg.zeros(4), [a, b])
    with pytest.raises(TypeError, match="`vec`"):
        U.vector_to_parameters([1.0] * 5, [a, b])
