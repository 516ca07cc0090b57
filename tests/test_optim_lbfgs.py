"""LBFGS against torch.optim.LBFGS (iterate for iterate), float32, and state dicts."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

F64 = mg.float64


class Rosenbrock:
    """f = (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2)."""

    def __init__(self) -> None:
        self.x = mg.tensor([-1.5, 2.0], dtype=F64, requires_grad=True)
        self.params = [self.x]

    def loss(self) -> mg.Tensor:
        x = self.x
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _torch_rosenbrock_run(torch, steps, **kwargs):
    x = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], **kwargs)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        out.append((x.detach().numpy().copy(), float(loss), opt.state[x]["func_evals"]))
    return out


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")
@pytest.mark.parametrize("kwargs", [
    {"line_search_fn": "strong_wolfe", "max_iter": 5},
    {"line_search_fn": "strong_wolfe", "max_iter": 4, "history_size": 3},
    {"lr": 0.1, "max_iter": 6},
    {"lr": 0.5, "max_iter": 3, "history_size": 2, "max_eval": 4},
], ids=["wolfe", "wolfe-history3", "fixed-step", "fixed-step-max-eval"])
def test_lbfgs_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    ref = _torch_rosenbrock_run(torch, 6, **kwargs)
    problem = Rosenbrock()
    opt = optim.LBFGS(problem.params, **kwargs)

    def closure():
        opt.zero_grad()
        loss = problem.loss()
        loss.backward()
        return loss

    for i, (x_ref, loss_ref, evals_ref) in enumerate(ref):
        loss = opt.step(closure)
        np.testing.assert_allclose(problem.x.tolist(), x_ref, rtol=1e-6, atol=1e-9,
                                   err_msg=f"step {i}")
        assert float(loss) == pytest.approx(loss_ref, rel=1e-6)
        assert opt.state[problem.x]["func_evals"] == evals_ref


def test_lbfgs_float32_and_multiple_params():
    rng = np.random.default_rng(1)
    a = mg.tensor(rng.standard_normal((6, 3)).astype("float32"))
    target = mg.tensor(rng.standard_normal(6).astype("float32"))
    w = mg.zeros(3, requires_grad=True)
    b = mg.zeros(1, requires_grad=True)
    opt = optim.LBFGS([w, b], line_search_fn="strong_wolfe", max_iter=50)

    def closure():
        opt.zero_grad()
        loss = ((a @ w + b - target) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    design = np.hstack([a.numpy(), np.ones((6, 1), "float32")]).astype("float64")
    sol = np.linalg.lstsq(design, target.numpy().astype("float64"), rcond=None)[0]
    np.testing.assert_allclose(w.tolist() + b.tolist(), sol, atol=1e-4)
    assert w.dtype == mg.float32


def test_lbfgs_state_dict_round_trip():
    problem = Rosenbrock()
    opt = optim.LBFGS(problem.params, max_iter=3, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = problem.loss()
        loss.backward()
        return loss

    opt.step(closure)
    sd = opt.state_dict()
    assert sd["state"][0]["n_iter"] == opt.state[problem.x]["n_iter"] >= 1
    assert isinstance(sd["state"][0]["d"], mg.Tensor)
    twin = Rosenbrock()
    with mg.no_grad():
        twin.x.copy_(problem.x)
    opt2 = optim.LBFGS(twin.params, max_iter=3, line_search_fn="strong_wolfe")
    opt2.load_state_dict(sd)

    def closure2():
        opt2.zero_grad()
        loss = twin.loss()
        loss.backward()
        return loss

    opt.step(closure)
    opt2.step(closure2)
    np.testing.assert_allclose(twin.x.tolist(), problem.x.tolist(), rtol=1e-12)
