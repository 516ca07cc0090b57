"""Early stopping: `minigrad train --val-split FRACTION --early-stopping PATIENCE` and
``fit(val_loader=..., patience=...)`` (synthetic digits or random tensors, tiny models)."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.cli import main
from minigrad.cli.early_stopping import split_validation
from minigrad.data import DataLoader, TensorDataset
from minigrad.training import (
    BEST_CHECKPOINT_NAME,
    CHECKPOINT_NAME,
    best_epoch,
    fit,
    load_checkpoint,
)

# a high learning rate on 300 samples: the validation loss bottoms out within a few epochs
QUICK = ["--model", "mlp", "--dataset", "synthetic", "--synthetic-size", "300",
         "--batch-size", "25", "--lr", "0.5", "--quiet"]
EARLY = ["--val-split", "0.2", "--early-stopping", "2"]


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One CLI run that stops early (shared: it is the slow part), and what it printed."""
    out = tmp_path_factory.mktemp("early") / "run"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["train", *QUICK, "--epochs", "40", *EARLY, "--out", str(out)]) == 0
    return out, printed.getvalue()


def _noise_fit(tmp_path: Path | None, epochs: int, patience: int | None,
               history: list | None = None, start: int = 0, model: nn.Module | None = None,
               opt: object = None):
    """A linear model on labels that are pure noise: it overfits at once, so validation loss
    stops improving within a few epochs."""
    g = mg.Generator().manual_seed(1)
    x = mg.randn(48, 4, generator=g)
    y = mg.randint(0, 2, (48,), generator=g)
    xv = mg.randn(32, 4, generator=g)
    yv = mg.randint(0, 2, (32,), generator=g)
    if model is None:
        mg.manual_seed(0)
        model = nn.Linear(4, 2)
        opt = mg.optim.SGD(model.parameters(), lr=1.0)
    return fit(model, opt, DataLoader(TensorDataset(x, y), 8, shuffle=True, seed=0),
               epochs=epochs, val_loader=DataLoader(TensorDataset(xv, yv), 32),
               patience=patience, out_dir=str(tmp_path) if tmp_path else None,
               history=history, start_epoch=start, seed=0, verbose=False)


def test_best_epoch_needs_a_strict_improvement() -> None:
    hist = [{"epoch": 1, "val_loss": 1.0}, {"epoch": 2, "val_loss": 0.7},
            {"epoch": 3, "val_loss": 0.7}, {"epoch": 4, "val_loss": 0.9}]
    assert best_epoch(hist)["epoch"] == 2
    assert best_epoch([{"epoch": 1, "val_loss": None}]) is None
    assert best_epoch([]) is None


def test_fit_stops_after_patience_epochs_without_improvement(tmp_path: Path) -> None:
    r = _noise_fit(tmp_path, epochs=100, patience=2)
    assert r.stopped_early and not r.interrupted
    losses = [h["val_loss"] for h in r.history]
    best = int(np.argmin(losses)) + 1
    assert r.best["epoch"] == best
    # stopped exactly `patience` epochs after the best, each of them no better than the best
    assert len(r.history) == best + 2 < 100
    assert all(v >= losses[best - 1] for v in losses[best:])
    assert all(v > min(losses[:i]) for i, v in enumerate(losses) if i >= best)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["best_epoch"] == best and metrics["stopped_early"] and metrics["finished"]
    assert metrics["best_val_loss"] == pytest.approx(losses[best - 1])
    assert all("val_loss" in e and "val_acc" in e for e in metrics["epochs"])
    # best.mg holds the best epoch's weights; checkpoint.mg the last epoch's
    assert load_checkpoint(tmp_path / BEST_CHECKPOINT_NAME)["epoch"] == best
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == len(r.history)


def test_fit_without_patience_runs_all_epochs() -> None:
    r = _noise_fit(None, epochs=6, patience=None)
    assert len(r.history) == 6 and not r.stopped_early and r.best is not None


def test_fit_refuses_patience_without_validation() -> None:
    m = nn.Linear(2, 2)
    loader = DataLoader(TensorDataset(mg.randn(4, 2), mg.zeros(4).long()), 2)
    with pytest.raises(ValueError, match="val_loader"):
        fit(m, mg.optim.SGD(m.parameters(), lr=0.1), loader, epochs=1, patience=2,
            verbose=False)
    with pytest.raises(ValueError, match="positive patience"):
        fit(m, mg.optim.SGD(m.parameters(), lr=0.1), loader, epochs=1, patience=0,
            val_loader=loader, verbose=False)


def test_fit_resume_keeps_the_patience_counter(tmp_path: Path) -> None:
    straight = _noise_fit(None, epochs=100, patience=2)
    stop = len(straight.history)
    assert stop >= 3
    # run the first stop-1 epochs, then resume from the checkpoint: the counter carries over,
    # so the resumed run stops at the same epoch (a reset counter would run 2 more at least)
    first = _noise_fit(tmp_path, epochs=stop - 1, patience=2)
    assert not first.stopped_early
    ck = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    model = nn.Linear(4, 2)
    opt = mg.optim.SGD(model.parameters(), lr=1.0)
    model.load_state_dict(ck["model"])
    opt.load_state_dict(ck["optimizer"])
    resumed = _noise_fit(tmp_path, epochs=100, patience=2, history=ck["history"],
                         start=ck["epoch"], model=model, opt=opt)
    assert resumed.stopped_early and len(resumed.history) == stop
    assert resumed.best["epoch"] == straight.best["epoch"]
    assert [h["val_loss"] for h in resumed.history] == pytest.approx(
        [h["val_loss"] for h in straight.history])


def test_split_validation_is_deterministic_and_disjoint() -> None:
    ds = TensorDataset(mg.arange(50))
    tr, va = split_validation(ds, 0.2, seed=3)
    tr2, va2 = split_validation(ds, 0.2, seed=3)
    _, va3 = split_validation(ds, 0.2, seed=4)
    assert len(va) == 10 and len(tr) == 40
    assert list(va.indices) == list(va2.indices) and list(tr.indices) == list(tr2.indices)
    assert list(va.indices) != list(va3.indices)
    assert not set(tr.indices) & set(va.indices)
    assert split_validation(ds, None, seed=0) == (ds, None)


def test_cli_stops_early_and_keeps_the_best_checkpoint(
        stopped_run: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    out, printed = stopped_run
    metrics = json.loads((out / "metrics.json").read_text())
    epochs = metrics["epochs"]
    assert metrics["stopped_early"] and len(epochs) < 40
    losses = [e["val_loss"] for e in epochs]
    best = int(np.argmin(losses)) + 1
    assert metrics["best_epoch"] == best and len(epochs) == best + 2
    assert all(0.0 <= e["val_acc"] <= 1.0 for e in epochs)
    assert f"best epoch {best}:" in printed and "stopped early: mlp on synthetic" in printed
    assert str(out / BEST_CHECKPOINT_NAME) in printed
    assert load_checkpoint(out / BEST_CHECKPOINT_NAME)["epoch"] == best
    assert metrics["config"]["val_split"] == 0.2 and metrics["config"]["early_stopping"] == 2
    # best.mg evaluates like any checkpoint, to the test accuracy of the best epoch
    assert main(["eval", str(out / BEST_CHECKPOINT_NAME)]) == 0
    line = capsys.readouterr().out
    assert f"epoch {best})" in line
    acc = float(line.split("accuracy ")[1].split("%")[0])
    assert acc == pytest.approx(100 * epochs[best - 1]["test_acc"], abs=0.01)


def test_cli_val_split_alone_records_validation_and_holds_out_samples(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", *QUICK[:-1], "--epochs", "2", "--val-split", "0.25",
                 "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "(225 train / 75 val / 60 test)" in err
    metrics = json.loads((out / "metrics.json").read_text())
    assert not metrics["stopped_early"] and len(metrics["epochs"]) == 2
    assert all(e["val_loss"] is not None for e in metrics["epochs"])
    assert (out / BEST_CHECKPOINT_NAME).is_file()
    # a new run in the same folder without --val-split leaves no stale best.mg behind
    assert main(["train", *QUICK, "--epochs", "1", "--out", str(out)]) == 0
    assert not (out / BEST_CHECKPOINT_NAME).exists()
    assert "best_epoch" not in json.loads((out / "metrics.json").read_text())


@pytest.mark.parametrize("extra, message", [
    (["--early-stopping", "3"], "--early-stopping needs --val-split FRACTION"),
    (["--val-split", "1.5"], "--val-split must be in (0, 1), got 1.5"),
    (["--val-split", "0.2", "--early-stopping", "0"], "--early-stopping must be positive"),
    (["--val-split", "0.001"], "leaves 0 for validation"),
])
def test_cli_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        extra: list[str], message: str) -> None:
    assert main(["train", *QUICK, "--epochs", "1", "--out", str(tmp_path / "r"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("minigrad train: error: ") and message in err
    assert len(err.splitlines()) == 1


def test_cli_resume_keeps_the_patience_counter(
        tmp_path: Path, stopped_run: tuple[Path, str],
        capsys: pytest.CaptureFixture[str]) -> None:
    full = json.loads((stopped_run[0] / "metrics.json").read_text())
    stop = len(full["epochs"])
    out = tmp_path / "run"
    assert main(["train", *QUICK, "--epochs", str(stop - 1), *EARLY, "--out", str(out)]) == 0
    ck = out / CHECKPOINT_NAME
    assert main(["train", "--resume", str(ck), "--epochs", "40", "--quiet"]) == 0
    resumed = json.loads((out / "metrics.json").read_text())
    assert resumed["stopped_early"] and len(resumed["epochs"]) == stop
    assert resumed["best_epoch"] == full["best_epoch"]
    assert load_checkpoint(out / BEST_CHECKPOINT_NAME)["epoch"] == full["best_epoch"]
    capsys.readouterr()
    # a run that stopped early stays stopped, unless given more patience
    assert main(["train", "--resume", str(ck), "--epochs", "40", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "stopped early" in err and "--early-stopping" in err
    assert main(["train", "--resume", str(ck), "--epochs", str(stop + 1),
                 "--early-stopping", "5", "--quiet"]) == 0
    assert load_checkpoint(ck)["epoch"] == stop + 1
