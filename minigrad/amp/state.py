"""The autocast switch of the calling thread, read once per op by ``Op.apply``.

``AUTOCAST.cast`` is None while autocast is off for every device type (the hot path reads only
that one attribute); inside an enabled region it is the function that applies the per-op policy
(:func:`minigrad.amp.policy.cast_inputs`). Per thread, as PyTorch's autocast state.

>>> from minigrad.amp.state import AUTOCAST
>>> AUTOCAST.cast is None
True
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["AUTOCAST"]


class _AutocastState(threading.local):
    """Autocast state of one thread (class attributes are each new thread's defaults)."""

    #: None when autocast is off everywhere, else the policy function ``cast(cls, inputs)``
    cast: Any = None
    #: enabled device types and their low-precision dtype, e.g. ``{"cpu": float16}``
    dtypes: dict[str, Any] = {}  # noqa: RUF012 (replaced, never mutated)
    #: the cast cache's on/off switch per device type (``cache_enabled``)
    cache_on: dict[str, bool] = {}  # noqa: RUF012 (replaced, never mutated)
    #: nesting depth of autocast regions (the cache is cleared when it returns to 0)
    depth: int = 0
    #: leaf parameter id -> (parameter, its low-precision copy) for the current region
    cache: dict[int, Any] | None = None


AUTOCAST = _AutocastState()
