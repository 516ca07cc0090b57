"""``torch.utils``'s path for the parts minigrad has: ``minigrad.utils.data`` is
:mod:`minigrad.data` (imported on first use).

>>> import minigrad as mg
>>> mg.utils.data.DataLoader is mg.data.DataLoader
True
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["data"]


def __getattr__(name: str) -> Any:
    if name == "data":
        return importlib.import_module("minigrad.utils.data")
    raise AttributeError(f"module 'minigrad.utils' has no attribute {name!r}")
