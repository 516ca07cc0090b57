"""minigrad.training: fit/evaluate, checkpoints and resume, Ctrl-C, progress output; models."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, SyntheticDigits, TensorDataset
from minigrad.models import (
    C3_CONNECTIONS,
    MODELS,
    ScaledTanh,
    build_model,
    input_options,
    model_kind,
)
from minigrad.training import (
    CHECKPOINT_NAME,
    Progress,
    build_optimizer,
    build_scheduler,
    evaluate,
    fit,
    load_checkpoint,
    recipe,
    restore,
    save_checkpoint,
)


def _blobs(n: int = 120, seed: int = 0) -> TensorDataset:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    x = (centres[y] + rng.normal(0, 0.5, (n, 2))).astype(np.float32)
    return TensorDataset(mg.tensor(x), mg.tensor(y))


def _setup(seed: int = 0) -> tuple[Any, Any, Any, DataLoader, DataLoader]:
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Dropout(0.2), nn.Linear(16, 3))
    opt = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    train = DataLoader(_blobs(), batch_size=16, shuffle=True, seed=seed)
    test = DataLoader(_blobs(60, seed=1), batch_size=60)
    return model, opt, sched, train, test


def _weights(model: Any) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_fit_learns_and_writes_checkpoint_and_metrics(tmp_path: Path) -> None:
    model, opt, sched, train, test = _setup()
    before = evaluate(model, test)["acc"]
    res = fit(model, opt, train, test, epochs=4, scheduler=sched, out_dir=tmp_path,
              config={"model": "blobs"}, seed=0, verbose=False)
    assert not res.interrupted and len(res.history) == 4
    assert res.final["test_acc"] > 0.9 > before
    assert [h["lr"] for h in res.history] == pytest.approx([0.2, 0.2, 0.1, 0.1])
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["finished"] and metrics["config"] == {"model": "blobs"}
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2, 3, 4]
    assert metrics["final_test_acc"] == pytest.approx(res.final["test_acc"])
    ck = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert ck["epoch"] == 4 and ck["config"] == {"model": "blobs"} and len(ck["history"]) == 4
    fresh, *_ = _setup(seed=5)
    restore(ck, fresh)
    for a, b in zip(_weights(fresh), _weights(model), strict=True):
        np.testing.assert_array_equal(a, b)


def test_resume_repeats_the_uninterrupted_run(tmp_path: Path) -> None:
    model, opt, sched, train, test = _setup()
    full = fit(model, opt, train, test, epochs=4, scheduler=sched, seed=0, verbose=False)
    ref = _weights(model)

    model, opt, sched, train, test = _setup()
    fit(model, opt, train, test, epochs=2, scheduler=sched, out_dir=tmp_path, seed=0,
        verbose=False)
    model, opt, sched, train, test = _setup(seed=9)  # different init: all must come back
    ck = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    start = restore(ck, model, opt, sched)
    train = DataLoader(_blobs(), batch_size=16, shuffle=True, seed=0)
    res = fit(model, opt, train, test, epochs=4, scheduler=sched, start_epoch=start,
              history=ck["history"], seed=0, verbose=False)
    assert start == 2 and [h["epoch"] for h in res.history] == [1, 2, 3, 4]
    for a, b in zip(_weights(model), ref, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert res.final["test_acc"] == full.final["test_acc"]


def test_keyboard_interrupt_keeps_last_good_checkpoint(tmp_path: Path) -> None:
    model, opt, _, train, test = _setup()
    fit(model, opt, train, test, epochs=1, out_dir=tmp_path, seed=0, verbose=False)
    saved = (tmp_path / CHECKPOINT_NAME).read_bytes()
    calls = {"n": 0}

    def stop_midway() -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt

    out = io.StringIO()
    res = fit(model, opt, train, test, epochs=3, start_epoch=1,
              history=load_checkpoint(tmp_path / CHECKPOINT_NAME)["history"], out_dir=tmp_path,
              seed=0, stream=out, bar=False, after_step=stop_midway)
    assert res.interrupted and len(res.history) == 1
    assert "interrupted: keeping the checkpoint of epoch 1" in out.getvalue()
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == saved
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["interrupted"] and not metrics["finished"] and len(metrics["epochs"]) == 1
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == 1


def test_plateau_schedule_gets_the_test_loss() -> None:
    model, opt, _, train, test = _setup()
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0, threshold=10.0)
    res = fit(model, opt, train, test, epochs=3, scheduler=sched, verbose=False)
    assert [h["lr"] for h in res.history] == pytest.approx([0.2, 0.1, 0.05])


def test_plain_progress_lines_without_a_terminal() -> None:
    model, opt, _, train, test = _setup()
    out = io.StringIO()
    fit(model, opt, train, test, epochs=2, verbose=True, stream=out, bar=None)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2: train loss")
    assert "test loss" in lines[1] and "samples/s" in lines[1]
    p = Progress(total=3, desc="e", stream=io.StringIO(), bar=False, interval=1e-9)
    p.advance(4)
    assert p.due()
    p.show(0.5, 0.25)
    assert "e [1/3] loss 0.5000 acc 25.00%" in p.stream.getvalue()


def test_tqdm_bar_when_requested() -> None:
    pytest.importorskip("tqdm")
    out = io.StringIO()
    p = Progress(total=2, desc="epoch 1/1", stream=out, bar=True, interval=0)
    p.advance(8)
    p.advance(8)
    p.close("done")
    assert "2/2" in out.getvalue() and out.getvalue().rstrip().endswith("epoch 1/1: done")


def test_evaluate_restores_training_mode_and_needs_batches() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Dropout(0.5))
    evaluate(model, DataLoader(_blobs(10), 5))
    assert model.training
    with pytest.raises(ValueError, match="no batches"):
        evaluate(model, [])


def test_checkpoint_errors(tmp_path: Path) -> None:
    path = tmp_path / "plain.mg"
    mg.save({"w": mg.ones(2)}, path)
    with pytest.raises(ValueError, match="not a minigrad training checkpoint"):
        load_checkpoint(path)
    m = nn.Linear(2, 2)
    save_checkpoint(tmp_path / "c.mg", model=m, epoch=1)
    with pytest.raises(ValueError, match="no optimizer state"):
        restore(load_checkpoint(tmp_path / "c.mg"), m, optim.SGD(m.parameters(), lr=0.1))
    (tmp_path / "broken.mg").write_bytes((tmp_path / "c.mg").read_bytes()[:50])
    with pytest.raises(ValueError):
        load_checkpoint(tmp_path / "broken.mg")


# ---------------------------------------------------------------------- recipes and models


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop",
                                  "adagrad"])
def test_every_optimizer_name_builds(name: str) -> None:
    opt = build_optimizer(name, nn.Linear(2, 2).parameters(), lr=0.01)
    assert opt.param_groups[0]["lr"] == 0.01


@pytest.mark.parametrize("name", ["none", "step", "multistep", "exponential", "cosine",
                                  "plateau"])
def test_every_schedule_name_builds(name: str) -> None:
    opt = optim.SGD(nn.Linear(2, 2).parameters(), lr=1.0)
    sched = build_scheduler(name, opt, epochs=6)
    assert (sched is None) == (name == "none")


def test_unknown_names_raise() -> None:
    with pytest.raises(ValueError, match="unknown optimizer"):
        build_optimizer("sgdd", [], lr=1.0)
    with pytest.raises(ValueError, match="unknown schedule"):
        build_scheduler("cyclic", None, 1)
    with pytest.raises(ValueError, match="unknown model"):
        build_model("resnet")


@pytest.mark.parametrize("name", sorted(n for n in MODELS if model_kind(n) == "image"))
def test_models_shapes_and_backward(name: str) -> None:
    mg.manual_seed(0)
    model = build_model(name)
    side = 28 + 2 * input_options(name).get("pad", 0)
    out = model(mg.randn(3, 1, side, side))
    assert out.shape == (3, 10)
    mg.nn.functional.cross_entropy(out, mg.tensor([1, 2, 3])).backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert grads and all(g is not None and np.isfinite(g.numpy()).all() for g in grads)
    assert recipe(name)["epochs"] >= 1


def test_lenet5_classic_structure() -> None:
    model = build_model("lenet5-classic")
    assert sum(len(c) for c in C3_CONNECTIONS) == 60
    table = model.c3.connections.numpy().astype(bool)
    assert table.shape == (16, 6) and table.sum() == 60 and table[15].all()
    assert not table[0, 3] and table[0, :3].all()
    shapes = {}
    x = mg.zeros(1, 1, 32, 32)
    for name in ("c1", "s2", "c3", "s4", "c5"):
        x = getattr(model, name)(x)
        shapes[name] = x.shape[1:]
    assert shapes == {"c1": (6, 28, 28), "s2": (6, 14, 14), "c3": (16, 10, 10),
                      "s4": (16, 5, 5), "c5": (120, 1, 1)}
    assert not model.output.centres.requires_grad
    w = model.c3.weight.detach().numpy()
    bound = 2.4 / (table.sum(1) * 25)
    assert (np.abs(w).max(axis=(1, 2, 3)) <= bound + 1e-7).all()


def test_scaled_tanh_fixed_points() -> None:
    f = ScaledTanh()
    np.testing.assert_allclose(f(mg.tensor([-1.0, 0.0, 1.0])).numpy(), [-1.0, 0.0, 1.0],
                               atol=1e-4)


def test_mlp_learns_synthetic_digits_in_one_epoch() -> None:
    """The offline dataset is learnable: one short epoch is far above chance (10 %)."""
    mg.manual_seed(0)
    train = SyntheticDigits(size=3000, seed=0).tensors()
    test = SyntheticDigits(size=500, seed=0, train=False).tensors()
    model = build_model("mlp")
    opt = optim.SGD(model.parameters(), lr=0.1)
    res = fit(model, opt, DataLoader(train, 50, shuffle=True, seed=0), DataLoader(test, 500),
              epochs=1, verbose=False)
    assert res.final["test_acc"] > 0.6
