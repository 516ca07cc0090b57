"""Adadelta, Adamax, NAdam, RAdam and ASGD against torch.optim, step by step in float64."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

sys.path.insert(0, str(Path(__file__).parent))  # the shared helpers of test_optim.py

from test_optim import _init, _mg_loss, _run_mg, _run_torch

F64 = mg.float64
STEPS = 12  # RAdam's rectified branch starts at step 6 for beta2=0.9, step 7 for 0.999

CONFIGS = [
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"lr": 0.3, "rho": 1.0, "maximize": True}),
    ("Adamax", {"lr": 0.01}),
    ("Adamax", {"lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.01, "eps": 1e-3, "maximize": True}),
    ("NAdam", {"lr": 0.01}),
    ("NAdam", {"lr": 0.02, "betas": (0.8, 0.99), "momentum_decay": 0.01, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.01, "eps": 1e-3, "maximize": True}),
    ("RAdam", {"lr": 0.01}),
    ("RAdam", {"lr": 0.02, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.02, "betas": (0.8, 0.9), "weight_decay": 0.1,
               "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "eps": 1e-3, "maximize": True}),
    ("ASGD", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "lambd": 0.01, "alpha": 0.6, "t0": 4, "weight_decay": 0.05}),
    ("ASGD", {"lr": 0.02, "t0": 0, "maximize": True}),
    ("Adam", {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True, "amsgrad": True}),
]
IDS = [f"{n}-{k}" for n, k in CONFIGS]


@pytest.fixture
def torch64():
    """torch with float64 as default dtype: its optimizers keep scalar state (NAdam's
    mu_product, ASGD's eta and mu) in the default dtype, minigrad in Python floats."""
    torch = pytest.importorskip("torch")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(old)


def _state_arrays(state):
    return {k: np.asarray(v.detach().numpy() if hasattr(v, "detach") else v, dtype=np.float64)
            for k, v in state.items()}


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=IDS)
def test_matches_torch_float64(torch64, name, kwargs):
    mine, opt, ps = _run_mg(name, kwargs, STEPS)
    ref, topt, tps = _run_torch(torch64, name, kwargs, STEPS)
    for step, (a, b) in enumerate(zip(mine, ref, strict=True)):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12, err_msg=f"step {step}")
    for p, tp in zip(ps, tps, strict=True):  # same state names and values (ASGD's ax too)
        got, want = _state_arrays(opt.state[p]), _state_arrays(topt.state[tp])
        assert sorted(got) == sorted(want)
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-10, atol=1e-14, err_msg=key)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS[1::3], ids=IDS[1::3])
def test_matches_torch_float32(name, kwargs):
    torch = pytest.importorskip("torch")
    mine, _, _ = _run_mg(name, kwargs, 6, "float32")
    ref, _, _ = _run_torch(torch, name, kwargs, 6, "float32")
    for x, y in zip(mine[-1], ref[-1], strict=True):
        assert x.dtype == np.float32
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_param_groups_match_torch(torch64):
    groups = [{"lr": 0.01}, {"lr": 0.1, "betas": (0.5, 0.9), "momentum_decay": 0.02}]
    kwargs = {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}
    mine, opt, _ = _run_mg("NAdam", kwargs, 4, groups=groups)
    ref, _, _ = _run_torch(torch64, "NAdam", kwargs, 4, groups=groups)
    for x, y in zip(mine[-1], ref[-1], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-10)
    assert [g["momentum_decay"] for g in opt.param_groups] == [0.004, 0.02]
    assert [g["decoupled_weight_decay"] for g in opt.param_groups] == [True, True]


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD"])
def test_add_param_group_mid_training_matches_torch(torch64, name):
    torch = torch64
    arrays = _init()
    ps = [mg.tensor(a, requires_grad=True) for a in arrays]
    tps = [torch.tensor(a, requires_grad=True) for a in arrays]
    opt = getattr(optim, name)([ps[0]], lr=0.03, weight_decay=0.01)
    topt = getattr(torch.optim, name)([tps[0]], lr=0.03, weight_decay=0.01)
    c = np.linspace(0.5, 2.0, 12).reshape(3, 4)
    for step in range(6):
        if step == 2:
            opt.add_param_group({"params": ps[1], "lr": 0.1})
            topt.add_param_group({"params": tps[1], "lr": 0.1})
        opt.zero_grad()
        topt.zero_grad()
        _mg_loss(ps, mg.tensor(c)).backward()
        w, b = tps
        ((w * w * torch.tensor(c)).sum() + torch.sin(w).sum()
         + ((w.sum(0) + b) ** 2).sum()).mul(0.5).backward()
        opt.step()
        topt.step()
    assert opt.param_groups[1]["weight_decay"] == 0.01
    for p, tp in zip(ps, tps, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS[1::2], ids=IDS[1::2])
def test_state_dict_round_trip_continues_identically(name, kwargs):
    full, _, _ = _run_mg(name, kwargs, 8)
    _, opt, ps = _run_mg(name, kwargs, 4)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1]
    fresh = getattr(optim, name)(ps, lr=123.0)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == kwargs.get("lr", opt.defaults["lr"])
    assert fresh.state[ps[0]] is not sd["state"][0]
    c = mg.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4), dtype=F64)
    for _ in range(4):
        fresh.zero_grad()
        _mg_loss(ps, c).backward()
        fresh.step()
    for x, y in zip(full[-1], [p.detach().numpy() for p in ps], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12)


@pytest.mark.parametrize(("name", "kwargs"), [CONFIGS[8], CONFIGS[12], CONFIGS[15]],
                         ids=["NAdam", "RAdam", "ASGD"])
def test_load_torch_state_dict_continues_identically(torch64, name, kwargs):
    full, _, _ = _run_torch(torch64, name, kwargs, 8)
    _, topt, tps = _run_torch(torch64, name, kwargs, 4)
    ps = [mg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tps]
    opt = getattr(optim, name)(ps, **kwargs)
    opt.load_state_dict(topt.state_dict())  # scalar state (step, mu_product, eta, mu) as tensors
    c = mg.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4), dtype=F64)
    for _ in range(4):
        opt.zero_grad()
        _mg_loss(ps, c).backward()
        opt.step()
    for x, p in zip(full[-1], ps, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), x, rtol=1e-10)


def test_zero_grad_set_to_none_default_and_false_zeroes():
    w = mg.ones(3, requires_grad=True)
    opt = optim.NAdam([w])
    (w * 3).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.tolist() == [0.0, 0.0, 0.0]
    opt.step()  # a zero gradient still counts as a step
    assert opt.state[w]["step"] == 1
    opt.zero_grad()
    assert w.grad is None


def test_asgd_average_starts_after_t0():
    w = mg.tensor([4.0], dtype=F64, requires_grad=True)
    opt = optim.ASGD([w], lr=0.1, lambd=0.0, t0=3)
    iterates = []
    for _ in range(6):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        iterates.append(w.item())
    # step t uses mu = 1 / max(1, t - 1 - t0): ax copies p through step t0 + 2 = 5, then
    # keeps the running mean of the iterates from step 5 on
    assert opt.state[w]["ax"].item() == pytest.approx(np.mean(iterates[4:]), rel=1e-12)
    assert np.mean(iterates[4:]) != pytest.approx(np.mean(iterates[3:]))
    assert opt.state[w]["eta"] == 0.1 and opt.state[w]["mu"] == pytest.approx(1 / 3)


BAD = [
    ("Adadelta", {"lr": -1.0}, "`lr`"),
    ("Adadelta", {"rho": 1.5}, "`rho`"),
    ("Adadelta", {"eps": -1e-6}, "`eps`"),
    ("Adadelta", {"weight_decay": -0.1}, "`weight_decay`"),
    ("Adamax", {"lr": -1.0}, "`lr`"),
    ("Adamax", {"betas": (1.0, 0.9)}, r"betas\[0\]"),
    ("Adamax", {"betas": (0.9, -0.1)}, r"betas\[1\]"),
    ("NAdam", {"momentum_decay": -1.0}, "`momentum_decay`"),
    ("NAdam", {"eps": -1.0}, "`eps`"),
    ("RAdam", {"weight_decay": -1.0}, "`weight_decay`"),
    ("RAdam", {"betas": (0.9, 1.0)}, r"betas\[1\]"),
    ("ASGD", {"lr": -0.01}, "`lr`"),
    ("ASGD", {"weight_decay": -0.01}, "`weight_decay`"),
]


@pytest.mark.parametrize(("name", "kwargs", "match"), BAD,
                         ids=[f"{n}-{k}" for n, k, _ in BAD])
def test_bad_hyperparameters_raise_like_torch(name, kwargs, match):
    with pytest.raises(ValueError, match=match) as err:
        getattr(optim, name)([mg.ones(2, requires_grad=True)], **kwargs)
    assert name in str(err.value)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.ones(2, requires_grad=True)], **kwargs)


FIRST_ORDER = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
               "RAdam", "ASGD"]


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_signature_and_defaults_match_torch(name):
    torch = pytest.importorskip("torch")

    def params(cls):
        sig = inspect.signature(cls.__init__)
        return [(p.name, p.kind, p.default) for p in sig.parameters.values()]

    assert params(getattr(optim, name)) == params(getattr(torch.optim, name))
    mine = getattr(optim, name)([mg.ones(1, requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.ones(1, requires_grad=True)]).defaults
    assert mine == theirs


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_implementation_switches(name):
    cls = getattr(optim, name)
    w = mg.ones(2, requires_grad=True)
    opt = cls([w], foreach=True)  # one code path: accepted, recorded, no effect
    assert opt.param_groups[0]["foreach"] is True
    with pytest.raises(NotImplementedError, match=f"{name}: differentiable=True"):
        cls([w], differentiable=True)
    if "fused" in opt.defaults:
        with pytest.raises(RuntimeError, match="`fused` and `foreach`"):
            cls([w], fused=True, foreach=True)


@pytest.mark.parametrize("name", ["NAdam", "ASGD", "Adadelta"])
def test_state_dict_survives_mg_save_load(tmp_path, name):
    if not hasattr(mg, "save"):
        pytest.skip("mg.save is not available yet")
    kwargs = {"lr": 0.05, "weight_decay": 0.01}
    _, opt, ps = _run_mg(name, kwargs, 3)
    path = tmp_path / "opt.state"
    mg.save(opt.state_dict(), path)
    twins = [mg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ps]
    twin = getattr(optim, name)(twins, **kwargs)
    twin.load_state_dict(mg.load(path))
    c = mg.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4), dtype=F64)
    for o, params in [(opt, ps), (twin, twins)]:
        for _ in range(2):
            o.zero_grad()
            _mg_loss(params, c).backward()
            o.step()
    for p, q in zip(ps, twins, strict=True):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-12)


def test_state_reads_empty_for_params_not_stepped_yet():
    a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    opt = optim.RAdam([a, b])
    (a * a).sum().backward()
    opt.step()
    assert b not in opt.state and opt.state[b] == {}  # as torch's defaultdict(dict)
    assert sorted(opt.state[a]) == ["exp_avg", "exp_avg_sq", "step"]
    opt.load_state_dict(opt.state_dict())
    assert opt.state[mg.ones(1)] == {}


def test_named_parameters_like_torch():
    torch = pytest.importorskip("torch")
    arrays = _init()
    names = ["layer.weight", "layer.bias"]
    ps = [mg.tensor(a, requires_grad=True) for a in arrays]
    tps = [torch.tensor(a, requires_grad=True) for a in arrays]
    opt = optim.RAdam(list(zip(names, ps, strict=True)), lr=0.01)
    topt = torch.optim.RAdam(list(zip(names, tps, strict=True)), lr=0.01)
    assert opt.param_groups[0]["param_names"] == names
    assert opt.param_groups[0]["params"][0] is ps[0]
    assert opt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]
    extra, textra = mg.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    for o, e in [(opt, extra), (topt, textra)]:
        with pytest.raises(ValueError, match="with"):
            o.add_param_group({"params": [e]})
        with pytest.raises(ValueError, match="name"):
            type(o)([("a", e), e])
    opt.add_param_group({"params": [("extra", extra)], "lr": 0.1})
    sd = opt.state_dict()
    del sd["param_groups"][1]["param_names"]
    opt.load_state_dict(sd)  # names missing from the loaded groups are kept
    assert opt.param_groups[1]["param_names"] == ["extra"]
