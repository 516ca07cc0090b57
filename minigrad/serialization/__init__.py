"""``mg.save`` / ``mg.load``: checkpoints in a documented, portable, pickle-free format.

The file is a ZIP archive (stored, uncompressed) holding

* ``manifest.json``: ``{"format": "minigrad-checkpoint", "version": 1, "root": NODE,
  "arrays": {"0": {"dtype": "<f4", "shape": [3, 4], "sha256": "..."}, ...}}`` where ``NODE``
  describes the saved object: ``{"t": "dict", "items": [[key_node, value_node], ...]}``,
  ``{"t": "list"|"tuple", "items": [...]}``, ``{"t": "tensor", "array": "0", "device":
  "cpu", "requires_grad": false, "parameter": false}``, ``{"t": "ndarray", "array": "0"}``,
  ``{"t": "int"|"bool"|"str", "v": ...}``, ``{"t": "float", "v": repr}`` (so nan/inf are exact)
  and ``{"t": "none"}``. Dict keys are nodes too, so optimizer states keyed by ints survive.
* ``arrays/<id>.npy``: one NumPy ``.npy`` file per array (readable by ``numpy.load`` with
  ``allow_pickle=False``); ``sha256`` is the digest of that member's bytes.

Writing goes to a temporary file in the target directory, which is flushed, fsync'ed and then
renamed over the target (``os.replace``), so a crash mid-write leaves the old file intact.
Loading checks the archive, the manifest and every digest, dtype and shape before it builds
anything; any problem raises :class:`CheckpointError` naming the file and what is wrong.

>>> import os, tempfile
>>> import minigrad as mg
>>> path = os.path.join(tempfile.mkdtemp(), "ckpt.mg")
>>> mg.save({"w": mg.ones(2), "step": 3, "lr": 0.1}, path)
>>> mg.load(path)
{'w': tensor([1., 1.], dtype=float32, device='cpu'), 'step': 3, 'lr': 0.1}
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from minigrad.backends import Device, backend_of
from minigrad.errors import MinigradError, MinigradTypeError
from minigrad.tensor import Tensor

__all__ = ["CheckpointError", "load", "save"]

FORMAT = "minigrad-checkpoint"
VERSION = 1
_MANIFEST = "manifest.json"
_DTYPES = {"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"}


class CheckpointError(MinigradError, ValueError):
    """A checkpoint file is truncated, corrupted, or not a minigrad checkpoint."""


# ---------------------------------------------------------------------------- saving
class _Encoder:
    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.seen: dict[int, str] = {}

    def array(self, arr: Any, owner: Any) -> str:
        key = id(owner)
        if key in self.seen:  # a tensor saved twice (shared weights) is stored once
            return self.seen[key]
        host = arr if isinstance(arr, np.ndarray) else backend_of(arr).to_numpy(arr)
        if host.dtype.str[1:] not in _DTYPES:
            raise MinigradTypeError(f"save: arrays of dtype {host.dtype} cannot be saved")
        name = str(len(self.arrays))
        self.arrays.append(host)
        self.seen[key] = name
        return name

    def node(self, obj: Any, where: str) -> dict[str, Any]:
        if isinstance(obj, Tensor):
            from minigrad.nn.parameter import Parameter

            return {"t": "tensor", "array": self.array(obj._data, obj), "device": str(obj.device),
                    "requires_grad": bool(obj.requires_grad),
                    "parameter": isinstance(obj, Parameter)}
        if isinstance(obj, np.ndarray):
            return {"t": "ndarray", "array": self.array(obj, obj)}
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, (bool, np.bool_)):
            return {"t": "bool", "v": bool(obj)}
        if isinstance(obj, (int, np.integer)):
            return {"t": "int", "v": int(obj)}
        if isinstance(obj, (float, np.floating)):
            return {"t": "float", "v": repr(float(obj))}
        if isinstance(obj, str):
            return {"t": "str", "v": obj}
        if isinstance(obj, Mapping):
            return {"t": "dict", "items": [[self.node(k, f"{where} key"),
                                            self.node(v, f"{where}[{k!r}]")]
                                           for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"t": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                    "items": [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        hint = " (save module.state_dict() instead)" if hasattr(obj, "state_dict") else ""
        raise MinigradTypeError(
            f"save: cannot save {where} of type {type(obj).__name__}{hint}; supported: tensors, "
            "arrays, numbers, strings, None and dicts/lists/tuples of them"
        )


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def save(obj: Any, f: str | os.PathLike[str]) -> None:
    """Write ``obj`` (a state dict, an optimizer state, nested dicts/lists of tensors and
    numbers) to the file ``f``, atomically. See the module docstring for the format.

    >>> import os, tempfile
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> path = os.path.join(tempfile.mkdtemp(), "net.mg")
    >>> net = nn.Linear(3, 2)
    >>> mg.save(net.state_dict(), path)
    >>> _ = net.load_state_dict(mg.load(path))
    """
    path = os.fspath(f)
    enc = _Encoder()
    root = enc.node(obj, "obj")
    members = [_npy_bytes(a) for a in enc.arrays]
    manifest = {
        "format": FORMAT, "version": VERSION, "root": root,
        "arrays": {str(i): {"dtype": a.dtype.str, "shape": list(a.shape),
                            "sha256": hashlib.sha256(m).hexdigest()}
                   for i, (a, m) in enumerate(zip(enc.arrays, members, strict=True))},
    }
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
                _write_member(zf, _MANIFEST, json.dumps(manifest, indent=1).encode())
                for i, m in enumerate(members):
                    _write_member(zf, f"arrays/{i}.npy", m)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename durable where the OS allows it
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


# ---------------------------------------------------------------------------- loading
def _read_arrays(zf: zipfile.ZipFile, specs: Any, fail: Any) -> dict[str, np.ndarray]:
    if not isinstance(specs, dict):
        fail("the manifest's 'arrays' entry is not an object")
    out = {}
    for name, spec in specs.items():
        member = f"arrays/{name}.npy"
        try:
            raw = zf.read(member)
        except KeyError:
            fail(f"array {name} ({member}) listed in the manifest is missing from the archive")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            fail(f"array {name} ({member}) cannot be read: {exc}")
        try:
            digest, dtype, shape = spec["sha256"], spec["dtype"], tuple(spec["shape"])
        except (KeyError, TypeError):
            fail(f"the manifest entry of array {name} is malformed: {spec!r}")
        if hashlib.sha256(raw).hexdigest() != digest:
            fail(f"array {name} ({member}) fails its SHA-256 check: the file is corrupted")
        if str(dtype)[1:] not in _DTYPES:
            fail(f"array {name} has unsupported dtype {dtype!r}")
        try:
            arr = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            fail(f"array {name} ({member}) is not a valid .npy file: {exc}")
        if arr.dtype != np.dtype(dtype) or arr.shape != shape:
            fail(f"array {name} has dtype {arr.dtype} and shape {arr.shape}, but the manifest "
                 f"says {dtype} and {shape}")
        out[name] = arr
    return out


def _target_device(saved: str, map_location: Any) -> Any:
    if map_location is None:
        return saved
    if isinstance(map_location, (str, Device)):
        return map_location
    if isinstance(map_location, Mapping):
        return map_location.get(saved, saved)
    raise MinigradTypeError(f"load: map_location must be a device string, a Device or a dict "
                            f"of device strings, got {type(map_location).__name__}")


def _decode(node: Any, arrays: dict[str, np.ndarray], map_location: Any, fail: Any) -> Any:
    if not isinstance(node, dict) or "t" not in node:
        fail(f"malformed manifest node {node!r}")
    t = node["t"]
    try:
        if t == "tensor":
            from minigrad.nn.parameter import Parameter

            device = _target_device(node["device"], map_location)
            out = Tensor(arrays[node["array"]], device=device)
            if node.get("parameter"):
                return Parameter(out, requires_grad=bool(node["requires_grad"]))
            return out.requires_grad_(True) if node["requires_grad"] else out
        if t == "ndarray":
            return arrays[node["array"]]
        if t == "none":
            return None
        if t in ("bool", "str"):
            return node["v"]
        if t == "int":
            return int(node["v"])
        if t == "float":
            return float(node["v"])
        if t == "dict":
            return {_decode(k, arrays, map_location, fail): _decode(v, arrays, map_location, fail)
                    for k, v in node["items"]}
        if t in ("list", "tuple"):
            items = [_decode(v, arrays, map_location, fail) for v in node["items"]]
            return items if t == "list" else tuple(items)
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        fail(f"malformed manifest node of type {t!r}: {exc!r}")
    fail(f"unknown node type {t!r} in the manifest")


def load(f: str | os.PathLike[str], map_location: Any = None) -> Any:
    """Read an object written by :func:`save`, verifying it completely first.

    ``map_location``: a device (``"cpu"``) for every tensor, or a dict mapping saved devices to
    new ones; by default tensors return to the device they were saved from.

    >>> import os, tempfile
    >>> import minigrad as mg
    >>> path = os.path.join(tempfile.mkdtemp(), "opt.mg")
    >>> mg.save({"state": {0: {"step": 1, "exp_avg": mg.zeros(2)}}, "lr": [1e-3]}, path)
    >>> mg.load(path, map_location="cpu")["state"][0]["step"]
    1
    """
    path = os.fspath(f)
    _target_device("cpu", map_location)  # reject a bad map_location before reading

    def fail(what: str) -> Any:
        raise CheckpointError(f"load: {path!r} is not a valid minigrad checkpoint: {what}")

    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: no such checkpoint file: {path!r}")
    try:
        with zipfile.ZipFile(path) as zf:
            try:
                manifest = json.loads(zf.read(_MANIFEST).decode())
            except KeyError:
                fail(f"it has no {_MANIFEST}")
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                fail(f"{_MANIFEST} is not valid JSON ({exc})")
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                fail(f"{_MANIFEST} does not declare format {FORMAT!r}")
            if manifest.get("version") != VERSION:
                fail(f"unsupported format version {manifest.get('version')!r} (this minigrad "
                     f"reads version {VERSION})")
            arrays = _read_arrays(zf, manifest.get("arrays"), fail)
    except CheckpointError:
        raise
    except Exception as exc:  # any failure to parse the archive means a damaged file
        raise CheckpointError(f"load: {path!r} is not a valid minigrad checkpoint: the archive "
                              f"is truncated or corrupted ({type(exc).__name__}: {exc})") from exc
    return _decode(manifest.get("root"), arrays, map_location, fail)
