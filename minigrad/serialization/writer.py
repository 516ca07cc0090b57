"""``save``: encode an object as a manifest plus ``.npy`` (and, if need be, pickle) members.

>>> import io
>>> import minigrad as mg
>>> buf = io.BytesIO()
>>> save({"w": mg.ones(2)}, buf)
>>> buf.getvalue()[:2]
b'PK'
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import pickle
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from minigrad.backends import Device, backend_of
from minigrad.errors import MinigradTypeError
from minigrad.serialization.atomic import atomic_replace
from minigrad.serialization.format import FORMAT, MANIFEST, VERSION, supported_dtype
from minigrad.size import Size
from minigrad.tensor import Tensor

__all__ = ["save"]


class _Encoder:
    """Walks the object: plain data becomes manifest nodes, arrays ``.npy`` members, and
    anything else a pickle member whose tensors and arrays are still stored as members."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.seen: dict[int, str] = {}
        self.objects: list[tuple[bytes, str, str]] = []
        self.pickled_ids: dict[int, dict[str, Any]] = {}  # an object saved twice: pickled once
        self.open: set[int] = set()  # containers being encoded, to catch cycles

    def array(self, arr: Any, owner: Any) -> str:
        key = id(owner)
        if key in self.seen:  # a tensor saved twice (shared weights) is stored once
            return self.seen[key]
        host = arr if isinstance(arr, np.ndarray) else backend_of(arr).to_numpy(arr)
        if not supported_dtype(host.dtype):
            raise MinigradTypeError(f"save: arrays of dtype {host.dtype} cannot be saved")
        name = str(len(self.arrays))
        self.arrays.append(host)
        self.seen[key] = name
        return name

    def tensor(self, t: Tensor) -> dict[str, Any]:
        from minigrad.nn.parameter import Parameter

        return {"t": "tensor", "array": self.array(t._data, t), "device": str(t.device),
                "requires_grad": bool(t.requires_grad), "parameter": isinstance(t, Parameter)}

    def node(self, obj: Any, where: str) -> dict[str, Any]:
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, np.ndarray) and supported_dtype(obj.dtype):
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
            return {"t": "str", "v": str(obj)}
        if type(obj) is bytes:
            return {"t": "bytes", "v": base64.b64encode(obj).decode()}
        if isinstance(obj, np.dtype) and supported_dtype(obj):
            return {"t": "dtype", "v": obj.name}
        if isinstance(obj, Device):
            return {"t": "device", "v": str(obj)}
        if isinstance(obj, Size) and all(type(d) is int for d in obj):
            return {"t": "size", "v": list(obj)}
        if type(obj) in (dict, OrderedDict, list, tuple):
            return self.container(obj, where)
        return self.pickled(obj, where)

    def container(self, obj: Any, where: str) -> dict[str, Any]:
        if id(obj) in self.open:
            raise ValueError(
                f"save: {where} contains itself (a reference cycle); a checkpoint stores a tree "
                "of dicts, lists and tuples: break the cycle before saving"
            )
        self.open.add(id(obj))
        try:
            if isinstance(obj, dict):
                items = [[self.node(k, f"{where} key {k!r}"), self.node(v, f"{where}[{k!r}]")]
                         for k, v in obj.items()]
                return {"t": "odict" if type(obj) is OrderedDict else "dict", "items": items}
            return {"t": type(obj).__name__,
                    "items": [self.node(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        finally:
            self.open.discard(id(obj))

    def pickled(self, obj: Any, where: str) -> dict[str, Any]:
        if id(obj) in self.pickled_ids:
            return self.pickled_ids[id(obj)]
        kind = f"{type(obj).__module__}.{type(obj).__qualname__}"
        buf = io.BytesIO()
        try:
            _Pickler(buf, self).dump(obj)
        except RecursionError:
            raise
        except Exception as exc:
            raise MinigradTypeError(
                f"save: cannot save {where} of type {kind}: it is not plain data (tensors, "
                f"arrays, numbers, strings, None, dicts/lists/tuples) and pickling it failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        self.objects.append((buf.getvalue(), kind, where))
        node = self.pickled_ids[id(obj)] = {"t": "pickle", "object": str(len(self.objects) - 1)}
        return node


class _Pickler(pickle.Pickler):
    """Pickles an object, storing its tensors and arrays as ``.npy`` members by reference."""

    def __init__(self, file: BinaryIO, encoder: _Encoder) -> None:
        super().__init__(file, protocol=pickle.DEFAULT_PROTOCOL)
        self.encoder = encoder

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, Tensor):
            return ("tensor", self.encoder.tensor(obj))
        if type(obj) is np.ndarray and supported_dtype(obj.dtype):
            return ("ndarray", self.encoder.array(obj, obj))
        return None


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _write_member(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)


def _write_archive(fh: BinaryIO, manifest: dict[str, Any], members: list[tuple[str, bytes]]
                   ) -> None:
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
        _write_member(zf, MANIFEST, json.dumps(manifest, indent=1).encode())
        for name, data in members:
            _write_member(zf, name, data)


def _save_to_path(path: str, manifest: dict[str, Any], members: list[tuple[str, bytes]]
                  ) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: cannot write {path!r}: directory {directory!r} does "
                                "not exist")
    with atomic_replace(path, "wb") as fh:  # mode 0644 under umask 022; stale temps removed
        _write_archive(fh, manifest, members)
    with contextlib.suppress(OSError):  # make the rename durable where the OS allows it
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def save(obj: Any, f: str | os.PathLike[str] | BinaryIO) -> None:
    """Write ``obj`` to ``f``: a path (written atomically) or a binary file object (``BytesIO``,
    an ``open(..., "wb")`` file). See :mod:`minigrad.serialization` for the format.

    Tensors, arrays, numbers, strings, bytes, None, dtypes, devices, sizes and dicts /
    OrderedDicts / lists / tuples of them are stored as data that ``load`` reads by default.
    Any other object (a whole ``nn.Module``, a namedtuple, a custom class) is pickled, its
    tensors still stored as arrays; reading it back needs ``load(f, weights_only=False)``.
    A container that contains itself is refused with a ``ValueError``.

    >>> import os, tempfile
    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> path = os.path.join(tempfile.mkdtemp(), "net.mg")
    >>> net = nn.Linear(3, 2)
    >>> mg.save(net.state_dict(), path)
    >>> _ = net.load_state_dict(mg.load(path))
    """
    enc = _Encoder()
    try:
        root = enc.node(obj, "obj")
    except RecursionError:
        raise ValueError("save: obj is nested too deeply to be saved (Python's recursion "
                         "limit was reached)") from None
    members = [(f"arrays/{i}.npy", _npy_bytes(a)) for i, a in enumerate(enc.arrays)]
    members += [(f"objects/{i}.pkl", data) for i, (data, _, _) in enumerate(enc.objects)]
    manifest = {
        "format": FORMAT, "version": VERSION, "root": root,
        "arrays": {str(i): {"dtype": a.dtype.str, "shape": list(a.shape),
                            "sha256": hashlib.sha256(m).hexdigest()}
                   for i, (a, (_, m)) in enumerate(zip(enc.arrays, members, strict=False))},
        "objects": {str(i): {"type": kind, "where": where,
                             "sha256": hashlib.sha256(data).hexdigest()}
                    for i, (data, kind, where) in enumerate(enc.objects)},
    }
    if isinstance(f, (str, os.PathLike)):
        _save_to_path(os.fspath(f), manifest, members)
    elif callable(getattr(f, "write", None)):
        buf = io.BytesIO()
        _write_archive(buf, manifest, members)
        f.write(buf.getvalue())
    else:
        raise MinigradTypeError(f"save: f must be a path or a binary file object with write(), "
                                f"got {type(f).__name__}")
