"""Mixed precision, as ``torch.amp``: :class:`autocast` and :class:`GradScaler`.

>>> import minigrad as mg
>>> scaler = mg.amp.GradScaler("cpu")
>>> with mg.amp.autocast("cpu"):
...     y = mg.ones(2, 3) @ mg.ones(3, 1)
>>> y.dtype, scaler.get_scale()
(dtype('float16'), 65536.0)
"""

from minigrad.amp.autocast_mode import (
    autocast,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
)
from minigrad.amp.grad_scaler import GradScaler

__all__ = [
    "GradScaler",
    "autocast",
    "get_autocast_dtype",
    "is_autocast_available",
    "is_autocast_enabled",
]

from minigrad.amp import cuda_amp as _cuda_amp  # noqa: F401  (registers minigrad.cuda.amp)
