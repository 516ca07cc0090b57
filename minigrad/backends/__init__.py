"""Backend registry: NumPy always, CuPy when it is installed and sees a GPU.

A backend is chosen from the arrays an op receives (``backend_of``) or from a device string
(``backend_for``), never from ``if`` branches inside ops.

>>> from minigrad.backends import backend_for
>>> backend_for("cpu").name
'numpy'
"""

from __future__ import annotations

from typing import Any

from minigrad.backends import cuda, cudnn, mps
from minigrad.backends.base import Backend, Device, parse_device
from minigrad.backends.numpy_backend import NumpyBackend
from minigrad.errors import DeviceError

__all__ = [
    "Backend", "Device", "backend_for", "backend_of", "backends", "cuda", "cudnn", "mps",
    "parse_device",
]

_NUMPY = NumpyBackend()
_BY_ARRAY_TYPE: dict[type, Backend] = {_NUMPY.array_type: _NUMPY}
_BY_DEVICE_TYPE: dict[str, Backend] = {"cpu": _NUMPY}


def _load_cuda() -> Backend:
    """Import the CuPy backend on first use; explain what is missing when it cannot load."""
    if "cuda" in _BY_DEVICE_TYPE:
        return _BY_DEVICE_TYPE["cuda"]
    from minigrad.backends.cupy_backend import load_cupy_backend

    backend = load_cupy_backend()  # raises DeviceError saying what is missing
    from minigrad.random import seed_if_set

    seed_if_set(backend)  # a manual_seed given before CUDA loaded applies to it too
    _BY_DEVICE_TYPE["cuda"] = backend
    _BY_ARRAY_TYPE[backend.array_type] = backend
    return backend


def backend_for(device: str | Device | None) -> Backend:
    """The backend serving ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``)."""
    dev = parse_device(device)
    if dev.type == "cpu":
        return _NUMPY
    return _load_cuda()


def backend_of(array: Any) -> Backend:
    """The backend that owns ``array`` (found by its type)."""
    backend = _BY_ARRAY_TYPE.get(type(array))
    if backend is not None:
        return backend
    raise DeviceError(f"no minigrad backend holds arrays of type {type(array).__name__}")


def backends() -> list[Backend]:
    """The backends loaded so far (NumPy always; CuPy once a CUDA tensor was made)."""
    return list(_BY_DEVICE_TYPE.values())


def cuda_backend_if_available() -> Backend | None:
    """The CuPy backend when CuPy and a GPU are present, else None (never raises)."""
    try:
        return _load_cuda()
    except DeviceError:
        return None
