"""The CNN op family against torch.nn.functional: forward and every gradient, float32."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.testing.strategies import conv2d_settings, pool2d_settings

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RTOL, ATOL = 2e-5, 2e-5


def _run(mg_fn: Any, torch_fn: Any, arrays: list[np.ndarray], seed: int = 0) -> None:
    """Forward and the gradients of all inputs (under a random output gradient) agree."""
    mts = [mg.tensor(a, requires_grad=True) for a in arrays]
    tts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = mg_fn(*mts), torch_fn(*tts)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=RTOL, atol=ATOL)
    g = np.random.default_rng(seed).standard_normal(tout.shape).astype(np.float32)
    out.backward(mg.tensor(g))
    tout.backward(torch.tensor(g))
    for m, t in zip(mts, tts, strict=True):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=RTOL, atol=ATOL)


def _f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


@settings(max_examples=30, deadline=None)
@given(conv2d_settings(max_channels_per_group=4, max_extra_side=6))
def test_conv2d(s: dict[str, Any]) -> None:
    rng = np.random.default_rng(0)
    x = _f32(rng, s["batch"], s["in_channels"], s["height"], s["width"])
    w = _f32(rng, s["out_channels"], s["in_channels"] // s["groups"], *s["kernel_size"])
    b = _f32(rng, s["out_channels"])
    kw = {k: s[k] for k in ("stride", "padding", "dilation", "groups")}
    _run(lambda *a: F.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), [x, w, b])


@settings(max_examples=30, deadline=None)
@given(conv2d_settings(max_channels_per_group=3), st.integers(0, 1), st.integers(0, 1))
def test_conv_transpose2d(s: dict[str, Any], oph: int, opw: int) -> None:
    rng = np.random.default_rng(1)
    op = (min(oph, s["stride"][0] - 1), min(opw, s["stride"][1] - 1))
    x = _f32(rng, s["batch"], s["in_channels"], s["height"], s["width"])
    w = _f32(rng, s["in_channels"], s["out_channels"] // s["groups"], *s["kernel_size"])
    b = _f32(rng, s["out_channels"])
    kw = {k: s[k] for k in ("stride", "dilation", "groups")}
    kw["output_padding"] = op
    # conv_transpose2d's padding must leave a positive output
    pad = tuple(min(p, ((n - 1) * st_ + d * (k - 1) + o) // 2) for p, n, st_, d, k, o in zip(
        s["padding"], (s["height"], s["width"]), s["stride"], s["dilation"], s["kernel_size"],
        op, strict=True))
    kw["padding"] = pad
    _run(lambda *a: F.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw),
         [x, w, b])


@pytest.mark.parametrize("padding", [0, 2, "same", "valid"])
def test_conv1d(padding: Any) -> None:
    rng = np.random.default_rng(2)
    x, w, b = _f32(rng, 2, 4, 11), _f32(rng, 6, 2, 3), _f32(rng, 6)
    kw = {"padding": padding, "dilation": 2, "groups": 2}
    _run(lambda *a: F.conv1d(*a, **kw), lambda *a: TF.conv1d(*a, **kw), [x, w, b])


@settings(max_examples=40, deadline=None)
@given(pool2d_settings())
def test_max_pool2d(s: dict[str, Any]) -> None:
    rng = np.random.default_rng(3)
    x = _f32(rng, s["batch"], s["channels"], s["height"], s["width"])
    x[..., ::2, :] = np.round(x[..., ::2, :])  # some ties
    kw = {k: s[k] for k in ("kernel_size", "stride", "padding", "dilation", "ceil_mode")}
    out, idx = F.max_pool2d(mg.tensor(x), **kw, return_indices=True)
    _, tidx = TF.max_pool2d(torch.tensor(x), **kw, return_indices=True)
    # a window lying wholly in the padding gives -inf and an index that points at no input
    # element (PyTorch's differs there); elsewhere the indices agree exactly
    real = np.isfinite(out.numpy())
    np.testing.assert_array_equal(idx.numpy()[real], tidx.numpy()[real])
    if real.all():
        _run(lambda a: F.max_pool2d(a, **kw), lambda a: TF.max_pool2d(a, **kw), [x])


@settings(max_examples=40, deadline=None)
@given(pool2d_settings(max_dilation=1), st.booleans())
def test_avg_pool2d(s: dict[str, Any], cip: bool) -> None:
    rng = np.random.default_rng(4)
    x = _f32(rng, s["batch"], s["channels"], s["height"], s["width"])
    kw = {k: s[k] for k in ("kernel_size", "stride", "padding", "ceil_mode")}
    kw["count_include_pad"] = cip
    _run(lambda a: F.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw), [x])


@pytest.mark.parametrize("size", [(1, 1), (3, 2), (5, 7), 4])
def test_adaptive_avg_pool2d(size: Any) -> None:
    x = _f32(np.random.default_rng(5), 2, 3, 9, 7)
    _run(lambda a: F.adaptive_avg_pool2d(a, size), lambda a: TF.adaptive_avg_pool2d(a, size), [x])


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_softmax_family(scale: float) -> None:
    x = _f32(np.random.default_rng(6), 4, 5, 3) * scale
    for dim in (0, 1, -1):
        _run(lambda a, d=dim: F.softmax(a, d), lambda a, d=dim: TF.softmax(a, d), [x])
        _run(lambda a, d=dim: F.log_softmax(a, d), lambda a, d=dim: TF.log_softmax(a, d), [x])


@pytest.mark.parametrize("kw", [
    {}, {"reduction": "sum"}, {"reduction": "none"}, {"weight": True}, {"label_smoothing": 0.2},
    {"weight": True, "label_smoothing": 0.1, "reduction": "none"}, {"ignore_index": 2},
])
@pytest.mark.parametrize("spatial", [False, True])
def test_cross_entropy_and_nll(kw: dict[str, Any], spatial: bool) -> None:
    rng = np.random.default_rng(7)
    x = _f32(rng, 6, 5, 4) if spatial else _f32(rng, 6, 5)
    t = rng.integers(0, 5, (6, 4) if spatial else (6,))
    t.flat[1] = kw.get("ignore_index", -100)
    w = np.linspace(0.5, 2.0, 5).astype(np.float32)
    mk = {k: (mg.tensor(w) if k == "weight" else v) for k, v in kw.items()}
    tk = {k: (torch.tensor(w) if k == "weight" else v) for k, v in kw.items()}
    _run(lambda a: F.cross_entropy(a, mg.tensor(t), **mk),
         lambda a: TF.cross_entropy(a, torch.tensor(t), **tk), [x])
    mk.pop("label_smoothing", None)
    tk.pop("label_smoothing", None)
    _run(lambda a: F.nll_loss(F.log_softmax(a, 1), mg.tensor(t), **mk),
         lambda a: TF.nll_loss(TF.log_softmax(a, 1), torch.tensor(t), **tk), [x])


def test_cross_entropy_probability_targets() -> None:
    rng = np.random.default_rng(8)
    x = _f32(rng, 4, 5, 3)
    p = rng.dirichlet(np.ones(5), (4, 3)).transpose(0, 2, 1).astype(np.float32)
    w = np.linspace(0.5, 2.0, 5).astype(np.float32)
    _run(lambda a, q: F.cross_entropy(a, q, weight=mg.tensor(w), label_smoothing=0.1),
         lambda a, q: TF.cross_entropy(a, q, weight=torch.tensor(w), label_smoothing=0.1), [x, p])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_and_binary_losses(reduction: str) -> None:
    rng = np.random.default_rng(9)
    a, y = _f32(rng, 4, 3) * 3, rng.random((4, 3)).astype(np.float32)
    pw, w = (rng.random(3) + 0.5).astype(np.float32), rng.random((4, 3)).astype(np.float32)
    r = {"reduction": reduction}
    pairs = [
        (F.mse_loss, TF.mse_loss, {}), (F.l1_loss, TF.l1_loss, {}),
        (F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.5}),
        (F.huber_loss, TF.huber_loss, {"delta": 0.8}),
    ]
    for mf, tf, extra in pairs:
        _run(lambda p, q, mf=mf, e=extra: mf(p, q, **r, **e),
             lambda p, q, tf=tf, e=extra: tf(p, q, **r, **e), [a, y])
    _run(lambda p, q: F.binary_cross_entropy_with_logits(
             p, q, weight=mg.tensor(w), pos_weight=mg.tensor(pw), **r),
         lambda p, q: TF.binary_cross_entropy_with_logits(
             p, q, weight=torch.tensor(w), pos_weight=torch.tensor(pw), **r), [a, y])
    prob = (1 / (1 + np.exp(-a))).astype(np.float32)
    _run(lambda p, q: F.binary_cross_entropy(p, q, weight=mg.tensor(w), **r),
         lambda p, q: TF.binary_cross_entropy(p, q, weight=torch.tensor(w), **r), [prob, y])
