"""``load``: verify a checkpoint completely, then rebuild the object it holds.

Every member's size is checked against the file before it is read, and every ``.npy`` header
against its member before an array is allocated, so a small forged file cannot make the reader
allocate much more memory than the file's own size.

>>> import io
>>> import minigrad as mg
>>> buf = io.BytesIO()
>>> mg.save([1, "two", None], buf)
>>> _ = buf.seek(0); load(buf)
[1, 'two', None]
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import os
import pickle
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO, NoReturn

import numpy as np

from minigrad.backends import Device, parse_device
from minigrad.errors import DeviceError, MinigradTypeError
from minigrad.serialization.atomic import remove_stale_temps
from minigrad.serialization.format import (
    FORMAT,
    MANIFEST,
    READABLE_VERSIONS,
    VERSION,
    CheckpointError,
    WeightsOnlyLoadError,
    describe_target,
    supported_dtype,
)
from minigrad.size import Size
from minigrad.tensor import Tensor

__all__ = ["load"]

Fail = Callable[[str], NoReturn]


def _member(zf: zipfile.ZipFile, name: str, what: str, fail: Fail) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        fail(f"{what} ({name}) listed in the manifest is missing from the archive")
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        fail(f"{what} ({name}) cannot be read: {exc}")


def _digest_ok(raw: bytes, spec: Any, what: str, fail: Fail) -> None:
    if not isinstance(spec, dict) or hashlib.sha256(raw).hexdigest() != spec.get("sha256"):
        fail(f"{what} fails its SHA-256 check: the file is corrupted")


def _parse_npy(raw: bytes, name: str, fail: Fail) -> np.ndarray:
    """The array of a ``.npy`` member, allocated only once its header fits the bytes."""
    bio = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(bio)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            fail(f"array {name} has unsupported .npy version {version}")
        shape, fortran, dtype = read_header(bio)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
        fail(f"array {name} is not a valid .npy file: {exc}")
    if not supported_dtype(dtype):
        fail(f"array {name} has unsupported dtype {dtype}")
    count = math.prod(int(d) for d in shape)
    offset = bio.tell()
    if offset + count * dtype.itemsize != len(raw):
        fail(f"array {name}'s header promises shape {shape} of {dtype} "
             f"({count * dtype.itemsize} bytes), but its member holds {len(raw) - offset}")
    arr = np.frombuffer(raw, dtype=dtype, count=count, offset=offset) if count else \
        np.empty(0, dtype)
    arr = arr.reshape(shape, order="F" if fortran else "C").copy(order="K")
    return arr if arr.dtype.isnative else arr.astype(arr.dtype.newbyteorder("="))


def _read_archive(fh: BinaryIO, size: int, fail: Fail
                  ) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, bytes]]:
    with zipfile.ZipFile(fh) as zf:
        for info in zf.infolist():
            if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
                fail(f"member {info.filename} is compressed; checkpoints store members as is")
            if info.file_size > size:
                fail(f"member {info.filename} claims {info.file_size} bytes, more than the "
                     f"whole file ({size} bytes)")
        try:
            manifest = json.loads(zf.read(MANIFEST).decode())
        except KeyError:
            fail(f"it has no {MANIFEST}")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            fail(f"{MANIFEST} is not valid JSON ({exc})")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            fail(f"{MANIFEST} does not declare format {FORMAT!r}")
        if manifest.get("version") not in READABLE_VERSIONS:
            fail(f"unsupported format version {manifest.get('version')!r} (this minigrad "
                 f"reads versions up to {VERSION})")
        specs, objects = manifest.get("arrays"), manifest.get("objects", {})
        if not isinstance(specs, dict) or not isinstance(objects, dict):
            fail("the manifest's 'arrays' or 'objects' entry is not an object")
        arrays = {}
        for name, spec in specs.items():
            raw = _member(zf, f"arrays/{name}.npy", f"array {name}", fail)
            _digest_ok(raw, spec, f"array {name} (arrays/{name}.npy)", fail)
            arr = _parse_npy(raw, name, fail)
            if arr.dtype.str[1:] != str(spec.get("dtype"))[1:] or \
                    list(arr.shape) != spec.get("shape"):
                fail(f"array {name} has dtype {arr.dtype} and shape {arr.shape}, but the "
                     f"manifest says {spec.get('dtype')} and {spec.get('shape')}")
            arrays[name] = arr
        pickles = {}
        for name, spec in objects.items():
            raw = _member(zf, f"objects/{name}.pkl", f"object {name}", fail)
            _digest_ok(raw, spec, f"object {name} (objects/{name}.pkl)", fail)
            pickles[name] = raw
    return manifest, arrays, pickles


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], pickles: dict[str, bytes],
                 map_location: Any, fail: Fail, target: str) -> None:
        self.arrays, self.pickles, self.fail = arrays, pickles, fail
        self.map_location, self.target = map_location, target
        self.tensors: dict[str, Tensor] = {}
        self.objects: dict[str, Any] = {}

    def tensor(self, node: dict[str, Any]) -> Tensor:
        name = node["array"]
        if name not in self.tensors:  # a tensor saved twice comes back as one object
            from minigrad.nn.parameter import Parameter

            out = self.place(self.arrays[name], str(node["device"]))
            if node.get("parameter"):
                out = Parameter(out, requires_grad=bool(node["requires_grad"]))
            elif node["requires_grad"]:
                out = out.detach().requires_grad_(True)
            self.tensors[name] = out
        return self.tensors[name]

    def place(self, array: np.ndarray, saved: str) -> Tensor:
        ml, target = self.map_location, saved
        if isinstance(ml, (str, Device)):
            target = str(ml)
        elif isinstance(ml, Mapping):
            target = str({str(k): v for k, v in ml.items()}.get(saved, saved))
        elif callable(ml):
            got = ml(Tensor._make(array, None), saved)
            if isinstance(got, Tensor):
                return got
            if got is not None:
                raise MinigradTypeError(f"load: map_location(tensor, {saved!r}) must return a "
                                        f"Tensor or None, got {type(got).__name__}")
        try:
            host = Tensor._make(array, None)
            return host if parse_device(target) == "cpu" else host.to(target)
        except DeviceError as exc:
            raise DeviceError(f"load: {self.target} holds a tensor saved on {saved!r} that "
                              f"cannot be placed on {target!r} ({exc}); pass map_location="
                              "'cpu' to load it onto the CPU") from exc

    def node(self, node: Any) -> Any:
        if not isinstance(node, dict) or "t" not in node:
            self.fail(f"malformed manifest node {node!r}")
        t = node["t"]
        try:
            if t == "tensor":
                return self.tensor(node)
            if t == "ndarray":
                return self.arrays[node["array"]]
            if t == "none":
                return None
            if t in ("bool", "str") and isinstance(node["v"], (bool, str)):
                return node["v"]
            if t == "int":
                return int(node["v"])
            if t == "float":
                return float(node["v"])
            if t == "bytes":
                return base64.b64decode(node["v"], validate=True)
            if t == "dtype" and supported_dtype(np.dtype(node["v"])):
                return np.dtype(node["v"])
            if t == "device":
                return parse_device(node["v"])
            if t == "size" and all(type(d) is int for d in node["v"]):
                return Size(node["v"])
            if t in ("dict", "odict"):
                pairs = [(self.node(k), self.node(v)) for k, v in node["items"]]
                return dict(pairs) if t == "dict" else OrderedDict(pairs)
            if t in ("list", "tuple"):
                items = [self.node(v) for v in node["items"]]
                return items if t == "list" else tuple(items)
            if t == "pickle":
                return self.unpickle(node["object"])
        except (CheckpointError, DeviceError, MinigradTypeError):
            raise
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            self.fail(f"malformed manifest node of type {t!r}: {exc!r}")
        self.fail(f"unknown node type {t!r} in the manifest")

    def unpickle(self, name: str) -> Any:
        if name not in self.objects:  # an object saved twice comes back as one object
            unpickler = pickle.Unpickler(io.BytesIO(self.pickles[name]))
            unpickler.persistent_load = self.persistent_load  # type: ignore[method-assign]
            self.objects[name] = unpickler.load()
        return self.objects[name]

    def persistent_load(self, pid: Any) -> Any:
        if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "tensor":
            return self.tensor(pid[1])
        if isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "ndarray":
            return self.arrays[pid[1]]
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


def _check_map_location(map_location: Any) -> None:
    if map_location is None or callable(map_location) or \
            isinstance(map_location, (str, Device, Mapping)):
        return
    raise MinigradTypeError(f"load: map_location must be a device string, a Device, a dict of "
                            f"device strings or a callable, got {type(map_location).__name__}")


def load(f: str | os.PathLike[str] | BinaryIO, map_location: Any = None, *,
         weights_only: bool = True) -> Any:
    """Read an object written by :func:`~minigrad.save` from a path or a binary file object,
    verifying the whole file first (:class:`CheckpointError` names the file and the problem).

    ``map_location``, as in PyTorch: a device (``"cpu"``) for every tensor; a dict mapping
    saved devices to new ones (``{"cuda:1": "cuda:0"}``); or a callable
    ``(tensor, saved_device)`` returning the tensor to use (``lambda t, loc: t`` keeps
    everything on the CPU) or None for the default. By default tensors return to the device
    they were saved from.

    ``weights_only=True`` (the default, as in PyTorch 2.6+) loads only tensors, arrays,
    numbers, strings, bytes, None, dtypes, devices, sizes and dicts / OrderedDicts / lists /
    tuples of them, and refuses anything :func:`~minigrad.save` had to pickle with a
    :class:`WeightsOnlyLoadError` naming what and where. **Security warning:**
    ``weights_only=False`` unpickles those objects, and unpickling can run arbitrary code:
    use it only for files from a source you trust.

    >>> import io
    >>> import minigrad as mg
    >>> buf = io.BytesIO()
    >>> mg.save({"state": {0: {"step": 1, "exp_avg": mg.zeros(2)}}, "lr": [1e-3]}, buf)
    >>> _ = buf.seek(0); mg.load(buf, map_location="cpu")["state"][0]["step"]
    1
    """
    _check_map_location(map_location)
    target = describe_target(f)

    def fail(what: str) -> NoReturn:
        raise CheckpointError(f"load: {target} is not a valid minigrad checkpoint: {what}")

    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        remove_stale_temps(path)  # a killed writer's leftovers
        if not os.path.isfile(path):
            raise FileNotFoundError(f"load: no such checkpoint file: {path!r}")
        fh: Any = open(path, "rb")  # noqa: SIM115 - closed below
    elif callable(getattr(f, "read", None)):
        fh = f if getattr(f, "seekable", lambda: False)() else io.BytesIO(f.read())
    else:
        raise MinigradTypeError(f"load: f must be a path or a binary file object with read(), "
                                f"got {type(f).__name__}")
    try:
        start = fh.tell()
        size = fh.seek(0, os.SEEK_END) - start
        fh.seek(start)
        manifest, arrays, pickles = _read_archive(fh, size, fail)
    except CheckpointError:
        raise
    except Exception as exc:  # any failure to parse the archive means a damaged file
        raise CheckpointError(f"load: {target} is not a valid minigrad checkpoint: the archive "
                              f"is truncated or corrupted ({type(exc).__name__}: {exc})") from exc
    finally:
        if fh is not f:
            fh.close()
    if pickles and weights_only:
        specs = manifest["objects"]
        found = "; ".join(f"{str(s.get('where'))[:80]} (a {str(s.get('type'))[:80]})"
                          for s in list(specs.values())[:5])
        more = f" and {len(specs) - 5} more" if len(specs) > 5 else ""
        raise WeightsOnlyLoadError(
            f"load: weights_only=True refuses {target}: it holds objects that were pickled: "
            f"{found}{more}. Unpickling can run arbitrary code; if you trust the source of "
            "this file, pass weights_only=False"
        )
    decoder = _Decoder(arrays, pickles, map_location, fail, target)
    try:
        return decoder.node(manifest.get("root"))
    except RecursionError:
        fail("it is nested too deeply")
