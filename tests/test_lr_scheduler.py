"""Learning-rate schedulers: exact sequences, and PyTorch's sequences when torch is installed."""

from __future__ import annotations

import math

import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler as S


def _opt(lr=0.1, groups=1):
    params = [mg.zeros(1, requires_grad=True) for _ in range(groups)]
    if groups == 1:
        return optim.SGD(params, lr=lr)
    return optim.SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(params)], lr=lr)


def _sequence(opt, sched, epochs, metrics=None):
    lrs = []
    for epoch in range(epochs):
        lrs.append([g["lr"] for g in opt.param_groups])
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[epoch])
    return lrs


def test_multistep_piecewise_decay_exactly():
    opt = _opt(lr=0.01)
    sched = S.MultiStepLR(opt, milestones=[5, 10, 15], gamma=0.1)
    lrs = [v[0] for v in _sequence(opt, sched, 20)]
    expected = [0.01] * 5 + [0.001] * 5 + [1e-4] * 5 + [1e-5] * 5
    assert lrs == pytest.approx(expected, rel=1e-12)
    assert sched.last_epoch == 20 and sched.get_last_lr() == pytest.approx([1e-5])


def test_step_exponential_lambda_cosine_values():
    opt = _opt(1.0)
    assert [v[0] for v in _sequence(opt, S.StepLR(opt, 3, gamma=0.5), 7)] == [
        1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    opt = _opt(1.0)
    assert [v[0] for v in _sequence(opt, S.ExponentialLR(opt, 0.9), 4)] == pytest.approx(
        [1, 0.9, 0.81, 0.729])
    opt = _opt(2.0)
    assert [v[0] for v in _sequence(opt, S.LambdaLR(opt, lambda e: 0.5**e), 3)] == [2, 1, 0.5]
    opt = _opt(1.0)
    lrs = [v[0] for v in _sequence(opt, S.CosineAnnealingLR(opt, T_max=10, eta_min=0.1), 11)]
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    assert lrs == pytest.approx(expected, rel=1e-12)


def test_reduce_on_plateau_behaviour():
    opt = _opt(1.0)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    metrics = [1.0] + [0.5] * 12
    lrs = [v[0] for v in _sequence(opt, sched, len(metrics), metrics)]
    # best at epoch 1; three bad epochs (2, 3, 4) exceed patience 2 -> halve after epoch 4;
    # one cooldown epoch, then three more bad epochs -> halve again, and again after 12,
    # where the floor min_lr=0.2 stops it at 0.2 instead of 0.125
    assert lrs == [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    assert sched.get_last_lr() == [0.2]
    opt = _opt(1.0)
    sched = S.ReduceLROnPlateau(opt, mode="max", patience=0, threshold=0.1,
                                threshold_mode="abs")
    for acc in [0.5, 0.55, 0.7]:  # +0.05 is not an improvement by more than 0.1
        opt.step()
        sched.step(acc)
    assert sched.get_last_lr() == pytest.approx([0.1])


def test_groups_chaining_and_resume():
    opt = _opt(1.0, groups=2)
    sched = S.StepLR(opt, 1, gamma=0.5)
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.5, 1.0]
    # two schedulers chain on the same optimizer
    opt = _opt(1.0)
    a, b = S.ExponentialLR(opt, 0.5), S.MultiStepLR(opt, [2], gamma=0.1)
    for _ in range(2):
        opt.step()
        a.step()
        b.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.025)
    # state_dict / load_state_dict resume the schedule
    opt = _opt(1.0)
    sched = S.MultiStepLR(opt, [2, 4], gamma=0.1)
    _sequence(opt, sched, 3)
    saved = sched.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 3
    opt2 = _opt(1.0)
    sched2 = S.MultiStepLR(opt2, [2, 4], gamma=0.1)
    sched2.load_state_dict(saved)
    opt2.param_groups[0]["lr"] = sched2.get_last_lr()[0]
    assert _sequence(opt2, sched2, 2) == _sequence(opt, sched, 2)
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_opt(), 2, last_epoch=3)


def test_step_with_epoch_uses_closed_form():
    opt = _opt(1.0)
    sched = S.StepLR(opt, 2, gamma=0.1)
    sched.step(5)
    assert sched.get_last_lr() == pytest.approx([0.01])


def test_scheduler_errors():
    with pytest.raises(TypeError, match="Optimizer"):
        S.StepLR(object(), 1)
    with pytest.raises(ValueError, match="step_size"):
        S.StepLR(_opt(), 0)
    with pytest.raises(ValueError, match="factor"):
        S.ReduceLROnPlateau(_opt(), factor=1.5)
    with pytest.raises(ValueError, match="mode"):
        S.ReduceLROnPlateau(_opt(), mode="avg")
    with pytest.raises(ValueError, match="2 lr_lambdas"):
        S.LambdaLR(_opt(groups=2), [lambda e: 1.0])


# ---------------------------------------------------------------------------- vs PyTorch
CASES = [
    ("StepLR", {"step_size": 3, "gamma": 0.3}),
    ("MultiStepLR", {"milestones": [5, 10, 15], "gamma": 0.1}),
    ("MultiStepLR", {"milestones": [2, 2, 7], "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}),
    ("LambdaLR", {"lr_lambda": lambda e: 1 / (1 + 0.3 * e)}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_matches_torch_sequences(name, kwargs):
    torch = pytest.importorskip("torch")
    opt = _opt(0.01, groups=2)
    mine = _sequence(opt, getattr(S, name)(opt, **kwargs), 25)
    params = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    topt = torch.optim.SGD([{"params": [p], "lr": 0.01 * (i + 1)} for i, p in enumerate(params)],
                           lr=0.01)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
    ref = []
    for _ in range(25):
        ref.append([g["lr"] for g in topt.param_groups])
        topt.step()
        tsched.step()
    for epoch, (a, b) in enumerate(zip(mine, ref, strict=True)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), f"epoch {epoch}"


def test_reduce_on_plateau_matches_torch():
    torch = pytest.importorskip("torch")
    metrics = [1.0, 0.9, 0.95, 0.9, 0.89995, 0.9, 0.8, 0.8, 0.81, 0.8, 0.7, 0.7, 0.7, 0.7,
               0.7, 0.69, 0.7, 0.7, 0.7, 0.7]
    for kwargs in [{"patience": 1, "factor": 0.5},
                   {"patience": 2, "cooldown": 2, "min_lr": 0.003, "threshold": 0.01},
                   {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.02}]:
        opt = _opt(0.01)
        mine = _sequence(opt, S.ReduceLROnPlateau(opt, **kwargs), len(metrics), metrics)
        p = torch.zeros(1, requires_grad=True)
        topt = torch.optim.SGD([p], lr=0.01)
        tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
        ref = []
        for m in metrics:
            ref.append([g["lr"] for g in topt.param_groups])
            topt.step()
            tsched.step(m)
        assert [v[0] for v in mine] == pytest.approx([v[0] for v in ref], rel=1e-12), kwargs
