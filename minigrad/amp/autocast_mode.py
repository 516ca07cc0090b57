"""``autocast``: run each op in the dtype PyTorch's mixed-precision policy gives it.

Inside an enabled region, matmul, linear and conv run in float16 and reductions, softmax,
losses, exp/log in float32 (the lists are in :mod:`minigrad.amp.policy`); parameters stay
float32 and the casts are recorded, so gradients reach them in float32. The state is per thread.

Differences from PyTorch: NumPy has no bfloat16, so on ``"cpu"`` the default dtype is float16
(PyTorch's is bfloat16) and ``dtype=bfloat16`` raises; the same op lists apply on every device
type (PyTorch's CPU lists differ from its CUDA lists).

>>> import minigrad as mg
>>> w = mg.ones(3, 2, requires_grad=True)
>>> with mg.autocast("cpu"):
...     y = mg.ones(4, 3) @ w
>>> y.dtype, w.dtype
(dtype('float16'), dtype('float32'))
>>> y.float().sum().backward(); w.grad.dtype
dtype('float32')
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from minigrad import dtypes
from minigrad.amp.policy import cast_inputs, policy_of
from minigrad.amp.state import AUTOCAST
from minigrad.grad_mode import STATE

__all__ = ["autocast", "get_autocast_dtype", "is_autocast_available", "is_autocast_enabled"]

F = TypeVar("F", bound=Callable[..., Any])

_DEVICE_TYPES = ("cpu", "cuda")


def is_autocast_available(device_type: str) -> bool:
    """True for the device types autocast supports (``"cpu"``, ``"cuda"``).

    >>> import minigrad as mg
    >>> mg.amp.is_autocast_available("cpu"), mg.amp.is_autocast_available("xla")
    (True, False)
    """
    return device_type in _DEVICE_TYPES


def is_autocast_enabled(device_type: str = "cuda") -> bool:
    """True inside an enabled ``autocast(device_type)`` region of this thread.

    >>> import minigrad as mg
    >>> with mg.autocast("cpu"):
    ...     mg.is_autocast_enabled("cpu"), mg.is_autocast_enabled("cuda")
    (True, False)
    """
    return device_type in AUTOCAST.dtypes


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype autocast uses on ``device_type`` (float16 unless a region set another).

    >>> import minigrad as mg
    >>> mg.get_autocast_dtype("cpu")
    dtype('float16')
    """
    return AUTOCAST.dtypes.get(device_type, dtypes.float16)


def _low_dtype(device_type: str, dtype: Any) -> Any:
    if dtype is None:
        return dtypes.float16
    if isinstance(dtype, str) and dtype.replace("torch.", "") == "bfloat16":
        raise TypeError(
            "autocast: dtype=bfloat16 is not supported: NumPy (and so minigrad) has no bfloat16; "
            "use dtype=float16 (the default on every device type)"
        )
    dt = dtypes.to_dtype(dtype)
    if dt not in (dtypes.float16, dtypes.float32):
        raise TypeError(f"autocast: `dtype` must be float16 (or float32) on {device_type!r}, got "
                        f"{dt}")
    return dt


class autocast:
    """Mixed precision for the ops run inside, as ``torch.autocast``; a context manager and a
    decorator.

    Args:
        device_type: ``"cpu"`` or ``"cuda"``; only tensors on that device type are cast.
        dtype: the low-precision dtype; float16 by default on both (PyTorch's CPU default,
            bfloat16, does not exist in NumPy and raises).
        enabled: False turns autocast off inside (for that device type).
        cache_enabled: cast each float32 leaf parameter once per region (None: True).

    Decorating a generator function raises ``TypeError`` (PyTorch accepts it, but the region
    would close before the generator's body runs).

    >>> import minigrad as mg
    >>> @mg.autocast("cpu")
    ... def f(x):
    ...     return mg.nn.functional.softmax(x @ x, dim=0)
    >>> f(mg.ones(2, 2)).dtype
    dtype('float32')
    """

    def __init__(self, device_type: str, dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise TypeError(f"autocast: expected `device_type` of type str, got "
                            f"{type(device_type).__name__}")
        if not is_autocast_available(device_type):
            raise ValueError(f"autocast: `device_type` must be 'cpu' or 'cuda', got "
                             f"{device_type!r}")
        self.device = device_type
        self.fast_dtype = _low_dtype(device_type, dtype)
        self._enabled = bool(enabled)
        self._cache_enabled = True if cache_enabled is None else bool(cache_enabled)
        self._saved: list[tuple[Any, ...]] = []

    def __enter__(self) -> autocast:
        saved = (AUTOCAST.cast, AUTOCAST.dtypes, AUTOCAST.cache_on)
        self._saved.append(saved)
        new = dict(AUTOCAST.dtypes)
        cache_on = dict(AUTOCAST.cache_on)
        if self._enabled:
            new[self.device] = self.fast_dtype
            cache_on[self.device] = self._cache_enabled
            policy_of(type(self))  # build the policy table once, outside the hot path
        else:
            new.pop(self.device, None)
        AUTOCAST.dtypes, AUTOCAST.cache_on = new, cache_on
        AUTOCAST.cast = cast_inputs if new else None
        STATE.set_autocast(AUTOCAST.cast is not None)
        if AUTOCAST.depth == 0:
            AUTOCAST.cache = {}
        AUTOCAST.depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        AUTOCAST.cast, AUTOCAST.dtypes, AUTOCAST.cache_on = self._saved.pop()
        STATE.set_autocast(AUTOCAST.cast is not None)
        AUTOCAST.depth -= 1
        if AUTOCAST.depth == 0:
            AUTOCAST.cache = None  # PyTorch clears its cast cache on leaving the outermost region

    def __call__(self, fn: F) -> F:
        if inspect.isgeneratorfunction(fn):
            raise TypeError("autocast: decorating a generator function is not supported; use "
                            "`with autocast(...)` inside it")

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with autocast(self.device, self.fast_dtype, self._enabled, self._cache_enabled):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def __repr__(self) -> str:
        return (f"autocast(device_type={self.device!r}, dtype={self.fast_dtype}, "
                f"enabled={self._enabled})")
