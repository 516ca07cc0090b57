"""The newer schedules (warm-up, polynomial, cyclic, one-cycle, warm restarts, sequential and
chained) against torch.optim.lr_scheduler: rates and momenta over all their phases."""

from __future__ import annotations

import warnings

import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import lr_scheduler as S


def _mg_opt(kind="SGD"):
    params = [mg.zeros(1, requires_grad=True) for _ in range(2)]
    groups = [{"params": [p], "lr": 0.01 * (i + 1)} for i, p in enumerate(params)]
    if kind == "Adam":
        return optim.Adam(groups, lr=0.01)
    if kind == "Adagrad":
        return optim.Adagrad(groups, lr=0.01)
    return optim.SGD(groups, lr=0.01, momentum=0.9)


def _torch_opt(torch, kind="SGD"):
    params = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    groups = [{"params": [p], "lr": 0.01 * (i + 1)} for i, p in enumerate(params)]
    if kind == "Adam":
        return torch.optim.Adam(groups, lr=0.01)
    if kind == "Adagrad":
        return torch.optim.Adagrad(groups, lr=0.01)
    return torch.optim.SGD(groups, lr=0.01, momentum=0.9)


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups
            if "betas" in g or "momentum" in g]


def _trace(opt, sched, steps, epochs=None):
    """Per step: (rates, momenta, get_last_lr()) before the step, then optimizer and
    scheduler steps (``sched.step(epochs[i])`` when epochs are given)."""
    out = []
    for i in range(steps):
        out.append(([g["lr"] for g in opt.param_groups], _momenta(opt), sched.get_last_lr()))
        opt.step()
        if epochs is None:
            sched.step()
        else:
            sched.step(epochs[i])
    return out


# make(lr_scheduler_module, optimizer) builds the same schedule for minigrad and torch
CASES = [
    ("MultiplicativeLR", "SGD", lambda M, o: M.MultiplicativeLR(o, lambda e: 0.9)),
    ("MultiplicativeLR-groups", "SGD", lambda M, o: M.MultiplicativeLR(
        o, [lambda e: 0.9, lambda e: 1.0 if e % 2 else 0.5])),
    ("ConstantLR", "SGD", lambda M, o: M.ConstantLR(o)),
    ("ConstantLR-opts", "SGD", lambda M, o: M.ConstantLR(o, factor=0.5, total_iters=3)),
    ("LinearLR", "SGD", lambda M, o: M.LinearLR(o)),
    ("LinearLR-decay", "SGD", lambda M, o: M.LinearLR(o, start_factor=0.9, end_factor=0.1,
                                                      total_iters=7)),
    ("PolynomialLR", "SGD", lambda M, o: M.PolynomialLR(o)),
    ("PolynomialLR-power", "SGD", lambda M, o: M.PolynomialLR(o, total_iters=8, power=2.5)),
    ("WarmRestarts", "SGD", lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=4)),
    ("WarmRestarts-Tmult", "SGD", lambda M, o: M.CosineAnnealingWarmRestarts(
        o, T_0=2, T_mult=2, eta_min=0.001)),
    ("CyclicLR-triangular", "SGD", lambda M, o: M.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5)),
    ("CyclicLR-triangular2", "SGD", lambda M, o: M.CyclicLR(
        o, base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=4, mode="triangular2")),
    ("CyclicLR-exp_range", "Adam", lambda M, o: M.CyclicLR(
        o, base_lr=0.001, max_lr=0.01, step_size_up=3, mode="exp_range", gamma=0.95,
        base_momentum=0.7, max_momentum=[0.9, 0.95])),
    ("CyclicLR-scale_fn-cycle", "SGD", lambda M, o: M.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3,
        scale_fn=lambda x: 1 / x, cycle_momentum=False)),
    ("CyclicLR-scale_fn-iterations", "SGD", lambda M, o: M.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=lambda x: 0.97**x,
        scale_mode="iterations")),
    ("CyclicLR-no-momentum", "Adagrad", lambda M, o: M.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=5, cycle_momentum=False)),
    ("OneCycleLR-cos", "SGD", lambda M, o: M.OneCycleLR(o, max_lr=0.1, total_steps=25)),
    ("OneCycleLR-linear", "Adam", lambda M, o: M.OneCycleLR(
        o, max_lr=[0.1, 0.2], epochs=5, steps_per_epoch=5, anneal_strategy="linear",
        pct_start=0.4, base_momentum=0.8, max_momentum=0.9)),
    ("OneCycleLR-three_phase", "SGD", lambda M, o: M.OneCycleLR(
        o, max_lr=0.1, total_steps=25, three_phase=True, div_factor=10.0,
        final_div_factor=100.0)),
    ("OneCycleLR-three_phase-linear", "Adam", lambda M, o: M.OneCycleLR(
        o, max_lr=0.1, total_steps=25, three_phase=True, anneal_strategy="linear",
        cycle_momentum=False)),
    ("SequentialLR", "SGD", lambda M, o: M.SequentialLR(
        o, [M.LinearLR(o, start_factor=0.1, total_iters=5), M.ExponentialLR(o, gamma=0.9)],
        milestones=[5])),
    ("SequentialLR-three", "SGD", lambda M, o: M.SequentialLR(
        o, [M.ConstantLR(o, factor=0.3, total_iters=4), M.CosineAnnealingLR(o, T_max=8),
            M.StepLR(o, step_size=3, gamma=0.5)], milestones=[4, 12])),
    ("ChainedScheduler", "SGD", lambda M, o: M.ChainedScheduler(
        [M.ConstantLR(o, factor=0.5, total_iters=4), M.ExponentialLR(o, gamma=0.9)])),
    ("ChainedScheduler-optimizer", "SGD", lambda M, o: M.ChainedScheduler(
        [M.LinearLR(o, total_iters=6), M.PolynomialLR(o, total_iters=20)], optimizer=o)),
    ("Chained-in-Sequential", "SGD", lambda M, o: M.SequentialLR(
        o, [M.ChainedScheduler([M.LinearLR(o, total_iters=3), M.ExponentialLR(o, 0.95)]),
            M.MultiStepLR(o, milestones=[10, 14], gamma=0.5)], milestones=[6])),
]


@pytest.mark.parametrize(("kind", "make"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(kind, make):
    torch = pytest.importorskip("torch")
    opt = _mg_opt(kind)
    mine = _trace(opt, make(S, opt), 25)
    topt = _torch_opt(torch, kind)
    with warnings.catch_warnings():  # torch warns when SequentialLR restarts a ChainedScheduler
        warnings.simplefilter("ignore", UserWarning)
        ref = _trace(topt, make(torch.optim.lr_scheduler, topt), 25)
    for step, (a, b) in enumerate(zip(mine, ref, strict=True)):
        for x, y in zip(a, b, strict=True):
            assert x == pytest.approx(y, rel=1e-12, abs=1e-15), f"step {step}"


def test_warm_restarts_fractional_epochs_match_torch():
    torch = pytest.importorskip("torch")
    epochs = [e + i / 4 for e in range(12) for i in range(4)]
    for kwargs in [{"T_0": 3}, {"T_0": 2, "T_mult": 2, "eta_min": 0.002}, {"T_0": 1, "T_mult": 3}]:
        opt = _mg_opt()
        mine = _trace(opt, S.CosineAnnealingWarmRestarts(opt, **kwargs), len(epochs), epochs)
        topt = _torch_opt(torch)
        tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, **kwargs)
        ref = _trace(topt, tsched, len(epochs), epochs)
        for a, b in zip(mine, ref, strict=True):
            assert a[0] == pytest.approx(b[0], rel=1e-12), kwargs


def test_step_with_epoch_uses_closed_form_like_torch():
    torch = pytest.importorskip("torch")
    for name, kwargs in [("LinearLR", {"start_factor": 0.2, "total_iters": 6}),
                         ("ConstantLR", {"factor": 0.4, "total_iters": 3}),
                         ("PolynomialLR", {"total_iters": 6, "power": 1.5}),
                         ("ExponentialLR", {"gamma": 0.8})]:
        opt, topt = _mg_opt(), _torch_opt(torch)
        sched = getattr(S, name)(opt, **kwargs)
        tsched = getattr(torch.optim.lr_scheduler, name)(topt, **kwargs)
        for epoch in [4, 2, 9, 0]:
            sched.step(epoch)
            with warnings.catch_warnings():  # torch deprecates step(epoch)
                warnings.simplefilter("ignore")
                tsched.step(epoch)
            assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12), name


@pytest.mark.parametrize("name", ["ExponentialLR", "CosineAnnealingLR", "LinearLR",
                                  "PolynomialLR", "MultiplicativeLR"])
def test_resume_with_last_epoch_matches_torch(name):
    torch = pytest.importorskip("torch")
    kwargs = {"ExponentialLR": {"gamma": 0.9}, "CosineAnnealingLR": {"T_max": 10},
              "LinearLR": {"total_iters": 8}, "PolynomialLR": {"total_iters": 12},
              "MultiplicativeLR": {"lr_lambda": lambda e: 0.8}}[name]
    traces = []
    for M, opt in [(S, _mg_opt()), (torch.optim.lr_scheduler, _torch_opt(torch))]:
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"] * 2
        traces.append(_trace(opt, getattr(M, name)(opt, last_epoch=3, **kwargs), 8))
    for a, b in zip(*traces, strict=True):
        assert a[0] == pytest.approx(b[0], rel=1e-12)


@pytest.mark.parametrize(("kind", "make"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_state_dict_round_trip_resumes(kind, make):
    opt = _mg_opt(kind)
    sched = make(S, opt)
    full = _trace(opt, sched, 20)
    opt = _mg_opt(kind)
    sched = make(S, opt)
    _trace(opt, sched, 9)
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved
    fresh_opt = _mg_opt(kind)
    fresh = make(S, fresh_opt)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved)
    assert fresh.get_last_lr() == full[9][2]
    assert _trace(fresh_opt, fresh, 11) == full[9:]


def test_cyclic_custom_scale_fn_object_state_round_trips():
    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, x):
            return self.rate**x

    fn = Decay()
    sched = S.CyclicLR(_mg_opt(), 0.01, 0.1, step_size_up=2, scale_fn=fn)
    fn.rate = 0.25
    saved = sched.state_dict()
    assert saved["_scale_fn_custom"] == {"rate": 0.25}
    other = Decay()
    S.CyclicLR(_mg_opt(), 0.01, 0.1, step_size_up=2, scale_fn=other).load_state_dict(saved)
    assert other.rate == 0.25
    lam = S.CyclicLR(_mg_opt(), 0.01, 0.1, scale_fn=lambda x: 1.0).state_dict()
    assert lam["_scale_fn_custom"] is None


def test_one_cycle_peaks_at_max_lr_and_ends_at_min_lr():
    opt = _mg_opt()
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.5)
    lrs = [t[0][0] for t in _trace(opt, sched, 10)]
    assert lrs[0] == pytest.approx(1 / 25) and lrs[4] == pytest.approx(1.0)
    assert lrs[-1] == pytest.approx(1 / 25 / 1e4)
    assert max(lrs) == lrs[4]
    with pytest.raises(ValueError, match="total_steps=10"):
        sched.step()
        sched.step()


def test_sequential_milestone_restarts_next_schedule_from_base():
    opt = _mg_opt()
    sched = S.SequentialLR(opt, [S.ConstantLR(opt, factor=0.1, total_iters=10),
                                 S.ExponentialLR(opt, gamma=0.5)], milestones=[3])
    lrs = [t[0][0] for t in _trace(opt, sched, 6)]
    assert lrs == pytest.approx([0.001, 0.001, 0.001, 0.01, 0.005, 0.0025], rel=1e-12)


def _other_opt():
    return optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1)


BAD = [
    ("ConstantLR", lambda M, o: M.ConstantLR(o, factor=1.5), ValueError, "factor"),
    ("LinearLR-start", lambda M, o: M.LinearLR(o, start_factor=0), ValueError, "start_factor"),
    ("LinearLR-end", lambda M, o: M.LinearLR(o, end_factor=1.5), ValueError, "end_factor"),
    ("Multiplicative-count", lambda M, o: M.MultiplicativeLR(o, [lambda e: 1.0]), ValueError,
     "2 lr_lambdas"),
    ("Multiplicative-callable", lambda M, o: M.MultiplicativeLR(o, 0.5), TypeError,
     "function"),
    ("WarmRestarts-T_0", lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=0), ValueError,
     "T_0"),
    ("WarmRestarts-T_mult", lambda M, o: M.CosineAnnealingWarmRestarts(o, 2, T_mult=1.5),
     ValueError, "T_mult"),
    ("WarmRestarts-eta_min", lambda M, o: M.CosineAnnealingWarmRestarts(o, 2, eta_min="0"),
     ValueError, "eta_min"),
    ("WarmRestarts-epoch", lambda M, o: M.CosineAnnealingWarmRestarts(o, 2).step(-1),
     ValueError, "epoch"),
    ("CyclicLR-mode", lambda M, o: M.CyclicLR(o, 0.01, 0.1, mode="square"), ValueError,
     "mode"),
    ("CyclicLR-lengths", lambda M, o: M.CyclicLR(o, [0.01], 0.1), ValueError, "base_lr"),
    ("OneCycleLR-steps", lambda M, o: M.OneCycleLR(o, 0.1), ValueError, "total_steps"),
    ("OneCycleLR-zero", lambda M, o: M.OneCycleLR(o, 0.1, total_steps=0), ValueError,
     "total_steps"),
    ("OneCycleLR-epochs", lambda M, o: M.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=3),
     ValueError, "epochs"),
    ("OneCycleLR-pct", lambda M, o: M.OneCycleLR(o, 0.1, 10, pct_start=1), ValueError,
     "pct_start"),
    ("OneCycleLR-anneal", lambda M, o: M.OneCycleLR(o, 0.1, 10, anneal_strategy="exp"),
     ValueError, "anneal_strategy"),
    ("Sequential-milestones", lambda M, o: M.SequentialLR(
        o, [M.ConstantLR(o), M.ConstantLR(o)], milestones=[1, 2]), ValueError, "milestone"),
    ("Sequential-empty", lambda M, o: M.SequentialLR(o, [], milestones=[]), ValueError,
     "at least one"),
    ("Sequential-plateau", lambda M, o: M.SequentialLR(
        o, [M.ConstantLR(o), M.ReduceLROnPlateau(o)], milestones=[2]), ValueError,
     "ReduceLROnPlateau"),
    ("Sequential-not-a-scheduler", lambda M, o: M.SequentialLR(o, [object()], milestones=[]),
     TypeError, "optimizer"),
    ("Chained-empty", lambda M, o: M.ChainedScheduler([]), ValueError, "at least one"),
]


@pytest.mark.parametrize(("make", "error", "match"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_arguments_raise_like_torch(make, error, match):
    with pytest.raises(error, match=match):
        make(S, _mg_opt())
    torch = pytest.importorskip("torch")
    with pytest.raises(error):
        make(torch.optim.lr_scheduler, _torch_opt(torch))


def test_errors_without_a_torch_twin():
    with pytest.raises(ValueError, match="momentum` or `betas"):
        S.CyclicLR(_mg_opt("Adagrad"), 0.01, 0.1)
    with pytest.raises(ValueError, match="momentum` or `betas"):
        S.OneCycleLR(_mg_opt("Adagrad"), 0.1, total_steps=5)
    opt = _mg_opt()
    with pytest.raises(ValueError, match="same optimizer"):
        S.SequentialLR(opt, [S.ConstantLR(_other_opt())], milestones=[])
    with pytest.raises(ValueError, match="same optimizer"):
        S.ChainedScheduler([S.ConstantLR(opt), S.ConstantLR(_other_opt())])
    with pytest.raises(TypeError, match="Optimizer"):
        S.OneCycleLR(object(), 0.1, total_steps=5)


def test_old_base_name_can_be_subclassed():
    from minigrad.optim.lr_scheduler import _LRScheduler

    class Halve(_LRScheduler):
        def get_lr(self):
            return [base * 0.5**self.last_epoch for base in self.base_lrs]

    opt = _mg_opt()
    sched = Halve(opt)
    assert isinstance(sched, S.LRScheduler)
    assert [t[0] for t in _trace(opt, sched, 3)] == [[0.01, 0.02], [0.005, 0.01],
                                                      [0.0025, 0.005]]
