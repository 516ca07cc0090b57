"""``torch.accelerator``: the one accelerator minigrad knows is CUDA (through CuPy).

>>> import minigrad as mg
>>> dev = mg.accelerator.current_accelerator() if mg.accelerator.is_available() else None
>>> dev in (None, mg.device("cuda"))
True
"""

from __future__ import annotations

from minigrad import cuda
from minigrad.backends import Device

__all__ = ["current_accelerator", "device_count", "is_available"]


def is_available() -> bool:
    """True when a CUDA GPU is usable (CuPy installed and a GPU seen).

    >>> import minigrad as mg
    >>> mg.accelerator.is_available() == mg.cuda.is_available()
    True
    """
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> Device | None:
    """``device(type='cuda')`` when a GPU is usable, else None (as PyTorch on a CPU-only
    machine; ``check_available`` is accepted for PyTorch's signature, and the answer is the same).

    >>> import minigrad as mg
    >>> mg.accelerator.current_accelerator() in (None, mg.device("cuda"))
    True
    """
    return Device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """The number of CUDA GPUs (0 without CuPy or a GPU).

    >>> import minigrad as mg
    >>> mg.accelerator.device_count() == mg.cuda.device_count()
    True
    """
    return cuda.device_count()
