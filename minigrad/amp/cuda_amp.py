"""``minigrad.cuda.amp``: PyTorch's deprecated ``torch.cuda.amp`` aliases, still widely used.

``from minigrad.cuda.amp import autocast, GradScaler`` works as ``from torch.cuda.amp import
...`` does, with PyTorch's FutureWarning pointing to ``minigrad.amp``. ``minigrad.cuda`` is a
module, not a package, so this module registers itself as its ``amp`` submodule on import (what
the import system does for a real submodule).

>>> import warnings, minigrad as mg
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     mg.cuda.amp.autocast().device
'cuda'
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import minigrad.cuda as _cuda
from minigrad import dtypes
from minigrad.amp import autocast_mode, grad_scaler

__all__ = ["GradScaler", "autocast"]


class autocast(autocast_mode.autocast):
    """Deprecated: ``minigrad.amp.autocast("cuda", ...)``."""

    def __init__(self, enabled: bool = True, dtype: Any = dtypes.float16,
                 cache_enabled: bool = True) -> None:
        warnings.warn("`minigrad.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`minigrad.amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(grad_scaler.GradScaler):
    """Deprecated: ``minigrad.amp.GradScaler("cuda", ...)``."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        warnings.warn("`minigrad.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`minigrad.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)


sys.modules.setdefault("minigrad.cuda.amp", sys.modules[__name__])
_cuda.amp = sys.modules["minigrad.cuda.amp"]  # type: ignore[attr-defined]
