"""Tensor basics against PyTorch: formatting, clone, new_*, t(), named operator forms with
alpha / rounding_mode, in-place variants, random fills, conversions and type names."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import gradcheck

torch = pytest.importorskip("torch")


def _pair(data: list, dtype: str = "float32", requires_grad: bool = False) -> tuple:
    return (mg.tensor(data, dtype=dtype, requires_grad=requires_grad),
            torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=requires_grad))


def _same(got: mg.Tensor, want: torch.Tensor) -> None:
    assert got.shape == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)


# ----------------------------------------------------------------------------- formatting


@pytest.mark.parametrize("data, spec", [
    (1.2345, ".3f"), (1.2345, ""), (2.0 / 3, ">10.4f"), (1e-8, ".2e"), (7, "d"), (7, ">5"),
    (True, ""), (-3, "+d"), (0.5, "%"),
])
def test_format_of_0d_tensor_matches_torch(data: float, spec: str) -> None:
    dtype = "bool" if isinstance(data, bool) else "int64" if isinstance(data, int) else (
        "float64")
    a, t = _pair(data, dtype)
    assert format(a, spec) == format(t, spec)
    assert f"{mg.tensor(1.2345):.3f}" == f"{torch.tensor(1.2345):.3f}" == "1.235"


@pytest.mark.parametrize("data", [[1.5], [1.5, 2.0], [[1]]])
def test_format_spec_on_a_non_0d_tensor_raises_like_torch(data: list) -> None:
    a, t = _pair(data)
    with pytest.raises(TypeError, match="unsupported format string"):
        format(a, ".3f")
    with pytest.raises(TypeError, match="unsupported format string"):
        format(t, ".3f")
    assert format(a, "") == str(a) and f"{a}" == repr(a)


# ----------------------------------------------------------------------------- clone & layout


def test_clone_is_a_differentiable_copy() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y._data is not x._data and y.grad_fn is not None and mg.clone(x).tolist() == [1, 2]
    y.data[0] = 5.0
    assert x.tolist() == [1.0, 2.0]
    (y * y).sum().backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx.clone()
    ty.data[0] = 5.0
    (ty * ty).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    assert gradcheck(lambda t: t.clone() * t, (mg.randn(3, dtype=mg.float64,
                                                        requires_grad=True),))


def test_contiguous_and_sizes() -> None:
    a, t = _pair([[1.0, 2.0, 3.0]])
    assert a.contiguous() is a and a.is_contiguous() is t.is_contiguous() is True
    assert a.t().contiguous().is_contiguous()
    assert (a.nelement(), a.ndimension(), a.element_size()) == (
        t.nelement(), t.ndimension(), t.element_size())
    for dtype in ("float16", "float64", "int8", "int64", "bool"):
        assert mg.zeros(1, dtype=dtype).element_size() == torch.zeros(
            1, dtype=getattr(torch, dtype)).element_size()


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (1, 4)])
def test_t_matches_torch(shape: tuple) -> None:
    data = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    _same(mg.tensor(data).t(), torch.tensor(data).t())


def test_t_of_3d_raises_in_both() -> None:
    with pytest.raises(mg.ShapeError, match="<= 2 dimensions"):
        mg.ones(2, 2, 2).t()
    with pytest.raises(RuntimeError):
        torch.ones(2, 2, 2).t()


# ----------------------------------------------------------------------------- factories


@pytest.mark.parametrize("dtype", ["float64", "int32", "bool"])
def test_new_factories_match_torch(dtype: str) -> None:
    a, t = mg.ones(2, dtype=dtype), torch.ones(2, dtype=getattr(torch, dtype))
    _same(a.new_zeros(2, 3), t.new_zeros(2, 3))
    _same(a.new_zeros((2, 3)), t.new_zeros((2, 3)))
    _same(a.new_ones((4,)), t.new_ones((4,)))
    _same(a.new_full((2,), 1), t.new_full((2,), 1))
    _same(a.new_tensor([1, 0]), t.new_tensor([1, 0]))
    _same(a.new_empty(3).zero_(), t.new_empty(3).zero_())
    _same(a.new_zeros(2, dtype=mg.int64), t.new_zeros(2, dtype=torch.int64))
    assert a.new_ones(2, dtype=mg.float32, requires_grad=True).requires_grad


def test_type_as_and_type_names_match_torch() -> None:
    for dtype in ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8",
                  "bool"):
        a, t = mg.zeros(1, dtype=dtype), torch.zeros(1, dtype=getattr(torch, dtype))
        assert a.type() == t.type().replace("torch.", "minigrad.")
        _same(mg.ones(2).type_as(a), torch.ones(2).type_as(t))
    assert mg.ones(1).type(mg.LongTensor).dtype == mg.int64
    assert mg.ones(1).type("torch.IntTensor").dtype == mg.int32
    assert mg.ones(1).type("minigrad.DoubleTensor").dtype == mg.float64
    assert mg.ones(1).type(mg.float16).dtype == mg.float16
    with pytest.raises(ValueError, match="invalid type"):
        mg.ones(1).type("minigrad.NoTensor")


# ----------------------------------------------------------------------------- named forms


@pytest.mark.parametrize("alpha", [1, 2, -3])
def test_add_sub_alpha_on_integers_match_torch(alpha: int) -> None:
    (a, ta), (b, tb) = _pair([1, -2, 3], "int64"), _pair([4, 5, -6], "int64")
    _same(mg.add(a, b, alpha=alpha), torch.add(ta, tb, alpha=alpha))
    _same(a.sub(b, alpha=alpha), ta.sub(tb, alpha=alpha))
    _same(mg.sub(a, 2, alpha=alpha), torch.sub(ta, 2, alpha=alpha))
    _same(a.add(1.5, alpha=alpha), ta.add(1.5, alpha=alpha))


def test_float_alpha_with_integers_is_refused_like_torch() -> None:
    (a, ta), (b, tb) = _pair([1, 2], "int64"), _pair([1, 1], "int64")
    for got, want in ((lambda: mg.add(a, b, alpha=0.5), lambda: torch.add(ta, tb, alpha=0.5)),
                      (lambda: a.sub(1, alpha=0.5), lambda: ta.sub(1, alpha=0.5))):
        with pytest.raises(TypeError, match="alpha"):
            got()
        with pytest.raises(RuntimeError):
            want()


@pytest.mark.parametrize("mode", ["floor", "trunc", None])
@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "float64"])
def test_div_rounding_mode_matches_torch(mode: str | None, dtype: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(-20, 20, size=30).tolist()
    y = [v if v != 0 else 3 for v in rng.integers(-6, 6, size=30).tolist()]
    (a, ta), (b, tb) = _pair(x, dtype), _pair(y, dtype)
    _same(mg.div(a, b, rounding_mode=mode), torch.div(ta, tb, rounding_mode=mode))
    _same(a.div(-4, rounding_mode=mode), ta.div(-4, rounding_mode=mode))
    _same(mg.divide(7, b, rounding_mode=mode), torch.divide(7, tb, rounding_mode=mode))


def test_div_rounding_edge_cases_match_torch() -> None:
    (a, ta), (b, tb) = _pair([1.0, -1.0, 0.0, 5.5], "float32"), _pair([0.0, 0.0, 0.0, -0.5])
    for mode in ("floor", "trunc"):
        _same(mg.div(a, b, rounding_mode=mode), torch.div(ta, tb, rounding_mode=mode))
    with pytest.raises(ZeroDivisionError):
        mg.div(mg.tensor([1, 2]), mg.tensor([1, 0]), rounding_mode="floor")
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        torch.div(torch.tensor([1, 2]), torch.tensor([1, 0]), rounding_mode="floor")
    with pytest.raises(ValueError, match="rounding_mode"):
        mg.div(a, b, rounding_mode="round")
    with pytest.raises(RuntimeError):
        torch.div(ta, tb, rounding_mode="round")


def test_rounded_division_has_a_zero_gradient_like_torch() -> None:
    (a, ta), (b, tb) = _pair([1.5, -2.5], requires_grad=True), _pair([2.0, 2.0],
                                                                     requires_grad=True)
    y, ty = mg.div(a, b, rounding_mode="floor"), torch.div(ta, tb, rounding_mode="floor")
    assert y.requires_grad and ty.requires_grad
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), ta.grad.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), tb.grad.numpy())


@pytest.mark.parametrize("name", [
    "true_divide", "multiply", "subtract", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "eq", "ne", "lt", "le", "gt", "ge", "add", "sub", "mul", "div", "divide",
])
def test_aliases_match_torch_as_functions_and_methods(name: str) -> None:
    (a, ta), (b, tb) = _pair([1.0, 2.0, 3.0]), _pair([2.0, 2.0, -1.0])
    _same(getattr(mg, name)(a, b), getattr(torch, name)(ta, tb))
    _same(getattr(a, name)(b), getattr(ta, name)(tb))
    _same(getattr(a, name)(2), getattr(ta, name)(2))


def test_neg_clamp_min_max_match_torch() -> None:
    a, ta = _pair([-1.5, 0.5, 2.0])
    _same(a.neg(), ta.neg())
    _same(a.negative(), ta.negative())
    _same(mg.clamp_min(a, 0), torch.clamp_min(ta, 0))
    _same(a.clamp_max(1.0), ta.clamp_max(1.0))


# ----------------------------------------------------------------------------- in place


@pytest.mark.parametrize("call", [
    lambda t, T: t.add_(T([1.0, 2.0, 3.0]), alpha=2),
    lambda t, T: t.sub_(1.5, alpha=-2),
    lambda t, T: t.mul_(T([2.0, 0.5, 1.0])),
    lambda t, T: t.div_(T([2.0, -3.0, 4.0])),
    lambda t, T: t.div_(-3, rounding_mode="floor"),
    lambda t, T: t.div_(3, rounding_mode="trunc"),
    lambda t, T: t.neg_(), lambda t, T: t.abs_(), lambda t, T: t.exp_(),
    lambda t, T: t.abs_().sqrt_(), lambda t, T: t.pow_(2), lambda t, T: t.sigmoid_(),
    lambda t, T: t.tanh_(), lambda t, T: t.relu_(), lambda t, T: t.clamp_min_(0.0),
    lambda t, T: t.clamp_max_(1.0), lambda t, T: t.fill_(3.5), lambda t, T: t.zero_(),
    lambda t, T: t.copy_(T([7.0])), lambda t, T: t.multiply_(2), lambda t, T: t.true_divide_(4),
])
def test_inplace_methods_match_torch(call: object) -> None:
    data = [-1.5, 0.25, 2.0]
    a, ta = _pair(data)
    version = a._version
    out, tout = call(a, mg.tensor), call(ta, torch.tensor)  # type: ignore[operator]
    assert out is a and tout is ta and a._version > version
    _same(a, ta)


def test_inplace_on_a_leaf_that_requires_grad_raises_in_both() -> None:
    for fill in (lambda t: t.add_(1), lambda t: t.neg_(), lambda t: t.random_(3),
                 lambda t: t.bernoulli_(0.5), lambda t: t.fill_(1)):
        with pytest.raises(mg.AutogradError, match="leaf"):
            fill(mg.ones(2, requires_grad=True))
        with pytest.raises(RuntimeError, match="leaf"):
            fill(torch.ones(2, requires_grad=True))
    with mg.no_grad():
        assert mg.ones(2, requires_grad=True).random_(3).requires_grad


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8"])
def test_random_fill_ranges(dtype: str) -> None:
    mg.manual_seed(0)
    x = mg.zeros(2000, dtype=dtype)
    assert set(x.random_(3, 6).tolist()) == {3, 4, 5}
    assert set(x.random_(2).tolist()) == {0, 1}
    values = x.random_().numpy()
    assert values.min() >= 0 and (values == np.round(values)).all()
    if dtype in ("float32", "float64"):
        assert values.max() <= 2 ** (24 if dtype == "float32" else 53)
    with pytest.raises(ValueError, match="from"):
        x.random_(5, 3)
    with pytest.raises(RuntimeError):
        torch.zeros(2).random_(5, 3)


def test_bernoulli_fill() -> None:
    mg.manual_seed(0)
    assert mg.zeros(4).bernoulli_(0.0).tolist() == [0.0] * 4
    assert mg.zeros(4).bernoulli_(1).tolist() == [1.0] * 4
    assert mg.zeros(3).bernoulli_(mg.tensor([0.0, 1.0, 0.0])).tolist() == [0.0, 1.0, 0.0]
    mean = mg.zeros(20000).bernoulli_(0.3).mean().item()
    assert abs(mean - 0.3) < 0.02
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        mg.zeros(2).bernoulli_(1.5)
    with pytest.raises(RuntimeError):
        torch.zeros(2).bernoulli_(1.5)


# ----------------------------------------------------------------------------- conversions


def test_python_conversions_match_torch() -> None:
    for data, dtype in (([2.5], "float32"), ([3], "int64"), ([[True]], "bool"), (4, "int64")):
        a, t = _pair(data, dtype)
        assert a.item() == t.item() and a.tolist() == t.tolist()
        assert bool(a) == bool(t) and float(a) == float(t) and int(a) == int(t)
    assert [10, 20, 30][mg.tensor(1)] == 20 and [10, 20][torch.tensor(1)] == 20
    for bad in (mg.tensor(1.5), mg.tensor([1, 2])):
        with pytest.raises(TypeError):
            [1, 2][bad]
    with pytest.raises(TypeError):
        [1, 2][torch.tensor(1.5)]
    a, t = _pair([[1.0, 2.0], [3.0, 4.0]])
    assert len(a) == len(t) == 2 and np.asarray(a).tolist() == np.asarray(t).tolist()
    assert np.asarray(a, dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError):
        len(mg.tensor(1.0))
    with pytest.raises(TypeError):
        len(torch.tensor(1.0))
    with pytest.raises((ValueError, RuntimeError)):
        bool(a)
    with pytest.raises(RuntimeError):
        bool(t)
    assert a.requires_grad_() is a and a.requires_grad and not a.requires_grad_(False).requires_grad


def test_to_cpu_cuda_and_device() -> None:
    a = mg.ones(2, requires_grad=True)
    assert isinstance(a.device, mg.device) and a.device == mg.device("cpu") == "cpu"
    assert a.to("cpu") is a and a.to(mg.device("cpu"), non_blocking=True) is a and a.cpu() is a
    b = a.to(mg.float64)
    assert b.dtype == mg.float64 and b.grad_fn is not None
    assert a.to("cpu", mg.float16).dtype == mg.float16
    assert a.to(dtype=mg.int64, device=mg.device("cpu")).dtype == mg.int64
    assert a.to(mg.zeros(1, dtype=mg.float64)).dtype == mg.float64
    c = a.to("cpu", copy=True)
    assert c is not a and c._data is not a._data and c.grad_fn is not None
    t = torch.ones(2)
    assert (t.to("cpu", copy=True) is t) is (c is a)
    for dev in ("cuda", mg.device("cuda", 0), 0):
        if mg.cuda.is_available():
            assert a.to(dev).device == mg.device("cuda", 0)
        else:
            with pytest.raises(mg.DeviceError):
                a.to(dev)
    if not mg.cuda.is_available():
        with pytest.raises(mg.DeviceError):
            a.cuda()
        with pytest.raises(mg.DeviceError):
            mg.cuda.FloatTensor(2)


def test_short_byte_char_casts_match_torch() -> None:
    a, t = _pair([-1.5, 300.0, 2.0])
    for name in ("float", "double", "half", "long", "int", "short", "bool"):
        _same(getattr(a, name)(), getattr(t, name)())
    _same(mg.tensor([1.0, 200.0]).byte(), torch.tensor([1.0, 200.0]).byte())
    _same(mg.tensor([1.0, -100.0]).char(), torch.tensor([1.0, -100.0]).char())
