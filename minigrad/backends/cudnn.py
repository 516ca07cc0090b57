"""``torch.backends.cudnn``'s switches, as plain module attributes.

minigrad has no cuDNN: its GPU kernels are CuPy's. The flags exist so that PyTorch scripts
that set them run unchanged.

* ``benchmark`` (False): True switches on per-shape algorithm auto-tuning of the
  convolutions (CPU and GPU arrays alike): see :mod:`minigrad.ops.autotune`.
* ``deterministic`` (False): read by nothing today.
* ``enabled`` (True): read by nothing today.
* ``allow_tf32`` (True): read by nothing today.

>>> import minigrad as mg
>>> mg.backends.cudnn.benchmark = True
>>> mg.backends.cudnn.is_available()
False
>>> mg.backends.cudnn.benchmark = False
"""

from __future__ import annotations

__all__ = ["allow_tf32", "benchmark", "deterministic", "enabled", "is_available", "version"]

allow_tf32: bool = True
benchmark: bool = False
deterministic: bool = False
enabled: bool = True


def is_available() -> bool:
    """False: minigrad never uses cuDNN (PyTorch's answer on a build without it).

    >>> import minigrad as mg
    >>> mg.backends.cudnn.is_available()
    False
    """
    return False


def version() -> None:
    """None, as ``torch.backends.cudnn.version()`` where cuDNN is unavailable.

    >>> import minigrad as mg
    >>> mg.backends.cudnn.version() is None
    True
    """
    return None
