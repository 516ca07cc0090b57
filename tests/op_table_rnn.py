"""Op specs, recurrent: the fused time loop of RNN/LSTM/GRU layers and the row permutation
that reverses sequences (see op_specs.py).

Cases draw the mode, the hidden size, a projection (LSTM), bias or not, and packed batch
sizes (non-increasing, as a PackedSequence). The NumPy reference and the PyTorch one (a loop
over ``torch.rnn_tanh_cell`` / ``lstm_cell`` / ``gru_cell`` with an identity input weight,
since the op takes the input projection already done) are both independent of minigrad.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec
from op_table import tt

from minigrad.ops.rnn import GATES, permute_rows, recurrence
from minigrad.testing import strategies as mst

__all__ = ["RNN_SPECS", "np_recurrence"]

_NAMES = ("input_proj", "hx", "cx", "weight_hh", "bias_hh", "weight_hr")


def _sig(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _split(layout: tuple[str, ...], arrays: Any) -> dict[str, Any]:
    named = dict.fromkeys(_NAMES)
    named.update(zip(layout, arrays, strict=True))
    return named


def np_recurrence(*arrays: np.ndarray, mode: str, batch_sizes: tuple[int, ...],
                  layout: tuple[str, ...]) -> np.ndarray:
    """The recurrence in NumPy, step by step with PyTorch's formulas."""
    a = _split(layout, arrays)
    xw, h, c, w, b, w_hr = (a[k] for k in _NAMES)
    n = w.shape[0] // GATES[mode]
    b = np.zeros(w.shape[0]) if b is None else b
    rows, start = [], 0
    for bs in batch_sizes:
        x, h = xw[start:start + bs], h[:bs]
        hw = h @ w.T + b
        if mode == "LSTM":
            gates = x + hw
            i, f = _sig(gates[:, :n]), _sig(gates[:, n:2 * n])
            g, o = np.tanh(gates[:, 2 * n:3 * n]), _sig(gates[:, 3 * n:])
            c = f * c[:bs] + i * g
            h = o * np.tanh(c)
            if w_hr is not None:
                h = h @ w_hr.T
            rows.append(np.concatenate([h, c], axis=1))
        elif mode == "GRU":
            r, z = _sig(x[:, :n] + hw[:, :n]), _sig(x[:, n:2 * n] + hw[:, n:2 * n])
            nn = np.tanh(x[:, 2 * n:] + r * hw[:, 2 * n:])
            h = (1 - z) * nn + z * h
            rows.append(h)
        else:
            h = np.tanh(x + hw) if mode == "RNN_TANH" else np.maximum(x + hw, 0)
            rows.append(h)
        start += bs
    return np.concatenate(rows, axis=0)


def torch_recurrence(*ts: Any, mode: str, batch_sizes: tuple[int, ...],
                     layout: tuple[str, ...]) -> Any:
    """The recurrence through PyTorch's own cell kernels (an LSTM with a projection through
    torch's elementwise ops)."""
    torch = tt()
    a = _split(layout, ts)
    xw, h, c, w, b, w_hr = (a[k] for k in _NAMES)
    eye = torch.eye(w.shape[0], dtype=xw.dtype)
    cell = {"RNN_TANH": torch.rnn_tanh_cell, "RNN_RELU": torch.rnn_relu_cell,
            "GRU": torch.gru_cell}.get(mode)
    rows, start = [], 0
    for bs in batch_sizes:
        x, h = xw[start:start + bs], h[:bs]
        if mode == "LSTM" and w_hr is None:
            h, c = torch.lstm_cell(x, [h, c[:bs]], eye, w, None, b)
            rows.append(torch.cat([h, c], dim=1))
        elif mode == "LSTM":  # lstm_cell wants h and c of one width: the gates by hand
            gates = x + h @ w.T + (0 if b is None else b)
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c[:bs] + torch.sigmoid(i) * torch.tanh(g)
            h = (torch.sigmoid(o) * torch.tanh(c)) @ w_hr.T
            rows.append(torch.cat([h, c], dim=1))
        else:
            h = cell(x, h, eye, w, None, b)
            rows.append(h)
        start += bs
    return torch.cat(rows, dim=0)


def mg_recurrence(*ts: Any, mode: str, batch_sizes: tuple[int, ...],
                  layout: tuple[str, ...]) -> Any:
    a = _split(layout, ts)
    return recurrence(mode, a["input_proj"], a["hx"], a["weight_hh"], a["bias_hh"],
                      cx=a["cx"], weight_hr=a["weight_hr"], batch_sizes=batch_sizes)


@st.composite
def _case(draw: Any, modes: tuple[str, ...]) -> Case:
    mode = draw(st.sampled_from(modes))
    n = draw(st.integers(1, 3))
    proj = draw(st.integers(0, n - 1)) if mode == "LSTM" else 0
    width = proj or n
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))
    batch_sizes = tuple(sorted(sizes, reverse=True))
    g = GATES[mode] * n
    elements = mst.away_from([0.0], margin=0.05, min_value=-1.5, max_value=1.5)
    shapes = {"input_proj": (sum(batch_sizes), g), "hx": (batch_sizes[0], width),
              "cx": (batch_sizes[0], n), "weight_hh": (g, width), "bias_hh": (g,),
              "weight_hr": (width, n)}
    layout = ["input_proj", "hx"] + (["cx"] if mode == "LSTM" else []) + ["weight_hh"]
    if draw(st.booleans()):
        layout.append("bias_hh")
    if proj:
        layout.append("weight_hr")
    arrays = tuple(draw(mst.arrays(shapes[k], elements=elements)) for k in layout)
    return Case(arrays, {"mode": mode, "batch_sizes": batch_sizes, "layout": tuple(layout)})


def _off_kink(case: Case) -> bool:
    """No ReLU pre-activation within 0.05 of its kink (finite differences straddle it)."""
    a = _split(case.kwargs["layout"], case.arrays)
    xw, h, w, b = a["input_proj"], a["hx"], a["weight_hh"], a["bias_hh"]
    start = 0
    for bs in case.kwargs["batch_sizes"]:
        pre = xw[start:start + bs] + h[:bs] @ w.T + (0 if b is None else b)
        if np.abs(pre).min() < 0.05:
            return False
        h, start = np.maximum(pre, 0), start + bs
    return True


@st.composite
def _perm_case(draw: Any) -> Case:
    shape = draw(mst.shapes(min_dims=1, max_dims=3, min_side=1))
    perm = draw(st.permutations(range(shape[0])))
    return Case((draw(mst.arrays(shape)),), {"perm": list(perm)})


RNN_SPECS = [
    OpSpec("permute_rows", permute_rows, _perm_case(), ref=lambda a, perm: a[perm],
           torch=lambda t, perm: t[perm]),
    OpSpec("recurrence", mg_recurrence, _case(("RNN_TANH", "LSTM", "GRU")), ref=np_recurrence,
           torch=torch_recurrence),
    # relu has a kink at 0: first order only
    OpSpec("recurrence_relu", mg_recurrence, _case(("RNN_RELU",)).filter(_off_kink),
           ref=np_recurrence,
           torch=torch_recurrence, smooth=False),
]
