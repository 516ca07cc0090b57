"""Pooling and sub-sampling: direct-loop references, gradients, ties, errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.testing import gradcheck, gradgradcheck
from minigrad.testing.strategies import pool2d_settings


def _out(n: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    span = n + 2 * p - d * (k - 1) - 1
    o = (math.ceil(span / s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def ref_pool(x: np.ndarray, kind: str, kernel_size: Any, stride: Any, padding: Any,
             dilation: Any, ceil_mode: bool, count_include_pad: bool = True) -> np.ndarray:
    """Window by window, from the definition (PyTorch's divisor rules for avg)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel_size, stride, padding, dilation
    oh, ow = _out(h, kh, sh, ph, dh, ceil_mode), _out(w, kw, sw, pw, dw, ceil_mode)
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            vals = []
            for a in range(kh):
                for b in range(kw):
                    r, q = i * sh - ph + a * dh, j * sw - pw + b * dw
                    if 0 <= r < h and 0 <= q < w:
                        vals.append(x[:, :, r, q])
            if kind == "max":  # a window entirely in the padding gives -inf, as PyTorch
                out[:, :, i, j] = np.max(vals, axis=0) if vals else -np.inf
            else:
                hs, ws = i * sh - ph, j * sw - pw
                he, we = min(hs + kh, h + ph), min(ws + kw, w + pw)
                if count_include_pad:
                    div = (he - hs) * (we - ws)
                else:
                    div = (min(he, h) - max(hs, 0)) * (min(we, w) - max(ws, 0))
                out[:, :, i, j] = np.sum(vals, axis=0) / div
    return out


def _x(s: dict[str, Any], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(
        (s["batch"], s["channels"], s["height"], s["width"]))


def _kw(s: dict[str, Any]) -> dict[str, Any]:
    return {k: s[k] for k in ("kernel_size", "stride", "padding", "dilation", "ceil_mode")}


@settings(max_examples=40, deadline=None)
@given(pool2d_settings())
def test_max_pool2d_forward_and_gradcheck(s: dict[str, Any]) -> None:
    x = _x(s)
    out = F.max_pool2d(mg.tensor(x), **_kw(s))
    np.testing.assert_array_equal(out.numpy(), ref_pool(x, "max", **_kw(s)))
    if np.isfinite(out.numpy()).all():
        xt = mg.tensor(x, requires_grad=True)
        assert gradcheck(lambda t: F.max_pool2d(t, **_kw(s)), (xt,))


@settings(max_examples=40, deadline=None)
@given(pool2d_settings(max_dilation=1))
def test_avg_pool2d_forward_and_gradcheck(s: dict[str, Any]) -> None:
    x = _x(s)
    kw = _kw(s)
    kw.pop("dilation")
    for cip in (True, False):
        out = F.avg_pool2d(mg.tensor(x), **kw, count_include_pad=cip)
        ref = ref_pool(x, "avg", **_kw(s), count_include_pad=cip)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12, atol=1e-14)
    xt = mg.tensor(x, requires_grad=True)
    assert gradcheck(lambda t: F.avg_pool2d(t, **kw, count_include_pad=False), (xt,))


def test_pool_second_order() -> None:
    x = mg.randn(1, 2, 5, 5, dtype=mg.float64, requires_grad=True)
    assert gradgradcheck(lambda t: F.max_pool2d(t, 3, 2, 1) ** 2, (x,))
    assert gradgradcheck(lambda t: F.avg_pool2d(t, 3, 2, 1, ceil_mode=True) ** 2, (x,))
    assert gradgradcheck(lambda t: F.adaptive_avg_pool2d(t, (2, 3)) ** 2, (x,))


def test_max_pool_ties_send_the_gradient_to_the_first_maximum() -> None:
    x = mg.ones(1, 1, 2, 2, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[1.0, 0.0], [0.0, 0.0]])


def test_max_pool_return_indices_are_flat_positions() -> None:
    x = mg.tensor([[[[1.0, 5.0, 2.0], [0.0, 3.0, 9.0], [4.0, 4.0, 1.0]]]])
    out, idx = F.max_pool2d(x, 2, stride=1, return_indices=True)
    np.testing.assert_array_equal(idx.numpy()[0, 0], [[1, 5], [6, 5]])  # ties: the first 4
    assert idx.dtype == mg.int64
    np.testing.assert_array_equal(out.numpy()[0, 0], [[5.0, 9.0], [4.0, 9.0]])


def test_max_pool_propagates_nan() -> None:
    x = mg.tensor([[[[1.0, float("nan")], [3.0, 2.0]]]])
    assert np.isnan(F.max_pool2d(x, 2).numpy()).all()


def test_adaptive_avg_pool2d_bins() -> None:
    x = np.arange(2 * 7 * 5, dtype=np.float64).reshape(1, 2, 7, 5)
    out = F.adaptive_avg_pool2d(mg.tensor(x), (3, 2)).numpy()
    for i in range(3):
        for j in range(2):
            r0, r1 = (i * 7) // 3, -((-(i + 1) * 7) // 3)
            c0, c1 = (j * 5) // 2, -((-(j + 1) * 5) // 2)
            np.testing.assert_allclose(out[0, :, i, j], x[0, :, r0:r1, c0:c1].mean(axis=(1, 2)))
    assert F.adaptive_avg_pool2d(mg.tensor(x), 1).shape == (1, 2, 1, 1)


def test_subsampling2d_is_alpha_times_block_sum_plus_bias() -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 6))
    alpha, bias = rng.standard_normal(3), rng.standard_normal(3)
    out = F.subsampling2d(mg.tensor(x), mg.tensor(alpha), mg.tensor(bias), 2).numpy()
    blocks = x.reshape(2, 3, 2, 2, 3, 2).sum(axis=(3, 5))
    np.testing.assert_allclose(out, alpha[:, None, None] * blocks + bias[:, None, None])
    args = tuple(mg.tensor(a, requires_grad=True) for a in (x, alpha, bias))
    assert gradcheck(lambda a, b, c: F.subsampling2d(a, b, c, 2), args)


def test_subsample_keeps_every_kth_pixel() -> None:
    x = mg.arange(36.0, dtype=mg.float64).reshape(1, 1, 6, 6).requires_grad_()
    out = F.subsample(x, (2, 3))
    np.testing.assert_array_equal(out.detach().numpy()[0, 0], [[0, 3], [12, 15], [24, 27]])
    out.sum().backward()
    assert x.grad.numpy().sum() == 6


@pytest.mark.parametrize("call,text", [
    (lambda: F.max_pool2d(mg.ones(3, 4, 4), 2), "4-D input"),
    (lambda: F.max_pool2d(mg.ones(1, 1, 4, 4), 2, padding=2), "at most half"),
    (lambda: F.max_pool2d(mg.ones(1, 1, 2, 2), 3), "output size"),
    (lambda: F.avg_pool2d(mg.ones(1, 1, 4, 4), 0), "`kernel_size` must be >= 1"),
    (lambda: F.subsampling2d(mg.ones(1, 2, 4, 4), mg.ones(3), mg.ones(2)), "`weight`"),
])
def test_bad_input_errors(call: Any, text: str) -> None:
    with pytest.raises(mg.ShapeError, match=None) as info:
        call()
    assert text in str(info.value)
