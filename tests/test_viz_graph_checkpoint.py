"""``minigrad graph --checkpoint RUN/checkpoint.mg`` draws the trained model on its own data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.cli import main
from minigrad.cli.commands import UserError, load_dataset
from minigrad.models import build_model
from minigrad.training import load_checkpoint, restore
from minigrad.viz.cli import checkpoint_graph


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    assert main(["train", "--model", "logreg", "--dataset", "synthetic", "--synthetic-size",
                 "200", "--batch-size", "50", "--epochs", "1", "--quiet", "--out",
                 str(out)]) == 0
    return out / "checkpoint.mg"


def test_checkpoint_graph_uses_trained_weights_and_test_images(run: Path) -> None:
    model, loss = checkpoint_graph(str(run), batch_size=3, grads=True)
    trained = build_model("logreg")
    restore(load_checkpoint(run), trained)
    for (name, p), (_, q) in zip(model.named_parameters(), trained.named_parameters(),
                                 strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=name)
        assert p.grad is not None  # --grads ran backward
    x, y = load_dataset("synthetic", False, None, 200).tensors().tensors
    expected = mg.nn.functional.cross_entropy(trained(x[:3]), y[:3])
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    untrained = build_model("logreg")
    assert loss.item() != pytest.approx(
        mg.nn.functional.cross_entropy(untrained(x[:3]), y[:3]).item(), rel=1e-3)


def test_graph_command_with_checkpoint(run: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "g.dot"
    assert main(["graph", "--checkpoint", str(run), "--out", str(out), "--grads"]) == 0
    dot = out.read_text()
    assert "CrossEntropy" in dot and "‖∇‖" in dot


def test_graph_checkpoint_errors_speak_cli(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--checkpoint", str(tmp_path / "nope.mg"), "--out",
                 str(tmp_path / "g.dot")]) == 2
    assert "--checkpoint: no checkpoint at" in capsys.readouterr().err
    with pytest.raises(UserError, match="--data DIR"):
        load_dataset("mnist", False, str(tmp_path), command="graph")
