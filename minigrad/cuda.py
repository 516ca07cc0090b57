"""CUDA device queries, as ``torch.cuda``: availability, count, synchronisation, memory pool.

Nothing here imports CuPy until asked, and every function is safe on a machine without a GPU.

>>> import minigrad as mg
>>> isinstance(mg.cuda.is_available(), bool)
True
"""

from __future__ import annotations

from typing import Any

from minigrad.backends import backend_for, parse_device
from minigrad.backends.base import set_current_cuda
from minigrad.backends.cupy_backend import cupy_status
from minigrad.errors import OutOfMemoryError
from minigrad.legacy import CUDA_TYPES

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "DoubleTensor",
    "Event",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "OutOfMemoryError",
    "current_device",
    "device_count",
    "empty_cache",
    "get_device_capability",
    "is_available",
    "is_bf16_supported",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "memory_allocated",
    "memory_reserved",
    "memory_stats",
    "reset_peak_memory_stats",
    "set_device",
    "synchronize",
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


def reset_peak_memory_stats(device: Any = None) -> None:
    """Start :func:`max_memory_allocated` again from the bytes allocated now.

    >>> import minigrad as mg
    >>> if mg.cuda.is_available():
    ...     mg.cuda.reset_peak_memory_stats()
    """
    _peak[0] = int(_cupy().get_default_memory_pool().used_bytes())


def _index(device: Any) -> int:
    """The CUDA index of ``device`` (an int, "cuda:1", a device; None: the current one)."""
    if device is None:
        return current_device()
    dev = parse_device(device)
    if dev.type != "cuda":
        raise ValueError(f"expected a CUDA device, got {dev}")
    return int(dev.index or 0)


def current_device() -> int:
    """The index of the GPU that a bare ``"cuda"`` means (0 unless :func:`set_device`).

    >>> import minigrad as mg
    >>> mg.cuda.current_device() if mg.cuda.is_available() else 0
    0
    """
    _cupy()  # raises DeviceError without CuPy or a GPU, as PyTorch without CUDA
    return int(parse_device("cuda").index or 0)


def set_device(device: Any) -> None:
    """Make ``device`` (an index, "cuda:1" or a device) the GPU that a bare ``"cuda"`` means,
    and CuPy's current device.

    >>> import minigrad as mg
    >>> if mg.cuda.is_available():
    ...     mg.cuda.set_device(0)
    """
    cp = _cupy()  # DeviceError without CuPy or a GPU
    index = _index(device)
    if not 0 <= index < device_count():
        raise ValueError(f"set_device: no CUDA device {index} ({device_count()} visible)")
    cp.cuda.Device(index).use()
    set_current_cuda(index)


def get_device_capability(device: Any = None) -> tuple[int, int]:
    """The GPU's compute capability as ``(major, minor)``, e.g. ``(9, 0)`` for an H100.

    >>> import minigrad as mg
    >>> len(mg.cuda.get_device_capability()) if mg.cuda.is_available() else 2
    2
    """
    cc = str(_cupy().cuda.Device(_index(device)).compute_capability)
    return int(cc[:-1]), int(cc[-1])


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False: minigrad has no bfloat16 dtype (NumPy has none), whatever the GPU.

    >>> import minigrad as mg
    >>> mg.cuda.is_bf16_supported()
    False
    """
    return False


def manual_seed(seed: int) -> None:
    """Seed the GPU's random generator; does nothing without a GPU (as PyTorch).
    :func:`minigrad.manual_seed` seeds the CPU and the GPUs together.

    >>> import minigrad as mg
    >>> mg.cuda.manual_seed(0)
    """
    if is_available():
        backend_for("cuda").seed(int(seed))


def manual_seed_all(seed: int) -> None:
    """As :func:`manual_seed` (minigrad seeds every GPU from one seed, offset by its index).

    >>> import minigrad as mg
    >>> mg.cuda.manual_seed_all(0)
    """
    manual_seed(seed)


class Event:
    """A CUDA event for timing GPU work, as ``torch.cuda.Event`` (a CuPy event inside).

    >>> import minigrad as mg
    >>> if mg.cuda.is_available():
    ...     start, end = mg.cuda.Event(enable_timing=True), mg.cuda.Event(enable_timing=True)
    ...     start.record(); end.record(); end.synchronize()
    ...     ms = start.elapsed_time(end)
    """

    def __init__(self, enable_timing: bool = False, blocking: bool = False,
                 interprocess: bool = False) -> None:
        self._event = _cupy().cuda.Event(block=blocking, disable_timing=not enable_timing,
                                         interprocess=interprocess)

    def record(self, stream: Any = None) -> None:
        self._event.record(stream)

    def synchronize(self) -> None:
        self._event.synchronize()

    def query(self) -> bool:
        return bool(self._event.done)

    def wait(self, stream: Any = None) -> None:
        (stream or _cupy().cuda.get_current_stream()).wait_event(self._event)

    def elapsed_time(self, end_event: Event) -> float:
        """Milliseconds between this event and ``end_event`` (both recorded, timing on)."""
        return float(_cupy().cuda.get_elapsed_time(self._event, end_event._event))

