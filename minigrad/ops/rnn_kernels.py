"""Array kernels of the LSTM time loop (first order, over ``xp``): the fast path of
:class:`minigrad.ops.rnn.Recurrence` when no graph of the gradient is recorded.

The forward turns the pre-activations into the gate activations in place, in one buffer of
``(N, 4H)`` that the backward reuses instead of recomputing ``h @ W_hhᵀ`` for every row. The
sigmoid gates use ``σ(x) = (tanh(x/2) + 1)/2``: the i, f, o columns of the input projection
and of ``W_hh`` are halved once (exact, a power of two), so one ``tanh`` over the whole gate
row serves all four gates. The backward writes each step's gate gradients straight into one
``(N, 4H)`` array (no concatenation), carries ``dh`` and ``dc`` with one GEMM per step, and
gets ``dW_hh`` from one GEMM over all rows.

Rows are laid out as in :mod:`minigrad.ops.rnn` (a ``PackedSequence``'s ``batch_sizes``).

>>> import numpy as np
>>> xw, h0, c0 = np.zeros((4, 8)), np.zeros((2, 2)), np.ones((2, 2))
>>> out, acts = lstm_forward(np, xw, h0, c0, np.zeros((8, 2)), None, (2, 2))
>>> out[:, 2:].tolist()  # c halves each step: f = i = σ(0) = 1/2 and g = 0
[[0.5, 0.5], [0.5, 0.5], [0.25, 0.25], [0.25, 0.25]]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

__all__ = ["lstm_backward", "lstm_forward", "lstm_weight_grad"]


def _gate_scale(xp: Any, n_h: int, dtype: Any) -> tuple[Any, Any]:
    """Per gate column: the factor before and after the tanh, and the shift after it."""
    scale = xp.full(4 * n_h, 0.5, dtype=dtype)
    scale[2 * n_h:3 * n_h] = 1
    shift = xp.full(4 * n_h, 0.5, dtype=dtype)
    shift[2 * n_h:3 * n_h] = 0
    return scale, shift


def lstm_forward(xp: Any, xw: Any, h0: Any, c0: Any, w_hh: Any, b_hh: Any,
                 batch_sizes: Sequence[int]) -> tuple[Any, Any]:
    """``(out, acts)``: ``out`` (N, 2H) holds ``[h, c]`` of every row, ``acts`` (N, 4H) the
    gate activations ``[i, f, g, o]`` (what :func:`lstm_backward` needs)."""
    n_h = w_hh.shape[0] // 4
    scale, shift = _gate_scale(xp, n_h, xw.dtype)
    acts = xw + b_hh if b_hh is not None else xw.copy()
    acts *= scale
    w_t = (w_hh * scale[:, None]).T  # (H, 4H), the i, f, o columns halved
    out = xp.empty((xw.shape[0], 2 * n_h), dtype=xw.dtype)
    hw = xp.empty((batch_sizes[0], 4 * n_h), dtype=xw.dtype)
    ig = xp.empty((batch_sizes[0], n_h), dtype=xw.dtype)
    h, c, start = h0, c0, 0
    for bs in batch_sizes:
        stop = start + bs
        a = acts[start:stop]
        a += xp.matmul(h[:bs], w_t, out=hw[:bs])
        xp.tanh(a, out=a)
        a *= scale
        a += shift
        c_new, h_new = out[start:stop, n_h:], out[start:stop, :n_h]
        xp.multiply(a[:, n_h:2 * n_h], c[:bs], out=c_new)
        c_new += xp.multiply(a[:, :n_h], a[:, 2 * n_h:3 * n_h], out=ig[:bs])
        xp.tanh(c_new, out=h_new)
        h_new *= a[:, 3 * n_h:]
        h, c, start = h_new, c_new, stop
    return out, acts


def lstm_backward(xp: Any, g: Any, out: Any, acts: Any, c0: Any, w_hh: Any,
                  batch_sizes: Sequence[int]) -> tuple[Any, Any, Any]:
    """``(d_gates, dh0, dc0)`` from the gradient ``g`` (N, 2H) of ``out``: ``d_gates`` (N, 4H)
    is the gradient of the gate pre-activations (that of the input projection and of
    ``b_hh``, row by row); ``dh0`` and ``dc0`` those of the initial state."""
    n_h = w_hh.shape[0] // 4
    starts = [0]
    for bs in batch_sizes[:-1]:
        starts.append(starts[-1] + bs)
    d_gates = xp.empty_like(acts)
    dh_carry = dc_carry = None
    for t in range(len(batch_sizes) - 1, -1, -1):
        bs, start = batch_sizes[t], starts[t]
        stop = start + bs
        a, d = acts[start:stop], d_gates[start:stop]
        i, f, gg, o = (a[:, k * n_h:(k + 1) * n_h] for k in range(4))
        di, df, dg, do = (d[:, k * n_h:(k + 1) * n_h] for k in range(4))
        c_prev = c0[:bs] if t == 0 else out[starts[t - 1]:starts[t - 1] + bs, n_h:]
        dh = g[start:stop, :n_h].copy()
        if dh_carry is not None:
            dh[:dh_carry.shape[0]] += dh_carry
        tc = xp.tanh(out[start:stop, n_h:])
        dc = tc * tc  # dc = g_c + dh·o·(1 - tanh²c) + the carry
        xp.subtract(1, dc, out=dc)
        dc *= o
        dc *= dh
        dc += g[start:stop, n_h:]
        if dc_carry is not None:
            dc[:dc_carry.shape[0]] += dc_carry
        xp.subtract(1, o, out=do)  # do = dh·tanh(c)·o(1 - o)
        do *= o
        do *= tc
        do *= dh
        xp.subtract(1, i, out=di)  # di = dc·g·i(1 - i)
        di *= i
        di *= gg
        di *= dc
        xp.subtract(1, f, out=df)  # df = dc·c_prev·f(1 - f)
        df *= f
        df *= c_prev
        df *= dc
        xp.multiply(gg, gg, out=dg)  # dg = dc·i(1 - g²)
        xp.subtract(1, dg, out=dg)
        dg *= i
        dg *= dc
        dc *= f
        dc_carry = dc
        dh_carry = xp.matmul(d, w_hh)
    return d_gates, dh_carry, dc_carry


def lstm_weight_grad(xp: Any, d_gates: Any, h0: Any, hs: Any,
                     batch_sizes: Sequence[int]) -> Any:
    """``dW_hh = Σ_rows d_gatesᵀ · h_prev``, ``h_prev`` the hidden state entering each row
    (``h0`` for step 0, else row of ``hs`` (N, H) of the step before): one GEMM over the rows
    of steps 1.. read in place when the batch sizes are equal, one for step 0.

    >>> import numpy as np
    >>> d, hs = np.ones((3, 4)), np.array([[5.0], [1.0], [2.0]])
    >>> lstm_weight_grad(np, d, np.zeros((2, 1)), hs, (2, 1)).ravel().tolist()  # row 2: h = 5
    [5.0, 5.0, 5.0, 5.0]
    """
    b0 = batch_sizes[0]
    dw = xp.matmul(d_gates[:b0].T, h0)
    if len(batch_sizes) == 1:
        return dw
    if all(b == b0 for b in batch_sizes):
        prev = hs[:hs.shape[0] - b0]
    else:
        idx, start = [], 0
        for before, bs in itertools.pairwise(batch_sizes):
            idx.extend(range(start, start + bs))
            start += before
        prev = hs[xp.asarray(idx, dtype=xp.int64)]
    dw += xp.matmul(d_gates[b0:].T, prev)
    return dw
