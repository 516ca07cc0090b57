"""dtype inference for creation and PyTorch's type promotion in mixed ops."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import minigrad as mg


def test_inference_from_python_data() -> None:
    assert mg.tensor(1.5).dtype == mg.float32
    assert mg.tensor([1, 2]).dtype == mg.int64
    assert mg.tensor([1, 2.0]).dtype == mg.float32
    assert mg.tensor([True, False]).dtype == mg.bool_
    assert mg.tensor([[1], [2.5]]).dtype == mg.float32
    assert mg.tensor(3).dtype == mg.int64


def test_numpy_arrays_keep_dtype() -> None:
    for dt in (np.float64, np.float16, np.int32, np.uint8, np.bool_):
        assert mg.tensor(np.zeros(2, dtype=dt)).dtype == dt
    assert mg.tensor(np.zeros(2), dtype=mg.float32).dtype == mg.float32


def test_creation_defaults() -> None:
    for t in (mg.zeros(2), mg.ones(2), mg.rand(2), mg.randn(2), mg.empty(2),
              mg.full((2,), 1.5), mg.linspace(0, 1, 3), mg.eye(2), mg.arange(0.0, 2.0)):
        assert t.dtype == mg.float32, t
    assert mg.arange(3).dtype == mg.int64
    assert mg.randint(0, 5, (3,)).dtype == mg.int64
    assert mg.full((2,), 3).dtype == mg.int64  # as torch.full with an int fill value
    assert mg.zeros(2, dtype=mg.float64).dtype == mg.float64


def test_set_default_dtype() -> None:
    old = mg.get_default_dtype()
    try:
        mg.set_default_dtype(mg.float64)
        assert mg.tensor(1.0).dtype == mg.float64
        assert mg.zeros(2).dtype == mg.float64 and mg.randn(2).dtype == mg.float64
        assert (mg.tensor([1, 2]) * 0.5).dtype == mg.float64
        assert mg.tensor([1, 2]).dtype == mg.int64
    finally:
        mg.set_default_dtype(old)
    assert mg.tensor(1.0).dtype == mg.float32
    with pytest.raises(mg.MinigradTypeError):
        mg.set_default_dtype(mg.int64)


def test_float64_works_throughout() -> None:
    x = mg.randn(3, 4, dtype=mg.float64, requires_grad=True)
    y = ((x @ x.T).tanh().logsumexp(1) * 2.0 + 1).sum()
    y.backward()
    assert y.dtype == mg.float64 and x.grad.dtype == mg.float64


@pytest.mark.parametrize(("a", "b", "expected"), [
    (mg.ones(2), 2.0, mg.float32),            # a Python scalar does not upcast
    (mg.ones(2), 2, mg.float32),
    (mg.ones(2, dtype=mg.int64), 0.5, mg.float32),  # int tensor * float -> default float
    (mg.ones(2, dtype=mg.int32), 2, mg.int32),
    (mg.ones(2, dtype=mg.int32), mg.tensor(1.5, dtype=mg.float64), mg.float64),  # 0-d
    (mg.ones(2, dtype=mg.float32), mg.tensor(1.5, dtype=mg.float64), mg.float32),
    (mg.ones(2, dtype=mg.float32), mg.ones(2, dtype=mg.float64), mg.float64),
    (mg.ones(2, dtype=mg.int32), mg.ones(2, dtype=mg.int64), mg.int64),
    (mg.ones(2, dtype=mg.uint8), mg.ones(2, dtype=mg.int8), mg.int16),
    (mg.ones(2, dtype=mg.bool_), 2, mg.int64),
    (mg.ones(2, dtype=mg.float16), 2.0, mg.float16),
    (mg.ones(2, dtype=mg.int64), mg.ones(2, dtype=mg.float16), mg.float16),
    (mg.ones(2, dtype=mg.int64), mg.ones(2, dtype=mg.float32), mg.float32),
])
def test_promotion(a: mg.Tensor, b: object, expected: np.dtype) -> None:
    assert (a + b).dtype == expected
    assert (b * a).dtype == expected


def test_true_division_of_ints_is_float() -> None:
    assert (mg.tensor([1, 2]) / 2).dtype == mg.float32
    assert (mg.tensor([1, 2]) / mg.tensor([2, 4])).dtype == mg.float32
    np.testing.assert_allclose((mg.tensor([1, 3]) / 2).numpy(), [0.5, 1.5])


def test_comparisons_give_bool_without_grad() -> None:
    x = mg.ones(2, requires_grad=True)
    for r in (x == 1, x < 2, x >= 0.5, x != x, x > mg.zeros(2), x <= 1):
        assert r.dtype == mg.bool_ and not r.requires_grad and r.grad_fn is None


_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
           "float64"]


def test_promotion_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(_DTYPES, repeat=2):
        for b_shape in ((2,), ()):  # a 0-d tensor participates like a scalar of its kind
            x, y = mg.ones(2, dtype=a), mg.ones(*b_shape, dtype=b)
            tx = torch.ones(2, dtype=getattr(torch, a))
            ty = torch.ones(b_shape, dtype=getattr(torch, b))
            expected = str(torch.result_type(tx, ty)).removeprefix("torch.")
            assert str((x + y).dtype) == expected, (a, b, b_shape)
        for scalar in (2, 2.5, True):
            expected = str(torch.result_type(tx, scalar)).removeprefix("torch.")
            assert str((x * scalar).dtype) == expected, (a, scalar)
