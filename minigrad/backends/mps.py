"""``torch.backends.mps``: Apple's Metal backend, which minigrad does not have.

Scripts that pick a device with ``mps.is_available()`` fall through to CUDA or the CPU.

>>> import minigrad as mg
>>> mg.backends.mps.is_available(), mg.backends.mps.is_built()
(False, False)
"""

from __future__ import annotations

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """False: minigrad has no MPS backend.

    >>> import minigrad as mg
    >>> mg.backends.mps.is_available()
    False
    """
    return False


def is_built() -> bool:
    """False: minigrad is never built with MPS support.

    >>> import minigrad as mg
    >>> mg.backends.mps.is_built()
    False
    """
    return False
