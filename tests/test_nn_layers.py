"""Layers: forward against torch.nn with copied weights, gradients against finite differences."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(1234)


def _x(*shape: int, dtype: Any = np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def _copy_to_torch(torch: Any, ours: nn.Module, theirs: Any) -> None:
    with torch.no_grad():
        for name, p in ours.named_parameters():
            getattr(theirs, name).copy_(torch.tensor(p.detach().numpy()))


def _close(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-5) -> None:
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- forward vs torch
def test_linear_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    for bias in (True, False):
        ours, theirs = nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias)
        _copy_to_torch(torch, ours, theirs)
        x = _x(4, 2, 5)
        _close(ours(mg.tensor(x)), theirs(torch.tensor(x)))


@pytest.mark.parametrize("kwargs", [
    {}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2}, {"groups": 2},
    {"bias": False, "stride": (1, 2), "padding": (2, 0)},
])
def test_conv2d_matches_torch(kwargs: dict) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Conv2d(4, 6, 3, **kwargs), torch.nn.Conv2d(4, 6, 3, **kwargs)
    _copy_to_torch(torch, ours, theirs)
    x = _x(2, 4, 9, 8)
    _close(ours(mg.tensor(x)), theirs(torch.tensor(x)), rtol=1e-4, atol=1e-5)


def test_conv2d_connection_table_matches_masked_torch_conv() -> None:
    torch = pytest.importorskip("torch")
    table = RNG.random((4, 3)) < 0.6
    table[:, 0] = True  # every output map reads at least one input
    ours = nn.Conv2d(3, 4, 3, connections=mg.tensor(table))
    w = ours.weight.detach().numpy()
    assert not w[~table].any()  # unconnected kernels start at zero
    x = _x(2, 3, 6, 6)
    want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w * table[:, :, None, None]),
                                      torch.tensor(ours.bias.detach().numpy()))
    _close(ours(mg.tensor(x)), want, rtol=1e-4)
    out = ours(mg.tensor(x)).sum()
    out.backward()
    assert not ours.weight.grad.numpy()[~table].any()  # and get no gradient
    assert "connections" not in ours.state_dict()


def test_conv2d_argument_errors() -> None:
    with pytest.raises(ValueError, match="divisible by `groups`"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")  # reflect/replicate/circular are supported
    with pytest.raises(ValueError, match="shape"):
        nn.Conv2d(3, 4, 3, connections=mg.ones(3, 4, dtype=mg.bool))
    with pytest.raises(ValueError, match="row"):
        nn.Conv2d(2, 2, 3, connections=mg.tensor([[True, True], [False, False]]))


@pytest.mark.parametrize("make", [
    lambda t: (nn.MaxPool2d(2), t.nn.MaxPool2d(2)),
    lambda t: (nn.MaxPool2d(3, stride=2, padding=1), t.nn.MaxPool2d(3, stride=2, padding=1)),
    lambda t: (nn.AvgPool2d(2), t.nn.AvgPool2d(2)),
    lambda t: (nn.AvgPool2d(3, 2, 1, count_include_pad=False),
               t.nn.AvgPool2d(3, 2, 1, count_include_pad=False)),
    lambda t: (nn.AdaptiveAvgPool2d((3, 2)), t.nn.AdaptiveAvgPool2d((3, 2))),
    lambda t: (nn.AdaptiveAvgPool2d(1), t.nn.AdaptiveAvgPool2d(1)),
    lambda t: (nn.Flatten(), t.nn.Flatten()),
    lambda t: (nn.Unflatten(1, (1, 2)), t.nn.Unflatten(1, (1, 2))),
    lambda t: (nn.ReLU(), t.nn.ReLU()),
    lambda t: (nn.LeakyReLU(0.2), t.nn.LeakyReLU(0.2)),
    lambda t: (nn.Tanh(), t.nn.Tanh()),
    lambda t: (nn.Sigmoid(), t.nn.Sigmoid()),
    lambda t: (nn.Softmax(dim=1), t.nn.Softmax(dim=1)),
    lambda t: (nn.LogSoftmax(dim=-1), t.nn.LogSoftmax(dim=-1)),
    lambda t: (nn.Identity(), t.nn.Identity()),
])
def test_parameterless_layers_match_torch(make: Any) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = make(torch)
    x = _x(2, 2, 7, 6)
    _close(ours(mg.tensor(x)), theirs(torch.tensor(x)), rtol=1e-5, atol=1e-6)


def test_subsampling2d_is_scaled_window_sum_plus_bias() -> None:
    torch = pytest.importorskip("torch")
    s = nn.Subsampling2d(3)
    assert float(s.weight.abs().max()) <= 0.6 and float(s.bias.abs().max()) <= 0.6
    x = _x(2, 3, 6, 8)
    w, b = s.weight.detach().numpy(), s.bias.detach().numpy()
    want = (torch.nn.functional.avg_pool2d(torch.tensor(x), 2) * 4 * torch.tensor(w)[:, None, None]
            + torch.tensor(b)[:, None, None])
    _close(s(mg.tensor(x)), want)
    nobias = nn.Subsampling2d(3, bias=False)
    assert nobias.bias is None and len(list(nobias.parameters())) == 1


def test_rbf_is_squared_distance_to_centres() -> None:
    centres = _x(4, 6)
    rbf = nn.RBF(6, 4, centres=mg.tensor(centres))
    x = _x(5, 6)
    want = ((x[:, None, :] - centres[None]) ** 2).sum(-1)
    _close(rbf(mg.tensor(x)), want, rtol=1e-5)
    mg.manual_seed(0)
    default = nn.RBF(84, 10)
    assert set(np.unique(default.centres.detach().numpy()).tolist()) == {-1.0, 1.0}
    fixed = nn.RBF(6, 4, centres=mg.tensor(centres), trainable=False)
    assert not fixed.centres.requires_grad
    with mg.no_grad():
        fixed.centres.mul_(0)
    fixed.reset_parameters()  # back to the given table
    _close(fixed.centres, centres)
    with pytest.raises(ValueError, match="centres"):
        nn.RBF(6, 4, centres=mg.zeros(4, 5))


def test_dropout_train_eval_and_scaling() -> None:
    drop = nn.Dropout(0.25)
    mg.manual_seed(5)
    y = drop(mg.ones(20000)).numpy()
    assert set(np.unique(y).tolist()) == {0.0, float(np.float32(1 / 0.75))}
    assert abs((y == 0).mean() - 0.25) < 0.02
    mg.manual_seed(5)
    np.testing.assert_array_equal(drop(mg.ones(20000)).numpy(), y)  # seeded: same mask
    drop.eval()
    x = mg.randn(3, 4)
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                        ("BatchNorm2d", (4, 3, 5, 2))])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_matches_torch_train_then_eval(cls: str, shape: tuple, momentum: Any) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(nn, cls)(3, momentum=momentum)
    theirs = getattr(torch.nn, cls)(3, momentum=momentum)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.5, 2.0, -1.0]))
        theirs.bias.copy_(torch.tensor([0.1, 0.0, 0.3]))
    ours.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    for _ in range(3):
        x = _x(*shape) * 3 + 1
        _close(ours(mg.tensor(x)), theirs(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    for k, v in theirs.state_dict().items():
        _close(ours.state_dict()[k], v.numpy(), rtol=1e-5, atol=1e-6)
    ours.eval(), theirs.eval()
    x = _x(*shape)
    _close(ours(mg.tensor(x)), theirs(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    assert int(ours.num_batches_tracked) == 3


def test_batchnorm_options_and_errors() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm2d(2, affine=False, track_running_stats=False)
    theirs = torch.nn.BatchNorm2d(2, affine=False, track_running_stats=False)
    assert list(ours.state_dict()) == [] and len(list(ours.parameters())) == 0
    x = _x(3, 2, 4, 4)
    ours.eval(), theirs.eval()  # without running stats, eval still uses batch statistics
    _close(ours(mg.tensor(x)), theirs(torch.tensor(x)), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(mg.ones(1, 2))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(2)(mg.ones(3, 2))
    with pytest.raises(ValueError, match="channels"):
        nn.BatchNorm1d(2)(mg.ones(3, 4))


@pytest.mark.parametrize("name, kwargs, target", [
    ("CrossEntropyLoss", {}, "cls"), ("CrossEntropyLoss", {"reduction": "sum"}, "cls"),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, "cls"),
    ("CrossEntropyLoss", {"ignore_index": 1}, "cls"),
    ("NLLLoss", {}, "cls"), ("NLLLoss", {"reduction": "none"}, "cls"),
    ("MSELoss", {}, "real"), ("BCELoss", {}, "prob"), ("BCEWithLogitsLoss", {}, "prob"),
])
def test_losses_match_torch(name: str, kwargs: dict, target: str) -> None:
    torch = pytest.importorskip("torch")
    x = _x(6, 4)
    if name == "NLLLoss":
        x = x - np.log(np.exp(x).sum(1, keepdims=True))
    if name == "BCELoss":
        x = 1 / (1 + np.exp(-x))
    t = {"cls": RNG.integers(0, 4, 6), "real": _x(6, 4),
         "prob": RNG.random((6, 4)).astype(np.float32)}[target]
    ours = getattr(nn, name)(**kwargs)(mg.tensor(x), mg.tensor(t))
    theirs = getattr(torch.nn, name)(**kwargs)(torch.tensor(x), torch.tensor(t))
    _close(ours, theirs, rtol=1e-5, atol=1e-6)


def test_loss_weight_is_a_buffer() -> None:
    torch = pytest.importorskip("torch")
    w = np.array([1.0, 2.0, 0.5], dtype=np.float32)
    loss = nn.CrossEntropyLoss(weight=mg.tensor(w))
    assert [n for n, _ in loss.named_buffers()] == ["weight"]
    x, t = _x(5, 3), RNG.integers(0, 3, 5)
    want = torch.nn.CrossEntropyLoss(weight=torch.tensor(w))(torch.tensor(x), torch.tensor(t))
    _close(loss(mg.tensor(x), mg.tensor(t)), want, rtol=1e-5)
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


# ---------------------------------------------------------------- gradients (float64)
def _params64(module: nn.Module) -> tuple:
    module.double()
    return tuple(module.parameters())


def _x64(*shape: int) -> mg.Tensor:
    return mg.tensor(_x(*shape, dtype=np.float64), requires_grad=True)


def test_linear_gradcheck() -> None:
    lin = nn.Linear(4, 3)
    ps = _params64(lin)
    assert gradcheck(lambda x, *_: lin(x), (_x64(2, 4), *ps))


def test_conv2d_gradcheck() -> None:
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1)
    ps = _params64(conv)
    assert gradcheck(lambda x, *_: conv(x), (_x64(2, 2, 5, 5), *ps))


def test_conv2d_with_connections_gradcheck() -> None:
    conv = nn.Conv2d(2, 3, 2, connections=mg.tensor([[1, 0], [1, 1], [0, 1]], dtype=mg.bool))
    ps = _params64(conv)
    assert gradcheck(lambda x, *_: conv(x), (_x64(1, 2, 4, 4), *ps))


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradcheck(training: bool) -> None:
    bn = nn.BatchNorm2d(2)
    ps = _params64(bn)
    with mg.no_grad():
        bn.weight.copy_(mg.tensor([0.7, -1.3], dtype=mg.float64))
        bn.running_mean.copy_(mg.tensor([0.2, -0.1], dtype=mg.float64))
        bn.running_var.copy_(mg.tensor([1.5, 0.6], dtype=mg.float64))
    bn.train(training)
    x = _x64(3, 2, 2, 2)
    assert gradcheck(lambda x, *_: bn(x), (x, *ps))
    assert gradgradcheck(lambda x, *_: bn(x), (x, *ps))


def test_batchnorm1d_gradcheck_2d_input() -> None:
    bn = nn.BatchNorm1d(3)
    ps = _params64(bn)
    assert gradcheck(lambda x, *_: bn(x), (_x64(4, 3), *ps))


def test_subsampling2d_gradcheck() -> None:
    s = nn.Subsampling2d(2)
    ps = _params64(s)
    assert gradcheck(lambda x, *_: s(x), (_x64(2, 2, 4, 4), *ps))


def test_rbf_gradcheck() -> None:
    rbf = nn.RBF(5, 3)
    ps = _params64(rbf)
    assert gradcheck(lambda x, *_: rbf(x), (_x64(4, 5), *ps))


def test_fused_linear_equals_the_composite():
    mg.manual_seed(3)
    x = mg.randn(2, 3, 4, dtype=mg.float64, requires_grad=True)
    w = mg.randn(5, 4, dtype=mg.float64, requires_grad=True)
    b = mg.randn(5, dtype=mg.float64, requires_grad=True)
    fused = F.linear(x, w, b)
    composite = x @ w.mT + b
    np.testing.assert_allclose(fused.detach().numpy(), composite.detach().numpy(), rtol=1e-12)
    grads_fused = mg.grad(fused.sum(), (x, w, b))
    grads_composite = mg.grad(composite.sum(), (x, w, b))
    for a, c in zip(grads_fused, grads_composite, strict=True):
        np.testing.assert_allclose(a.numpy(), c.numpy(), rtol=1e-12)
    assert gradcheck(F.linear, (x, w, b))
    assert gradgradcheck(F.linear, (x, w, b))
    x1 = x[0, 0].detach().requires_grad_()
    assert gradcheck(lambda v, u: F.linear(v, u), (x1, w))  # 1-D input, no bias
    with pytest.raises(mg.ShapeError, match="linear: input of shape"):
        F.linear(mg.ones(2, 3), mg.ones(5, 4))
