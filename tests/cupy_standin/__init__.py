"""A NumPy-backed stand-in for the part of CuPy that minigrad uses, so that the CUDA backend's
code runs (and is checked) on machines without a GPU.

Switched on by ``MINIGRAD_CUPY_STANDIN=1`` (``tests/conftest.py`` calls :func:`install`
before minigrad looks for CuPy). It offers:

* ``cupy.ndarray``: a NumPy array that remembers the device it was made on. Strict where
  CuPy is: NumPy arrays mixed into an op, or implicit conversion to NumPy (``np.asarray``,
  ``__array__``), raise TypeError; a kernel over an array of another device than the current
  one raises ValueError (GPUs without peer access). Every device-to-host read (``.get()``,
  ``cupy.asnumpy``, ``.item()``, ``float()``/``bool()`` of an array) is counted.
* the functions CuPy shares with NumPy (``names.FUNCTIONS``), delegated to NumPy;
  ``cupy.linalg``, ``cupy.random.RandomState``, ``cupyx.scatter_add``;
* ``cupy.cuda.Device(i)`` (``MINIGRAD_CUPY_STANDIN_DEVICES`` fake GPUs, 2 by default),
  streams, events and memory pools as no-ops with counters;
* ``ElementwiseKernel``/``RawKernel`` with their bodies compiled by gcc (float, double, half).

>>> from cupy_standin import COUNTERS, reset_counters
>>> reset_counters(); COUNTERS.d2h
0
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from types import ModuleType

from ._state import COUNTERS, STATE, Counters, reset_counters

__all__ = ["COUNTERS", "ENV", "STATE", "Counters", "enabled", "install", "reset_counters"]

#: the environment variable that switches the stand-in on
ENV = "MINIGRAD_CUPY_STANDIN"


def enabled() -> bool:
    """True when ``MINIGRAD_CUPY_STANDIN`` asks for the stand-in."""
    return os.environ.get(ENV, "") not in ("", "0")


def install() -> tuple[ModuleType, ModuleType]:
    """Put the stand-in into ``sys.modules`` as ``cupy`` and ``cupyx`` (idempotent)."""
    from . import _namespace

    cp = sys.modules.get("cupy")
    if cp is not _namespace.MODULE:
        for name in [m for m in sys.modules if m == "cupy" or m.startswith(("cupy.", "cupyx"))]:
            del sys.modules[name]
        cp, cupyx = _namespace.build()
        sys.modules.update({"cupy": cp, "cupyx": cupyx, "cupy.cuda": cp.cuda,
                            "cupy.cuda.runtime": cp.cuda.runtime, "cupy.linalg": cp.linalg,
                            "cupy.random": cp.random, "cupy.cuda.memory": cp.cuda.memory,
                            "cupy.cuda.nvrtc": cp.cuda.nvrtc,
                            "cupy.cuda.device": cp.cuda.device})
        for name in ("cupy", "cupyx", "cupy.cuda", "cupy.cuda.runtime", "cupy.linalg",
                     "cupy.random", "cupy.cuda.memory", "cupy.cuda.nvrtc", "cupy.cuda.device"):
            sys.modules[name].__spec__ = importlib.machinery.ModuleSpec(name, None)
    return sys.modules["cupy"], sys.modules["cupyx"]
