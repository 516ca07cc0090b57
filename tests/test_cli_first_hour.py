"""The CLI as a new user meets it: errors in CLI words, ``eval`` finding the data its
checkpoint was trained on, and the evaluation phase labelled in the progress output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from minigrad.cli import main
from minigrad.data import write_idx


def _small_mnist(folder: Path) -> None:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", 40), ("t10k", 20)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz",
                  (np.arange(n) % 10).astype(np.uint8))


def _train(data: Path, out: Path, *extra: str) -> int:
    return main(["train", "--model", "logreg", "--dataset", "mnist", "--data", str(data),
                 "--epochs", "1", "--batch-size", "10", "--out", str(out), *extra])


def test_missing_data_speaks_cli_to_train(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    assert _train(tmp_path / "empty", tmp_path / "o", "--quiet") == 2
    err = capsys.readouterr().err
    assert "--data DIR" in err and "MINIGRAD_DATA" in err and "--dataset synthetic" in err
    assert "root=" not in err and "download=True" not in err


def test_python_callers_still_get_python_words(tmp_path: Path) -> None:
    from minigrad.data import MNIST, DatasetNotFoundError

    with pytest.raises(DatasetNotFoundError, match="root="):
        MNIST(str(tmp_path), train=True)


def test_eval_remembers_the_data_folder_and_speaks_eval(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    data, out = tmp_path / "data", tmp_path / "run"
    _small_mnist(data)
    monkeypatch.chdir(tmp_path)
    assert _train(Path("data"), out, "--quiet") == 0  # a relative --data is stored absolute
    capsys.readouterr()
    monkeypatch.chdir(out)
    assert main(["eval", str(out / "checkpoint.mg")]) == 0  # no --data: the trained-on folder
    assert "logreg on mnist (test, 20 samples" in capsys.readouterr().out
    # the folder is gone: the error names --data, and no --dataset (eval has no such option)
    for f in data.iterdir():
        f.unlink()
    data.rmdir()
    assert main(["eval", str(out / "checkpoint.mg")]) == 2
    err = capsys.readouterr().err
    assert "--data DIR" in err and "--dataset" not in err and "root=" not in err


def test_evaluation_phase_is_labelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from minigrad.training.progress import Progress

    phases = []
    original = Progress.phase
    monkeypatch.setattr(Progress, "phase", lambda self, label: (phases.append(label),
                                                                  original(self, label)))
    _small_mnist(tmp_path / "data")
    assert _train(tmp_path / "data", tmp_path / "o", "--epochs", "2") == 0
    assert phases == ["evaluating on 20 test samples"] * 2


def test_evaluation_phase_on_the_bar() -> None:
    pytest.importorskip("tqdm")
    import io

    from minigrad.training.progress import Progress

    out = io.StringIO()
    p = Progress(total=2, desc="epoch 1/3", stream=out, bar=True)
    p.advance(10)
    p.advance(10)
    p.phase("evaluating on 20 test samples")
    p.close()
    assert "epoch 1/3 · evaluating on 20 test samples" in out.getvalue()


def test_plot_grads_marks_the_epochs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("matplotlib")
    from minigrad.viz import GradientFlow

    seen = []
    monkeypatch.setattr(GradientFlow, "plot", lambda self, path=None, title=None:
                        seen.append((list(self.epochs), path)))
    assert main(["train", "--model", "logreg", "--dataset", "synthetic", "--synthetic-size",
                 "200", "--batch-size", "50", "--epochs", "2", "--plot-grads", "--quiet",
                 "--out", str(tmp_path)]) == 0
    assert seen == [([4, 8], str(tmp_path / "grad_flow.png"))]
