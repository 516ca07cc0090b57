"""minigrad.testing: gradcheck / gradgradcheck catch wrong gradients; strategies keep promises."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.op import Op
from minigrad.testing import GradcheckError, gradcheck, gradgradcheck
from minigrad.testing import strategies as mst


class _BadSquare(Op):
    """x*x whose backward forgets the factor 2 (a bug gradcheck must find)."""

    def forward(self, xp, x):
        return x * x

    def backward(self, m, g, inputs, out):
        return (g * inputs[0],)


class _Cube(Op):
    """x**3 with a correct first derivative written without the registered ops."""

    def forward(self, xp, x):
        return x * x * x

    def backward(self, m, g, inputs, out):
        (x,) = inputs
        return (g * 3 * x * x,)


class _WrongSecondOrder(Op):
    """sin(x) whose backward uses a constant cos(x) array: right first order, wrong second."""

    def forward(self, xp, x):
        self.c = xp.cos(x)
        return xp.sin(x)

    def backward(self, m, g, inputs, out):
        c = self.c if not isinstance(g, mg.Tensor) else mg.tensor(self.c)
        return (g * c,)


def _x(*values: float) -> mg.Tensor:
    return mg.tensor(list(values), dtype=mg.float64, requires_grad=True)


def test_gradcheck_passes_correct_gradients() -> None:
    x, y = _x(0.3, -1.2, 2.0), _x(0.5, 1.5, -0.7)
    assert gradcheck(lambda a, b: (a * b).sin() + a.exp() / (1 + b * b), (x, y))
    assert gradcheck(lambda a, b: (a * b).sin(), (x, y), fast_mode=True, n_directions=5)
    assert gradcheck(_Cube.apply, x)


def test_gradcheck_reports_worst_element() -> None:
    x = _x(1.0, -3.0, 2.0)
    with pytest.raises(GradcheckError) as info:
        gradcheck(_BadSquare.apply, x)
    msg = str(info.value)
    # worst mismatch: element 1 (analytic -3, numeric -6)
    assert "input 0" in msg and "element (1,)" in msg
    assert info.value.analytic == pytest.approx(-3.0)
    assert info.value.numeric == pytest.approx(-6.0)
    assert not isinstance(info.value, AssertionError)
    assert isinstance(info.value, mg.MinigradError)
    assert gradcheck(_BadSquare.apply, x, raise_exception=False) is False


def test_gradcheck_fast_mode_catches_bug() -> None:
    with pytest.raises(GradcheckError, match="random direction 0"):
        gradcheck(_BadSquare.apply, _x(1.0, 2.0), fast_mode=True)


def test_gradcheck_multiple_outputs_and_nontensor_args() -> None:
    x = _x(0.2, 0.4, 0.9)
    assert gradcheck(lambda a, k: (a * k, a.sum() ** 2), (x, 3.0))
    # max with dim returns (values, int indices): the indices are skipped
    m = mg.tensor([[1.0, 4.0], [3.0, 2.0]], dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda a: tuple(a.max(1)), m)


def test_gradcheck_wrong_output_type() -> None:
    with pytest.raises(mg.MinigradTypeError, match="output 0 is ndarray"):
        gradcheck(lambda a: np.zeros(2), _x(1.0))


def test_gradcheck_input_errors() -> None:
    x32 = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(mg.MinigradTypeError, match=r"dtype float32.*must be float64"):
        gradcheck(lambda a: a * 2, x32)
    with pytest.raises(mg.MinigradTypeError, match="no input requires grad"):
        gradcheck(lambda a: a * 2, mg.tensor([1.0], dtype=mg.float64))
    with pytest.raises(mg.MinigradTypeError, match="not a leaf"):
        gradcheck(lambda a: a * 2, _x(1.0) * 2)


def test_gradcheck_restores_inputs() -> None:
    x = _x(0.1, 0.2)
    before = x.detach().numpy().copy()
    gradcheck(lambda a: a.tanh(), x)
    gradcheck(lambda a: a.tanh(), x, fast_mode=True)
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x.grad is None


def test_gradgradcheck() -> None:
    x = _x(0.3, -0.8, 1.4)
    assert gradgradcheck(lambda a: a.sin() * a * a, x)
    assert gradgradcheck(lambda a: a.sin() * a * a, x, fast_mode=True)
    assert gradgradcheck(_Cube.apply, x)
    g = mg.tensor([1.0, -2.0, 0.5], dtype=mg.float64, requires_grad=True)
    assert gradgradcheck(lambda a: a.exp(), x, grad_outputs=g)


def test_gradgradcheck_catches_non_differentiable_backward() -> None:
    x = _x(0.3, -0.8)
    assert gradcheck(_WrongSecondOrder.apply, x)
    with pytest.raises(GradcheckError, match="second order"):
        gradgradcheck(_WrongSecondOrder.apply, x)
    assert gradgradcheck(_WrongSecondOrder.apply, x, raise_exception=False) is False


def test_gradgradcheck_grad_outputs_count() -> None:
    with pytest.raises(mg.MinigradTypeError, match="1 floating-point outputs but 2"):
        gradgradcheck(lambda a: a * a, _x(1.0), grad_outputs=(_x(1.0), _x(2.0)))


# ---------------------------------------------------------------------- strategies
@given(mst.broadcastable_shapes(3, max_dims=4))
def test_broadcastable_shapes_broadcast(shapes: tuple) -> None:
    assert len(shapes) == 3
    np.broadcast_shapes(*shapes)


@given(mst.shapes(min_dims=1, max_dims=3, min_side=2, max_side=5))
def test_shapes_bounds(shape: tuple) -> None:
    assert 1 <= len(shape) <= 3 and all(2 <= s <= 5 for s in shape)


@given(mst.tensors(shape=mst.shapes(max_dims=2), dtype="float32", min_value=-2,
                   max_value=2, requires_grad=True))
def test_tensors(t: mg.Tensor) -> None:
    assert t.dtype == mg.float32 and t.requires_grad and t.is_leaf
    assert bool(((t >= -2) & (t <= 2)).all())


@given(mst.tensors((5,), elements=mst.away_from([0.0, 1.0], margin=0.2)))
def test_away_from_keeps_margin(t: mg.Tensor) -> None:
    a = t.numpy()
    assert (np.abs(a) >= 0.2 - 1e-12).all() and (np.abs(a - 1) >= 0.2 - 1e-12).all()


@given(mst.arrays((6,), unique=True))
def test_unique_arrays(a: np.ndarray) -> None:
    assert len(set(a.tolist())) == 6


@given(st.integers(0, 4).flatmap(lambda n: st.tuples(st.just(n), mst.valid_dims(n))))
def test_valid_dims_are_accepted(nd: tuple) -> None:
    ndim, dim = nd
    x = mg.ones(*([2] * ndim))
    expected = np.ones([2] * ndim).sum(axis=None if ndim == 0 else dim)
    np.testing.assert_allclose(x.sum(dim).numpy(), expected)


def _out(size: int, k: int, s: int, p: int, d: int, ceil: bool = False) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    n = (-(-span // s) if ceil else span // s) + 1
    if ceil and (n - 1) * s >= size + p:
        n -= 1
    return n


@given(mst.conv2d_settings())
def test_conv2d_settings(c: dict) -> None:
    assert c["in_channels"] % c["groups"] == 0 and c["out_channels"] % c["groups"] == 0
    for i, side in enumerate((c["height"], c["width"])):
        k, s, p, d = (c[key][i] for key in ("kernel_size", "stride", "padding", "dilation"))
        assert k >= 1 and s >= 1 and p >= 0 and d >= 1
        assert _out(side, k, s, p, d) >= 1


@given(mst.pool2d_settings())
def test_pool2d_settings(c: dict) -> None:
    assert set(c) == {"batch", "channels", "height", "width", "kernel_size", "stride",
                      "padding", "dilation", "ceil_mode"}
    for i, side in enumerate((c["height"], c["width"])):
        k, s, p, d = (c[key][i] for key in ("kernel_size", "stride", "padding", "dilation"))
        assert p <= k // 2
        assert _out(side, k, s, p, d, c["ceil_mode"]) >= 1


def test_conv_pool_settings_match_torch() -> None:
    torch = pytest.importorskip("torch")

    @given(mst.conv2d_settings(), mst.pool2d_settings())
    def check(c: dict, p: dict) -> None:
        x = torch.zeros(c["batch"], c["in_channels"], c["height"], c["width"])
        w = torch.zeros(c["out_channels"], c["in_channels"] // c["groups"], *c["kernel_size"])
        out = torch.nn.functional.conv2d(x, w, stride=c["stride"], padding=c["padding"],
                                         dilation=c["dilation"], groups=c["groups"])
        assert out.numel() > 0
        y = torch.zeros(p["batch"], p["channels"], p["height"], p["width"])
        pooled = torch.nn.functional.max_pool2d(y, p["kernel_size"], p["stride"], p["padding"],
                                                p["dilation"], ceil_mode=p["ceil_mode"])
        assert pooled.numel() > 0

    check()


def test_testing_does_not_import_torch() -> None:
    import subprocess
    import sys

    code = ("import sys, minigrad.testing, minigrad.testing.strategies; "
            "sys.exit('torch' in sys.modules)")
    repo = Path(__file__).resolve().parent.parent
    assert subprocess.run([sys.executable, "-c", code], check=False, cwd=repo).returncode == 0
