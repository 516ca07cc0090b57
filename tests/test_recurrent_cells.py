"""nn.RNNCell / LSTMCell / GRUCell against torch.nn in float64 with identical weights, and the
argument errors of cells and layers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(3)
IN, H = 3, 4


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(a: Any, b: Any) -> None:
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-10, atol=1e-10)


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
         ("LSTMCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {}),
         ("GRUCell", {"bias": False})]


@pytest.mark.parametrize(("kind", "kw"), CELLS, ids=[f"{k}-{v}" for k, v in CELLS])
@pytest.mark.parametrize("batch", [None, 2])
@pytest.mark.parametrize("with_state", [False, True])
def test_cell_matches_torch(kind: str, kw: dict, batch: int | None, with_state: bool) -> None:
    torch = pytest.importorskip("torch")
    ours = getattr(nn, kind)(IN, H, **kw).double()
    theirs = getattr(torch.nn, kind)(IN, H, **kw).double()
    theirs.load_state_dict({k: torch.tensor(_np(v)) for k, v in ours.state_dict().items()})
    assert repr(ours) == repr(theirs)
    lead = () if batch is None else (batch,)
    x = RNG.standard_normal((*lead, IN))
    states = [RNG.standard_normal((*lead, H)) for _ in range(2 if kind == "LSTMCell" else 1)]
    sides = []
    for lib, module in ((mg, ours), (torch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        st = [lib.tensor(s, requires_grad=True) for s in states]
        hx = (tuple(st) if kind == "LSTMCell" else st[0]) if with_state else None
        outs = []
        for _ in range(3):  # a few steps carrying the state, as a user loop would
            out = hx = module(xt, hx)
            outs.extend(out if isinstance(out, tuple) else (out,))
        sides.append((xt, st, outs, module))
    (mx, ms, mo, _), (tx, ts, to, _) = sides
    weights = [RNG.standard_normal(tuple(o.shape)) for o in to]
    for a, b in zip(mo, to, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b)
    sum((a * mg.tensor(w)).sum() for a, w in zip(mo, weights, strict=True)).backward()
    sum((b * torch.tensor(w)).sum() for b, w in zip(to, weights, strict=True)).backward()
    _close(mx.grad, tx.grad)
    if with_state:
        for a, b in zip(ms, ts, strict=True):
            _close(a.grad, b.grad)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, tparams[name].grad)


def test_cells_gradcheck_and_gradgradcheck() -> None:
    mg.manual_seed(0)
    for cell in (nn.RNNCell(2, 3).double(), nn.LSTMCell(2, 3).double(),
                 nn.GRUCell(2, 3).double()):
        x = mg.tensor(RNG.standard_normal((2, 2)), requires_grad=True)
        h = mg.tensor(RNG.standard_normal((2, 3)), requires_grad=True)

        def f(x: mg.Tensor, h: mg.Tensor, cell: nn.Module = cell) -> Any:
            return cell(x, (h, h * 0.5) if isinstance(cell, nn.LSTMCell) else h)

        assert gradcheck(f, (x, h))
        assert gradgradcheck(f, (x, h), atol=1e-4)


def test_layer_and_cell_agree() -> None:
    """An LSTM layer equals its cell run step by step with the same weights."""
    layer, cell = nn.LSTM(IN, H).double(), nn.LSTMCell(IN, H).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = mg.tensor(RNG.standard_normal((5, 2, IN)))
    out, (h_n, c_n) = layer(x)
    hx = None
    for t in range(5):
        hx = cell(x[t], hx)
        _close(hx[0], out[t])
    _close(hx[0], h_n[0])
    _close(hx[1], c_n[0])


def test_argument_errors() -> None:
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        nn.RNNBase("GRU", 3, 4, proj_size=2)
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.RNN(3, 0)
    with pytest.raises(TypeError, match="bias should be of type bool"):
        nn.LSTM(3, 4, bias=1)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="gelu")
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ShapeError, match="Expected input to be 2D or 3D, got 4D"):
        lstm(mg.zeros(1, 2, 3, 3))
    with pytest.raises(ShapeError, match=r"input.size\(-1\) must be equal to input_size"):
        lstm(mg.zeros(2, 2, 5))
    with pytest.raises(ShapeError, match=r"Expected hidden\[0\] size \(2, 1, 4\), got \[1, 1, 4\]"):
        lstm(mg.zeros(2, 1, 3), (mg.zeros(1, 1, 4), mg.zeros(2, 1, 4)))
    with pytest.raises(ShapeError, match="For batched 3-D input, hx should also be 3-D"):
        nn.GRU(3, 4)(mg.zeros(2, 1, 3), mg.zeros(1, 4))
    with pytest.raises(ShapeError, match="For unbatched 2-D input, hx should also be 2-D"):
        nn.GRU(3, 4)(mg.zeros(2, 3), mg.zeros(1, 1, 4))
    with pytest.raises(MinigradTypeError, match="does not match weight dtype"):
        nn.RNN(3, 4)(mg.zeros(2, 1, 3, dtype=mg.float64))
    with pytest.raises(MinigradTypeError, match="tuple"):
        lstm(mg.zeros(2, 1, 3), mg.zeros(2, 1, 4))
    cell = nn.GRUCell(3, 4)
    with pytest.raises(ShapeError, match="Input batch size 2 doesn't match hidden0 batch size 3"):
        cell(mg.zeros(2, 3), mg.zeros(3, 4))
    with pytest.raises(ShapeError, match="hidden0 has inconsistent hidden_size: got 5"):
        cell(mg.zeros(2, 3), mg.zeros(2, 5))
    with pytest.raises(ShapeError, match="input has inconsistent input_size: got 2 expected 3"):
        cell(mg.zeros(2, 2))
    with pytest.raises(ShapeError, match="Expected input to be 1D or 2D, got 3D"):
        cell(mg.zeros(1, 2, 3))
