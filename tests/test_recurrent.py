"""nn.RNN / LSTM / GRU against torch.nn in float64 with identical weights: outputs, final
states and every gradient (input, h0, c0, each parameter), for every layer option."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn.utils.rnn import PackedSequence, pack_padded_sequence
from minigrad.ops.rnn import recurrence, recurrence_composite
from minigrad.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(7)
T, B, IN, H = 4, 3, 3, 4


def _arr(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(a: Any, b: Any, tol: float = 1e-10) -> None:
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _pair(torch: Any, kind: str, **kw: Any) -> tuple[nn.Module, Any]:
    """Our module and torch's, float64, torch's weights copied from ours by state_dict."""
    ours = getattr(nn, kind)(IN, H, **kw).double()
    theirs = getattr(torch.nn, kind)(IN, H, **kw).double()
    theirs.load_state_dict({k: torch.tensor(_np(v)) for k, v in ours.state_dict().items()})
    return ours, theirs


def _flatten(out: Any) -> list[Any]:
    if hasattr(out, "batch_sizes"):  # a PackedSequence (a namedtuple): data, then sizes
        return [out.data, out.batch_sizes]
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flatten(o)]
    return [out]


CONFIGS = [
    ("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("RNN", {"bias": False}),
    ("RNN", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {}), ("LSTM", {"num_layers": 2}), ("LSTM", {"bidirectional": True}),
    ("LSTM", {"batch_first": True, "bias": False}), ("LSTM", {"proj_size": 2}),
    ("LSTM", {"proj_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", {}), ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"bias": False, "batch_first": True}),
]


def _states(kind: str, kw: dict, batch: int | None) -> list[np.ndarray]:
    n = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    lead = (n,) if batch is None else (n, batch)
    states = [_arr(*lead, kw.get("proj_size") or H)]
    if kind == "LSTM":
        states.append(_arr(*lead, H))
    return states


def _run_both(torch: Any, kind: str, kw: dict, x: np.ndarray, states: list[np.ndarray] | None,
              pack: Any = None) -> None:
    """Forward both, compare every output, then backward a random weighting of all outputs
    and compare the gradients of the input, the initial states and every parameter."""
    ours, theirs = _pair(torch, kind, **kw)
    xs = [mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)]
    hs = [[mg.tensor(s, requires_grad=True) for s in states or []],
          [torch.tensor(s, requires_grad=True) for s in states or []]]
    outs = []
    for side, (module, x_, h_) in enumerate(zip((ours, theirs), xs, hs, strict=True)):
        inp = x_ if pack is None else pack[side](x_)
        hx = None if not h_ else (tuple(h_) if kind == "LSTM" else h_[0])
        out = module(inp, hx)
        assert pack is None or side or isinstance(out[0], PackedSequence)
        outs.append(_flatten(out))
    mine, ref = outs
    if pack is not None:
        assert mine[1].tolist() == ref[1].tolist()  # batch_sizes
        mine, ref = [mine[0], *mine[2:]], [ref[0], *ref[2:]]
    assert len(mine) == len(ref)
    weights = [_arr(*r.shape) for r in ref]
    for m, r in zip(mine, ref, strict=True):
        assert tuple(m.shape) == tuple(r.shape)
        _close(m, r)
    sum(((m * mg.tensor(w)).sum() for m, w in zip(mine, weights, strict=True)),
        mg.tensor(0.0, dtype=mg.float64)).backward()
    sum((r * torch.tensor(w)).sum() for r, w in zip(ref, weights, strict=True)).backward()
    _close(xs[0].grad, xs[1].grad)
    for a, b in zip(hs[0], hs[1], strict=True):
        _close(a.grad, b.grad)
    tparams = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        _close(p.grad, tparams[name].grad)


@pytest.mark.parametrize(("kind", "kw"), CONFIGS, ids=[f"{k}-{v}" for k, v in CONFIGS])
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_matches_torch(kind: str, kw: dict, with_state: bool) -> None:
    torch = pytest.importorskip("torch")
    x = _arr(B, T, IN) if kw.get("batch_first") else _arr(T, B, IN)
    _run_both(torch, kind, kw, x, _states(kind, kw, B) if with_state else None)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("with_state", [False, True])
def test_unbatched_matches_torch(kind: str, with_state: bool) -> None:
    torch = pytest.importorskip("torch")
    kw = {"num_layers": 2, "bidirectional": True}
    _run_both(torch, kind, kw, _arr(T, IN), _states(kind, kw, None) if with_state else None)


@pytest.mark.parametrize(("kind", "kw"), [
    ("RNN", {}), ("LSTM", {"proj_size": 2, "bidirectional": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"num_layers": 2, "batch_first": True}),
])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize(("lengths", "enforce_sorted"), [
    ([2, 4, 1, 3], False),  # unsorted, distinct: the packed orders agree exactly
    ([4, 3, 3, 1], True),  # sorted with a tie
])
def test_packed_matches_torch(kind: str, kw: dict, with_state: bool, lengths: list[int],
                              enforce_sorted: bool) -> None:
    torch = pytest.importorskip("torch")
    bf = kw.get("batch_first", False)
    x = _arr(len(lengths), T, IN) if bf else _arr(T, len(lengths), IN)
    pack = (lambda t: pack_padded_sequence(t, lengths, bf, enforce_sorted),
            lambda t: torch.nn.utils.rnn.pack_padded_sequence(t, lengths, bf, enforce_sorted))
    _run_both(torch, kind, kw, x, _states(kind, kw, len(lengths)) if with_state else None,
              pack)


def test_state_dict_moves_both_ways_and_default_init() -> None:
    torch = pytest.importorskip("torch")
    for kind, kw in CONFIGS:
        theirs = getattr(torch.nn, kind)(IN, H, **kw).double()
        ours = getattr(nn, kind)(IN, H, **kw).double()
        tsd, osd = theirs.state_dict(), ours.state_dict()
        assert list(tsd) == list(osd)
        assert [tuple(v.shape) for v in tsd.values()] == [tuple(v.shape) for v in osd.values()]
        bound = 1 / np.sqrt(H)
        assert all(np.abs(_np(v)).max() <= bound for v in osd.values())
        ours.load_state_dict({k: v.numpy() for k, v in tsd.items()})  # torch -> minigrad
        x = _arr(B, T, IN) if kw.get("batch_first") else _arr(T, B, IN)
        _close(_flatten(ours(mg.tensor(x)))[0], _flatten(theirs(torch.tensor(x)))[0])
        assert [[p.shape for p in ws] for ws in ours.all_weights] == [
            [tuple(p.shape) for p in ws] for ws in theirs.all_weights]
        assert repr(ours) == repr(theirs)
        ours.flatten_parameters()


def test_dropout_between_layers() -> None:
    torch = pytest.importorskip("torch")
    x = _arr(T, B, IN)
    for p in (1.0, 0.0):  # deterministic extremes agree with torch in training mode
        ours, theirs = _pair(torch, "LSTM", num_layers=2, dropout=p)
        _close(ours(mg.tensor(x))[0], theirs(torch.tensor(x))[0])
    ours, theirs = _pair(torch, "GRU", num_layers=3, dropout=0.5)
    a, b = ours(mg.tensor(x))[0], ours(mg.tensor(x))[0]
    assert not np.allclose(_np(a), _np(b))  # random masks while training
    ours.eval()
    theirs.eval()
    _close(ours(mg.tensor(x))[0], theirs(torch.tensor(x))[0])  # none in eval
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.RNN(2, 3, dropout=0.5)


def test_gradcheck_and_gradgradcheck_through_layers() -> None:
    mg.manual_seed(0)
    for kind, kw in [("LSTM", {"bidirectional": True, "proj_size": 1}),
                     ("GRU", {"num_layers": 2}), ("RNN", {"bidirectional": True})]:
        m = getattr(nn, kind)(2, 2, **kw).double()
        x = mg.tensor(_arr(3, 2, 2), requires_grad=True)
        n = 2 if kw.get("bidirectional") or kw.get("num_layers") else 1
        h = mg.tensor(_arr(n, 2, kw.get("proj_size") or 2), requires_grad=True)

        def f(x: mg.Tensor, h: mg.Tensor, m: nn.Module = m, lstm: bool = kind == "LSTM",
              n: int = n) -> Any:
            hx = (h, mg.zeros(n, 2, 2, dtype=mg.float64)) if lstm else h
            return _flatten(m(x, hx))

        assert gradcheck(f, (x, h))
        assert gradgradcheck(f, (x, h), atol=1e-4)


@pytest.mark.parametrize(("mode", "proj"), [("RNN_TANH", False), ("RNN_RELU", False),
                                            ("LSTM", False), ("LSTM", True), ("GRU", False)])
def test_fused_recurrence_equals_composite(mode: str, proj: bool) -> None:
    gates = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[mode] * H
    width = 2 if proj else H
    bsz = (4, 3, 3, 1)
    shapes = {"xw": (sum(bsz), gates), "hx": (4, width), "weight_hh": (gates, width),
              "bias_hh": (gates,), "cx": (4, H), "weight_hr": (width, H)}
    if mode != "LSTM":
        del shapes["cx"]
    if not proj:
        del shapes["weight_hr"]
    ts = {k: mg.tensor(_arr(*s), requires_grad=True) for k, s in shapes.items()}
    kw = {k: ts.get(k) for k in ("cx", "weight_hr")}
    args = (mode, ts["xw"], ts["hx"], ts["weight_hh"], ts["bias_hh"])
    fused = recurrence(*args, batch_sizes=bsz, **kw)
    composite = recurrence_composite(*args, batch_sizes=bsz, **kw)
    _close(fused, composite, 1e-12)
    g = mg.tensor(_arr(*fused.shape))
    inputs = list(ts.values())
    first = mg.grad((fused * g).sum(), inputs, create_graph=True)
    ref = mg.grad((composite * g).sum(), inputs, create_graph=True)
    for a, b in zip(first, ref, strict=True):
        _close(a, b, 1e-12)
    # and second order: the gradient of a weighting of the first gradients
    w = [mg.tensor(_arr(*t.shape)) for t in inputs]
    second = mg.grad(sum(((a * v).sum() for a, v in zip(first, w, strict=True)),
                         mg.tensor(0.0, dtype=mg.float64)), inputs, allow_unused=True)
    second_ref = mg.grad(sum(((a * v).sum() for a, v in zip(ref, w, strict=True)),
                             mg.tensor(0.0, dtype=mg.float64)), inputs, allow_unused=True)
    for a, b in zip(second, second_ref, strict=True):
        if a is None or b is None:
            assert a is None or not np.any(_np(a)), "only one side is connected"
            assert b is None or not np.any(_np(b)), "only one side is connected"
        else:
            _close(a, b, 1e-10)


def test_one_projection_gemm_per_layer_and_direction() -> None:
    """The graph holds one Linear node per layer and direction for the input projections and
    one Recurrence node each for the loop, whatever the sequence length."""
    m = nn.LSTM(IN, H, num_layers=2, bidirectional=True)
    out, _ = m(mg.randn(9, B, IN))
    seen, stack, kinds = set(), [out.grad_fn], {}
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not hasattr(node, "parents"):
            continue
        seen.add(id(node))
        kinds[node.op_name] = kinds.get(node.op_name, 0) + 1
        stack.extend(node.parents)
    assert kinds["Linear"] == 4 and kinds["Recurrence"] == 4


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_packed_layers_on_every_backend(kind: str, backend: Any) -> None:
    """The packed, bidirectional, two-layer path on each backend equals the CPU result."""
    cpu = getattr(nn, kind)(IN, H, num_layers=2, bidirectional=True).double()
    dev = getattr(nn, kind)(IN, H, num_layers=2, bidirectional=True).double().to(backend.device)
    dev.load_state_dict(cpu.state_dict())
    x = _arr(T, 3, IN)
    results = []
    for module, device in ((cpu, "cpu"), (dev, backend.device)):
        xt = mg.tensor(x, device=device, requires_grad=True)
        out, hidden = module(pack_padded_sequence(xt, [2, 4, 3], enforce_sorted=False))
        h_n = hidden[0] if kind == "LSTM" else hidden
        (out.data.sum() + (h_n * h_n).sum()).backward()
        results.append([backend.to_numpy(t) if device != "cpu" else _np(t)
                        for t in (out.data, h_n, xt.grad, module.weight_hh_l1_reverse.grad)])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-10)
