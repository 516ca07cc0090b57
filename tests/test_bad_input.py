"""Bad input gives PyTorch's result or a named minigrad error, never garbage: NaN fills,
truncated sizes, integer 'normal' samples, NumPy tracebacks, NaN gradients where PyTorch's
are finite. Each case is checked against torch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

NAN = float("nan")


def _torch():
    return pytest.importorskip("torch")


# ----------------------------------------------------------------------------- creation
@pytest.mark.parametrize("size", [(2.5,), ("a",), ((2, 3.0),), (True,), (None,)])
def test_non_integer_sizes_are_a_type_error(size) -> None:
    for fn in (mg.zeros, mg.ones, mg.empty, mg.rand, mg.randn):
        with pytest.raises(mg.MinigradTypeError, match=rf"{fn.__name__}: argument 'size'"):
            fn(*size)
    torch = _torch()
    with pytest.raises(TypeError):
        torch.zeros(*size)


def test_integer_like_sizes_still_work() -> None:
    assert mg.zeros(np.int64(2), mg.tensor(3)).shape == (2, 3)
    assert mg.ones([2, 3]).shape == mg.ones(mg.Size([2, 3])).shape == (2, 3)


def test_reshape_and_permute_refuse_floats() -> None:
    with pytest.raises(mg.MinigradTypeError, match=r"reshape: argument 'shape' .* float \(2.7\)"):
        mg.ones(6).reshape(2.7, 2)
    with pytest.raises(mg.MinigradTypeError, match="permute: argument 'dims'"):
        mg.ones(2, 3).permute(1.0, 0)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_random_floats_refuse_integer_dtypes(dtype) -> None:
    dt = getattr(mg, dtype)
    with pytest.raises(mg.MinigradTypeError, match="randn: dtype must be a floating-point"):
        mg.randn(2, dtype=dt)
    with pytest.raises(mg.MinigradTypeError, match="rand: dtype must be a floating-point"):
        mg.rand_like(mg.zeros(2, dtype=dt))
    torch = _torch()
    with pytest.raises(RuntimeError):  # NotImplementedError: "normal_kernel_cpu" ...
        torch.randn(2, dtype=getattr(torch, dtype))


def test_eye_and_linspace_counts() -> None:
    with pytest.raises(ValueError, match="eye: argument 'n' must be an int >= 0, got -1"):
        mg.eye(-1)
    with pytest.raises(ValueError, match="eye: argument 'm'"):
        mg.eye(2, -3)
    with pytest.raises(mg.MinigradTypeError, match="eye: argument 'n' must be an int"):
        mg.eye(2.5)
    with pytest.raises(mg.MinigradTypeError, match="linspace: argument 'steps'"):
        mg.linspace(0, 1, 2.5)
    assert mg.eye(0).shape == (0, 0) and mg.eye(2, 3).shape == (2, 3)


@pytest.mark.parametrize("data, error, message", [
    ([[1, 2], [3]], mg.ShapeError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
    ([[[1], [2]], [[3], [4, 5]]], mg.ShapeError, r"length 1 at dim 2 \(got 2\)"),
    ([1, [2]], mg.MinigradTypeError, "mixes numbers and sequences at dim 1"),
])
def test_ragged_lists_are_named(data, error, message) -> None:
    with pytest.raises(error, match=message):
        mg.tensor(data)
    torch = _torch()
    with pytest.raises((ValueError, TypeError)):
        torch.tensor(data)


# ----------------------------------------------------------------------------- setitem
@pytest.mark.parametrize("value", [None, "a", b"x", {1: 2}, [[1, 2], [3]], [None, 1, 2], 1 + 2j])
def test_setitem_refuses_values_that_are_not_numbers(value) -> None:
    t = mg.zeros(2, 3)
    with pytest.raises(mg.MinigradTypeError, match=r"__setitem__: can't assign a"):
        t[0] = value
    assert t.tolist() == [[0.0] * 3] * 2  # unchanged, no NaN fill


def test_setitem_with_a_wrong_shape_is_named() -> None:
    t = mg.zeros(2, 3)
    with pytest.raises(mg.ShapeError, match=r"value of shape \(4,\)"):
        t[0] = mg.ones(4)
    t[0] = [1, 2, 3]  # numbers, lists of numbers and arrays still work
    t[1] = np.arange(3)
    assert t.tolist() == [[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]]


# ----------------------------------------------------------------------------- shapes
def test_transpose_of_a_0d_tensor_is_itself() -> None:
    torch = _torch()
    for a, b in [(0, 0), (0, -1), (-1, -1)]:
        assert mg.tensor(3.0).transpose(a, b).item() == torch.tensor(3.0).transpose(a, b).item()
    with pytest.raises(mg.ShapeError, match="transpose: dim 1 is out of range"):
        mg.tensor(3.0).transpose(0, 1)


@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0, 3), 1), ((0, 3), 0), ((2, 0), 0)])
def test_softmax_family_over_empty_tensors(shape, dim) -> None:
    torch = _torch()
    for name in ("softmax", "log_softmax", "logsumexp"):
        x = mg.ones(*shape, requires_grad=True)
        xt = torch.ones(*shape, requires_grad=True)
        y, yt = getattr(x, name)(dim), getattr(xt, name)(dim)
        assert y.shape == tuple(yt.shape) and y.tolist() == yt.tolist()
        y.sum().backward()
        yt.sum().backward()
        assert x.grad.shape == tuple(xt.grad.shape)


# ----------------------------------------------------------------------------- gradients
def _grads(lib, fn, *values):
    xs = [lib.tensor(v, requires_grad=True) for v in values]
    fn(*xs).sum().backward()
    return [np.asarray(x.grad.tolist()) for x in xs]


GRAD_CASES = {
    "std of equal values": (lambda x: x.std(), [[2.0, 2.0, 2.0]]),
    "std over a dim": (lambda x: x.std(dim=1), [[[1.0, 1.0], [2.0, 3.0]]]),
    "std_mean": (lambda x: x.std(dim=0, unbiased=False) + 0, [[[5.0], [5.0]]]),
    "pow at 0, 0": (lambda x, y: x**y, [0.0, 0.0, 2.0, 0.0, 0.0], [0.0, 1.0, 0.0, 2.0, -1.0]),
    "pow scalar 0": (lambda x: x**0.0, [0.0, 1.0]),
    "rpow base 0": (lambda y: 0.0**y, [0.0, 1.0, 2.0, -1.0]),
    "max with NaN": (lambda x: x.max(), [1.0, NAN, 3.0, NAN]),
    "min with NaN": (lambda x: x.min(), [NAN, 1.0, 3.0]),
    "max with ties": (lambda x: x.max(), [3.0, 1.0, 3.0]),
    "max over dim with NaN": (lambda x: x.max(1)[0], [[1.0, NAN, 3.0], [1.0, 2.0, 3.0]]),
    "amax with NaN": (lambda x: x.amax(), [1.0, NAN]),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradients_at_edge_points_match_torch(case) -> None:
    torch = _torch()
    fn, *values = GRAD_CASES[case]
    with np.errstate(all="ignore"):  # inf * 0 inside the reference formulas is expected
        ours = _grads(mg, fn, *values)
    theirs = _grads(torch, fn, *values)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, equal_nan=True)


def test_edge_gradients_are_finite_without_torch() -> None:
    # the same facts, stated without the oracle
    x = mg.tensor([2.0, 2.0], requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    a, b = mg.tensor([0.0], requires_grad=True), mg.tensor([0.0], requires_grad=True)
    (a**b).sum().backward()
    assert a.grad.tolist() == [0.0] and b.grad.tolist() == [0.0]
    m = mg.tensor([1.0, NAN, NAN], requires_grad=True)
    m.max().backward()
    assert m.grad.tolist() == [0.0, 0.5, 0.5]


def test_std_gradient_is_differentiable_twice() -> None:
    x = mg.tensor([1.0, 2.0, 4.0], dtype=mg.float64, requires_grad=True)
    assert mg.testing.gradgradcheck(lambda t: t.std(), (x,))


def test_empty_lists_make_float32_tensors_as_in_pytorch() -> None:
    for data in ([], [[]], (), [[], []]):
        t = mg.tensor(data)
        assert t.dtype == mg.float32, data
    assert mg.tensor([[], []]).shape == (2, 0)
