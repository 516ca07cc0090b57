"""The first-order fast paths of the sequence ops (array kernels used when no graph of the
gradient is recorded) against the composites of primitive ops they replace: values and
every gradient, in float64, and float32 stays float32."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.ops.rnn import recurrence, recurrence_composite

RNG = np.random.default_rng(11)


def _arr(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _close(a: Any, b: Any, tol: float = 1e-12) -> None:
    a = a.detach().numpy() if hasattr(a, "detach") else a
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _grads(fn: Any, inputs: list[mg.Tensor], g: mg.Tensor) -> tuple[Any, list[Any]]:
    for t in inputs:
        t.grad = None
    out = fn()
    out.backward(g)  # first order: no graph of the gradient, the array path
    return out, [t.grad for t in inputs]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("bsz", [(3,), (3, 3, 3, 3), (4, 3, 3, 1)])
def test_lstm_array_backward_equals_composite(bias: bool, bsz: tuple[int, ...]) -> None:
    h = 5
    ts = [mg.tensor(_arr(sum(bsz), 4 * h), requires_grad=True),
          mg.tensor(_arr(bsz[0], h), requires_grad=True),
          mg.tensor(_arr(bsz[0], h), requires_grad=True),
          mg.tensor(_arr(4 * h, h), requires_grad=True)]
    if bias:
        ts.append(mg.tensor(_arr(4 * h), requires_grad=True))
    xw, hx, cx, w = ts[:4]
    b = ts[4] if bias else None
    g = mg.tensor(_arr(sum(bsz), 2 * h))
    fused, fused_grads = _grads(
        lambda: recurrence("LSTM", xw, hx, w, b, cx=cx, batch_sizes=bsz), ts, g)
    ref, ref_grads = _grads(
        lambda: recurrence_composite("LSTM", xw, hx, w, b, cx=cx, batch_sizes=bsz), ts, g)
    _close(fused, ref)
    for a, r in zip(fused_grads, ref_grads, strict=True):
        _close(a, r)


def test_lstm_fast_path_skips_unneeded_inputs_and_keeps_float32() -> None:
    xw = mg.tensor(_arr(6, 8).astype(np.float32), requires_grad=True)
    hx, cx = mg.zeros(2, 2), mg.zeros(2, 2)
    w = mg.tensor(_arr(8, 2).astype(np.float32), requires_grad=True)
    y = recurrence("LSTM", xw, hx, w, cx=cx, batch_sizes=(2, 2, 2))
    assert y.dtype == mg.float32
    y.sum().backward()
    assert xw.grad.dtype == w.grad.dtype == mg.float32
    assert hx.grad is None and cx.grad is None
    ref = recurrence_composite("LSTM", xw.detach().double().requires_grad_(),
                               hx.double(), w.detach().double(), cx=cx.double(),
                               batch_sizes=(2, 2, 2))
    ref.sum().backward()
    _close(y, ref, 1e-5)


def test_lstm_backward_twice_with_retain_graph() -> None:
    """The saved gate activations survive a first backward with retain_graph=True."""
    xw = mg.tensor(_arr(4, 8), requires_grad=True)
    y = recurrence("LSTM", xw, mg.zeros(2, 2), mg.tensor(_arr(8, 2)), cx=mg.zeros(2, 2),
                   batch_sizes=(2, 2))
    y.sum().backward(retain_graph=True)
    first = xw.grad.clone()
    y.sum().backward()
    _close(xw.grad, 2 * first)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", [(), (7,), (3, 5)])
def test_gelu_array_backward_equals_recorded_formula(approximate: str, shape: tuple) -> None:
    """The first-order backward (from the kept Φ(x) or tanh) equals the formula over
    recorded ops that create_graph uses."""
    x = mg.tensor(_arr(*shape) * 3, requires_grad=True)
    g = mg.tensor(_arr(*shape))
    y = mg.nn.functional.gelu(x, approximate=approximate)
    (recorded,) = mg.grad((y * g).sum(), [x], create_graph=True)
    y.backward(g)
    _close(x.grad, recorded)


def test_gelu_keeps_float32() -> None:
    x = mg.tensor(_arr(4, 3).astype(np.float32), requires_grad=True)
    for approximate in ("none", "tanh"):
        x.grad = None
        y = mg.nn.functional.gelu(x, approximate=approximate)
        y.sum().backward()
        assert y.dtype == x.grad.dtype == mg.float32


def _sdpa_grads(q: mg.Tensor, k: mg.Tensor, v: mg.Tensor, g: np.ndarray,
                **kw: Any) -> list[np.ndarray]:
    for t in (q, k, v):
        t.grad = None
    mg.manual_seed(5)  # the same dropout mask every time
    mg.nn.functional.scaled_dot_product_attention(q, k, v, **kw).backward(mg.tensor(g))
    return [t.grad.numpy() for t in (q, k, v)]


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"dropout_p": 0.3}])
def test_sdpa_chunked_backward_equals_one_shot_and_composite(
        kw: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """dS built a few heads at a time (a tiny budget) gives the same gradients as in one
    piece, and both equal softmax(q kᵀ/√E + mask) v built from primitive ops."""
    from minigrad.ops import attention

    q, k, v = (mg.tensor(_arr(2, 3, 5, 4), requires_grad=True) for _ in range(3))
    g = _arr(2, 3, 5, 4)
    whole = _sdpa_grads(q, k, v, g, **kw)
    monkeypatch.setattr(attention, "DS_CHUNK_BYTES", 2 * 5 * 5 * 8)  # two heads a chunk
    chunked = _sdpa_grads(q, k, v, g, **kw)
    for a, b in zip(whole, chunked, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)
    if kw.get("dropout_p"):
        return  # the composite has no dropout
    mask = np.triu(np.full((5, 5), -np.inf), 1) if kw else np.zeros((5, 5))
    for t in (q, k, v):
        t.grad = None
    s = q @ k.transpose(-2, -1) / 2.0 + mg.tensor(mask)
    (mg.nn.functional.softmax(s, dim=-1) @ v).backward(mg.tensor(g))
    for a, t in zip(whole, (q, k, v), strict=True):
        np.testing.assert_allclose(a, t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_sdpa_peak_memory_below_two_score_arrays_at_1024_tokens() -> None:
    """Forward + backward at 1 x 8 x 1,024 x 64 float32: the saved probabilities (32 MiB)
    plus a chunk of dS and the (L, E)-sized arrays, not two full score arrays."""
    import tracemalloc

    q, k, v = (mg.tensor(_arr(1, 8, 1024, 64).astype(np.float32), requires_grad=True)
               for _ in range(3))
    scores = 8 * 1024 * 1024 * 4
    tracemalloc.start()
    try:
        out = mg.nn.functional.scaled_dot_product_attention(q, k, v)
        out.backward(mg.ones_like(out))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * scores, peak / scores  # 2.3x before dS was built in chunks
