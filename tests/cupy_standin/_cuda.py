"""The stand-in's ``cupy.cuda``: devices (a current-device id), the runtime queries, memory
pools, streams and events, all no-ops with counters."""

from __future__ import annotations

import time
import types
from typing import Any

from ._array import DeviceId, used_bytes
from ._state import COUNTERS, STATE, OutOfMemoryError

__all__ = ["build_module", "get_default_memory_pool", "get_default_pinned_memory_pool"]


class CUDARuntimeError(RuntimeError):
    """``cupy.cuda.runtime.CUDARuntimeError``."""


class Device(DeviceId):
    """``cupy.cuda.Device(i)``: a context manager making ``i`` the current device."""

    __slots__ = ()

    def __init__(self, device: Any = None) -> None:
        index = STATE.current if device is None else int(device)
        if not 0 <= index < STATE.count:
            raise CUDARuntimeError("cudaErrorInvalidDevice: invalid device ordinal")
        super().__init__(index)

    @property
    def compute_capability(self) -> str:
        return "90"

    @property
    def mem_info(self) -> tuple[int, int]:
        return (1 << 36) - _used(self.id), 1 << 36


_used = used_bytes


class MemoryPool:
    """``cupy.cuda.MemoryPool``: bytes of live stand-in arrays; the rest are counted no-ops."""

    def used_bytes(self) -> int:
        COUNTERS.pool_calls += 1
        return _used()

    def total_bytes(self) -> int:
        COUNTERS.pool_calls += 1
        return _used()

    def free_bytes(self) -> int:
        COUNTERS.pool_calls += 1
        return 0

    def n_free_blocks(self) -> int:
        COUNTERS.pool_calls += 1
        return 0

    def free_all_blocks(self, stream: Any = None) -> None:
        COUNTERS.pool_calls += 1

    def set_limit(self, size: Any = None, fraction: Any = None) -> None:
        """Allocations past ``size`` bytes raise OutOfMemoryError (0 or None: no limit)."""
        COUNTERS.pool_calls += 1
        STATE.limit = int(size or 0)

    def get_limit(self) -> int:
        COUNTERS.pool_calls += 1
        return STATE.limit


_POOL, _PINNED = MemoryPool(), MemoryPool()


def get_default_memory_pool() -> MemoryPool:
    return _POOL


def get_default_pinned_memory_pool() -> MemoryPool:
    return _PINNED


class Event:
    """``cupy.cuda.Event``: records the host time (the stand-in runs every kernel at once)."""

    def __init__(self, block: bool = False, disable_timing: bool = False,
                 interprocess: bool = False) -> None:
        self.time = 0.0

    def record(self, stream: Any = None) -> None:
        COUNTERS.stream_calls += 1
        self.time = time.perf_counter()

    def synchronize(self) -> None:
        COUNTERS.synchronize += 1

    @property
    def done(self) -> bool:
        return True


class Stream:
    """``cupy.cuda.Stream``: a context manager; work runs at once, so waits are no-ops."""

    null: Stream

    def __init__(self, null: bool = False, non_blocking: bool = False,
                 priority: int = 0) -> None:
        self.device_id = STATE.current

    def __enter__(self) -> Stream:
        COUNTERS.stream_calls += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def use(self) -> Stream:
        COUNTERS.stream_calls += 1
        return self

    def synchronize(self) -> None:
        COUNTERS.synchronize += 1

    def wait_event(self, event: Event) -> None:
        COUNTERS.stream_calls += 1

    def record(self, event: Event | None = None) -> Event:
        event = event or Event()
        event.record(self)
        return event

    @property
    def done(self) -> bool:
        return True


Stream.null = Stream(null=True)


def get_current_stream(device_id: int = -1) -> Stream:
    COUNTERS.stream_calls += 1
    return Stream.null


def get_elapsed_time(start: Event, end: Event) -> float:
    """Milliseconds between two recorded events."""
    return (end.time - start.time) * 1e3


def build_module() -> types.ModuleType:
    """The ``cupy.cuda`` module with its ``runtime`` submodule."""
    cuda = types.ModuleType("cupy.cuda", "cupy.cuda (stand-in)")
    runtime = types.ModuleType("cupy.cuda.runtime", "cupy.cuda.runtime (stand-in)")
    runtime.CUDARuntimeError = CUDARuntimeError
    runtime.getDeviceCount = lambda: STATE.count
    runtime.getDevice = lambda: STATE.current
    runtime.setDevice = lambda i: Device(i).use()
    runtime.deviceCanAccessPeer = lambda a, b: 0
    runtime.deviceSynchronize = lambda: Device().synchronize()
    runtime.runtimeGetVersion = lambda: 12080
    runtime.driverGetVersion = lambda: 12080
    runtime.is_hip = False
    cuda.runtime = runtime
    memory = types.ModuleType("cupy.cuda.memory", "cupy.cuda.memory (stand-in)")
    memory.OutOfMemoryError = OutOfMemoryError
    memory.MemoryPool = MemoryPool
    cuda.memory = memory
    nvrtc = types.ModuleType("cupy.cuda.nvrtc", "cupy.cuda.nvrtc (stand-in: gcc compiles)")
    nvrtc.getVersion = lambda: (12, 8)
    cuda.nvrtc = nvrtc
    device = types.ModuleType("cupy.cuda.device", "cupy.cuda.device (stand-in)")
    device.get_cublas_handle = lambda: 0
    device.Device = Device
    cuda.device = device
    cuda.Device = Device
    cuda.Stream = Stream
    cuda.Event = Event
    cuda.MemoryPool = MemoryPool
    cuda.get_current_stream = get_current_stream
    cuda.get_elapsed_time = get_elapsed_time
    cuda.is_available = lambda: STATE.count > 0
    cuda.CUDARuntimeError = CUDARuntimeError
    return cuda
