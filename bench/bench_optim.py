"""Optimizer overhead: one ``optimizer.step()`` on the parameters of an MLP 784-100-10
(79,510 float32 values, 4 tensors), beside ``torch.optim`` in the same run; and one LBFGS
``step`` (20 iterations with the strong-Wolfe search) on a 200-dimensional least-squares fit.

Run: ``python bench/bench_optim.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from _timing import machine_line, median_time, ratio_line

import minigrad as mg

SHAPES = [(100, 784), (100,), (10, 100), (10,)]
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", {"lr": 1e-3}),
    ("AdamW", {"lr": 1e-3, "amsgrad": True}),
    ("RMSprop", {"lr": 1e-3, "centered": True}),
    ("Adagrad", {"lr": 1e-2}),
]


def _arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.standard_normal(s).astype("float32") * 0.01 for s in SHAPES]


def bench_step(name: str, kwargs: dict, torch) -> str:
    ps = [mg.tensor(a, requires_grad=True) for a in _arrays()]
    for p in ps:
        p.grad = mg.ones_like(p) * 1e-3
    opt = getattr(mg.optim, name)(ps, **kwargs)
    ours = median_time(opt.step, number=50)
    theirs = None
    if torch is not None:
        tps = [torch.tensor(a, requires_grad=True) for a in _arrays()]
        for p in tps:
            p.grad = torch.ones_like(p) * 1e-3
        topt = getattr(torch.optim, name)(tps, **kwargs)
        with torch.no_grad():
            theirs = median_time(topt.step, number=50)
    label = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return ratio_line(f"{name}({label}).step", ours, theirs)


def bench_lbfgs(torch) -> str:
    rng = np.random.default_rng(1)
    a_np, b_np = rng.standard_normal((400, 200)), rng.standard_normal(400)

    def solve(lib) -> None:  # the same code runs on minigrad and on torch
        a, b = lib.tensor(a_np), lib.tensor(b_np)
        w = lib.zeros(200, dtype=lib.float64, requires_grad=True)
        opt = lib.optim.LBFGS([w], line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = ((a @ w - b) ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)

    def ours() -> None:
        solve(mg)

    def theirs() -> None:
        solve(torch)

    t_ours = median_time(ours, repeat=5, number=3)
    t_theirs = median_time(theirs, repeat=5, number=3) if torch is not None else None
    return ratio_line("LBFGS.step (20 it., 400x200 least squares)", t_ours, t_theirs)


def main() -> None:
    try:
        import torch

        torch.set_num_threads(2)
    except ImportError:
        torch = None
    print(machine_line())
    for name, kwargs in CASES:
        print(bench_step(name, kwargs, torch))
    print(bench_lbfgs(torch))


if __name__ == "__main__":
    main()
