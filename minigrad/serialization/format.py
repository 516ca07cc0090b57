"""The checkpoint format's constants and errors, shared by the writer and the reader.

>>> FORMAT, VERSION, sorted(READABLE_VERSIONS)
('minigrad-checkpoint', 2, [1, 2])
"""

from __future__ import annotations

import os
import pickle
from typing import Any

from minigrad.errors import MinigradError

__all__ = ["FORMAT", "MANIFEST", "READABLE_VERSIONS", "VERSION", "CheckpointError",
           "WeightsOnlyLoadError", "describe_target", "supported_dtype"]

FORMAT = "minigrad-checkpoint"
VERSION = 2  # 2 added the "odict", "bytes", "dtype", "device", "size" and "pickle" nodes
READABLE_VERSIONS = frozenset({1, 2})
MANIFEST = "manifest.json"
_DTYPES = {"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8"}


class CheckpointError(MinigradError, ValueError):
    """A checkpoint file is truncated, corrupted, or not a minigrad checkpoint."""


class WeightsOnlyLoadError(MinigradError, pickle.UnpicklingError):
    """``load(..., weights_only=True)`` met objects that only unpickling could rebuild.

    A ``pickle.UnpicklingError``, like PyTorch's error in the same situation.
    """


def supported_dtype(dtype: Any) -> bool:
    """Whether arrays of ``dtype`` are stored as ``.npy`` members (bool, ints, floats)."""
    return bool(dtype.str[1:] in _DTYPES and not dtype.hasobject)


def describe_target(f: Any) -> str:
    """How errors name a checkpoint: the path, or the file object's name or type."""
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"<{type(f).__name__}>"
