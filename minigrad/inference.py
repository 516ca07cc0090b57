"""``inference_mode``: PyTorch's faster ``no_grad`` for evaluation; here it is ``no_grad``.

PyTorch also marks tensors made inside as inference tensors (they can never join a graph
later); minigrad does not track that, so its inference tensors are ordinary tensors that do
not require grad. Like the grad switches, the mode is process-wide.

>>> import minigrad as mg
>>> x = mg.ones(2, requires_grad=True)
>>> with mg.inference_mode():
...     y = x * 2
...     mg.is_inference_mode_enabled()
True
>>> y.requires_grad, mg.is_inference_mode_enabled()
(False, False)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from minigrad.grad_mode import STATE

__all__ = ["inference_mode", "is_inference_mode_enabled"]

_depth = [0]


def is_inference_mode_enabled() -> bool:
    """True inside an enabled :class:`inference_mode` block.

    >>> import minigrad as mg
    >>> mg.is_inference_mode_enabled()
    False
    """
    return _depth[0] > 0


class inference_mode:
    """Context manager and decorator (with or without parentheses): no recording inside.

    ``inference_mode(False)`` changes nothing, as in PyTorch.

    >>> import minigrad as mg
    >>> @mg.inference_mode
    ... def predict(x):
    ...     return x * 2
    >>> predict(mg.ones(1, requires_grad=True)).requires_grad
    False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # used as a bare decorator: @inference_mode
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self._mode = bool(mode)
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        self._saved.append(STATE.grad_enabled)
        if self._mode:
            STATE.grad_enabled = False
            _depth[0] += 1

    def __exit__(self, *exc: object) -> None:
        STATE.grad_enabled = self._saved.pop()
        if self._mode:
            _depth[0] -= 1

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper
