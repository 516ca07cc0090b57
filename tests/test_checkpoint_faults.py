"""Checkpoints and the CLI never disagree: restoring is all or nothing; Ctrl-C during the
checkpoint write leaves metrics.json naming only epochs the checkpoint holds; killed writers'
temporary files are cleaned up; files get the usual mode; a checkpoint that opens but does not
fit, and options no run can use, are a one-line error with exit status 2."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.cli import main
from minigrad.data import DataLoader, TensorDataset
from minigrad.training import CHECKPOINT_NAME, CheckpointError, load_checkpoint, restore
from minigrad.training.checkpoint import save_checkpoint
from minigrad.training.loop import fit, write_json

QUICK = ["--dataset", "synthetic", "--synthetic-size", "60", "--batch-size", "20", "--quiet"]


def _net(out: int = 1) -> nn.Module:
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.Linear(3, out))


def _weights(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def _stepped(model: nn.Module, opt: optim.Optimizer) -> None:
    model(mg.ones(4, 2)).sum().backward()
    opt.step()


def _checkpoint(tmp_path: Path, model: nn.Module, opt: optim.Optimizer | None,
                sched: object = None) -> dict:
    path = tmp_path / "ck.mg"
    save_checkpoint(path, model=model, optimizer=opt, scheduler=sched, epoch=1)
    return load_checkpoint(path)


# ----------------------------------------------------------------------------- restore
@pytest.mark.parametrize("case", ["model shapes", "optimizer groups", "optimizer type",
                                  "missing optimizer", "scheduler type", "state shapes"])
def test_restore_is_all_or_nothing(case: str, tmp_path: Path) -> None:
    src = _net()
    for p in src.parameters():
        p.data = p.data + 5  # the checkpoint's weights differ from the target's
    src_opt = optim.SGD(src.parameters(), lr=0.1, momentum=0.9)
    _stepped(src, src_opt)
    src_sched = optim.lr_scheduler.StepLR(src_opt, 2)
    if case == "model shapes":
        src = _net(out=2)
        src_opt = optim.SGD(src.parameters(), lr=0.1, momentum=0.9)
    elif case == "optimizer groups":
        src_opt = optim.SGD([{"params": list(src.parameters())[:2]},
                             {"params": list(src.parameters())[2:]}], lr=0.1)
    elif case == "optimizer type":
        src_opt = optim.Adam(src.parameters())
        _stepped(src, src_opt)
    elif case == "scheduler type":
        src_sched = optim.lr_scheduler.ExponentialLR(src_opt, 0.5)
    ck = _checkpoint(tmp_path, src, None if case == "missing optimizer" else src_opt, src_sched)
    if case == "state shapes":
        first = next(iter(ck["optimizer"]["state"]))
        ck["optimizer"]["state"][first]["momentum_buffer"] = mg.zeros(7)

    model = _net()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    _stepped(model, opt)
    sched = optim.lr_scheduler.StepLR(opt, 2)
    before, opt_before = _weights(model), opt.state_dict()
    buffers = [s["momentum_buffer"].numpy().copy() for s in opt_before["state"].values()]
    sched_before = sched.state_dict()
    with pytest.raises(CheckpointError, match="restore: "):
        restore(ck, model, opt, sched)
    after = _weights(model)  # nothing changed: the model was not overwritten first
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert opt.state_dict()["param_groups"] == opt_before["param_groups"]
    now = [s["momentum_buffer"].numpy() for s in opt.state_dict()["state"].values()]
    assert all(np.array_equal(a, b) for a, b in zip(buffers, now, strict=True))
    assert sched.state_dict() == sched_before


def test_restore_rolls_back_when_a_late_load_fails(tmp_path: Path, monkeypatch) -> None:
    src = _net()
    for p in src.parameters():
        p.data = p.data + 5
    src_opt = optim.SGD(src.parameters(), lr=0.1)
    ck = _checkpoint(tmp_path, src, src_opt)
    model = _net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    before = _weights(model)

    def broken(state: dict) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(opt, "load_state_dict", broken)
    with pytest.raises(CheckpointError, match="disk on fire"):
        restore(ck, model, opt)
    assert all(np.array_equal(before[k], v) for k, v in _weights(model).items())


def test_restore_of_a_fitting_checkpoint_still_works(tmp_path: Path) -> None:
    src = _net()
    src_opt = optim.SGD(src.parameters(), lr=0.1, momentum=0.9)
    _stepped(src, src_opt)
    ck = _checkpoint(tmp_path, src, src_opt, optim.lr_scheduler.StepLR(src_opt, 2))
    model = _net()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert restore(ck, model, opt, optim.lr_scheduler.StepLR(opt, 2)) == 1
    assert all(np.array_equal(_weights(src)[k], v) for k, v in _weights(model).items())


# ----------------------------------------------------------------------------- writes
def _tiny_fit(out: Path, epochs: int, **kwargs: object) -> object:
    mg.manual_seed(0)
    x, y = mg.randn(20, 2), mg.randint(0, 2, (20,))
    loader = DataLoader(TensorDataset(x, y), batch_size=10)
    model = nn.Linear(2, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    return fit(model, opt, loader, loader, epochs=epochs, out_dir=str(out), verbose=False,
               **kwargs)


@pytest.mark.parametrize("where", ["checkpoint", "archive"])
def test_ctrl_c_during_the_checkpoint_write(where: str, tmp_path: Path, monkeypatch) -> None:
    import minigrad.serialization.writer as writer
    import minigrad.training.loop as loop

    calls = {"n": 0}
    real = loop.save_checkpoint if where == "checkpoint" else writer._write_archive

    def interrupted(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the write of epoch 2
            if where == "archive":
                args[0].write(b"half a checkpoint")  # type: ignore[attr-defined]
            raise KeyboardInterrupt
        real(*args, **kwargs)

    if where == "checkpoint":
        monkeypatch.setattr(loop, "save_checkpoint", interrupted)
    else:
        monkeypatch.setattr(writer, "_write_archive", interrupted)
    result = _tiny_fit(tmp_path, 3)
    assert result.interrupted
    held = load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert held == 1 and [e["epoch"] for e in metrics["epochs"]] == [1]
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_stale_temps_are_removed_and_fresh_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / CHECKPOINT_NAME
    stale = tmp_path / f".{CHECKPOINT_NAME}.killed.tmp"
    fresh = tmp_path / f".{CHECKPOINT_NAME}.writing.tmp"
    other = tmp_path / ".other.mg.killed.tmp"
    for f in (stale, fresh, other):
        f.write_bytes(b"x")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    mg.save({"a": mg.ones(2)}, target)
    assert not stale.exists() and fresh.exists() and other.exists()  # only this target's
    os.utime(fresh, (old, old))
    mg.load(target)
    assert not fresh.exists() and other.exists()
    m_stale = tmp_path / ".metrics.json.killed.tmp"
    m_stale.write_bytes(b"{")
    os.utime(m_stale, (old, old))
    write_json(tmp_path / "metrics.json", {"a": 1})
    assert not m_stale.exists()


def test_files_get_the_usual_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        mg.save({"a": mg.ones(2)}, tmp_path / "x.mg")
        write_json(tmp_path / "m.json", {})
        _tiny_fit(tmp_path / "run", 1)
    finally:
        os.umask(mask)
    for f in (tmp_path / "x.mg", tmp_path / "m.json", tmp_path / "run" / CHECKPOINT_NAME,
              tmp_path / "run" / "metrics.json"):
        assert os.stat(f).st_mode & 0o777 == 0o644, f


# ----------------------------------------------------------------------------- the CLI
def _fails(argv: list[str], capsys, match: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert match in err, err


@pytest.mark.parametrize("option, value, match", [
    ("--batch-size", "0", "--batch-size must be positive, got 0"),
    ("--lr", "-5", "--lr must be positive, got -5.0"),
    ("--epochs", "-1", "--epochs must be positive, got -1"),
    ("--eval-batch-size", "0", "--eval-batch-size must be positive"),
    ("--momentum", "-1", "--momentum must be >= 0"),
])
def test_bad_options_are_one_line(option: str, value: str, match: str, capsys,
                                  tmp_path: Path) -> None:
    _fails(["train", "--model", "logreg", "--out", str(tmp_path), *QUICK, option, value],
           capsys, match)


def test_unwritable_out(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    _fails(["train", "--model", "logreg", "--out", str(blocker / "run"), *QUICK], capsys,
           "cannot create the folder")


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--model", "logreg", "--epochs", "1", "--out", str(out), *QUICK]) == 0
    return out / CHECKPOINT_NAME


def test_resuming_a_finished_run(finished: Path, capsys) -> None:
    _fails(["train", "--resume", str(finished)], capsys, "already finished epoch 1 of 1")


def _forged(finished: Path, tmp_path: Path, **change: object) -> str:
    ck = load_checkpoint(finished)
    model = change.pop("model", None)
    config = {**ck["config"], **change.pop("config", {})}
    opt = change.pop("optimizer", "keep")
    path = tmp_path / "forged.mg"
    state = ck["model"] if model is None else model.state_dict()

    class Holder(nn.Module):
        def state_dict(self, *a: object, **k: object) -> dict:  # type: ignore[override]
            return state

    optimizer = None
    if opt == "keep":
        class OptHolder:
            def state_dict(self) -> dict:
                return ck["optimizer"]
        optimizer = OptHolder()
    elif opt is not None:
        optimizer = opt
    class SchedHolder:
        def state_dict(self) -> dict:
            return ck["scheduler"]

    save_checkpoint(path, model=Holder(), optimizer=optimizer, scheduler=SchedHolder(),
                    epoch=ck["epoch"], config=config, history=ck["history"])
    return str(path)


def test_eval_and_resume_with_checkpoints_that_do_not_fit(finished: Path, tmp_path: Path,
                                                          capsys) -> None:
    wrong_model = nn.Sequential(nn.Flatten(), nn.Linear(3, 2))
    path = _forged(finished, tmp_path, model=wrong_model)
    _fails(["eval", path], capsys, "does not fit")
    _fails(["train", "--resume", path, "--epochs", "3"], capsys, "does not fit")
    path = _forged(finished, tmp_path, config={"model": "no-such-model"})
    _fails(["eval", path], capsys, "does not know")
    _fails(["train", "--resume", path, "--epochs", "3"], capsys, "does not know")
    path = _forged(finished, tmp_path, optimizer=None)
    _fails(["train", "--resume", path, "--epochs", "3"], capsys, "no optimizer state")
    ck = load_checkpoint(finished)
    groups = dict(ck["optimizer"])
    groups["param_groups"] = [dict(groups["param_groups"][0], params=[0]),
                              dict(groups["param_groups"][0], params=[1])]

    class TwoGroups:
        def state_dict(self) -> dict:
            return groups

    path = _forged(finished, tmp_path, optimizer=TwoGroups())
    _fails(["train", "--resume", path, "--epochs", "3"], capsys, "parameter groups")
    assert main(["eval", str(finished)]) == 0  # the real one still evaluates


def test_language_model_checkpoint_that_does_not_fit(tmp_path: Path, capsys) -> None:
    text = tmp_path / "text.txt"
    text.write_text("the quick brown fox jumps over the lazy dog\n" * 40, encoding="utf-8")
    out = tmp_path / "lm"
    assert main(["train", "--model", "char-gpt", "--dataset", "text", "--data", str(text),
                 "--out", str(out), "--quiet", "--n-layer", "1", "--n-head", "2", "--n-embd",
                 "16", "--block-size", "16", "--batch-size", "4", "--eval-interval", "5",
                 "--warmup", "1", "--iters", "2"]) == 0
    capsys.readouterr()
    ck = load_checkpoint(out / CHECKPOINT_NAME)
    ck["config"]["n_embd"] = 32  # the weights saved are 16 wide
    forged = tmp_path / "forged.mg"
    mg.save({**ck, "config": json.dumps(ck["config"]), "history": json.dumps(ck["history"]),
             "scheduler": json.dumps(ck["scheduler"])}, forged)
    _fails(["eval", str(forged), "--data", str(text)], capsys, "does not fit")
    _fails(["sample", str(forged)], capsys, "does not fit")
    _fails(["train", "--resume", str(forged), "--iters", "4", "--data", str(text)], capsys,
           "does not fit")
