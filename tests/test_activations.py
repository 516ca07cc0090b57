"""Activation modules and functions against PyTorch (float64): forward, gradients, reprs,
``inplace=``, the top-level and Tensor-method names, one graph node each, and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.errors import AutogradError, MinigradTypeError, ShapeError
from minigrad.testing import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# (minigrad module, torch module) built from the same arguments
MODULES = [
    ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Softplus", {}),
    ("Softplus", {"beta": 2.0, "threshold": 1.5}), ("ELU", {}), ("ELU", {"alpha": 0.3}),
    ("SELU", {}), ("CELU", {}), ("CELU", {"alpha": 2.5}), ("Mish", {}), ("Softsign", {}),
    ("Tanhshrink", {}), ("LogSigmoid", {}), ("Hardtanh", {}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("ReLU6", {}), ("Hardswish", {}),
    ("Hardsigmoid", {}), ("Softshrink", {}), ("Softshrink", {"lambd": 1.2}), ("Hardshrink", {}),
    ("Hardshrink", {"lambd": 0.1}), ("Threshold", {"threshold": 0.3, "value": -4.0}),
    ("GLU", {}), ("GLU", {"dim": 1}), ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}),
    ("PReLU", {}), ("PReLU", {"num_parameters": 4, "init": 0.1}), ("Softmin", {"dim": 1}),
    ("Softmax2d", {}),
]
# kinks of the piecewise activations, kept away from the sampled inputs
KINKS = [0.0, -1.0, 1.0, -0.5, 2.0, 6.0, -3.0, 3.0, 0.5, -0.1, 0.1, 1.2, -1.2, 0.3, 1.5, 0.75]


def _input(shape: tuple[int, ...], seed: int = 0, scale: float = 3.0) -> np.ndarray:
    a = np.random.default_rng(seed).standard_normal(shape) * scale
    for k in KINKS:  # push values off every kink by at least 0.02
        near = np.abs(a - k) < 0.02
        a[near] = k + 0.02 * np.sign(a[near] - k + 1e-12)
    return a


def _pair(name: str, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    mine = getattr(nn, name)(**kwargs).double()
    theirs = getattr(torch.nn, name)(**kwargs).double()
    if list(theirs.state_dict()):
        mine.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return mine, theirs


@pytest.mark.parametrize(("name", "kwargs"), MODULES, ids=lambda v: str(v))
def test_module_matches_torch(name: str, kwargs: dict[str, Any]) -> None:
    mine, theirs = _pair(name, kwargs)
    assert repr(mine) == repr(theirs)
    a = _input((3, 4, 6), seed=len(name))
    x = mg.tensor(a, dtype=mg.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = mine(x), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = np.random.default_rng(1).standard_normal(tuple(ty.shape))
    y.backward(mg.tensor(g, dtype=mg.float64))
    ty.backward(torch.tensor(g))
    # PyTorch's hardsigmoid backward multiplies by float32(1/6) even in float64 (3e-8 off)
    rtol = 5e-8 if name == "Hardsigmoid" else 1e-12
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=1e-14)
    for (n, p), (tn, tp) in zip(mine.named_parameters(), theirs.named_parameters(), strict=True):
        assert n == tn
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(("name", "kwargs"), MODULES, ids=lambda v: str(v))
def test_module_gradcheck_and_second_order(name: str, kwargs: dict[str, Any]) -> None:
    mine, _ = _pair(name, kwargs)
    x = mg.tensor(_input((2, 4, 2), seed=7), dtype=mg.float64, requires_grad=True)
    inputs = (x, *mine.parameters())
    assert gradcheck(lambda a, *_: mine(a), inputs)
    assert gradgradcheck(lambda a, *_: mine(a), inputs, atol=1e-5, rtol=1e-4)


ELEMENTWISE = ["gelu", "silu", "softplus", "elu", "selu", "celu", "mish", "softsign",
               "tanhshrink", "logsigmoid", "hardtanh", "relu6", "hardswish", "hardsigmoid",
               "softshrink", "hardshrink"]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_each_activation_is_one_node(name: str) -> None:
    x = mg.randn(3, requires_grad=True)
    y = getattr(F, name)(x * 1.0)
    assert y.grad_fn is not None and len(y.grad_fn.parents) == 1
    assert type(y.grad_fn.parents[0]).__name__ == "Mul"


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_float32_matches_torch(name: str) -> None:
    a = _input((50,), seed=3).astype(np.float32)
    y = getattr(F, name)(mg.tensor(a))
    assert y.dtype == mg.float32
    ty = getattr(torch.nn.functional, name)(torch.tensor(a))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=2e-6, atol=2e-7)


def test_extremes_stay_finite() -> None:
    a = np.array([-800.0, -50.0, 50.0, 800.0])
    for name in ELEMENTWISE:
        x = mg.tensor(a, dtype=mg.float64, requires_grad=True)
        y = getattr(F, name)(x)
        y.sum().backward()
        ty = getattr(torch.nn.functional, name)(t := torch.tensor(a, requires_grad=True))
        ty.sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12,
                                   err_msg=name)
        # logsigmoid's backward is minigrad.ops.loss_regression's, on m.sigmoid, which rounds
        # sigmoid(-50) = 1.9e-22 to 0
        atol = 1e-21 if name == "logsigmoid" else 1e-300
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=atol,
                                   err_msg=name)


# ---------------------------------------------------------------------------- in place
INPLACE = [  # (minigrad function, torch function, kwargs)
    (F.relu, torch.nn.functional.relu, {}),
    (F.leaky_relu, torch.nn.functional.leaky_relu, {"negative_slope": 0.2}),
    (F.elu, torch.nn.functional.elu, {"alpha": 0.7}),
    (F.selu, torch.nn.functional.selu, {}),
    (F.celu, torch.nn.functional.celu, {"alpha": 1.5}),
    (F.hardtanh, torch.nn.functional.hardtanh, {"min_val": -0.5, "max_val": 0.5}),
    (F.relu6, torch.nn.functional.relu6, {}),
    (F.silu, torch.nn.functional.silu, {}),
    (F.mish, torch.nn.functional.mish, {}),
    (F.hardswish, torch.nn.functional.hardswish, {}),
    (F.hardsigmoid, torch.nn.functional.hardsigmoid, {}),
    (F.threshold, torch.nn.functional.threshold, {"threshold": 0.1, "value": 2.0}),
    (F.rrelu, torch.nn.functional.rrelu, {"lower": 0.1, "upper": 0.3}),  # evaluation mode
]


@pytest.mark.parametrize(("fn", "tfn", "kwargs"), INPLACE, ids=lambda v: getattr(v, "__name__",
                                                                                  ""))
def test_inplace_writes_into_input_and_backward_matches_torch(fn: Any, tfn: Any,
                                                              kwargs: dict[str, Any]) -> None:
    a = _input((4, 5), seed=11)
    leaf = mg.tensor(a, dtype=mg.float64, requires_grad=True)
    tleaf = torch.tensor(a, requires_grad=True)
    h = leaf * 2.0
    th = tleaf * 2.0
    version = h._version
    out = fn(h, inplace=True, **kwargs)
    tout = tfn(th, inplace=True, **kwargs)
    assert out is h and h._version == version + 1
    np.testing.assert_allclose(h.detach().numpy(), th.detach().numpy(), rtol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    rtol = 5e-8 if fn is F.hardsigmoid else 1e-12  # torch's float32(1/6), see above
    np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=rtol, atol=1e-14)
    # a leaf that requires grad is refused, as in PyTorch; under no_grad it is fine
    with pytest.raises(AutogradError, match="leaf"):
        fn(leaf, inplace=True, **kwargs)
    with pytest.raises(RuntimeError, match="leaf"):
        tfn(tleaf, inplace=True, **kwargs)
    plain = mg.tensor(a, dtype=mg.float64)
    assert fn(plain, inplace=True, **kwargs) is plain
    np.testing.assert_allclose(plain.numpy(), tfn(torch.tensor(a), **kwargs).numpy(),
                               rtol=1e-12)


def test_inplace_modules_and_underscore_functions() -> None:
    a = _input((6,), seed=5).astype(np.float32)
    for mod, fn in [(nn.ReLU(inplace=True), mg.relu_), (nn.SELU(inplace=True), mg.selu_),
                    (nn.CELU(inplace=True), mg.celu_), (nn.ELU(inplace=True), F.elu_),
                    (nn.Hardtanh(inplace=True), F.hardtanh_),
                    (nn.LeakyReLU(inplace=True), F.leaky_relu_)]:
        x, z = mg.tensor(a), mg.tensor(a)
        assert mod(x) is x and fn(z) is z
        np.testing.assert_array_equal(x.numpy(), z.numpy())
        np.testing.assert_array_equal(x.numpy(), type(mod)()(mg.tensor(a)).numpy())
    x = mg.tensor(a)
    assert mg.threshold_(x, 0.0, 9.0) is x and F.threshold_ is mg.threshold_
    np.testing.assert_array_equal(x.numpy(), np.where(a > 0, a, np.float32(9.0)))
    x = mg.tensor(a)
    assert x.relu_() is x and x._version == 1
    np.testing.assert_array_equal(x.numpy(), np.maximum(a, 0))


def test_rrelu_draws_slopes_in_training_and_averages_in_evaluation() -> None:
    a = _input((400,), seed=9)
    mine, theirs = nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3)
    assert repr(mine) == repr(theirs) and repr(nn.RReLU(inplace=True)) == repr(
        torch.nn.RReLU(inplace=True))
    mg.manual_seed(3)
    x = mg.tensor(a, dtype=mg.float64, requires_grad=True)
    y = mine(x)
    y.sum().backward()
    neg = a <= 0
    slope = y.detach().numpy()[neg] / a[neg]
    assert np.all((slope >= 0.1) & (slope <= 0.3)) and slope.std() > 0.03
    assert abs(slope.mean() - 0.2) < 0.02
    np.testing.assert_array_equal(y.detach().numpy()[~neg], a[~neg])
    np.testing.assert_allclose(x.grad.numpy()[neg], slope, rtol=1e-12)  # the drawn slopes
    np.testing.assert_array_equal(x.grad.numpy()[~neg], 1.0)
    mg.manual_seed(3)
    np.testing.assert_array_equal(mine(x).detach().numpy(), y.detach().numpy())  # seeded
    mine.eval()
    theirs.eval()
    np.testing.assert_allclose(mine(x).detach().numpy(), theirs(torch.tensor(a)).numpy(),
                               rtol=1e-12)
    z = mg.tensor(a)
    assert mg.rrelu_(z, 0.5, 0.5) is z and F.rrelu_ is mg.rrelu_
    with pytest.raises(ValueError, match="lower <= upper"):
        F.rrelu(z, 0.5, 0.1)


def test_top_level_and_method_names() -> None:
    a = _input((2, 3), seed=2)
    x, tx = mg.tensor(a, dtype=mg.float64), torch.tensor(a)
    pairs = [(mg.selu(x), torch.selu(tx)), (mg.celu(x, 0.5), torch.celu(tx, 0.5)),
             (mg.threshold(x, 0.2, 1.0), torch.threshold(tx, 0.2, 1.0)),
             (mg.hardshrink(x, 0.7), torch.hardshrink(tx, 0.7)),
             (x.hardshrink(), tx.hardshrink()),
             (mg.prelu(x, mg.tensor([0.1, 0.2, 0.3], dtype=mg.float64)),
              torch.prelu(tx, torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64))),
             (x.prelu(mg.tensor([0.3], dtype=mg.float64)),
              tx.prelu(torch.tensor([0.3], dtype=torch.float64))),
             (mg.softmax(x, 1), torch.softmax(tx, 1)), (x.softmax(-1), tx.softmax(-1)),
             (x.log_softmax(0), tx.log_softmax(0)),
             (mg.log_softmax(x, 1), torch.log_softmax(tx, 1))]
    for mine, theirs in pairs:
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)


def test_prelu_shapes() -> None:
    w = mg.tensor([0.5], requires_grad=True)
    y = F.prelu(mg.tensor([-2.0, 4.0]), w)  # 1-D input: one shared slope
    y.sum().backward()
    assert y.tolist() == [-1.0, 4.0] and w.grad.tolist() == [-2.0]
    with pytest.raises(ShapeError, match="channels"):
        F.prelu(mg.ones(2, 3), mg.ones(2))
    with pytest.raises(ShapeError, match="channels"):
        F.prelu(mg.ones(3), mg.ones(3))
    assert tuple(nn.PReLU(3)(mg.ones(2, 3, 4, 4)).shape) == (2, 3, 4, 4)


def test_errors_are_clear() -> None:
    x = mg.ones(4)
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(x, approximate="fast")
    with pytest.raises(MinigradTypeError, match="gelu: expected a floating-point"):
        F.gelu(mg.tensor([1, 2]))
    with pytest.raises(MinigradTypeError, match="argument `input` must be a Tensor"):
        F.silu([1.0])
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(x, 1.0, -1.0)
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="lambd"):
        F.softshrink(x, -0.1)
    with pytest.raises(ValueError, match="alpha"):
        F.celu(x, alpha=0.0)
    with pytest.raises(ShapeError, match="even"):
        F.glu(mg.ones(2, 3))
    with pytest.raises(ShapeError, match="dim 5 is out of range"):
        F.glu(mg.ones(2, 4), dim=5)
    with pytest.raises(ValueError, match="num_parameters"):
        nn.PReLU(0)
    with pytest.raises(ShapeError, match="3D or 4D"):
        nn.Softmax2d()(mg.ones(2, 2))
