"""``torch.autograd.grad_mode``'s names, re-exported: the switches live in
:mod:`minigrad.grad_mode` (per thread) and :mod:`minigrad.inference`; and
``set_multithreading_enabled``, which changes nothing here (the engine runs backward on the
calling thread only).

>>> import minigrad as mg
>>> from minigrad.autograd.grad_mode import no_grad, set_multithreading_enabled
>>> with no_grad():
...     (mg.ones(1, requires_grad=True) * 2).requires_grad
False
>>> with set_multithreading_enabled(False):
...     pass
"""

from __future__ import annotations

from minigrad.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.inference import inference_mode

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled",
           "set_multithreading_enabled"]


class set_multithreading_enabled:
    """PyTorch's switch for running backward on device threads; accepted and without effect,
    since minigrad's engine always runs backward on the calling thread."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> set_multithreading_enabled:
        return self

    def __exit__(self, *exc: object) -> None:
        return None
