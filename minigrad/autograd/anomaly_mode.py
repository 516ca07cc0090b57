"""Anomaly mode under PyTorch's names: ``detect_anomaly`` (a context manager / decorator) and
``set_detect_anomaly(mode)``, which switches at once and, used in ``with``, switches back.

Differs from PyTorch: ``check_nan=False`` is accepted but minigrad's anomaly mode always stops
at the first NaN or Inf (it has no trace-only mode).

>>> import minigrad as mg
>>> from minigrad.autograd.anomaly_mode import is_anomaly_enabled
>>> _ = mg.autograd.set_detect_anomaly(True)
>>> is_anomaly_enabled()
True
>>> _ = mg.autograd.set_detect_anomaly(False)
>>> with mg.autograd.set_detect_anomaly(True):
...     is_anomaly_enabled()
True
>>> is_anomaly_enabled()
False
"""

from __future__ import annotations

from minigrad import grad_mode
from minigrad.grad_mode import STATE, _Switch, is_anomaly_enabled

__all__ = ["detect_anomaly", "is_anomaly_enabled", "set_detect_anomaly"]


class detect_anomaly(grad_mode.detect_anomaly):
    """``torch.autograd.detect_anomaly(check_nan=True)``: a context manager / decorator that
    stops at the first NaN or Inf (see :class:`minigrad.grad_mode.detect_anomaly`)."""

    def __init__(self, check_nan: bool = True) -> None:
        super().__init__()


class set_detect_anomaly(_Switch):
    """Turn anomaly detection on or off for this thread (``torch.autograd.set_detect_anomaly``)."""

    _attr = "anomaly"

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        super().__init__(bool(mode))
        self._prev = STATE.anomaly
        STATE.anomaly = bool(mode)

    def __enter__(self) -> set_detect_anomaly:
        self._saved.append(self._prev)
        return self
