"""mg.save / mg.load: round trips, the documented format, and damaged or interrupted files."""

from __future__ import annotations

import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, serialization
from minigrad.serialization import CheckpointError, WeightsOnlyLoadError


def _model() -> nn.Module:
    mg.manual_seed(3)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8, 3))


def _optimizer_like_state() -> dict:
    return {
        "state": {0: {"step": 7, "exp_avg": mg.randn(3, 8), "exp_avg_sq": mg.rand(3, 8)},
                  1: {"step": 7, "momentum_buffer": None}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                          "params": [0, 1], "name": "main", "nan": float("nan"),
                          "inf": -math.inf}],
    }


def test_model_and_optimizer_round_trip(tmp_path: Path) -> None:
    net = _model()
    net(mg.randn(2, 1, 4, 4))  # non-default running statistics
    opt = _optimizer_like_state()
    path = tmp_path / "ckpt.mg"
    mg.save({"model": net.state_dict(), "optimizer": opt, "epoch": 3}, path)
    got = mg.load(path)
    assert got["epoch"] == 3
    mg.manual_seed(99)
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8, 3))
    fresh.load_state_dict(got["model"])
    for (k, a), (k2, b) in zip(net.state_dict().items(), fresh.state_dict().items(),
                               strict=True):
        assert k == k2 and a.dtype == b.dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    st = got["optimizer"]["state"]
    assert set(st) == {0, 1} and st[0]["step"] == 7 and st[1]["momentum_buffer"] is None
    np.testing.assert_array_equal(st[0]["exp_avg"].numpy(), opt["state"][0]["exp_avg"].numpy())
    group = got["optimizer"]["param_groups"][0]
    assert group["betas"] == (0.9, 0.999) and isinstance(group["betas"], tuple)
    assert group["lr"] == 1e-3 and group["params"] == [0, 1] and group["amsgrad"] is False
    assert math.isnan(group["nan"]) and group["inf"] == -math.inf
    assert got["model"]["1.num_batches_tracked"].dtype == mg.int64


def test_tensor_flags_and_dtypes(tmp_path: Path) -> None:
    path = tmp_path / "t.mg"
    p = nn.Parameter(mg.ones(2, dtype=mg.float64))
    obj = [p, mg.ones(2, requires_grad=True), mg.tensor([True, False]),
           mg.arange(4, dtype=mg.uint8), np.arange(3, dtype=np.int16), mg.zeros(()),
           mg.zeros(0, 3)]
    mg.save(obj, path)
    got = mg.load(path)
    assert isinstance(got[0], nn.Parameter) and got[0].requires_grad
    assert got[0].dtype == mg.float64
    assert got[1].requires_grad and not isinstance(got[1], nn.Parameter)
    assert got[2].dtype == mg.bool and got[3].dtype == mg.uint8
    assert isinstance(got[4], np.ndarray) and got[4].dtype == np.int16
    assert got[5].shape == () and got[6].shape == (0, 3)


def test_format_is_documented_zip_with_manifest(tmp_path: Path) -> None:
    path = tmp_path / "f.mg"
    mg.save({"w": mg.ones(2, 3)}, path)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == "minigrad-checkpoint" and manifest["version"] == 2
        spec = manifest["arrays"]["0"]
        assert spec["dtype"] == "<f4" and spec["shape"] == [2, 3]
        with zf.open("arrays/0.npy") as fh:
            np.testing.assert_array_equal(np.load(fh, allow_pickle=False), np.ones((2, 3)))


def test_modules_and_objects_need_weights_only_false(tmp_path: Path) -> None:
    net = _model()
    mg.save({"net": net, "x": object()}, tmp_path / "m.mg")
    with pytest.raises(WeightsOnlyLoadError, match=r"(?s)obj\['net'\] \(a minigrad\.nn\..*"
                                                   r"Sequential\).*weights_only=False"):
        mg.load(tmp_path / "m.mg")
    got = mg.load(tmp_path / "m.mg", weights_only=False)
    assert type(got["net"]) is nn.Sequential and type(got["x"]) is object
    x = mg.randn(2, 1, 4, 4)
    net.eval(), got["net"].eval()
    np.testing.assert_array_equal(got["net"](x).detach().numpy(), net(x).detach().numpy())
    with pytest.raises(TypeError, match=r"obj\['f'\] of type .*function.*pickling it failed"):
        mg.save({"f": lambda: 0}, tmp_path / "o.mg")
    assert os.listdir(tmp_path) == ["m.mg"]  # no file, no temp file left behind


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nothere\.mg"):
        mg.load(tmp_path / "nothere.mg")


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "t.mg"
    mg.save(_model().state_dict(), path)
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 5):
        path.write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match=r"t\.mg"):
            mg.load(path)


def test_flipped_byte_anywhere_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "c.mg"
    mg.save({"w": mg.arange(64.0)}, path)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    positions = sorted(set(rng.integers(0, len(data), 40).tolist()) | {len(data) // 2})
    for pos in positions:
        bad = bytearray(data)
        bad[pos] ^= 0xFF
        path.write_bytes(bytes(bad))
        try:
            got = mg.load(path)
        except CheckpointError as exc:
            assert "c.mg" in str(exc)
            continue
        # a flip in bytes the reader never interprets (zip padding, timestamps) is harmless
        np.testing.assert_array_equal(got["w"].numpy(), np.arange(64.0, dtype=np.float32))


def test_sha_mismatch_is_named(tmp_path: Path) -> None:
    """A member whose bytes were replaced consistently (valid zip CRC) fails the SHA-256."""
    path = tmp_path / "s.mg"
    mg.save({"w": mg.ones(3)}, path)
    with zipfile.ZipFile(path) as zf:
        manifest = zf.read("manifest.json")
    forged = tmp_path / "forged.mg"
    with zipfile.ZipFile(forged, "w") as zf:
        zf.writestr("manifest.json", manifest)
        buf = __import__("io").BytesIO()
        np.save(buf, np.zeros(3, dtype=np.float32))
        zf.writestr("arrays/0.npy", buf.getvalue())
    with pytest.raises(CheckpointError, match="SHA-256"):
        mg.load(forged)


def test_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something-else"}))
    with pytest.raises(CheckpointError, match="format"):
        mg.load(path)


def test_interrupted_write_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    path = tmp_path / "keep.mg"
    old = {"w": mg.ones(4)}
    mg.save(old, path)
    original = path.read_bytes()
    real = serialization.writer._write_member
    calls = []

    def dying_writer(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
        calls.append(name)
        if len(calls) == 2:  # after the manifest, in the middle of the arrays
            raise OSError("disk full (simulated)")
        real(zf, name, data)

    monkeypatch.setattr(serialization.writer, "_write_member", dying_writer)
    with pytest.raises(OSError, match="simulated"):
        mg.save({"w": mg.zeros(4), "v": mg.zeros(2)}, path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["keep.mg"]  # the temp file was cleaned up
    monkeypatch.undo()
    np.testing.assert_array_equal(mg.load(path)["w"].numpy(), np.ones(4))


def test_corrupt_checkpoint_never_half_loads_a_model(tmp_path: Path) -> None:
    net = _model()
    path = tmp_path / "m.mg"
    sd = {k: v * 0 if v.dtype.kind == "f" else v for k, v in net.state_dict().items()}
    mg.save(sd, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 4])
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    with pytest.raises(CheckpointError):
        net.load_state_dict(mg.load(path))
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])


def test_map_location(tmp_path: Path) -> None:
    path = tmp_path / "d.mg"
    mg.save({"w": mg.ones(2)}, path)
    assert mg.load(path, map_location="cpu")["w"].device == "cpu"
    assert mg.load(path, map_location={"cpu": "cpu"})["w"].device == "cpu"
    with pytest.raises(TypeError, match="map_location"):
        mg.load(path, map_location=3)


def test_model_on_backend_trains_saves_and_loads(backend: Any, tmp_path: Path) -> None:
    """Module.to(device) moves parameters in place; a checkpoint loads back onto the host."""
    net = _model()
    params = list(net.parameters())
    net.to(backend.device)
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.device == backend.device for p in net.parameters())
    x = mg.randn(2, 1, 4, 4).to(backend.device)
    net(x).sum().backward()
    assert all(p.grad is not None and p.grad.device == backend.device
               for p in net.parameters())
    path = tmp_path / "dev.mg"
    mg.save(net.state_dict(), path)
    host = mg.load(path, map_location="cpu")
    assert all(t.device == "cpu" for t in host.values())
    same = mg.load(path)
    assert all(t.device == backend.device for t in same.values())
    cpu_net = _model()
    cpu_net.load_state_dict(same)  # cross-device load copies to the model's device
    for k, v in cpu_net.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), backend.to_numpy(net.state_dict()[k]))
