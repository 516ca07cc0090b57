"""conv2d / conv1d / conv_transpose2d: direct-loop reference, gradcheck, second order, errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.backends import backend_for
from minigrad.ops import conv_kernels
from minigrad.testing import gradcheck, gradgradcheck
from minigrad.testing.strategies import conv2d_settings


def ref_conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: Any,
               padding: Any, dilation: Any, groups: int) -> np.ndarray:
    """Direct seven-loop cross-correlation (the definition, no im2col)."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for ni in range(n):
        for oc in range(o):
            g = oc // og
            for i in range(oh):
                for j in range(ow):
                    s = 0.0
                    for ci in range(cg):
                        for a in range(kh):
                            for bb in range(kw):
                                s += (w[oc, ci, a, bb]
                                      * xp[ni, g * cg + ci, i * sh + a * dh, j * sw + bb * dw])
                    out[ni, oc, i, j] = s + (b[oc] if b is not None else 0.0)
    return out


def _draw(s: dict[str, Any], seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((s["batch"], s["in_channels"], s["height"], s["width"]))
    w = rng.standard_normal((s["out_channels"], s["in_channels"] // s["groups"],
                             *s["kernel_size"]))
    b = rng.standard_normal(s["out_channels"])
    return x, w, b


def _kw(s: dict[str, Any]) -> dict[str, Any]:
    return {k: s[k] for k in ("stride", "padding", "dilation", "groups")}


@settings(max_examples=30, deadline=None)
@given(conv2d_settings(), st.booleans())
def test_conv2d_forward_matches_direct_loops(s: dict[str, Any], with_bias: bool) -> None:
    x, w, b = _draw(s)
    b = b if with_bias else None
    out = F.conv2d(mg.tensor(x), mg.tensor(w), None if b is None else mg.tensor(b), **_kw(s))
    np.testing.assert_allclose(out.numpy(), ref_conv2d(x, w, b, **_kw(s)), rtol=1e-10,
                               atol=1e-10)


@settings(max_examples=20, deadline=None)
@given(conv2d_settings(max_channels_per_group=2, max_extra_side=2))
def test_conv2d_gradcheck(s: dict[str, Any]) -> None:
    x, w, b = _draw(s)
    args = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    assert gradcheck(lambda xx, ww, bb: F.conv2d(xx, ww, bb, **_kw(s)), tuple(args))


@settings(max_examples=10, deadline=None)
@given(conv2d_settings(max_channels_per_group=2, max_extra_side=2, max_batch=1))
def test_conv2d_second_order(s: dict[str, Any]) -> None:
    x, w, _ = _draw(s)
    args = (mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True))
    assert gradgradcheck(lambda xx, ww: F.conv2d(xx, ww, **_kw(s)), args, fast_mode=True)


def test_weight_grad_and_input_grad_are_the_textbook_equations() -> None:
    # dL/dw = x ⋆ g (correlation); dL/dx = full correlation of g with the rotated kernel
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 1, 4, 5)), rng.standard_normal((1, 1, 2, 3))
    g = rng.standard_normal((1, 1, 3, 3))
    xt, wt = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    F.conv2d(xt, wt).backward(mg.tensor(g))
    dw = ref_conv2d(x, g, None, (1, 1), (0, 0), (1, 1), 1)
    np.testing.assert_allclose(wt.grad.numpy(), dw, rtol=1e-12)
    rot = w[:, :, ::-1, ::-1]
    dx = ref_conv2d(g, rot, None, (1, 1), (1, 2), (1, 1), 1)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-12)


@pytest.mark.parametrize("groups", [1, 2])
def test_conv_transpose2d_is_the_adjoint_of_conv2d(groups: int) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 8, 6))  # 8 rows need output_padding 1 to come back
    w = rng.standard_normal((6, 4 // groups, 3, 2))
    y = F.conv2d(mg.tensor(x), mg.tensor(w), stride=2, padding=1, groups=groups)
    v = rng.standard_normal(y.shape)
    back = F.conv_transpose2d(mg.tensor(v), mg.tensor(w), stride=2, padding=1, groups=groups,
                              output_padding=(1, 0))
    assert back.shape == x.shape
    np.testing.assert_allclose((y.numpy() * v).sum(), (x * back.numpy()).sum(), rtol=1e-10)


def test_conv_transpose2d_gradients_and_second_order() -> None:
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 3, 2, 2)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(3), requires_grad=True)
    fn = lambda xx, ww, bb: F.conv_transpose2d(xx, ww, bb, stride=2, padding=1,  # noqa: E731
                                               output_padding=1, dilation=2)
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_conv1d_equals_conv2d_on_a_row() -> None:
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 2, 3))
    out = F.conv1d(mg.tensor(x), mg.tensor(w), stride=2, padding=1, dilation=2, groups=2)
    ref = ref_conv2d(x[:, :, None], w[:, :, None], None, (1, 2), (0, 1), (1, 2), 2)[:, :, 0]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    xt = mg.tensor(x, requires_grad=True)
    assert gradcheck(lambda a: F.conv1d(a, mg.tensor(w), padding="same", groups=2), (xt,))


@pytest.mark.parametrize("k,d", [(3, 1), (4, 1), (2, 3)])
def test_same_and_valid_padding(k: int, d: int) -> None:
    x = mg.randn(1, 2, 7, 8, dtype=mg.float64)
    w = mg.randn(3, 2, k, k, dtype=mg.float64)
    assert F.conv2d(x, w, padding="same", dilation=d).shape == (1, 3, 7, 8)
    valid = F.conv2d(x, w, padding="valid", dilation=d)
    np.testing.assert_array_equal(valid.numpy(), F.conv2d(x, w, dilation=d).numpy())


def test_connections_table_equals_groups_when_block_diagonal() -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 4, 6, 6))
    wg = rng.standard_normal((6, 2, 3, 3))  # groups=2: out 0-2 read in 0-1, out 3-5 read in 2-3
    table = np.zeros((6, 4), dtype=bool)
    table[:3, :2] = table[3:, 2:] = True
    wfull = rng.standard_normal((6, 4, 3, 3))
    wfull[:3, :2], wfull[3:, 2:] = wg[:3], wg[3:]
    xg, wgt = mg.tensor(x, requires_grad=True), mg.tensor(wg, requires_grad=True)
    xc, wct = mg.tensor(x, requires_grad=True), mg.tensor(wfull, requires_grad=True)
    a = F.conv2d(xg, wgt, padding=1, groups=2)
    c = F.conv2d(xc, wct, padding=1, connections=table)
    np.testing.assert_allclose(a.detach().numpy(), c.detach().numpy(), rtol=1e-12)
    g = mg.tensor(rng.standard_normal(a.shape))
    a.backward(g)
    c.backward(g)
    np.testing.assert_allclose(xg.grad.numpy(), xc.grad.numpy(), rtol=1e-12)
    dw = wct.grad.numpy()
    np.testing.assert_allclose(dw[:3, :2], wgt.grad.numpy()[:3], rtol=1e-12)
    np.testing.assert_allclose(dw[3:, 2:], wgt.grad.numpy()[3:], rtol=1e-12)
    assert not dw[:3, 2:].any() and not dw[3:, :2].any()  # unconnected weights get no gradient


def test_lenet_c3_connection_table() -> None:
    # LeNet-5 C3: 16 maps over 6 inputs; maps 0-5 read 3 contiguous maps, etc.
    table = np.zeros((16, 6), dtype=bool)
    for o in range(6):
        table[o, [(o + i) % 6 for i in range(3)]] = True
    for o in range(6, 12):
        table[o, [(o + i) % 6 for i in range(4)]] = True
    for o, cols in zip(range(12, 15), ([0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5]), strict=True):
        table[o, cols] = True
    table[15] = True
    x = mg.randn(2, 6, 14, 14, dtype=mg.float64)
    w = mg.randn(16, 6, 5, 5, dtype=mg.float64)
    out = F.conv2d(x, w, connections=mg.tensor(table))
    assert out.shape == (2, 16, 10, 10)
    x0 = x.numpy().copy()
    x0[:, 3:] = 0.0  # map 0 reads inputs 0, 1, 2 only
    np.testing.assert_allclose(F.conv2d(mg.tensor(x0), w, connections=table).numpy()[:, 0],
                               out.numpy()[:, 0], rtol=1e-12)


def test_big_batch_is_processed_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # a tiny column budget forces one image per chunk: results must not change
    rng = np.random.default_rng(6)
    x = mg.tensor(rng.standard_normal((5, 3, 9, 9)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    y = F.conv2d(x, w, stride=2, padding=1)
    y.backward(mg.ones(*y.shape, dtype=mg.float64))
    ref = (y.detach().numpy(), x.grad.numpy(), w.grad.numpy())
    monkeypatch.setattr(conv_kernels, "COL_BUDGET_BYTES", 1)
    x.grad = w.grad = None
    y = F.conv2d(x, w, stride=2, padding=1)
    y.backward(mg.ones(*y.shape, dtype=mg.float64))
    for a, b in zip(ref, (y.detach().numpy(), x.grad.numpy(), w.grad.numpy()), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_im2col_col2im_are_adjoint() -> None:
    be = backend_for("cpu")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 7, 6))
    args = ((3, 2), (2, 1), (1, 2, 0, 1), (1, 2))
    cols = be.im2col(x, *args)
    assert cols.shape == (2, 3, 3, 2, 4, 5) and cols.flags.c_contiguous
    r = rng.standard_normal(cols.shape)
    back = be.col2im(r, (7, 6), *args)
    np.testing.assert_allclose((cols * r).sum(), (x * back).sum(), rtol=1e-12)


BAD: list[tuple[str, Any, type, str]] = [
    ("3-D input", lambda: F.conv2d(mg.ones(3, 8, 8), mg.ones(4, 3, 3, 3)), mg.ShapeError,
     "4-D input"),
    ("channel mismatch", lambda: F.conv2d(mg.ones(1, 3, 8, 8), mg.ones(4, 2, 3, 3)),
     mg.ShapeError, "input has 3 channels"),
    ("groups", lambda: F.conv2d(mg.ones(1, 3, 8, 8), mg.ones(4, 1, 3, 3), groups=2),
     mg.ShapeError, "`in_channels` (=3) must be divisible by `groups` (=2)"),
    ("kernel too big", lambda: F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(1, 1, 5, 5)),
     mg.ShapeError, "larger than the padded input"),
    ("dilated kernel", lambda: F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(1, 1, 3, 3), dilation=2),
     mg.ShapeError, "output would be empty"),
    ("bad stride", lambda: F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(1, 1, 3, 3), stride=0),
     mg.ShapeError, "`stride` must be >= 1"),
    ("same+stride", lambda: F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(1, 1, 3, 3), stride=2,
                                     padding="same"), mg.ShapeError, "needs stride 1"),
    ("bias", lambda: F.conv2d(mg.ones(1, 1, 4, 4), mg.ones(2, 1, 3, 3), mg.ones(3)),
     mg.ShapeError, "`bias` must have shape (2,)"),
    ("int input", lambda: F.conv2d(mg.ones(1, 1, 4, 4, dtype=mg.int64), mg.ones(1, 1, 3, 3)),
     mg.MinigradTypeError, "floating-point"),
    ("table shape", lambda: F.conv2d(mg.ones(1, 2, 4, 4), mg.ones(3, 2, 3, 3),
                                     connections=np.ones((3, 3), bool)), mg.ShapeError,
     "(out_channels, in_channels) = (3, 2)"),
    ("empty row", lambda: F.conv2d(mg.ones(1, 2, 4, 4), mg.ones(2, 2, 3, 3),
                                   connections=np.array([[True, False], [False, False]])),
     mg.ShapeError, "row(s) [1] read no input"),
    ("transpose out size", lambda: F.conv_transpose2d(mg.ones(1, 1, 1, 1), mg.ones(1, 1, 1, 1),
                                                      padding=1), mg.ShapeError,
     "zero or negative"),
    ("output_padding", lambda: F.conv_transpose2d(mg.ones(1, 1, 2, 2), mg.ones(1, 1, 2, 2),
                                                  output_padding=1), mg.ShapeError,
     "smaller than `stride`"),
]


@pytest.mark.parametrize("name,call,exc,text", BAD, ids=[b[0] for b in BAD])
def test_bad_input_errors(name: str, call: Any, exc: type, text: str) -> None:
    with pytest.raises(exc) as info:
        call()
    assert text in str(info.value)
    assert str(info.value).startswith(("conv2d", "conv_transpose2d"))
