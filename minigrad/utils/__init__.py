"""``torch.utils``'s path for the parts minigrad has: ``minigrad.utils.data`` is
:mod:`minigrad.data` (imported on first use); ``minigrad.utils.tensorboard`` holds
``SummaryWriter`` (needs the ``tensorboard`` package).

>>> import minigrad as mg
>>> mg.utils.data.DataLoader is mg.data.DataLoader
True
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["data", "tensorboard"]


def __getattr__(name: str) -> Any:
    if name in ("data", "tensorboard"):
        return importlib.import_module(f"minigrad.utils.{name}")
    raise AttributeError(f"module 'minigrad.utils' has no attribute {name!r}")
