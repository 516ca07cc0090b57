"""CUDA device queries, as ``torch.cuda``: availability, count, synchronisation, memory pool.

Nothing here imports CuPy until asked, and every function is safe on a machine without a GPU.

>>> import minigrad as mg
>>> isinstance(mg.cuda.is_available(), bool)
True
"""

from __future__ import annotations

from typing import Any

from minigrad.backends import backend_for
from minigrad.backends.cupy_backend import cupy_status
from minigrad.legacy import CUDA_TYPES

__all__ = [
    "BoolTensor", "ByteTensor", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor",
    "LongTensor", "device_count", "empty_cache", "is_available", "max_memory_allocated",
    "memory_allocated", "memory_reserved", "memory_stats", "synchronize",
]


# PyTorch's legacy typed constructors on the GPU (see minigrad.legacy)
FloatTensor, DoubleTensor, HalfTensor = (CUDA_TYPES[n] for n in (
    "FloatTensor", "DoubleTensor", "HalfTensor"))
LongTensor, IntTensor, ByteTensor, BoolTensor = (CUDA_TYPES[n] for n in (
    "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"))


def is_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA GPU.

    >>> import minigrad as mg
    >>> mg.cuda.is_available() in (True, False)
    True
    """
    return cupy_status() == "ok"


def device_count() -> int:
    """The number of CUDA GPUs CuPy sees (0 without CuPy or a GPU).

    >>> import minigrad as mg
    >>> mg.cuda.device_count() >= 0
    True
    """
    if not is_available():
        return 0
    import cupy

    return int(cupy.cuda.runtime.getDeviceCount())


def _cupy() -> Any:
    return backend_for("cuda").xp  # raises DeviceError saying what is missing


def synchronize(device: int | None = None) -> None:
    """Wait for all queued GPU work on ``device`` (the current one by default) to finish.

    >>> import minigrad as mg
    >>> if mg.cuda.is_available():
    ...     mg.cuda.synchronize()
    """
    cp = _cupy()
    if device is None:
        cp.cuda.Device().synchronize()
    else:
        cp.cuda.Device(device).synchronize()


_peak = [0]


def memory_allocated() -> int:
    """Bytes of GPU memory held by live minigrad/CuPy arrays (CuPy's default memory pool).

    >>> import minigrad as mg
    >>> mg.cuda.memory_allocated() >= 0 if mg.cuda.is_available() else True
    True
    """
    used = int(_cupy().get_default_memory_pool().used_bytes())
    _peak[0] = max(_peak[0], used)
    return used


def max_memory_allocated() -> int:
    """The largest :func:`memory_allocated` value seen so far in this process.

    >>> import minigrad as mg
    >>> mg.cuda.max_memory_allocated() >= 0 if mg.cuda.is_available() else True
    True
    """
    memory_allocated()
    return _peak[0]


def memory_reserved() -> int:
    """Bytes the memory pool holds from the driver (live arrays plus cached free blocks).

    >>> import minigrad as mg
    >>> mg.cuda.memory_reserved() >= 0 if mg.cuda.is_available() else True
    True
    """
    return int(_cupy().get_default_memory_pool().total_bytes())


def memory_stats() -> dict[str, int]:
    """A dict of the pool's figures: allocated, reserved, free cached bytes, pinned host pool.

    >>> import minigrad as mg
    >>> 'allocated_bytes' in mg.cuda.memory_stats() if mg.cuda.is_available() else True
    True
    """
    cp = _cupy()
    pool = cp.get_default_memory_pool()
    return {
        "allocated_bytes": int(pool.used_bytes()),
        "reserved_bytes": int(pool.total_bytes()),
        "free_cached_bytes": int(pool.free_bytes()),
        "pinned_free_blocks": int(cp.get_default_pinned_memory_pool().n_free_blocks()),
    }


def empty_cache() -> None:
    """Return the pool's cached free blocks to the driver (live arrays are untouched).

    >>> import minigrad as mg
    >>> if mg.cuda.is_available():
    ...     mg.cuda.empty_cache()
    """
    cp = _cupy()
    cp.get_default_memory_pool().free_all_blocks()
    cp.get_default_pinned_memory_pool().free_all_blocks()
