"""Math, linear algebra, scans and sorting beyond the op table: special values, zeros in
cumprod, extreme logcumsumexp, the non-differentiable counting ops against NumPy and PyTorch,
keyword aliases of the reductions, in-place forms, and the shape errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import strategies as mst


def _t(a: Any, **kw: Any) -> mg.Tensor:
    return mg.tensor(np.asarray(a, dtype=np.float64), dtype=mg.float64, **kw)


def _torch() -> Any:
    return pytest.importorskip("torch")


# ------------------------------------------------------------------ erf family
def test_erf_erfc_are_float64_accurate_on_the_whole_line() -> None:
    x = np.concatenate([np.linspace(-27, 27, 20001), [0.46875, -0.46875, 4.0, -4.0, 1e-300]])
    erf = mg.erf(_t(x)).numpy()
    erfc = mg.erfc(_t(x)).numpy()
    ref = np.array([math.erf(v) for v in x])
    refc = np.array([math.erfc(v) for v in x])
    np.testing.assert_allclose(erf, ref, rtol=2e-15, atol=1e-300)
    normal = refc > 1e-300  # beyond, erfc is subnormal and only absolutely tiny
    np.testing.assert_allclose(erfc[normal], refc[normal], rtol=5e-15)
    assert np.all(np.abs(erfc[~normal]) < 1e-300)


def test_erf_special_values() -> None:
    out = mg.erf(_t([np.inf, -np.inf, 0.0, np.nan])).numpy()
    np.testing.assert_array_equal(out[:3], [1.0, -1.0, 0.0])
    assert np.isnan(out[3])
    np.testing.assert_array_equal(mg.erfc(_t([np.inf, -np.inf, 40.0])).numpy(), [0.0, 2.0, 0.0])
    inv = mg.erfinv(_t([1.0, -1.0, 1.5, 0.0])).numpy()
    assert inv[0] == np.inf and inv[1] == -np.inf and np.isnan(inv[2]) and inv[3] == 0.0


def test_erfinv_inverts_erf_into_the_tails() -> None:
    torch = _torch()
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 2001), 1 - np.logspace(-15, -1, 50)])
    got = mg.erfinv(_t(y)).numpy()
    np.testing.assert_allclose(got, torch.erfinv(torch.tensor(y)).numpy(), rtol=1e-13)


# ------------------------------------------------------------------ dtypes, in-place forms
def test_integer_input_promotes_except_for_rounding() -> None:
    ints = mg.tensor([1, 4])
    assert mg.rsqrt(ints).dtype == mg.float32 and mg.log2(ints).dtype == mg.float32
    for name in ("floor", "ceil", "trunc", "round"):
        out = getattr(mg, name)(ints)
        assert out.dtype == mg.int64 and out.tolist() == [1, 4]
    assert mg.cumsum(mg.tensor([True, True]), 0).tolist() == [1, 2]
    assert mg.cumsum(mg.tensor([1, 2], dtype=mg.int32), 0).dtype == mg.int64


def test_inplace_forms_write_and_guard_leaves() -> None:
    x = mg.tensor([0.25, 4.0])
    assert x.rsqrt_() is x and x.tolist() == [2.0, 0.5]
    y = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    y.tril_()
    assert y.tolist() == [[1.0, 0.0], [3.0, 4.0]]
    z = mg.tensor([1.0, 2.0]).exp_().log_()
    np.testing.assert_allclose(z.numpy(), [1.0, 2.0], rtol=1e-6)
    w = mg.ones(2, requires_grad=True)
    with pytest.raises(mg.AutogradError, match="in-place"):
        w.sinh_()


# ------------------------------------------------------------------ scans
@pytest.mark.parametrize("values", [
    [0.0, 2.0, 0.0, 3.0], [2.0, 0.0, 3.0, 4.0], [0.0, 0.0, 1.0], [1.5, -2.0, 0.5, 0.0],
    [[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]],
])
def test_cumprod_gradient_is_exact_with_zeros(values: list[Any]) -> None:
    torch = _torch()
    a = np.array(values)
    seed = np.arange(1.0, a.size + 1).reshape(a.shape)
    for dim in range(a.ndim):
        x = _t(a, requires_grad=True)
        mg.cumprod(x, dim).backward(_t(seed))
        xt = torch.tensor(a, requires_grad=True)
        torch.cumprod(xt, dim).backward(torch.tensor(seed))
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_logcumsumexp_handles_extreme_values() -> None:
    torch = _torch()
    a = np.array([-1000.0, 0.0, 1000.0, -5.0, 999.0])
    g = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    x = _t(a, requires_grad=True)
    out = mg.logcumsumexp(x, 0)
    out.backward(_t(g))
    xt = torch.tensor(a, requires_grad=True)
    ot = torch.logcumsumexp(xt, 0)
    ot.backward(torch.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), ot.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_sort_is_stable_and_scatters_gradients_to_indices() -> None:
    torch = _torch()
    a = np.array([2.0, 1.0, 2.0, 0.0, 1.0])
    for descending in (False, True):
        got = mg.sort(_t(a), descending=descending)
        want = torch.sort(torch.tensor(a), descending=descending, stable=True)
        assert got.indices.tolist() == want.indices.tolist()
    x = _t([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = mg.sort(x, descending=True)
    (values * _t([1.0, 10.0, 100.0])).sum().backward()
    assert indices.tolist() == [0, 2, 1] and x.grad.tolist() == [1.0, 100.0, 10.0]


def test_median_is_the_lower_median() -> None:
    assert mg.median(mg.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0
    values, indices = mg.median(mg.tensor([[4.0, 1.0, 3.0, 2.0]]), dim=1)
    assert values.tolist() == [2.0] and indices.tolist() == [3]


# ------------------------------------------------------------------ counting (no gradients)
ints = mst.arrays(mst.shapes(min_dims=1, max_dims=2, max_side=6), dtype="int64", min_value=0,
                  max_value=5)


@given(a=ints, inverse=st.booleans(), counts=st.booleans())
@settings(max_examples=30)
def test_unique_matches_numpy_and_torch(a: np.ndarray, inverse: bool, counts: bool) -> None:
    torch = _torch()
    got = mg.unique(mg.tensor(a), return_inverse=inverse, return_counts=counts)
    want = torch.unique(torch.tensor(a), return_inverse=inverse, return_counts=counts)
    got, want = (got if isinstance(got, tuple) else (got,)), (
        want if isinstance(want, tuple) else (want,))
    for g, w in zip(got, want, strict=True):
        assert g.shape == tuple(w.shape) and g.tolist() == w.tolist()
    assert got[0].tolist() == np.unique(a).tolist()


@given(a=mst.arrays(st.tuples(st.integers(0, 8)), dtype="int64", min_value=0, max_value=6),
       minlength=st.integers(0, 9), weighted=st.booleans())
@settings(max_examples=30)
def test_bincount_matches_numpy_and_torch(a: np.ndarray, minlength: int, weighted: bool) -> None:
    torch = _torch()
    w = np.linspace(0.5, 2.0, a.size).astype(np.float32) if weighted else None
    got = mg.bincount(mg.tensor(a), None if w is None else mg.tensor(w), minlength)
    want = torch.bincount(torch.tensor(a), None if w is None else torch.tensor(w), minlength)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    np.testing.assert_allclose(got.numpy(), np.bincount(a, w, minlength), rtol=1e-6)


@given(a=mst.arrays(mst.shapes(min_dims=1, max_dims=2), elements=st.integers(-40, 40).map(
    lambda k: k / 8 + 1 / 16)), bins=st.integers(1, 7),
       bounds=st.sampled_from([(0.0, 0.0), (-2.0, 2.0), (-1.0, 3.5)]))
@settings(max_examples=30)
def test_histc_matches_torch(a: np.ndarray, bins: int, bounds: tuple[float, float]) -> None:
    torch = _torch()
    a = a.astype(np.float32)
    got = mg.histc(mg.tensor(a), bins, *bounds)
    want = torch.histc(torch.tensor(a), bins, *bounds)
    assert got.dtype == mg.float32
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@given(seq=mst.arrays(st.tuples(st.integers(1, 3), st.integers(1, 6)), elements=st.integers(
    -5, 5).map(float)), vals=mst.arrays(st.just((4,)), elements=st.integers(-6, 6).map(float)),
       right=st.booleans(), nd=st.booleans())
@settings(max_examples=30)
def test_searchsorted_and_bucketize_match_numpy_and_torch(
        seq: np.ndarray, vals: np.ndarray, right: bool, nd: bool) -> None:
    torch = _torch()
    seq = np.sort(seq, axis=-1)
    if nd:
        v = np.broadcast_to(vals, (seq.shape[0], 4)).copy()
        got = mg.searchsorted(mg.tensor(seq), mg.tensor(v), right=right)
        want = torch.searchsorted(torch.tensor(seq), torch.tensor(v), right=right)
    else:
        got = mg.bucketize(mg.tensor(vals), mg.tensor(seq[0]), right=right)
        want = torch.bucketize(torch.tensor(vals), torch.tensor(seq[0]), right=right)
        side = "right" if right else "left"
        assert got.tolist() == np.searchsorted(seq[0], vals, side=side).tolist()
    assert got.dtype == mg.int64 and got.tolist() == want.tolist()
    assert mg.searchsorted(mg.tensor([1.0, 3.0]), 2.0, out_int32=True).dtype == mg.int32


@given(a=mst.arrays(mst.shapes(min_dims=1, max_dims=3), elements=st.sampled_from([0.0, 1.5])),
       data=st.data())
@settings(max_examples=30)
def test_count_nonzero_argsort_floor_divide(a: np.ndarray, data: Any) -> None:
    torch = _torch()
    dim = data.draw(mst.valid_dims(a.ndim))
    got = mg.count_nonzero(mg.tensor(a), dim)
    want = torch.count_nonzero(torch.tensor(a), dim)
    assert got.tolist() == want.tolist() == np.count_nonzero(a, axis=dim).tolist()
    d = data.draw(st.integers(-a.ndim, a.ndim - 1))
    order = mg.argsort(mg.tensor(a), d, descending=True)
    assert order.tolist() == torch.argsort(torch.tensor(a), dim=d, descending=True,
                                           stable=True).tolist()
    b = data.draw(mst.arrays(a.shape, dtype="int64", min_value=-7, max_value=7))
    q = mg.floor_divide(mg.tensor(b), 3)
    assert q.tolist() == (b // 3).tolist() == torch.floor_divide(torch.tensor(b), 3).tolist()


# ------------------------------------------------------------------ reductions' aliases
def test_reduction_aliases_and_their_conflicts() -> None:
    torch = _torch()
    a = np.arange(12.0).reshape(3, 4) ** 1.5
    x, xt = _t(a), torch.tensor(a)
    np.testing.assert_allclose(x.var(1, False).numpy(), xt.var(1, False).numpy())
    np.testing.assert_allclose(mg.var(x, False).numpy(), torch.var(xt, False).numpy())
    np.testing.assert_allclose(x.std(axis=[0, 1], keepdims=True).numpy(),
                               xt.std(dim=(0, 1), keepdim=True).numpy())
    np.testing.assert_allclose(x.mean(axis=0).numpy(), np.mean(a, axis=0))
    assert x.amax(axis=1).tolist() == a.max(axis=1).tolist()
    assert mg.argmax(x, axis=0).tolist() == a.argmax(axis=0).tolist()
    assert mg.sum(mg.tensor([1, 2]), dtype=mg.float64).dtype == mg.float64
    with pytest.raises(TypeError, match="both `dim` and its alias `axis`"):
        x.sum(dim=0, axis=0)
    with pytest.raises(TypeError, match="`unbiased` or `correction`"):
        x.var(unbiased=True, correction=0)


# ------------------------------------------------------------------ errors name op and shapes
@pytest.mark.parametrize(("call", "message"), [
    (lambda: mg.bmm(mg.ones(2, 3), mg.ones(3, 4)),
     r"bmm: expected 3-D tensors, got input \(2, 3\) and mat2 \(3, 4\)"),
    (lambda: mg.mm(mg.ones(2, 3), mg.ones(4, 2)),
     r"mm: input \(2, 3\) and mat2 \(4, 2\) cannot be multiplied \(3 != 4\)"),
    (lambda: mg.mv(mg.ones(2, 3), mg.ones(2)), r"mv: input \(2, 3\) and vec \(2,\)"),
    (lambda: mg.dot(mg.ones(2), mg.ones(3)), r"dot: .*input \(2,\) and tensor \(3,\)"),
    (lambda: mg.einsum("ij,jk", mg.ones(2, 3), mg.ones(4, 4)),
     r"einsum: subscript 'j' has size 3 .* 4 in operand 1"),
    (lambda: mg.einsum("ij", mg.ones(2)), r"einsum: operand 0 has shape \(2,\)"),
    (lambda: mg.linalg.solve(mg.eye(3), mg.ones(2)), r"linalg.solve: A \(3, 3\) and B \(2,\)"),
    (lambda: mg.linalg.inv(mg.ones(2, 3)), r"linalg.inv: expected square matrices"),
    (lambda: mg.cross(mg.ones(4), mg.ones(4), dim=0), r"cross: dim 0 must have size 3"),
    (lambda: mg.tensordot(mg.ones(2, 3), mg.ones(2, 3), 1),
     r"tensordot: contracted dims differ"),
    (lambda: mg.topk(mg.ones(3), 4), r"topk: k \(4\) out of range"),
    (lambda: mg.trace(mg.ones(2, 2, 2)), r"trace: expected a 2-D tensor"),
])
def test_shape_errors_name_the_op_arguments_and_shapes(call: Any, message: str) -> None:
    with pytest.raises(mg.ShapeError, match=message):
        call()


def test_linalg_norms_match_torch() -> None:
    torch = _torch()
    a = np.array([[1.0, -2.0, 3.0], [-4.0, 5.0, 0.5]])
    x, xt = _t(a), torch.tensor(a)
    for kw in ({}, {"ord": "fro"}, {"ord": float("inf")}, {"ord": 1}, {"ord": -1},
               {"dim": 1}, {"ord": 3, "dim": 0}, {"dim": (0, 1)}):
        np.testing.assert_allclose(mg.linalg.norm(x, **kw).numpy(),
                                   torch.linalg.norm(xt, **kw).numpy(), rtol=1e-12)
    for p in ("fro", 1, 2, 0.5, float("inf"), 0):
        np.testing.assert_allclose(x.norm(p).numpy(), xt.norm(p).numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="nuclear"):
        mg.linalg.matrix_norm(x, "nuc")


def test_erf_and_gelu_in_float16_stay_finite() -> None:
    x = np.linspace(-6, 6, 121).astype(np.float16)
    for f in (mg.erf, mg.erfc, mg.nn.functional.gelu):
        out = f(mg.tensor(x)).numpy()
        assert out.dtype == np.float16 and np.isfinite(out).all(), f
    want = np.array([math.erf(v) for v in x.astype(float)])
    np.testing.assert_allclose(mg.erf(mg.tensor(x)).numpy().astype(float), want, atol=1e-3)
