"""scaled_dot_product_attention beyond the op table: the fused op against its composite,
fully masked rows, dropout, second order, memory, errors, and PyTorch on chosen settings.

(The op table, tests/op_table_attention.py, checks random cases against NumPy, finite
differences, second order and PyTorch.)
"""

from __future__ import annotations

import math
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from op_table_attention import np_attention

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.ops.attention import ScaledDotProductAttention
from minigrad.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def _t(*shape: int, dtype: Any = np.float64, grad: bool = True) -> mg.Tensor:
    return mg.tensor(RNG.standard_normal(shape).astype(dtype), requires_grad=grad)


def _composite(q: mg.Tensor, k: mg.Tensor, v: mg.Tensor, mask: mg.Tensor | None = None,
               scale: float | None = None) -> mg.Tensor:
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = (q @ k.mT) * scale
    if mask is not None:
        s = s + mask
    return F.softmax(s, dim=-1) @ v


def _grads(out: mg.Tensor, ts: list[mg.Tensor], seed: np.ndarray) -> list[np.ndarray]:
    gs = mg.grad([out], ts, grad_outputs=[mg.tensor(seed)])
    return [g.numpy() for g in gs]


@pytest.mark.parametrize("masked", [False, True])
def test_fused_op_equals_the_composite(masked: bool) -> None:
    q, k, v = _t(2, 3, 4, 5), _t(2, 3, 6, 5), _t(2, 3, 6, 7)
    ts = [q, k, v]
    mask = None
    if masked:
        mask = _t(3, 1, 6)
        ts.append(mask)
    fused = F.scaled_dot_product_attention(q, k, v, mask, scale=0.7)
    comp = _composite(q, k, v, mask, scale=0.7)
    np.testing.assert_allclose(fused.detach().numpy(), comp.detach().numpy(), rtol=1e-12,
                               atol=1e-13)
    seed = RNG.standard_normal(fused.shape)
    for a, b in zip(_grads(fused, ts, seed), _grads(comp, ts, seed), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_second_order_equals_the_composite() -> None:
    q, k, v, mask = _t(2, 3, 2), _t(2, 4, 2), _t(2, 4, 3), _t(3, 4)
    ts = [q, k, v, mask]
    seed = mg.tensor(RNG.standard_normal((2, 3, 3)))
    results = []
    for fn in (F.scaled_dot_product_attention, _composite):
        gs = mg.grad([fn(q, k, v, mask)], ts, grad_outputs=[seed], create_graph=True)
        total = sum(((g * g).sum() for g in gs), mg.tensor(0.0, dtype=mg.float64))
        results.append([g.numpy() for g in mg.grad([total], ts)])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


def test_gradcheck_and_gradgradcheck_tiny() -> None:
    q, k, v, mask = _t(2, 2, 3), _t(2, 3, 3), _t(2, 3, 2), _t(2, 3)
    fn = F.scaled_dot_product_attention
    assert gradcheck(fn, (q, k, v, mask))
    assert gradgradcheck(fn, (q, k, v, mask), atol=1e-4, rtol=1e-3)
    assert gradgradcheck(lambda *t: fn(*t, is_causal=True), (q, k, v), atol=1e-4, rtol=1e-3)


def test_fully_masked_rows_give_zeros_as_pytorch() -> None:
    # PyTorch 2.13 returns 0 (not NaN) for a query row that may attend to no key, with zero
    # gradients; a bool mask and a float mask of -inf agree
    q, k, v = _t(2, 3, 4), _t(2, 5, 4), _t(2, 5, 6)
    keep = np.ones((3, 5), dtype=bool)
    keep[1] = False
    for mask in (mg.tensor(keep), mg.tensor(np.where(keep, 0.0, -np.inf),
                                            requires_grad=True)):
        out = F.scaled_dot_product_attention(q, k, v, mask)
        assert np.isfinite(out.detach().numpy()).all()
        assert (out.detach().numpy()[:, 1] == 0).all()
        np.testing.assert_allclose(out.detach().numpy(), np_attention(
            q.detach().numpy(), k.detach().numpy(), v.detach().numpy(), keep), atol=1e-12)
        ts = [q, k, v] + ([mask] if mask.requires_grad else [])
        gs = _grads(out, ts, RNG.standard_normal(out.shape))
        assert all(np.isfinite(g).all() for g in gs)
        assert (gs[0][:, 1] == 0).all()
        assert gradgradcheck(lambda a, b, c, mask=mask: F.scaled_dot_product_attention(
            a, b, c, mask.detach()), (q, k, v), atol=1e-4, rtol=1e-3)


def test_fully_masked_rows_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    arrays = [RNG.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6))]
    keep = RNG.random((2, 3, 5)) > 0.5
    keep[0, 2] = False
    ts = [mg.tensor(a, requires_grad=True) for a in arrays]
    tts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = F.scaled_dot_product_attention(*ts, attn_mask=mg.tensor(keep))
    tout = torch.nn.functional.scaled_dot_product_attention(*tts, attn_mask=torch.tensor(keep))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    seed = RNG.standard_normal(out.shape)
    tgs = torch.autograd.grad([tout], tts, [torch.tensor(seed)])
    for g, tg in zip(_grads(out, ts, seed), tgs, strict=True):
        np.testing.assert_allclose(g, tg.numpy(), atol=1e-12)


def test_dropout_drops_attention_weights() -> None:
    # with value = identity, the output is the (dropped) attention matrix itself
    q, k = _t(4, 6, 3, grad=False), _t(4, 8, 3, grad=False)
    eye = mg.tensor(np.eye(8))
    plain = F.scaled_dot_product_attention(q, k, eye).numpy()
    mg.manual_seed(3)
    dropped = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.25).numpy()
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], plain[kept] / 0.75, rtol=1e-12)
    assert 0.6 < kept.mean() < 0.9
    mg.manual_seed(3)
    again = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.25).numpy()
    np.testing.assert_array_equal(again, dropped)  # minigrad's seeded generator
    assert (F.scaled_dot_product_attention(q, k, eye, dropout_p=1.0).numpy() == 0).all()


def test_dropout_gradients() -> None:
    q, k, v, mask = _t(2, 3, 2), _t(2, 4, 2), _t(2, 4, 3), _t(3, 4)

    def fn(*ts: mg.Tensor) -> mg.Tensor:
        mg.manual_seed(7)  # the same dropout mask at every evaluation
        return F.scaled_dot_product_attention(*ts, dropout_p=0.4)

    assert gradcheck(fn, (q, k, v, mask))
    assert gradgradcheck(fn, (q, k, v, mask), atol=1e-4, rtol=1e-3)


def test_saves_one_probability_matrix() -> None:
    # peak memory of the saved state: one B*H*L*S probability array beside the inputs
    # (1 x 8 heads x 1024 x 1024 in float32 is 32 MiB; here a small size with the same rule)
    q = _t(1, 8, 64, 16, dtype=np.float32)
    out = F.scaled_dot_product_attention(q, q, q)
    node = out.grad_fn
    assert isinstance(node, ScaledDotProductAttention)
    assert node.saved_aux.shape == (1, 8, 64, 64) and node.saved_aux.dtype == np.float32
    assert node.saved_aux.nbytes == 1 * 8 * 64 * 64 * 4
    out.sum().backward()
    assert "saved_aux" not in node.__dict__  # released after backward


def test_grouped_query_attention_repeats_heads() -> None:
    q, k, v = _t(2, 6, 3, 4), _t(2, 2, 5, 4), _t(2, 3, 5, 4)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    expect = np_attention(q.detach().numpy(), k.detach().numpy(), v.detach().numpy(),
                          enable_gqa=True)
    np.testing.assert_allclose(out.detach().numpy(), expect, rtol=1e-12)
    assert gradcheck(lambda *t: F.scaled_dot_product_attention(*t, enable_gqa=True),
                     (q, k, v))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"attn_mask": "bool", "is_causal": True}, ValueError, "is_causal"),
    ({"attn_mask": "int"}, MinigradTypeError, "attn_mask"),
    ({"attn_mask": "wide"}, ShapeError, "attn_mask"),
    ({"dropout_p": 1.5}, ValueError, "dropout_p"),
    ({"enable_gqa": True}, ShapeError, "must divide"),
])
def test_errors_name_the_argument(kwargs: dict[str, Any], error: type, match: str) -> None:
    q, k, v = _t(1, 3, 2, 4), _t(1, 2, 5, 4), _t(1, 2, 5, 3)
    masks = {"bool": mg.ones(2, 5, dtype=mg.bool_), "int": mg.ones(2, 5, dtype=mg.int64),
             "wide": mg.ones(2, 7)}
    if "attn_mask" in kwargs:
        kwargs = {**kwargs, "attn_mask": masks[kwargs["attn_mask"]]}
        k, v = _t(1, 3, 5, 4), _t(1, 3, 5, 3)
    with pytest.raises(error, match=match):
        F.scaled_dot_product_attention(q, k, v, **kwargs)


def test_shape_and_dtype_errors() -> None:
    with pytest.raises(ShapeError, match="query"):
        F.scaled_dot_product_attention(_t(3, 4), _t(5, 3), _t(5, 6))
    with pytest.raises(ShapeError, match="at least 2-D"):
        F.scaled_dot_product_attention(_t(4), _t(5, 4), _t(5, 6))
    with pytest.raises(ShapeError, match="broadcast"):
        F.scaled_dot_product_attention(_t(2, 3, 4), _t(3, 5, 4), _t(3, 5, 6))
    with pytest.raises(MinigradTypeError, match="dtype"):
        F.scaled_dot_product_attention(_t(3, 4), _t(5, 4, dtype=np.float32), _t(5, 6))
    with pytest.raises(MinigradTypeError, match="key"):
        F.scaled_dot_product_attention(_t(3, 4), np.ones((5, 4)), _t(5, 6))


def test_float32_stays_float32() -> None:
    q = _t(2, 3, 4, dtype=np.float32)
    mask = mg.tensor(np.zeros((3, 3)))  # a float64 mask is cast to the query's dtype
    out = F.scaled_dot_product_attention(q, q, q, mask)
    assert out.dtype == mg.float32
    out.sum().backward()
    assert q.grad.dtype == mg.float32


def test_peak_memory_is_one_score_array_forward_and_two_backward() -> None:
    q, k, v = (_t(1, 4, 256, 8, dtype=np.float32) for _ in range(3))
    scores = 4 * 256 * 256 * 4  # bytes of one (B, H, L, S) float32 array
    small = 4 * q.numel() * 4  # inputs, output and gradients of (B, H, L, E)
    tracemalloc.start()
    try:
        out = F.scaled_dot_product_attention(q, k, v)
        _, forward_peak = tracemalloc.get_traced_memory()
        out.backward(mg.ones_like(out))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert forward_peak < scores + small, forward_peak / scores
    assert peak < 2 * scores + 2 * small, peak / scores


def test_empty_sequences_as_pytorch() -> None:
    # no keys: every row is fully masked, so zeros (PyTorch 2.13); no queries: empty output
    q, k, v = _t(2, 3, 4), _t(2, 0, 4), _t(2, 0, 5)
    out = F.scaled_dot_product_attention(q, k, v)
    assert out.shape == (2, 3, 5) and (out.detach().numpy() == 0).all()
    out.sum().backward()
    assert (q.grad.numpy() == 0).all()
    assert F.scaled_dot_product_attention(_t(2, 0, 4), _t(2, 3, 4), _t(2, 3, 5)).shape == (2, 0, 5)
