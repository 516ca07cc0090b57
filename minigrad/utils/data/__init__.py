"""``torch.utils.data``'s path: every name here is :mod:`minigrad.data`'s own object.

``import minigrad.utils.data as D`` and ``from minigrad.utils.data import DataLoader`` work
as in PyTorch; names added to :mod:`minigrad.data` later resolve here too.

>>> import minigrad.utils.data as D
>>> import minigrad.data
>>> D.DataLoader is minigrad.data.DataLoader, D.TensorDataset is minigrad.data.TensorDataset
(True, True)
"""

from __future__ import annotations

from typing import Any

from minigrad import data as _data
from minigrad.data import *  # noqa: F403

__all__ = list(_data.__all__)


def __getattr__(name: str) -> Any:
    try:
        return getattr(_data, name)
    except AttributeError:
        raise AttributeError(f"module 'minigrad.utils.data' has no attribute {name!r}") from None
