"""minigrad.utils.tensorboard.SummaryWriter and `minigrad train --tensorboard`: events written
here are read back with TensorBoard's own EventAccumulator (skips without tensorboard)."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorboard", reason="needs the tensorboard package (minigrad[tensorboard])")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import minigrad as mg
from minigrad.cli import main
from minigrad.utils.tensorboard import SummaryWriter

ALL = {"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}


def _read(path: Path | str) -> EventAccumulator:
    acc = EventAccumulator(str(path), size_guidance=ALL)
    acc.Reload()
    return acc


def test_scalars_read_back(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path) as w:
        for step in range(5):
            w.add_scalar("loss", 1.0 / (step + 1), step)
        w.add_scalar("t", mg.tensor(2.5), 7)
        w.add_scalar("n", np.float64(-3.0), 1, walltime=123.0)
    acc = _read(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars("loss")] == \
        [(s, pytest.approx(1.0 / (s + 1), rel=1e-6)) for s in range(5)]
    assert [(e.step, e.value) for e in acc.Scalars("t")] == [(7, 2.5)]
    (n,) = acc.Scalars("n")
    assert (n.wall_time, n.value) == (123.0, -3.0)


def test_add_scalars_one_run_per_key(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path) as w:
        w.add_scalars("loss", {"train": 0.5, "test": 0.7}, 3)
        w.add_scalars("loss", {"train": 0.4, "test": 0.6}, 4)
    for key, values in (("train", [0.5, 0.4]), ("test", [0.7, 0.6])):
        acc = _read(tmp_path / f"loss_{key}")
        assert [e.step for e in acc.Scalars("loss")] == [3, 4]
        assert [e.value for e in acc.Scalars("loss")] == pytest.approx(values)


def test_histogram_matches_the_values(tmp_path: Path) -> None:
    v = np.random.default_rng(0).normal(size=1000)
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("w", mg.tensor(v, requires_grad=True), 2)
        w.add_histogram("auto", v, 3, bins="auto")
    acc = _read(tmp_path)
    for tag in ("w", "auto"):
        (ev,) = acc.Histograms(tag)
        h = ev.histogram_value
        assert (h.min, h.max, h.num) == (v.min(), v.max(), 1000)
        assert h.sum == pytest.approx(v.sum()) and h.sum_squares == pytest.approx(v @ v)
        assert sum(h.bucket) == 1000
        limits = np.array(h.bucket_limit)
        assert np.all(np.diff(limits) > 0) and limits[-1] >= v.max()
    # TensorBoard's exponential buckets: each bucket's count is the values below its limit
    h = acc.Histograms("w")[0].histogram_value
    below = [np.sum(v < lim) for lim in h.bucket_limit]
    assert np.cumsum(h.bucket).tolist() == below


def test_image_round_trip(tmp_path: Path) -> None:
    pil = pytest.importorskip("PIL.Image")
    img = np.random.default_rng(1).random((3, 5, 7))
    with SummaryWriter(tmp_path) as w:
        w.add_image("chw", img, 0)
        w.add_image("hw", (img[0] * 255).astype(np.uint8), 1, dataformats="HW")
        with pytest.raises(ValueError, match="channels"):
            w.add_image("bad", img, 0, dataformats="HWC")
        with pytest.raises(ValueError, match="dataformats"):
            w.add_image("bad", img[0], 0)
    acc = _read(tmp_path)
    (ev,) = acc.Images("chw")
    assert (ev.height, ev.width) == (5, 7)
    decoded = np.asarray(pil.open(io.BytesIO(ev.encoded_image_string)))
    np.testing.assert_array_equal(decoded, np.round(img.transpose(1, 2, 0) * 255))
    grey = np.asarray(pil.open(io.BytesIO(acc.Images("hw")[0].encoded_image_string)))
    np.testing.assert_array_equal(grey, (img[0] * 255).astype(np.uint8))


def test_figure_is_logged_as_an_image(tmp_path: Path) -> None:
    figure = pytest.importorskip("matplotlib.figure")
    fig = figure.Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot().plot([0, 1], [1, 0])
    with SummaryWriter(tmp_path) as w:
        w.add_figure("fig", fig, 4)
    (ev,) = _read(tmp_path).Images("fig")
    assert (ev.step, ev.width, ev.height) == (4, 100, 50)


def test_text_read_back(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path) as w:
        w.add_text("notes", "**bold** run", 1)
    acc = _read(tmp_path)
    (ev,) = acc.Tensors("notes/text_summary")
    assert ev.step == 1 and ev.tensor_proto.string_val == [b"**bold** run"]
    assert "notes/text_summary" in acc.PluginTagToContent("text")


def test_hparams_read_back(tmp_path: Path) -> None:
    from tensorboard.plugins.hparams import plugin_data_pb2

    with SummaryWriter(tmp_path) as w:
        w.add_hparams({"lr": 0.1, "opt": "sgd", "bn": True}, {"hparam/acc": 0.9},
                      hparam_domain_discrete={"opt": ["sgd", "adam"]}, run_name="r1")
    acc = _read(tmp_path / "r1")
    content = acc.PluginTagToContent("hparams")
    exp = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"])
    infos = {i.name: i for i in exp.experiment.hparam_infos}
    assert sorted(infos) == ["bn", "lr", "opt"]
    assert list(infos["opt"].domain_discrete) == ["sgd", "adam"]
    assert [m.name.tag for m in exp.experiment.metric_infos] == ["hparam/acc"]
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["lr"].number_value == 0.1
    assert start.hparams["opt"].string_value == "sgd" and start.hparams["bn"].bool_value
    assert "_hparams_/session_end_info" in content
    assert [e.value for e in acc.Scalars("hparam/acc")] == [pytest.approx(0.9)]


def test_default_log_dir_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_exp")
    w.close()
    w.close()  # a second close does nothing
    (run,) = os.listdir(tmp_path / "runs")
    assert run.endswith(f"_{socket.gethostname()}_exp") and w.get_logdir() == \
        os.path.join("runs", run)
    with pytest.raises(RuntimeError, match="closed"):
        w.add_scalar("x", 1.0)
    with SummaryWriter(tmp_path / "e") as w2, pytest.raises(ValueError, match="one number"):
        w2.add_scalar("x", [1.0, 2.0])


def test_import_minigrad_does_not_import_tensorboard() -> None:
    code = "import sys, minigrad; print('tensorboard' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_cli_tensorboard_flag(tmp_path: Path) -> None:
    logs = tmp_path / "tb"
    assert main(["train", "--model", "mlp", "--epochs", "2", "--dataset", "synthetic",
                 "--synthetic-size", "200", "--batch-size", "50", "--quiet", "--val-split",
                 "0.2", "--out", str(tmp_path / "out"), "--tensorboard", str(logs)]) == 0
    acc = _read(logs)
    tags = acc.Tags()
    for tag in ("Loss/train", "Loss/test", "Loss/val", "Accuracy/train", "Accuracy/test",
                "Accuracy/val", "LearningRate"):
        assert [e.step for e in acc.Scalars(tag)] == [1, 2], tag
    norms = [t for t in tags["scalars"] if t.startswith("GradNorm/")]
    hists = [t for t in tags["histograms"] if t.startswith("Gradients/")]
    assert norms and len(norms) == len(hists)
    assert all(e.value > 0 for t in norms for e in acc.Scalars(t))
    assert all(h.step in (1, 2) for t in hists for h in acc.Histograms(t))
    assert "_hparams_/session_start_info" in acc.PluginTagToContent("hparams")


def test_cli_resume_purges_the_interrupted_epochs(tmp_path: Path) -> None:
    logs, out = tmp_path / "tb", tmp_path / "out"
    args = ["train", "--model", "logreg", "--dataset", "synthetic", "--synthetic-size", "100",
            "--batch-size", "50", "--quiet", "--tensorboard", str(logs)]
    assert main([*args, "--epochs", "1", "--out", str(out)]) == 0
    with SummaryWriter(logs) as w:  # a crashed run got further: epoch 2 logged, not saved
        w.add_scalar("Loss/train", 99.0, 2)
    assert main([*args, "--epochs", "2", "--resume", str(out / "checkpoint.mg")]) == 0
    loss = _read(logs).Scalars("Loss/train")
    assert [e.step for e in loss] == [1, 2] and loss[-1].value != 99.0
