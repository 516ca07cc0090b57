"""bench/gpu_check.py, the parts that need no GPU: arguments, the plan and its time budget,
time-limited parts (a failure is recorded, an overrun is killed with its children), the report,
the dry run, and the LeNet-5 epoch on the CPU (float32 and autocast + GradScaler)."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parent.parent / "bench" / "gpu_check.py"


@pytest.fixture(scope="module")
def gc():
    spec = importlib.util.spec_from_file_location("gpu_check", PATH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gpu_check"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("gpu_check", None)


def test_arguments_and_plan(gc):
    args = gc.parse_args([])
    assert args.budget == 480 and not args.dry_run and args.train is None
    names = [p.name for p in gc.plan(args)]
    assert names == ["install", "env", "gpu-tests", "bench-gpu", "lenet-fp32", "lenet-amp"]
    assert sum(gc.LIMITS.values()) <= 480  # all parts fit the 8-minute budget
    install = gc.plan(args)[0].cmd[-1]
    assert "pip install" in install and "-e '.[cuda,test]'" in install
    assert "install" not in [p.name for p in gc.plan(gc.parse_args(["--no-install"]))]
    only = gc.plan(gc.parse_args(["--only", "env,lenet-amp", "--data", "/d"]))
    assert [p.name for p in only] == ["env", "lenet-amp"] and only[1].cmd[-2:] == ["--data", "/d"]
    for bad in (["--only", "gpu-tests,nope"], ["--budget", "0"], ["--train", "bf16"]):
        with pytest.raises(SystemExit):
            gc.parse_args(bad)


def test_parts_pass_fail_time_out_and_never_hang(gc):
    py = sys.executable
    far = time.monotonic() + 60
    ok = gc.run_part(gc.Part("ok", [py, "-c", "print('hello')"], 30), far)
    assert ok.status == "passed" and ok.returncode == 0 and "hello" in ok.output
    bad = gc.run_part(gc.Part("bad", [py, "-c", "import sys; print('boom'); sys.exit(3)"], 30),
                      far)
    assert bad.status == "failed" and bad.returncode == 3 and "boom" in bad.output
    t0 = time.monotonic()
    # a child that keeps the output pipe open must not keep the part alive past its limit
    slow = gc.run_part(gc.Part("slow", ["sh", "-c", "sleep 30 & sleep 30"], 1.5), far)
    assert slow.status == "timeout" and "killed after" in slow.output
    assert time.monotonic() - t0 < 10
    late = gc.run_part(gc.Part("late", [py, "-c", "pass"], 30), time.monotonic() + 0.5)
    assert late.status == "skipped" and "budget" in late.output
    missing = gc.run_part(gc.Part("missing", ["/nonexistent/tool"], 30), far)
    assert missing.status == "error"


def test_dry_run_writes_the_report_and_runs_nothing(gc, tmp_path, capsys):
    report = tmp_path / "r" / "report.md"
    assert gc.main(["--dry-run", "--report", str(report)]) == 0
    assert f"report: {report}" in capsys.readouterr().out
    text = report.read_text()
    assert "DRY RUN" in text and text.count("| skipped |") == 6
    assert "pip install --timeout 15" in text and "## lenet-amp: skipped" in text


def test_report_records_failures_and_exit_status(gc, tmp_path, monkeypatch):
    py = sys.executable
    monkeypatch.setattr(gc, "plan", lambda args: [
        gc.Part("good", [py, "-c", "print('fine')"], 30),
        gc.Part("broken", [py, "-c", "raise SystemExit(2)"], 30)])
    report = tmp_path / "report.md"
    assert gc.main(["--report", str(report)]) == 1
    text = report.read_text()
    assert "| good | passed |" in text and "| broken | failed |" in text and "fine" in text


@pytest.mark.parametrize("mode", ["fp32", "amp"])
def test_lenet_epoch_runs_on_cpu(gc, mode, tmp_path, capsys):
    argv = ["--train", mode, "--device", "cpu", "--max-steps", "2", "--batch-size", "8",
            "--data", str(tmp_path)]  # no MNIST there: synthetic data, said in the result
    assert gc.main(argv) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["mode"] == mode and out["steps"] == 2 and "synthetic" in out["data"]
    assert out["last_loss"] > 0 and 0 <= out["test_accuracy"] <= 1
    assert out["final_scale"] == (65536.0 if mode == "amp" else 1.0)


@pytest.mark.parametrize("mode", ["fp32", "amp"])
def test_lenet_epoch_on_each_backend(gc, mode, backend, tmp_path):
    """The training part's own code on the backend's device (the GPU-marked "cuda" case runs
    on a real GPU or the CuPy stand-in), as gpu_check runs it with ``--device cuda``."""
    out = gc.train_epoch(mode, backend.device, str(tmp_path), 8, 2)
    assert out["device"] == backend.device and out["steps"] == 2
    assert out["skipped_steps"] == 0 and out["last_loss"] > 0
