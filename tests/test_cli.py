"""The `minigrad` command line: train, eval, resume, errors (on the offline synthetic digits)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from minigrad.cli import build_parser, main
from minigrad.cli.commands import resolve_settings
from minigrad.data import write_idx
from minigrad.training import CHECKPOINT_NAME, load_checkpoint

REPO = Path(__file__).resolve().parent.parent
QUICK = ["--dataset", "synthetic", "--synthetic-size", "600", "--batch-size", "50", "--quiet"]


def test_train_then_eval_synthetic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "--model", "mlp", "--epochs", "2", "--out", str(out), *QUICK]) == 0
    summary = capsys.readouterr().out
    assert "done: mlp on synthetic, epoch 2/2: test accuracy" in summary and "wall time" in summary
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["finished"] and [e["epoch"] for e in metrics["epochs"]] == [1, 2]
    assert metrics["config"]["model"] == "mlp" and metrics["config"]["lr"] == 0.1
    assert metrics["final_test_acc"] > 0.3  # 600 samples, 2 epochs: far above chance (0.1)
    assert main(["eval", str(out / CHECKPOINT_NAME)]) == 0
    line = capsys.readouterr().out
    assert "mlp on synthetic (test, 120 samples, epoch 2): accuracy" in line
    acc = float(line.split("accuracy ")[1].split("%")[0])
    assert acc == pytest.approx(100 * metrics["final_test_acc"], abs=0.01)


def test_resume_continues_to_more_epochs(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    args = ["train", "--model", "logreg", "--lr", "0.05", "--out", str(out), *QUICK]
    assert main([*args, "--epochs", "1"]) == 0
    ck = out / CHECKPOINT_NAME
    assert main(["train", "--resume", str(ck), "--epochs", "3", "--quiet"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2, 3]
    assert metrics["config"]["lr"] == 0.05 and metrics["config"]["synthetic_size"] == 600
    assert load_checkpoint(ck)["epoch"] == 3
    # the same three epochs in one go give the same numbers
    other = tmp_path / "straight"
    assert main(["train", "--model", "logreg", "--lr", "0.05", "--out", str(other),
                 "--epochs", "3", *QUICK]) == 0
    straight = json.loads((other / "metrics.json").read_text())
    for a, b in zip(metrics["epochs"], straight["epochs"], strict=True):
        assert a["test_acc"] == b["test_acc"]
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-5)


def test_limit_and_lenet_models(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for model in ("lenet5", "lenet5-classic"):
        out = tmp_path / model
        assert main(["train", "--model", model, "--epochs", "1", "--limit", "64",
                     "--test-limit", "32", "--out", str(out), *QUICK]) == 0
        metrics = json.loads((out / "metrics.json").read_text())
        assert metrics["config"]["limit"] == 64 and metrics["config"]["optimizer"] == "adam"
        assert metrics["epochs"][0]["test_acc"] is not None
    assert capsys.readouterr().out.count("done:") == 2


def test_options_override_the_recipe() -> None:
    p = build_parser()
    s = resolve_settings(p.parse_args(["train", "--model", "lenet5", "--optimizer", "momentum",
                                       "--lr", "0.3", "--milestones", "2,4",
                                       "--lr-schedule", "multistep"]))
    assert (s["optimizer"], s["lr"], s["milestones"], s["batch_size"]) == (
        "momentum", 0.3, [2, 4], 64)
    base = {**s, "epochs": 3}
    resumed = resolve_settings(p.parse_args(["train", "--model", "mlp", "--epochs", "9"]), base)
    assert resumed["model"] == "lenet5" and resumed["epochs"] == 9 and resumed["lr"] == 0.3


def test_missing_mnist_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    code = main(["train", "--dataset", "mnist", "--data", str(tmp_path), "--out",
                 str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "train-images-idx3-ubyte.gz" in err and "MINIGRAD_DATA" in err
    assert "--dataset synthetic" in err


def test_mnist_from_small_idx_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 40), ("t10k", 20)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(
            np.uint8))
    assert main(["train", "--model", "logreg", "--dataset", "mnist", "--data", str(tmp_path),
                 "--epochs", "1", "--batch-size", "10", "--out", str(tmp_path / "o"),
                 "--quiet"]) == 0
    assert "logreg on mnist" in capsys.readouterr().out


def test_bad_checkpoint_and_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(tmp_path / "nope.mg")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err
    junk = tmp_path / "junk.mg"
    junk.write_bytes(b"not a checkpoint")
    assert main(["eval", str(junk)]) == 2
    assert "cannot read checkpoint" in capsys.readouterr().err
    assert main(["train", "--device", "tpu", *QUICK, "--out", str(tmp_path / "o")]) == 2
    assert "device 'tpu' is not usable" in capsys.readouterr().err


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "train" in capsys.readouterr().err


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    r = subprocess.run([sys.executable, "-m", "minigrad", "train", "--model", "logreg",
                        "--epochs", "1", "--out", str(tmp_path / "o"), *QUICK],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "done: logreg on synthetic" in r.stdout


def test_ctrl_c_exits_130_and_keeps_checkpoint(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "--model", "logreg", "--epochs", "1", "--out", str(out), *QUICK]) == 0
    before = (out / CHECKPOINT_NAME).read_bytes()
    import minigrad.training.loop as loop

    real = loop.train_epoch
    calls = {"n": 0}

    def interrupt_second(*args: object, **kwargs: object) -> dict[str, float]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "train_epoch", interrupt_second)
    code = main(["train", "--resume", str(out / CHECKPOINT_NAME), "--epochs", "4", "--quiet"])
    assert code == 130
    assert "interrupted: logreg on synthetic, epoch 2/4" in capsys.readouterr().out
    assert load_checkpoint(out / CHECKPOINT_NAME)["epoch"] == 2
    assert (out / CHECKPOINT_NAME).read_bytes() != before
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["interrupted"] and [e["epoch"] for e in metrics["epochs"]] == [1, 2]


def test_graph_subcommand_is_wired(tmp_path: Path) -> None:
    pytest.importorskip("minigrad.viz.cli")
    assert main(["graph", "--model", "mlp", "--out", str(tmp_path / "g.dot")]) == 0
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_plot_grads_writes_a_picture(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("minigrad.viz.flow")
    out = tmp_path / "run"
    assert main(["train", "--model", "mlp", "--epochs", "1", "--plot-grads", "--out", str(out),
                 *QUICK]) == 0
    assert (out / "grad_flow.png").stat().st_size > 1000
