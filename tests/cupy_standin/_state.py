"""The stand-in's global state: the current device, the device count and the counters."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

__all__ = ["COUNTERS", "STATE", "Counters", "OutOfMemoryError", "check_device", "reset_counters"]


@dataclass
class Counters:
    """What the stand-in saw since the last :func:`reset_counters`.

    ``d2h`` counts every device-to-host read (``.get()``, ``cupy.asnumpy``, ``.item()``,
    ``.tolist()``, ``float()``/``int()``/``bool()`` of an array, printing one): each one is a
    host sync on a real GPU. ``h2d`` counts host-to-device copies of array data.
    """

    d2h: int = 0
    h2d: int = 0
    kernel_launches: int = 0
    kernels_compiled: int = 0
    pool_calls: int = 0
    stream_calls: int = 0
    synchronize: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


COUNTERS = Counters()


def reset_counters() -> None:
    """Zero every counter."""
    for f in fields(Counters):
        setattr(COUNTERS, f.name, 0)


class _State:
    """The current device (as CuPy's, per process here) and the number of fake GPUs."""

    def __init__(self) -> None:
        # MINIGRAD_CUPY_STANDIN_CURRENT=1 starts on device 1 while tests use cuda:0, so any
        # work that does not enter its tensors' device fails (a device-placement audit)
        self.current = int(os.environ.get("MINIGRAD_CUPY_STANDIN_CURRENT", "0"))
        self.count = int(os.environ.get("MINIGRAD_CUPY_STANDIN_DEVICES", "2"))
        #: the memory pool's limit in bytes (``set_limit``); 0: none
        self.limit = 0


class OutOfMemoryError(MemoryError):
    """``cupy.cuda.memory.OutOfMemoryError``, with CuPy's message."""

    def __init__(self, size: int, total: int, limit: int = 0) -> None:
        super().__init__(f"Out of memory allocating {size:,} bytes (allocated so far: "
                         f"{total:,} bytes, limit set to: {limit:,} bytes).")


STATE = _State()


def check_device(dev: int, what: str) -> None:
    """Raise CuPy's error for a kernel launched on an array of another device (the stand-in
    models GPUs without peer access, where CuPy refuses)."""
    if dev != STATE.current:
        raise ValueError(
            f"The device where the array resides ({dev}) is different from the current device "
            f"({STATE.current}). Peer access is unavailable between these devices. "
            f"[cupy stand-in: {what}]"
        )
