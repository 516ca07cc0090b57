"""Public test helpers for minigrad ops, yours and ours.

* :func:`gradcheck`, :func:`gradgradcheck`, :class:`GradcheckError`: float64 finite-difference
  checks of first- and second-order gradients (NumPy only, always available).
* :func:`assert_close`: ``torch.testing.assert_close`` for minigrad tensors.
* :mod:`minigrad.testing.strategies`: hypothesis strategies (shapes, broadcastable shapes,
  tensors away from kinks, valid dims, conv/pool settings); needs ``pip install
  "minigrad[test]"`` and is imported on first use, so ``minigrad.testing`` works without it.

Nothing here imports torch.

>>> import minigrad as mg
>>> from minigrad.testing import gradcheck
>>> gradcheck(lambda t: t.tanh(), mg.randn(3, dtype=mg.float64, requires_grad=True))
True
"""

from __future__ import annotations

import importlib
from typing import Any

from minigrad.testing.close import assert_close
from minigrad.testing.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["GradcheckError", "assert_close", "gradcheck", "gradgradcheck", "strategies"]


def __getattr__(name: str) -> Any:
    if name == "strategies":
        return importlib.import_module("minigrad.testing.strategies")
    raise AttributeError(f"module 'minigrad.testing' has no attribute {name!r}")
