"""The time loop of RNN, LSTM and GRU layers as one op per layer and direction.

The input projections of all steps are one GEMM done beforehand (``linear`` on the ``(N, in)``
rows); :class:`Recurrence` then runs the loop over those rows with one ``h @ W_hhᵀ`` GEMM per
step and the gate nonlinearities fused into the same node. Its backward is backpropagation
through time written over ``m``: the gate activations of all steps are recomputed at once
from the saved states (one GEMM), only the carried ``dh`` (and ``dc``) is sequential (one GEMM
per step), and the weight gradients are one GEMM each. Because it is written over ``m``, it is
differentiable again (``create_graph=True``). An LSTM without projection takes a faster first
order path (:mod:`minigrad.ops.rnn_kernels`): its forward keeps the gate activations and its
backward, on arrays, reuses them instead of recomputing ``h @ W_hhᵀ`` for every row.

Rows are laid out as in a ``PackedSequence``: step ``t`` holds ``batch_sizes[t]`` rows (a
non-increasing sequence) starting at ``sum(batch_sizes[:t])``; a padded batch of ``T`` steps
is ``batch_sizes = (B,) * T``. The output holds the hidden state of every row, ``(N, H_out)``;
for an LSTM the cell state follows in the same row, ``(N, H_out + H)``.

:func:`recurrence_composite` computes the same thing from primitive ops, step by step; the
tests check that the two agree, values and gradients.

>>> import minigrad as mg
>>> from minigrad.ops.rnn import recurrence
>>> xw = mg.randn(6, 8)            # 3 steps of 2 rows, 4 gates of 2 units
>>> y = recurrence("LSTM", xw, mg.zeros(2, 2), mg.randn(8, 2), cx=mg.zeros(2, 2),
...                batch_sizes=(2, 2, 2))
>>> tuple(y.shape)  # hidden and cell state of every row
(6, 4)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor
from .rnn_kernels import lstm_backward, lstm_forward, lstm_weight_grad

__all__ = [
    "GATES", "PermuteRows", "Recurrence", "permute_rows", "recurrence", "recurrence_composite",
]

#: gates per mode (rows of ``W_hh`` = gates x hidden_size), PyTorch's mode names
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sig(xp: Any, x: Any) -> Any:
    return (xp.tanh(x * 0.5) + 1) * 0.5  # as minigrad.sigmoid: never overflows


def _cols(m: Any, a: Any, lo: int, hi: int) -> Any:
    return m.index(a, key=(slice(None), slice(lo, hi)))


def _rows(m: Any, a: Any, lo: int, hi: int) -> Any:
    return m.index(a, key=(slice(lo, hi),))


class Recurrence(Op):
    """The loop of one layer and direction (see the module docstring for the layout)."""

    save_output = True

    def forward(self, xp: Any, xw: Any, h0: Any, *rest: Any, mode: str,
                batch_sizes: tuple[int, ...], has_c: bool, has_bias: bool,
                has_proj: bool) -> Any:
        self.mode, self.batch_sizes = mode, batch_sizes
        self.has_c, self.has_bias, self.has_proj = has_c, has_bias, has_proj
        c0, w_hh, b_hh, w_hr = self._split(rest)
        if mode == "LSTM" and w_hr is None:  # fast path: gates kept for the backward
            out, self.saved_aux = lstm_forward(xp, xw, h0, c0, w_hh, b_hh, batch_sizes)
            return out
        n_h = w_hh.shape[0] // GATES[mode]
        width = h0.shape[1]
        out = xp.empty((xw.shape[0], width + n_h if has_c else width), dtype=xw.dtype)
        h, c, start = h0, c0, 0
        for bs in batch_sizes:
            stop = start + bs
            h = h[:bs]
            hw = h @ w_hh.T
            if b_hh is not None:
                hw += b_hh
            x = xw[start:stop]
            if mode == "GRU":
                rz = _sig(xp, x[:, :2 * n_h] + hw[:, :2 * n_h])
                n = xp.tanh(x[:, 2 * n_h:] + rz[:, :n_h] * hw[:, 2 * n_h:])
                h = n + rz[:, n_h:] * (h - n)  # (1 - z) n + z h
            elif mode == "LSTM":
                gates = x + hw
                ifo = _sig(xp, gates)  # the g columns are overwritten next
                g = xp.tanh(gates[:, 2 * n_h:3 * n_h])
                c = ifo[:, n_h:2 * n_h] * c[:bs] + ifo[:, :n_h] * g
                h = ifo[:, 3 * n_h:] * xp.tanh(c)
                if w_hr is not None:
                    h = h @ w_hr.T
                out[start:stop, width:] = c
            else:
                h = x + hw
                h = xp.tanh(h) if mode == "RNN_TANH" else xp.maximum(h, 0)
            out[start:stop, :width] = h
            start = stop
        return out

    def _split(self, rest: Sequence[Any]) -> tuple[Any, Any, Any, Any]:
        """``(c0, w_hh, b_hh, w_hr)`` from the inputs after ``h0`` (None where absent)."""
        rest = list(rest)
        c0 = rest.pop(0) if self.has_c else None
        w_hh = rest.pop(0)
        b_hh = rest.pop(0) if self.has_bias else None
        w_hr = rest.pop(0) if self.has_proj else None
        return c0, w_hh, b_hh, w_hr

    def _previous(self, m: Any, first: Any, states: Any) -> Any:
        """The state entering every row: ``first`` for step 0, then the rows of ``states``
        (one per row of the output) of the step before."""
        bsz = self.batch_sizes
        if len(bsz) == 1:
            return first
        if all(b == bsz[0] for b in bsz):
            return m.cat(first, _rows(m, states, 0, states.shape[0] - bsz[0]), dim=0)
        xp = self.backend.xp
        idx, start = [], 0
        for prev, bs in itertools.pairwise(bsz):
            idx.extend(range(start, start + bs))
            start += prev
        return m.cat(first, m.index(states, key=(xp.asarray(idx, dtype=xp.int64),)), dim=0)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        if not isinstance(g, Tensor) and self.__dict__.get("saved_aux") is not None:
            return self._backward_lstm(m, g, inputs, out)
        xw, h0, *rest = inputs
        c0, w_hh, b_hh, w_hr = self._split(rest)
        mode, bsz, need = self.mode, self.batch_sizes, self.needs_input_grad
        n_h = w_hh.shape[0] // GATES[mode]
        width = h0.shape[1]
        hs = _cols(m, out, 0, width) if self.has_c else out
        g_h = _cols(m, g, 0, width) if self.has_c else g
        h_prev = self._previous(m, h0, hs)
        hw = m.linear(h_prev, w_hh, b_hh) if b_hh is not None else m.linear(h_prev, w_hh)
        # step-independent factors for all rows at once, so that a step's gate gradients
        # are (dh or dc, repeated per gate) * factor; the loop carries only dh (and dc)
        fac_h = None  # GRU: the factor for h @ W_hhᵀ where it differs from the input's
        if mode == "LSTM":
            cs = _cols(m, out, width, width + n_h)
            gates = xw + hw
            i, f = m.sigmoid(_cols(m, gates, 0, n_h)), m.sigmoid(_cols(m, gates, n_h, 2 * n_h))
            gg = m.tanh(_cols(m, gates, 2 * n_h, 3 * n_h))
            o = m.sigmoid(_cols(m, gates, 3 * n_h, 4 * n_h))
            tc = m.tanh(cs)
            fac = m.cat(gg * i * (1 - i), self._previous(m, c0, cs) * f * (1 - f),
                        i * (1 - gg * gg), tc * o * (1 - o), dim=1)
            dc_dm = o * (1 - tc * tc)
            g_c = _cols(m, g, width, width + n_h)
        elif mode == "GRU":
            rz = m.sigmoid(_cols(m, xw, 0, 2 * n_h) + _cols(m, hw, 0, 2 * n_h))
            r, z = _cols(m, rz, 0, n_h), _cols(m, rz, n_h, 2 * n_h)
            hn = _cols(m, hw, 2 * n_h, 3 * n_h)
            n = m.tanh(_cols(m, xw, 2 * n_h, 3 * n_h) + r * hn)
            dn = (1 - z) * (1 - n * n)
            dr, dz = dn * hn * r * (1 - r), (h_prev - n) * z * (1 - z)
            fac, fac_h = m.cat(dr, dz, dn, dim=1), m.cat(dr, dz, dn * r, dim=1)
        else:
            fac = (1 - hs * hs) if mode == "RNN_TANH" else (hs > 0)
        d_pre: list[Any] = []  # per step, last first: gradient of the gate pre-activations
        d_hw: list[Any] = []  # of h @ W_hhᵀ + b_hh where it differs (GRU)
        d_h: list[Any] = []  # of each step's h (LSTM with projection)
        dh = dc = None
        stop = xw.shape[0]
        for bs in reversed(bsz):
            start = stop - bs
            rows = (slice(start, stop),)
            dh = m.index(g_h, key=rows) if dh is None else m.index(g_h, key=rows) + _grow(m, dh, bs)
            if mode == "LSTM":
                if w_hr is not None:
                    d_h.append(dh)
                dm = m.matmul(dh, w_hr) if w_hr is not None else dh
                dc_new = m.index(g_c, key=rows) + dm * m.index(dc_dm, key=rows)
                dc = dc_new if dc is None else dc_new + _grow(m, dc, bs)
                pre = m.cat(dc, dc, dc, dm, dim=1) * m.index(fac, key=rows)
                dc = dc * m.index(f, key=rows)
            elif mode == "GRU":
                d3 = m.cat(dh, dh, dh, dim=1)
                pre = d3 * m.index(fac, key=rows)
                pre_h = d3 * m.index(fac_h, key=rows)
                d_hw.append(pre_h)
                dh = dh * m.index(z, key=rows) + m.matmul(pre_h, w_hh)
            else:
                pre = dh * m.index(fac, key=rows)
            d_pre.append(pre)
            if mode != "GRU":
                dh = m.matmul(pre, w_hh)
            stop = start
        dxw = _join(m, d_pre)
        grads: list[Any] = [dxw if need[0] else None, dh if need[1] else None]
        k = 2
        if self.has_c:
            grads.append(dc if need[k] else None)
            k += 1
        d_all = _join(m, d_hw) if fac_h is not None else dxw
        grads.append(m.matmul(m.swapaxes(d_all), h_prev) if need[k] else None)
        k += 1
        if self.has_bias:
            grads.append(d_all if need[k] else None)  # the engine sums the rows
            k += 1
        if self.has_proj:
            grads.append(m.matmul(m.swapaxes(_join(m, d_h)), o * tc) if need[k] else None)
        return tuple(grads)


    def _backward_lstm(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        """First order on arrays from the gate activations saved by the forward (an LSTM
        without projection): see :mod:`minigrad.ops.rnn_kernels`."""
        xp, need = self.backend.xp, self.needs_input_grad
        h0, c0, w_hh = inputs[1:4]
        d_gates, dh0, dc0 = lstm_backward(xp, g, out, self.saved_aux, c0, w_hh,
                                          self.batch_sizes)
        n_h = w_hh.shape[1]
        grads = [d_gates if need[0] else None, dh0 if need[1] else None,
                 dc0 if need[2] else None]
        grads.append(lstm_weight_grad(xp, d_gates, h0, out[:, :n_h], self.batch_sizes)
                     if need[3] else None)
        if self.has_bias:  # summed here: handing d_gates out twice would make the engine copy it
            grads.append(m.sum_to(d_gates, shape=(d_gates.shape[1],)) if need[4] else None)
        return tuple(grads)


class PermuteRows(Op):
    """``x[perm]`` for a permutation ``perm`` of the rows; the gradient is gathered back by
    the inverse permutation (no scatter-add needed, unlike general indexing)."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, perm: Any) -> Any:
        self.perm = perm
        return x[perm]

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        xp = self.backend.xp
        inverse = xp.empty_like(self.perm)
        inverse[self.perm] = xp.arange(self.perm.shape[0], dtype=self.perm.dtype)
        return (m.permute_rows(g, perm=inverse),)


register_math("recurrence", Recurrence)
register_math("permute_rows", PermuteRows)


def permute_rows(input: Tensor, perm: Any) -> Tensor:
    """``input[perm]`` for a permutation ``perm`` (a sequence or array of ``0..n-1``) of the
    first dim, with a gather as its gradient (the layers reverse sequences in time with it).

    >>> import minigrad as mg
    >>> x = mg.arange(3.0, requires_grad=True)
    >>> y = permute_rows(x, [2, 0, 1]); y.tolist()
    [2.0, 0.0, 1.0]
    >>> (y * mg.tensor([1.0, 2.0, 3.0])).sum().backward(); x.grad.tolist()
    [2.0, 3.0, 1.0]
    """
    check_tensor(input, "permute_rows")
    xp = input._backend.xp
    idx = xp.asarray(perm, dtype=xp.int64)
    n = input.shape[0] if input.ndim else 0
    if idx.ndim != 1 or idx.shape[0] != n or (n and not bool(
            (xp.sort(idx) == xp.arange(n)).all())):
        raise ShapeError(f"permute_rows: `perm` must be a permutation of 0..{n - 1} for input of "
                         f"shape {input.shape}, got {perm!r}")
    return PermuteRows.apply(input, perm=idx)


def _join(m: Any, parts: list[Any]) -> Any:
    """The per-step pieces (collected last step first) as one array in row order."""
    return parts[0] if len(parts) == 1 else m.cat(*reversed(parts), dim=0)


def _grow(m: Any, a: Any, rows: int) -> Any:
    """``a`` with zero rows appended up to ``rows`` rows (a finished sequence's share)."""
    extra = rows - a.shape[0]
    return a if extra == 0 else m.pad(a, widths=((0, extra), (0, 0)), value=0.0)
def _check(mode: str, xw: Tensor, hx: Tensor, weight_hh: Tensor, cx: Tensor | None,
           bias_hh: Tensor | None, weight_hr: Tensor | None,
           batch_sizes: Sequence[int] | None) -> tuple[int, ...]:
    if mode not in GATES:
        raise ValueError(f"recurrence: unknown mode {mode!r}; expected one of {list(GATES)}")
    for name, t in (("input_proj", xw), ("hx", hx), ("weight_hh", weight_hh), ("cx", cx),
                    ("bias_hh", bias_hh), ("weight_hr", weight_hr)):
        if t is not None:
            check_tensor(t, "recurrence", name)
    if (cx is not None) != (mode == "LSTM"):
        raise ValueError(f"recurrence: `cx` is required for LSTM and only for LSTM (mode {mode})")
    n = xw.shape[0]
    bsz = (n,) if batch_sizes is None else tuple(int(b) for b in batch_sizes)
    if sum(bsz) != n or any(b <= 0 for b in bsz) or any(
            a < b for a, b in itertools.pairwise(bsz)):
        raise ShapeError(f"recurrence: batch_sizes {list(bsz)} must be positive, non-increasing "
                         f"and add up to the {n} rows of input_proj")
    gates = weight_hh.shape[0]
    n_h = gates // GATES[mode]
    width = weight_hr.shape[0] if weight_hr is not None else n_h
    if (xw.ndim != 2 or xw.shape[1] != gates or weight_hh.ndim != 2
            or weight_hh.shape[1] != width or hx.shape != (bsz[0], width)
            or (cx is not None and cx.shape != (bsz[0], n_h))
            or (bias_hh is not None and bias_hh.shape != (gates,))
            or (weight_hr is not None and weight_hr.shape != (width, n_h))):
        raise ShapeError(
            f"recurrence ({mode}): shapes do not fit: input_proj {xw.shape}, hx {hx.shape}, "
            f"weight_hh {weight_hh.shape}, cx {None if cx is None else cx.shape}, bias_hh "
            f"{None if bias_hh is None else bias_hh.shape}, weight_hr "
            f"{None if weight_hr is None else weight_hr.shape}, batch_sizes[0] {bsz[0]}"
        )
    return bsz


def recurrence(mode: str, input_proj: Tensor, hx: Tensor, weight_hh: Tensor,
               bias_hh: Tensor | None = None, *, cx: Tensor | None = None,
               weight_hr: Tensor | None = None,
               batch_sizes: Sequence[int] | None = None) -> Tensor:
    """Run the recurrence of ``mode`` ("RNN_TANH", "RNN_RELU", "LSTM", "GRU") over the rows
    of ``input_proj`` (``x @ W_ihᵀ + b_ih`` of every row) from state ``hx`` (and ``cx``).

    Returns the hidden state of every row, ``(N, H_out)``, with the LSTM cell state appended
    (``(N, H_out + H)``). ``batch_sizes`` defaults to one step of all rows (a cell).

    >>> import minigrad as mg
    >>> y = recurrence("RNN_TANH", mg.zeros(4, 3), mg.zeros(2, 3), mg.ones(3, 3),
    ...                batch_sizes=(2, 2))
    >>> tuple(y.shape), float(y.abs().sum())
    ((4, 3), 0.0)
    """
    bsz = _check(mode, input_proj, hx, weight_hh, cx, bias_hh, weight_hr, batch_sizes)
    tensors = [input_proj, hx] + [t for t in (cx, weight_hh, bias_hh, weight_hr)
                                   if t is not None]
    return Recurrence.apply(*tensors, mode=mode, batch_sizes=bsz, has_c=cx is not None,
                            has_bias=bias_hh is not None, has_proj=weight_hr is not None)


def recurrence_composite(mode: str, input_proj: Tensor, hx: Tensor, weight_hh: Tensor,
                         bias_hh: Tensor | None = None, *, cx: Tensor | None = None,
                         weight_hr: Tensor | None = None,
                         batch_sizes: Sequence[int] | None = None) -> Tensor:
    """:func:`recurrence` built step by step from primitive ops (the reference it is tested
    against; slower, one graph node per gate operation).

    >>> import minigrad as mg
    >>> args = ("GRU", mg.randn(2, 6), mg.randn(2, 2), mg.randn(6, 2))
    >>> bool((recurrence_composite(*args) - recurrence(*args)).abs().max() < 1e-6)
    True
    """
    from minigrad.ops import cat, linear, relu, sigmoid, tanh  # ops/__init__ imports us

    bsz = _check(mode, input_proj, hx, weight_hh, cx, bias_hh, weight_hr, batch_sizes)
    n_h = weight_hh.shape[0] // GATES[mode]
    h, c, start, rows = hx, cx, 0, []
    for bs in bsz:
        x = input_proj[start:start + bs]
        h = h[:bs]
        hw = linear(h, weight_hh, bias_hh)
        if mode == "GRU":
            r = sigmoid(x[:, :n_h] + hw[:, :n_h])
            z = sigmoid(x[:, n_h:2 * n_h] + hw[:, n_h:2 * n_h])
            n = tanh(x[:, 2 * n_h:] + r * hw[:, 2 * n_h:])
            h = (1 - z) * n + z * h
            rows.append(h)
        elif mode == "LSTM":
            gates = x + hw
            i, f = sigmoid(gates[:, :n_h]), sigmoid(gates[:, n_h:2 * n_h])
            g, o = tanh(gates[:, 2 * n_h:3 * n_h]), sigmoid(gates[:, 3 * n_h:])
            c = f * c[:bs] + i * g
            h = o * tanh(c)
            if weight_hr is not None:
                h = linear(h, weight_hr)
            rows.append(cat([h, c], dim=1))
        else:
            h = tanh(x + hw) if mode == "RNN_TANH" else relu(x + hw)
            rows.append(h)
        start += bs
    return cat(rows, dim=0)
