"""mg.save / mg.load: file objects, weights_only, map_location, cycles, forged sizes, torch."""

from __future__ import annotations

import io
import json
import os
import struct
import time
import zipfile
from collections import OrderedDict, namedtuple
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn
from minigrad.errors import DeviceError, MinigradTypeError
from minigrad.serialization import CheckpointError, WeightsOnlyLoadError

Pair = namedtuple("Pair", ["a", "b"])


def _bytes(obj: Any) -> bytes:
    buf = io.BytesIO()
    mg.save(obj, buf)
    return buf.getvalue()


def _rezip(data: bytes, edit: Any) -> bytes:
    """The archive with its manifest passed through ``edit`` (arrays untouched)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            raw = src.read(name)
            if name == "manifest.json":
                raw = json.dumps(edit(json.loads(raw))).encode()
            dst.writestr(name, raw)
    return out.getvalue()


def test_file_objects_bytesio_open_files_and_streams(tmp_path: Path) -> None:
    obj = {"w": mg.arange(6.0).reshape(2, 3), "names": ["a", "b"], "n": 4}
    buf = io.BytesIO()
    mg.save(obj, buf)
    buf.seek(0)
    got = mg.load(buf)
    assert got["names"] == ["a", "b"] and got["w"].tolist() == obj["w"].tolist()
    path = tmp_path / "f.mg"
    with open(path, "wb") as fh:
        mg.save(obj, fh)
    with open(path, "rb") as fh:
        assert mg.load(fh)["n"] == 4
    with open(path, "rb") as fh:  # a prefix before the archive, read from where the file is
        data = b"HEADER" + fh.read()
    prefixed = io.BytesIO(data)
    prefixed.seek(6)
    assert mg.load(prefixed)["n"] == 4

    class Stream(io.RawIOBase):  # not seekable: read whole
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            return self.inner.readinto(b)

    assert mg.load(Stream(path.read_bytes()))["w"].shape == (2, 3)
    with pytest.raises(CheckpointError, match="<BytesIO>"):
        mg.load(io.BytesIO(b"not a zip"))
    with pytest.raises(TypeError, match="path or a binary file object"):
        mg.save(obj, 3)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mg.save(obj, tmp_path / "missing" / "x.mg")


def test_weights_only_types_round_trip() -> None:
    p = nn.Parameter(mg.ones(2))
    obj = OrderedDict([("p", p), ("same", p), ("t", (1, 2.5, None, True)), ("b", b"\x00\xff"),
                       ("dt", mg.float64), ("dev", mg.tensor(1.0).device),
                       ("arr", np.arange(3, dtype=np.uint16)), ("shape", mg.ones(2, 3).shape)])
    got = mg.load(io.BytesIO(_bytes(obj)))
    assert type(got) is OrderedDict and list(got) == list(obj)
    assert isinstance(got["p"], nn.Parameter) and got["same"] is got["p"]  # sharing survives
    assert got["t"] == (1, 2.5, None, True) and got["b"] == b"\x00\xff"
    assert got["dt"] == mg.float64 and got["dev"] == "cpu" and got["arr"].dtype == np.uint16
    assert type(got["shape"]) is type(obj["shape"]) and got["shape"] == (2, 3)


def test_weights_only_refuses_pickled_objects_and_false_loads_them() -> None:
    data = _bytes({"pair": Pair(mg.ones(2), 3), "set": {1, 2}})
    with pytest.raises(WeightsOnlyLoadError) as err:
        mg.load(io.BytesIO(data))
    msg = str(err.value)
    assert "obj['pair'] (a test_serialization_io.Pair)" in msg and "builtins.set" in msg
    assert "weights_only=False" in msg and "arbitrary code" in msg
    assert isinstance(err.value, __import__("pickle").UnpicklingError)
    got = mg.load(io.BytesIO(data), weights_only=False)
    assert type(got["pair"]) is Pair and got["pair"].a.tolist() == [1.0, 1.0]
    assert got["set"] == {1, 2}


def test_weights_only_never_unpickles_even_a_forged_manifest(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    from minigrad.serialization import reader

    def forbidden(*args: Any) -> None:
        raise AssertionError("unpickled under weights_only=True")

    monkeypatch.setattr(reader.pickle, "Unpickler", forbidden)
    data = _bytes({"x": Pair(1, 2)})
    hidden = _rezip(data, lambda m: {**m, "objects": {}})  # the pickle member left unlisted
    with pytest.raises(CheckpointError, match="malformed manifest node of type 'pickle'"):
        mg.load(io.BytesIO(hidden))
    with pytest.raises(WeightsOnlyLoadError):
        mg.load(io.BytesIO(data))


def test_whole_module_shares_tensors_with_the_rest_of_the_file() -> None:
    net = nn.Linear(3, 2)
    got = mg.load(io.BytesIO(_bytes({"net": net, "w": net.weight, "again": [net]})),
                  weights_only=False)
    assert got["w"] is got["net"].weight and isinstance(got["w"], nn.Parameter)
    assert got["again"][0] is got["net"]
    with zipfile.ZipFile(io.BytesIO(_bytes(net))) as zf:  # weights stay .npy members
        assert sorted(n for n in zf.namelist() if n.startswith("arrays/")) == [
            "arrays/0.npy", "arrays/1.npy"]


def test_cycles_and_deep_nesting_are_clear_errors(tmp_path: Path) -> None:
    d: dict[str, Any] = {"a": 1}
    d["self"] = d
    with pytest.raises(ValueError, match=r"obj\['self'\] contains itself"):
        mg.save(d, tmp_path / "c.mg")
    lst: list[Any] = [1]
    lst.append([lst])
    with pytest.raises(ValueError, match=r"obj\[1\]\[0\] contains itself"):
        mg.save(lst, io.BytesIO())
    shared = {"x": 1}
    assert mg.load(io.BytesIO(_bytes([shared, shared]))) == [shared, shared]  # no cycle
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply"):
        mg.save(deep, tmp_path / "d.mg")
    assert os.listdir(tmp_path) == []


def test_map_location_forms() -> None:
    data = _bytes({"w": mg.ones(2), "p": nn.Parameter(mg.zeros(1))})
    for ml in ("cpu", mg.tensor(0.0).device, {"cpu": "cpu"}, {"cuda:0": "cpu"}):
        assert mg.load(io.BytesIO(data), map_location=ml)["w"].device == "cpu"
    seen = []

    def keep(t: mg.Tensor, loc: str) -> mg.Tensor:
        seen.append(loc)
        return t * 2

    got = mg.load(io.BytesIO(data), map_location=keep)
    assert seen == ["cpu", "cpu"] and got["w"].tolist() == [2.0, 2.0]
    assert isinstance(got["p"], nn.Parameter)
    assert mg.load(io.BytesIO(data), map_location=lambda t, loc: None)["w"].tolist() == [1, 1]
    with pytest.raises(MinigradTypeError, match="must return a Tensor or None"):
        mg.load(io.BytesIO(data), map_location=lambda t, loc: "cpu")
    with pytest.raises(TypeError, match="map_location"):
        mg.load(io.BytesIO(data), map_location=3)


def test_saved_on_an_absent_device_names_map_location() -> None:
    if mg.cuda.is_available():
        pytest.skip("a GPU is present: cuda:0 tensors load there")

    def to_cuda(m: dict[str, Any]) -> dict[str, Any]:
        m["root"]["items"][0][1]["device"] = "cuda:0"
        return m

    forged = _rezip(_bytes({"w": mg.ones(2)}), to_cuda)
    with pytest.raises(DeviceError, match=r"saved on 'cuda:0'.*map_location='cpu'"):
        mg.load(io.BytesIO(forged))
    assert mg.load(io.BytesIO(forged), map_location="cpu")["w"].device == "cpu"
    assert mg.load(io.BytesIO(forged), map_location={"cuda:0": "cpu"})["w"].device == "cpu"


def _npy_claiming(shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + b"\0" * 16


def test_forged_sizes_never_allocate(tmp_path: Path) -> None:
    import hashlib

    raw = _npy_claiming((10**6, 10**6))  # 8 TB promised, 16 bytes present
    manifest = {"format": "minigrad-checkpoint", "version": 2,
                "root": {"t": "ndarray", "array": "0"},
                "arrays": {"0": {"dtype": "<f8", "shape": [10**6, 10**6],
                                 "sha256": hashlib.sha256(raw).hexdigest()}}}
    path = tmp_path / "forged.mg"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        zf.writestr("arrays/0.npy", raw)
    start = time.monotonic()
    with pytest.raises(CheckpointError, match=r"forged\.mg.*header promises shape"):
        mg.load(path)
    assert time.monotonic() - start < 1
    data = bytearray(path.read_bytes())  # a central directory claiming a 4 GB member
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 20:cd + 28] = struct.pack("<II", 2**32 - 1, 2**32 - 1)
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="more than the whole file"):
        mg.load(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:  # a zip bomb's first step
        zf.writestr("manifest.json", json.dumps(manifest))
    with pytest.raises(CheckpointError, match="compressed"):
        mg.load(path)


def test_version_1_files_still_load() -> None:
    old = _rezip(_bytes({"w": mg.ones(2), "k": [1]}),
                 lambda m: {k: v for k, v in {**m, "version": 1}.items() if k != "objects"})
    got = mg.load(io.BytesIO(old))
    assert got["k"] == [1] and got["w"].tolist() == [1.0, 1.0]


def test_not_torch_format_either_way(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    theirs = io.BytesIO()
    torch.save({"w": torch.ones(2)}, theirs)
    theirs.seek(0)
    with pytest.raises(CheckpointError, match=r"no manifest\.json"):
        mg.load(theirs)
    ours = io.BytesIO(_bytes({"w": mg.ones(2)}))
    with pytest.raises(Exception):  # noqa: B017 - whatever torch raises, it cannot read it
        torch.load(ours, weights_only=True)


_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
    st.text(max_size=5), st.binary(max_size=5),
    st.lists(st.floats(-1e3, 1e3, width=32), max_size=4).map(
        lambda v: mg.tensor(np.array(v, dtype=np.float32))),
    st.lists(st.integers(0, 255), max_size=4).map(lambda v: np.array(v, dtype=np.uint8)),
)
_keys = st.one_of(st.text(max_size=3), st.integers(-5, 5), st.booleans())
_trees = st.recursive(_leaves, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.lists(kids, max_size=3).map(tuple),
    st.dictionaries(_keys, kids, max_size=3),
    st.dictionaries(_keys, kids, max_size=3).map(OrderedDict)), max_leaves=12)


def _equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, mg.Tensor):
        return a.dtype == b.dtype and a.tolist() == b.tolist()
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, float) and a != a:
        return b != b
    if isinstance(a, dict):
        return list(a) == list(b) and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@given(_trees)
def test_plain_data_round_trips_exactly(tree: Any) -> None:
    assert _equal(mg.load(io.BytesIO(_bytes(tree))), tree)
