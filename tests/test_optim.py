"""First-order optimizers: PyTorch's update rules, parameter groups, state dicts, errors."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

F64 = mg.float64

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.02, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "eps": 1e-3, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True, "weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9, "centered": True, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.2,
                 "weight_decay": 0.05}),
    ("Adagrad", {"lr": 0.1, "eps": 1e-4, "maximize": True}),
]


def _init(dtype: str = "float64") -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(4).astype(dtype)]


def _mg_loss(ps: list[mg.Tensor], c: mg.Tensor) -> mg.Tensor:
    w, b = ps
    return ((w * w * c).sum() + mg.sin(w).sum() + ((w.sum(0) + b) ** 2).sum()) * 0.5


def _run_mg(name, kwargs, steps, dtype="float64", groups=None):
    ps = [mg.tensor(a, requires_grad=True) for a in _init(dtype)]
    c = mg.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4), dtype=ps[0].dtype)
    params = ps if groups is None else [{"params": [ps[0]], **groups[0]},
                                        {"params": [ps[1]], **groups[1]}]
    opt = getattr(optim, name)(params, **kwargs)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        _mg_loss(ps, c).backward()
        opt.step()
        history.append([p.detach().numpy().copy() for p in ps])
    return history, opt, ps


def _run_torch(torch, name, kwargs, steps, dtype="float64", groups=None):
    ps = [torch.tensor(a, requires_grad=True) for a in _init(dtype)]
    c = torch.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4), dtype=ps[0].dtype)
    params = ps if groups is None else [{"params": [ps[0]], **groups[0]},
                                        {"params": [ps[1]], **groups[1]}]
    opt = getattr(torch.optim, name)(params, **kwargs)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        w, b = ps
        loss = ((w * w * c).sum() + torch.sin(w).sum() + ((w.sum(0) + b) ** 2).sum()) * 0.5
        loss.backward()
        opt.step()
        history.append([p.detach().numpy().copy() for p in ps])
    return history, opt, ps


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_matches_torch_float64(name, kwargs):
    torch = pytest.importorskip("torch")
    mine, _, _ = _run_mg(name, kwargs, 8)
    ref, _, _ = _run_torch(torch, name, kwargs, 8)
    for step, (a, b) in enumerate(zip(mine, ref, strict=True)):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12, err_msg=f"step {step}")


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS[::3], ids=[n for n, _ in CONFIGS[::3]])
def test_matches_torch_float32(name, kwargs):
    torch = pytest.importorskip("torch")
    mine, _, _ = _run_mg(name, kwargs, 5, "float32")
    ref, _, _ = _run_torch(torch, name, kwargs, 5, "float32")
    for x, y in zip(mine[-1], ref[-1], strict=True):
        assert x.dtype == np.float32
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_param_groups_match_torch():
    torch = pytest.importorskip("torch")
    groups = [{"lr": 0.01}, {"lr": 0.1, "momentum": 0.5}]
    mine, opt, _ = _run_mg("SGD", {"lr": 0.05, "momentum": 0.9}, 4, groups=groups)
    ref, _, _ = _run_torch(torch, "SGD", {"lr": 0.05, "momentum": 0.9}, 4, groups=groups)
    for x, y in zip(mine[-1], ref[-1], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-10)
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.1]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.5]


@pytest.mark.parametrize(("name", "kwargs"), [CONFIGS[2], CONFIGS[5], CONFIGS[11], CONFIGS[14]])
def test_state_dict_round_trip_continues_identically(name, kwargs):
    full, _, _ = _run_mg(name, kwargs, 6)
    _, opt, ps = _run_mg(name, kwargs, 3)
    sd = opt.state_dict()
    assert sorted(sd["state"]) == [0, 1]
    assert sd["param_groups"][0]["params"] == [0, 1]
    # a fresh optimizer on the same parameters, loaded from the state dict
    fresh = getattr(optim, name)(ps, lr=123.0)
    fresh.load_state_dict(sd)
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    assert fresh.state[ps[0]] is not sd["state"][0]
    c = mg.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4), dtype=F64)
    for _ in range(3):
        fresh.zero_grad()
        _mg_loss(ps, c).backward()
        fresh.step()
    for x, y in zip(full[-1], [p.detach().numpy() for p in ps], strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-12)


def test_load_torch_adam_state_dict():
    torch = pytest.importorskip("torch")
    kwargs = {"lr": 0.02, "amsgrad": True}
    full, _, _ = _run_torch(torch, "Adam", kwargs, 6)
    _, topt, tps = _run_torch(torch, "Adam", kwargs, 3)
    ps = [mg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tps]
    opt = optim.Adam(ps, **kwargs)
    opt.load_state_dict(topt.state_dict())
    assert opt.state[ps[0]]["exp_avg"].dtype == F64
    c = mg.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4), dtype=F64)
    for _ in range(3):
        opt.zero_grad()
        _mg_loss(ps, c).backward()
        opt.step()
    for x, p in zip(full[-1], ps, strict=True):
        np.testing.assert_allclose(p.detach().numpy(), x, rtol=1e-10)


def test_load_state_dict_casts_to_param_dtype():
    w64 = mg.ones(3, dtype=F64, requires_grad=True)
    opt = optim.Adam([w64])
    (w64 * w64).sum().backward()
    opt.step()
    w32 = mg.ones(3, requires_grad=True)
    opt32 = optim.Adam([w32])
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[w32]["exp_avg"].dtype == mg.float32
    assert opt32.state[w32]["step"] == 1


def test_load_state_dict_errors():
    a, b = mg.ones(2, requires_grad=True), mg.ones(3, requires_grad=True)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9)
    other = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    with pytest.raises(ValueError, match="parameter groups"):
        other.load_state_dict(opt.state_dict())
    single = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="group 0 has 2 parameters"):
        single.load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        single.load_state_dict({"state": {}})


def test_zero_grad_modes():
    w = mg.ones(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad is not None and w.grad.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_step_skips_params_without_grad_and_bumps_version():
    a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    (a * a).sum().backward()
    v = a._version
    opt.step()
    assert a._version == v + 1
    assert b.tolist() == [1.0, 1.0] and b not in opt.state


def test_closure_is_called_and_returned():
    w = mg.ones(2, requires_grad=True)
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with mg.no_grad():  # the closure still records: step enables grad for it
        loss = opt.step(closure)
    assert float(loss) == 2.0 and w.tolist() == [0.0, 0.0]


def test_add_param_group():
    a = mg.ones(1, requires_grad=True)
    opt = optim.RMSprop([a], lr=0.1, alpha=0.9)
    b = mg.ones(2, requires_grad=True)
    opt.add_param_group({"params": b, "lr": 0.5})
    assert opt.param_groups[1]["alpha"] == 0.9 and opt.param_groups[1]["lr"] == 0.5
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert "Parameter Group 1" in repr(opt)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda p: optim.SGD([p], lr=-1), ValueError, "`lr`"),
        (lambda p: optim.SGD([p], lr=0.1, nesterov=True), ValueError, "nesterov"),
        (lambda p: optim.Adam([p], betas=(1.0, 0.9)), ValueError, r"betas\[0\]"),
        (lambda p: optim.Adam([p], eps=-1e-8), ValueError, "`eps`"),
        (lambda p: optim.RMSprop([p], momentum=-0.1), ValueError, "`momentum`"),
        (lambda p: optim.Adagrad([p], lr_decay=-1), ValueError, "`lr_decay`"),
        (lambda p: optim.SGD(p, lr=0.1), TypeError, "single Tensor"),
        (lambda p: optim.SGD([], lr=0.1), ValueError, "empty"),
        (lambda p: optim.SGD([p, p], lr=0.1), ValueError, "twice"),
        (lambda p: optim.SGD([p * 2], lr=0.1), ValueError, "non-leaf"),
        (lambda p: optim.SGD([1.0], lr=0.1), TypeError, "params\\[0\\]"),
        (lambda p: optim.SGD({p}, lr=0.1), TypeError, "set"),
    ],
)
def test_argument_errors(make, error, match):
    p = mg.ones(2, requires_grad=True)
    with pytest.raises(error, match=match):
        make(p)


# f(x) = 1/2 xᵀAx - bᵀx, A SPD with eigenvalues 0.39, 2.47, 4.64: the steps each optimizer
# needs to get within 1e-3 of the minimum, measured, plus ~15% headroom (e.g. plain SGD with
# lr 0.3 contracts by |1 - 0.3 * 0.39| = 0.88 a step: ~60 steps for a factor 1600).
QUADRATIC = [
    ("SGD", {"lr": 0.3}, 70),
    ("SGD", {"lr": 0.1, "momentum": 0.7}, 50),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, 100),
    ("Adam", {"lr": 0.1}, 120),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.0}, 120),
    ("RMSprop", {"lr": 0.01, "centered": True}, 320),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5}, 170),
    ("Adagrad", {"lr": 0.5}, 50),
]


@pytest.mark.parametrize(("name", "kwargs", "max_steps"), QUADRATIC,
                         ids=[f"{n}-{k}" for n, k, _ in QUADRATIC])
def test_quadratic_minimum(name, kwargs, max_steps):
    a_np = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 0.5]])
    b_np = np.array([1.0, -2.0, 0.5])
    x_star = np.linalg.solve(a_np, b_np)
    a, b = mg.tensor(a_np), mg.tensor(b_np)
    x = mg.zeros(3, dtype=F64, requires_grad=True)
    opt = getattr(optim, name)([x], **kwargs)
    steps = 0
    while steps < max_steps and np.abs(x.detach().numpy() - x_star).max() >= 1e-3:
        opt.zero_grad()
        (0.5 * (x * (a @ x)).sum() - (b * x).sum()).backward()
        opt.step()
        steps += 1
    assert np.abs(x.detach().numpy() - x_star).max() < 1e-3, f"not converged in {steps} steps"


def test_accepts_nn_parameters_and_generators():
    nn = pytest.importorskip("minigrad.nn")
    if not hasattr(nn, "Parameter"):
        pytest.skip("minigrad.nn.Parameter is not available yet")
    w = nn.Parameter(mg.tensor([1.0, -2.0]))
    opt = optim.SGD((p for p in [w]), lr=0.5, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    assert w.tolist() == [0.0, 0.0] and isinstance(w, nn.Parameter)
    assert isinstance(opt.state[w]["momentum_buffer"], mg.Tensor)


@pytest.mark.parametrize("name", ["Adam", "LBFGS"])
def test_state_dict_survives_mg_save_load(tmp_path, name):
    if not hasattr(mg, "save"):
        pytest.skip("mg.save is not available yet")
    w = mg.tensor([1.0, 2.0, 3.0], dtype=F64, requires_grad=True)
    opt = getattr(optim, name)([w])

    def closure():
        opt.zero_grad()
        loss = (w**4).sum()
        loss.backward()
        return loss

    opt.step(closure)
    path = tmp_path / "opt.state"
    mg.save(opt.state_dict(), path)
    twin_w = mg.tensor(w.tolist(), dtype=F64, requires_grad=True)
    twin = getattr(optim, name)([twin_w])
    twin.load_state_dict(mg.load(path))

    def twin_closure():
        twin.zero_grad()
        loss = (twin_w**4).sum()
        loss.backward()
        return loss

    opt.step(closure)
    twin.step(twin_closure)
    np.testing.assert_allclose(twin_w.tolist(), w.tolist(), rtol=1e-12)


def test_step_hooks_run_once_around_each_step_and_can_be_removed():
    w = mg.ones(2, requires_grad=True)
    opt = mg.optim.Adam([w], lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", float(w[0]))))
    post = opt.register_step_post_hook(lambda o, a, k: calls.append(("post", float(w[0]))))
    (w * w).sum().backward()
    opt.step()
    assert [c[0] for c in calls] == ["pre", "post"]
    assert calls[0][1] == 1.0 and calls[1][1] < 1.0  # post sees the updated weights
    pre.remove()
    post.remove()
    opt.step()
    assert len(calls) == 2


def test_step_pre_hook_may_replace_the_closure():
    w = mg.ones(1, requires_grad=True)
    opt = mg.optim.LBFGS([w], lr=1, max_iter=5)

    def closure():
        opt.zero_grad()
        loss = ((w - 3) ** 2).sum()
        loss.backward()
        return loss

    opt.register_step_pre_hook(lambda o, a, k: ((closure,), {}))
    opt.step(lambda: (_ for _ in ()).throw(AssertionError("replaced closure was called")))
    assert abs(w.item() - 3) < 1e-4
