"""Fast convolution paths equal the reference (im2col + GEMM); per-shape auto-tuning."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.backends import backend_for
from minigrad.ops import autotune, conv_kernels
from minigrad.ops.conv_shifted import (
    pad_channel_first,
    shifted_forward,
    shifted_input_grad,
    shifted_weight_grad,
)
from minigrad.testing.strategies import conv2d_settings

BE = backend_for("cpu")
TOL = {np.float32: 2e-5, np.float64: 1e-11}


def _arrays(s: dict[str, Any], dtype: Any, seed: int = 0) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((s["batch"], s["in_channels"], s["height"], s["width"]))
    w = rng.standard_normal((s["out_channels"], s["in_channels"], *s["kernel_size"]))
    return x.astype(dtype), w.astype(dtype), rng


def _pad4(s: dict[str, Any]) -> tuple[int, int, int, int]:
    ph, pw = s["padding"]
    return (ph, ph, pw, pw)


def _close(a: Any, b: Any, dtype: Any) -> None:
    scale = max(1.0, float(np.abs(b).max(initial=0.0)))
    np.testing.assert_allclose(a, b, rtol=TOL[dtype], atol=TOL[dtype] * scale)
    assert a.dtype == b.dtype and a.shape == b.shape


@settings(max_examples=40, deadline=None)
@given(conv2d_settings(max_batch=3, max_channels_per_group=5, max_groups=1, max_kernel=4,
                       max_stride=1, max_padding=2, max_dilation=2, max_extra_side=6),
       st.sampled_from([np.float32, np.float64]))
def test_shifted_equals_im2col(s: dict[str, Any], dtype: Any) -> None:
    x, w, rng = _arrays(s, dtype)
    pad, dil, k = _pad4(s), s["dilation"], s["kernel_size"]
    ref, aux = conv_kernels._im2col_forward(BE, x, w, (1, 1), pad, dil, 1, True)
    out, xc = shifted_forward(np, x, w, pad, dil)
    _close(out, ref, dtype)
    g = rng.standard_normal(ref.shape).astype(dtype)
    gw_ref = conv_kernels._im2col_weight_grad(BE, x, g, k, (1, 1), pad, dil, 1, None)
    _close(shifted_weight_grad(np, xc, g, k, dil), gw_ref, dtype)
    # the forward's kept columns give the same weight gradient
    _close(conv_kernels.conv2d_weight_grad(BE, None, g, k, (1, 1), pad, dil, 1, cols=aux),
           gw_ref, dtype)
    gx_ref = conv_kernels._im2col_input_grad(BE, g, w, x.shape[2:], (1, 1), pad, dil, 1)
    _close(shifted_input_grad(np, g, w, x.shape[2:], pad, dil), gx_ref, dtype)


def test_shifted_asymmetric_padding_and_large_shapes() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 16, 13, 9)).astype(np.float32)
    w = rng.standard_normal((24, 16, 3, 3)).astype(np.float32)
    pad = (0, 2, 1, 0)
    ref, _ = conv_kernels._im2col_forward(BE, x, w, (1, 1), pad, (1, 1), 1, False)
    out, xc = shifted_forward(np, x, w, pad, (1, 1))
    _close(out, ref, np.float32)
    assert xc.shape == (16, 4, 15, 10)
    np.testing.assert_array_equal(pad_channel_first(np, x, pad), xc)
    g = rng.standard_normal(ref.shape).astype(np.float32)
    _close(shifted_input_grad(np, g, w, (13, 9), pad, (1, 1)),
           conv_kernels._im2col_input_grad(BE, g, w, (13, 9), (1, 1), pad, (1, 1), 1), np.float32)


@pytest.fixture
def tuning(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    monkeypatch.setattr(autotune, "cache_path", lambda: tmp_path / "tune.json")
    monkeypatch.setattr(autotune, "disk_cache", False)
    autotune.clear()
    mg.backends.cudnn.benchmark = True
    yield tmp_path / "tune.json"
    mg.backends.cudnn.benchmark = False
    autotune.clear()


@settings(max_examples=15, deadline=None)
@given(conv2d_settings(max_batch=2, max_channels_per_group=4, max_kernel=3, max_extra_side=4),
       st.sampled_from([np.float32, np.float64]))
def test_tuned_conv_equals_reference(s: dict[str, Any], dtype: Any) -> None:
    """Whatever algorithm the tuner picks, conv2d and both gradients equal the untuned run."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((s["batch"], s["in_channels"], s["height"], s["width"]))
    w = rng.standard_normal((s["out_channels"], s["in_channels"] // s["groups"],
                             *s["kernel_size"]))
    kw = {k: s[k] for k in ("stride", "padding", "dilation", "groups")}
    results = []
    for bench in (False, True, True):  # reference, tuning call, cached winner
        mg.backends.cudnn.benchmark = bench
        xt = mg.tensor(x.astype(dtype), requires_grad=True)
        wt = mg.tensor(w.astype(dtype), requires_grad=True)
        y = F.conv2d(xt, wt, **kw)
        (y * y).sum().backward()
        results.append((y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()))
    mg.backends.cudnn.benchmark = False
    autotune.clear()
    for got in results[1:]:
        for a, b in zip(got, results[0], strict=True):
            _close(a, b, dtype)


def test_autotune_records_winner_per_shape(tuning: Any) -> None:
    x = mg.randn(2, 4, 8, 8, requires_grad=True)
    w = mg.randn(6, 4, 3, 3, requires_grad=True)
    F.conv2d(x, w, padding=1).sum().backward()
    wins = autotune.winners()
    kinds = sorted(k[0] for k in wins)
    assert kinds == ["conv2d", "conv2d_input"]  # the weight grad reused the forward's buffer
    assert set(wins.values()) <= {"im2col", "shifted"}
    times = autotune.timings()
    assert all(set(t) == {"im2col", "shifted"} for t in times.values())
    # stride 2 has one algorithm: nothing is timed or recorded
    F.conv2d(x, w, stride=2)
    assert len(autotune.winners()) == 2


def test_autotune_off_runs_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    autotune.clear()
    called = []
    monkeypatch.setattr(conv_kernels, "shifted_forward",
                        lambda *a: called.append(a) or (_ for _ in ()).throw(RuntimeError))
    F.conv2d(mg.randn(1, 2, 5, 5), mg.randn(3, 2, 3, 3), padding=1)
    assert called == [] and autotune.winners() == {}


def test_autotune_disk_cache_round_trip(tuning: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(autotune, "disk_cache", True)
    name, val = autotune.pick(("k", (1, 2), "float32"), {"a": lambda: 1, "b": lambda: 1})
    assert val == 1 and tuning.exists()
    autotune.clear()
    seen = []
    got = autotune.pick(("k", (1, 2), "float32"),
                        {"a": lambda: seen.append("a") or 1, "b": lambda: seen.append("b") or 1})
    assert got == (name, 1) and seen == [name]  # loaded from disk: only the winner ran


def test_autotune_syncs_around_each_timing(tuning: Any) -> None:
    """An asynchronous device is synchronised before each clock reading (2 per timed run)."""
    calls = []
    name, val = autotune.pick(("sync",), {"a": lambda: 5, "b": lambda: 5},
                              sync=lambda: calls.append(1))
    assert val == 5 and len(calls) == 8  # a b b a, before and after each
    calls.clear()
    assert autotune.pick(("sync",), {"a": lambda: 5, "b": lambda: 5},
                         sync=lambda: calls.append(1)) == (name, 5) and calls == []
