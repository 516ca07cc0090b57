"""Float32 and float16 reductions are accurate along every axis (NumPy sums pairwise only
along the contiguous one): sum, mean, var, std, the engine's un-broadcasting and the batch-norm
statistics, each against a float64 reference."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops._sum import BLOCK, accurate_mean, accurate_sum


def _ulps(got: np.ndarray, exact: np.ndarray, dtype: type) -> float:
    """The largest error of ``got`` in units of the last place of ``exact`` in ``dtype``."""
    spacing = np.spacing(np.abs(exact).astype(dtype)).astype(np.float64)
    return float(np.max(np.abs(got.astype(np.float64) - exact) / spacing))


def test_mean_and_std_over_a_long_leading_axis() -> None:
    # the case: mean(dim=0) of a (1e6, 2) float32 tensor near 1e3 gave 1008.9
    x = (1000 + np.random.default_rng(0).standard_normal((1_000_000, 2))).astype(np.float32)
    t = mg.tensor(x)
    exact = x.astype(np.float64)
    assert _ulps(t.mean(dim=0).numpy(), exact.mean(0), np.float32) <= 2
    assert _ulps(t.std(dim=0).numpy(), exact.std(0, ddof=1), np.float32) <= 4
    assert _ulps(t.sum(dim=0).numpy(), exact.sum(0), np.float32) <= 1


LAYOUTS = {
    "C": lambda a: a,
    "F": np.asfortranarray,
    "flipped": lambda a: a[::-1],
    "transposed": lambda a: a.T,
}
CASES = [((3000, 5), (0,)), ((7, 2000, 3), (0, 1)), ((40, 3, 50), (0, 2)), ((2, 700), (1,)),
         ((20, 30, 40), (0, 1, 2)), ((64, 4, 6, 6), (0, 2, 3))]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize(("shape", "axis"), CASES)
def test_sum_mean_var_std_match_a_float64_reference(shape, axis, layout) -> None:
    base = (100 + np.random.default_rng(1).random(shape)).astype(np.float32)
    x = LAYOUTS[layout](base)
    axis = tuple(sorted(d if layout != "transposed" else x.ndim - 1 - d for d in axis))
    exact = x.astype(np.float64)
    t = mg.tensor(x)
    assert _ulps(t.sum(dim=axis).numpy(), exact.sum(axis), np.float32) <= 4
    assert _ulps(t.mean(dim=axis, keepdim=True).numpy(), exact.mean(axis, keepdims=True),
                 np.float32) <= 4
    np.testing.assert_allclose(t.var(dim=axis).numpy(), exact.var(axis, ddof=1), rtol=1e-4)
    np.testing.assert_allclose(t.std(dim=axis).numpy(), exact.std(axis, ddof=1), rtol=1e-4)


def test_float16_sums_accumulate_in_float32() -> None:
    x = np.ones((10_000, 3), dtype=np.float16)
    t = mg.tensor(x)
    assert t.sum(dim=0).tolist() == [10_000.0] * 3  # NumPy's float16 running sum stops at 2048
    assert t.mean(dim=0).dtype == mg.float16 and t.mean(dim=0).tolist() == [1.0] * 3
    y = (1 + np.random.default_rng(2).random((3000, 4))).astype(np.float16)
    assert _ulps(mg.tensor(y).sum(dim=0).numpy(), y.astype(np.float64).sum(0), np.float16) <= 1


def test_unbroadcast_gradient_is_accurate() -> None:
    # a bias broadcast over 200,000 rows: its gradient is a sum over the leading axis
    w = (10 + np.random.default_rng(3).random((200_000, 2))).astype(np.float32)
    b = mg.zeros(2, requires_grad=True)
    ((mg.zeros(200_000, 2) + b) * mg.tensor(w)).sum().backward()
    assert _ulps(b.grad.numpy(), w.astype(np.float64).sum(0), np.float32) <= 1


def test_batch_norm_statistics_are_accurate() -> None:
    x = (1000 + np.random.default_rng(4).standard_normal((200_000, 2))).astype(np.float32)
    rm, rv = mg.zeros(2), mg.ones(2)
    F.batch_norm(mg.tensor(x), rm, rv, training=True, momentum=1.0)
    exact = x.astype(np.float64)
    assert _ulps(rm.numpy(), exact.mean(0), np.float32) <= 2
    np.testing.assert_allclose(rv.numpy(), exact.var(0, ddof=1), rtol=1e-4)


def test_common_cases_are_numpys_own_sum() -> None:
    # short reductions and reductions over contiguous trailing axes take xp.sum unchanged
    x = np.random.default_rng(5).random((BLOCK, 300)).astype(np.float32)
    np.testing.assert_array_equal(accurate_sum(np, x, (0,)), np.sum(x, axis=0))
    np.testing.assert_array_equal(accurate_sum(np, x, (1,), True), np.sum(x, axis=1,
                                                                          keepdims=True))
    np.testing.assert_array_equal(accurate_mean(np, x, (0, 1)), np.mean(x))
    assert accurate_sum(np, np.arange(10), (0,)) == 45  # integers untouched
