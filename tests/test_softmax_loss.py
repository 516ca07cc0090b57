"""softmax family and losses: references, huge logits, gradients, fused == composite, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops.loss import Pick
from minigrad.testing import gradcheck, gradgradcheck


def np_log_softmax(x: np.ndarray, dim: int) -> np.ndarray:
    m = x.max(axis=dim, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=dim, keepdims=True))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(0, 1), st.floats(0.1, 1e4))
def test_softmax_and_log_softmax_match_reference(n: int, c: int, dim: int, scale: float) -> None:
    x = np.random.default_rng(n * 7 + c).standard_normal((n, c)) * scale
    ref = np_log_softmax(x, dim)
    np.testing.assert_allclose(F.log_softmax(mg.tensor(x), dim).numpy(), ref, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(F.softmax(mg.tensor(x), dim).numpy(), np.exp(ref), rtol=1e-12,
                               atol=1e-300)


def test_huge_logits_give_no_nan_or_inf() -> None:
    x = mg.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]], requires_grad=True)
    for out in (F.softmax(x, 1), F.log_softmax(x, 1)):
        assert np.isfinite(out.detach().numpy()).all()
    loss = F.cross_entropy(x, mg.tensor([1, 2]), label_smoothing=0.1)
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.numpy()).all()
    bce = F.binary_cross_entropy_with_logits(mg.tensor([1e4, -1e4, 1e4]),
                                             mg.tensor([1.0, 0.0, 0.0]))
    assert abs(bce.item() - 1e4 / 3) < 1e-2


def test_softmax_gradients_first_and_second_order() -> None:
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    for fn in (lambda t: F.softmax(t, 1), lambda t: F.log_softmax(t, 0)):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def _ce_inputs(seed: int, spatial: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (4, 5, 3) if spatial else (6, 5)
    x = rng.standard_normal(shape)
    t = rng.integers(0, 5, (shape[0], *shape[2:]))
    t.flat[0] = -100
    return x, t


@pytest.mark.parametrize("spatial", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_cross_entropy_equals_composite(spatial: bool, reduction: str,
                                              weighted: bool) -> None:
    x, t = _ce_inputs(1, spatial)
    w = mg.tensor(np.linspace(0.5, 2.0, 5)) if weighted else None
    a, b = mg.tensor(x, requires_grad=True), mg.tensor(x, requires_grad=True)
    fused = F.cross_entropy(a, mg.tensor(t), weight=w, reduction=reduction)
    comp = F.nll_loss(F.log_softmax(b, 1), mg.tensor(t), weight=w, reduction=reduction)
    assert fused.grad_fn.op_name == "CrossEntropy"
    np.testing.assert_allclose(fused.detach().numpy(), comp.detach().numpy(), rtol=1e-12)
    g = mg.tensor(np.random.default_rng(2).standard_normal(fused.shape))
    fused.backward(g)
    comp.backward(g)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_definition_by_hand() -> None:
    x, t = _ce_inputs(3, False)
    w = np.linspace(0.5, 2.0, 5)
    logp = np_log_softmax(x, 1)
    valid = t != -100
    ts = np.where(valid, t, 0)
    wt = w[ts] * valid
    nll = -logp[np.arange(6), ts] * wt
    eps = 0.2
    smooth = -(logp * w).sum(1) * valid
    expected = ((1 - eps) * nll + eps / 5 * smooth).sum() / wt.sum()
    got = F.cross_entropy(mg.tensor(x), mg.tensor(t), weight=mg.tensor(w), label_smoothing=eps)
    np.testing.assert_allclose(got.item(), expected, rtol=1e-12)
    probs = np.random.default_rng(4).dirichlet(np.ones(5), 6)
    got = F.cross_entropy(mg.tensor(x), mg.tensor(probs))
    np.testing.assert_allclose(got.item(), -(logp * probs).sum(1).mean(), rtol=1e-12)


def test_cross_entropy_gradients_and_second_order() -> None:
    x, t = _ce_inputs(5, True)
    xt = mg.tensor(x, requires_grad=True)
    w = mg.tensor(np.linspace(0.5, 2.0, 5))
    for kw in ({}, {"weight": w}, {"label_smoothing": 0.3, "weight": w}, {"reduction": "none"}):
        fn = lambda a, kw=kw: F.cross_entropy(a, mg.tensor(t), **kw)  # noqa: E731
        assert gradcheck(fn, (xt,))
        assert gradgradcheck(fn, (xt,))
    probs = mg.tensor(np.random.default_rng(6).dirichlet(np.ones(5), (4, 3)).transpose(0, 2, 1),
                      requires_grad=True)
    assert gradcheck(lambda a, p: F.cross_entropy(a, p, label_smoothing=0.1), (xt, probs))


def test_nll_all_ignored_is_nan_as_pytorch() -> None:
    out = F.nll_loss(mg.zeros(2, 3), mg.tensor([-100, -100]))
    assert np.isnan(out.item())


def test_pick_is_linear_with_its_adjoint() -> None:
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    idx = np.array([[1], [0], [3]])
    assert gradgradcheck(lambda a: Pick.apply(a, index=idx) ** 2, (x,))


LOSSES: list[tuple[str, Any, Any]] = [
    ("mse", F.mse_loss, lambda a, b: (a - b) ** 2),
    ("l1", F.l1_loss, lambda a, b: np.abs(a - b)),
    ("smooth_l1", lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.5),
     lambda a, b: np.where(np.abs(a - b) < 0.5, (a - b) ** 2, np.abs(a - b) - 0.25)),
    ("huber", lambda a, b, reduction: F.huber_loss(a, b, reduction, delta=0.7),
     lambda a, b: np.where(np.abs(a - b) < 0.7, 0.5 * (a - b) ** 2,
                           0.7 * (np.abs(a - b) - 0.35))),
    ("bce", lambda a, b, reduction: F.binary_cross_entropy(a.sigmoid(), b, reduction=reduction),
     lambda a, b: -(b * np.log(1 / (1 + np.exp(-a))) + (1 - b) * np.log(1 - 1 / (1 + np.exp(-a))))),
    ("bce_logits", lambda a, b, reduction: F.binary_cross_entropy_with_logits(
        a, b, reduction=reduction, pos_weight=mg.tensor([2.0, 0.5, 1.0])),
     lambda a, b: -(np.array([2.0, 0.5, 1.0]) * b * np.log(1 / (1 + np.exp(-a)))
                    + (1 - b) * np.log(1 - 1 / (1 + np.exp(-a))))),
]


@pytest.mark.parametrize("name,fn,ref", LOSSES, ids=[x[0] for x in LOSSES])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_definitions(name: str, fn: Any, ref: Any, reduction: str) -> None:
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((4, 3)) * 2, rng.random((4, 3))
    elem = ref(a, b)
    expected = {"mean": elem.mean(), "sum": elem.sum(), "none": elem}[reduction]
    got = fn(mg.tensor(a), mg.tensor(b), reduction=reduction)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)
    at, bt = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    assert gradcheck(lambda x, y: fn(x, y, reduction=reduction), (at, bt))
    if name in ("mse", "bce", "bce_logits"):
        assert gradgradcheck(lambda x, y: fn(x, y, reduction=reduction), (at, bt))


def test_rbf_is_squared_distance_to_centres() -> None:
    rng = np.random.default_rng(8)
    x, c = rng.standard_normal((5, 4)), rng.standard_normal((3, 4))
    out = F.rbf(mg.tensor(x), mg.tensor(c)).numpy()
    np.testing.assert_allclose(out, ((x[:, None] - c[None]) ** 2).sum(-1), rtol=1e-12)
    args = (mg.tensor(x, requires_grad=True), mg.tensor(c, requires_grad=True))
    assert gradcheck(F.rbf, args)
    assert gradgradcheck(F.rbf, args)


def test_dropout_scales_and_masks() -> None:
    mg.manual_seed(0)
    x = mg.ones(2000, dtype=mg.float64, requires_grad=True)
    y = F.dropout(x, 0.25)
    vals = set(np.unique(y.detach().numpy()).tolist())
    assert vals == {0.0, 1 / 0.75}
    assert abs((y.detach().numpy() == 0).mean() - 0.25) < 0.05
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    assert F.dropout(x, 0.25, training=False) is x


BAD: list[tuple[Any, type, str]] = [
    (lambda: F.cross_entropy(mg.zeros(3, 4), mg.tensor([0, 1])), mg.ShapeError,
     "target of shape (2,) does not match input of shape (3, 4)"),
    (lambda: F.cross_entropy(mg.zeros(3, 4), mg.tensor([0.0, 1.0, 2.0])), mg.MinigradTypeError,
     "must be an integer tensor"),
    (lambda: F.cross_entropy(mg.zeros(3, 4), mg.tensor([0, 4, 1])), mg.ShapeError,
     "class index 4 is out of range for 4 classes"),
    (lambda: F.nll_loss(mg.zeros(3, 4), mg.tensor([0, -1, 1])), mg.ShapeError,
     "class index -1 is out of range"),
    (lambda: F.cross_entropy(mg.zeros(3, 4), mg.tensor([0, 1, 1]), reduction="avg"),
     mg.ShapeError, "`reduction` must be"),
    (lambda: F.cross_entropy(mg.zeros(3, 4), mg.tensor([0, 1, 1]), weight=mg.ones(3)),
     mg.ShapeError, "`weight` must have shape (4,)"),
    (lambda: F.mse_loss(mg.zeros(3), mg.zeros(4)), mg.ShapeError, "target shape (4,)"),
    (lambda: F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0])), mg.ShapeError,
     "must be in [0, 1]"),
    (lambda: F.softmax(mg.zeros(3)), mg.MinigradTypeError, "pass `dim`"),
    (lambda: F.rbf(mg.zeros(3, 4), mg.zeros(2, 5)), mg.ShapeError, "same D"),
]


@pytest.mark.parametrize("call,exc,text", BAD)
def test_bad_input_errors(call: Any, exc: type, text: str) -> None:
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
