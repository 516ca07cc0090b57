"""Switches for recording: ``no_grad``, ``enable_grad``, ``set_grad_enabled`` and anomaly mode.

Each is a context manager and a decorator, as in PyTorch. The switches are per thread, as in
PyTorch: a ``no_grad`` block (or a ``backward()``) in one thread never changes what another
thread records. Decorating a generator function applies the mode around each resumption of the
generator, so a ``@no_grad()`` generator never records.

>>> import minigrad as mg
>>> x = mg.ones(3, requires_grad=True)
>>> with mg.no_grad():
...     y = x * 2
>>> y.requires_grad
False
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar

__all__ = [
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    """The switches of the calling thread (class attributes are each new thread's defaults).

    ``plain`` is True on the common path (recording on, anomaly mode and autocast off), so an
    op reads one thread-local attribute, not three; the setters keep it current.
    """

    _grad_enabled: bool = True
    _anomaly: bool = False
    _autocast: bool = False
    plain: bool = True

    @property
    def grad_enabled(self) -> bool:
        return self._grad_enabled

    @grad_enabled.setter
    def grad_enabled(self, value: bool) -> None:
        self._grad_enabled = value
        self.plain = value and not self._anomaly and not self._autocast

    @property
    def anomaly(self) -> bool:
        return self._anomaly

    @anomaly.setter
    def anomaly(self, value: bool) -> None:
        self._anomaly = value
        self.plain = self._grad_enabled and not value and not self._autocast

    def set_autocast(self, on: bool) -> None:
        """Called by minigrad.amp when this thread's autocast policy turns on or off."""
        self._autocast = on
        self.plain = self._grad_enabled and not self._anomaly and not on


STATE = _State()


def is_grad_enabled() -> bool:
    """True when ops are being recorded for backward.

    >>> import minigrad as mg
    >>> with mg.no_grad():
    ...     print(mg.is_grad_enabled())
    False
    """
    return STATE.grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside :class:`detect_anomaly`."""
    return STATE.anomaly


class _Switch:
    """A context manager / decorator that sets one flag of ``STATE`` and restores it."""

    _attr = "grad_enabled"

    def __init__(self, value: bool) -> None:
        self._value = value
        self._saved: list[bool] = []

    def __enter__(self) -> _Switch:
        self._saved.append(getattr(STATE, self._attr))
        setattr(STATE, self._attr, self._value)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(STATE, self._attr, self._saved.pop())

    def __call__(self, fn: F) -> F:
        value, attr = self._value, self._attr
        if inspect.isgeneratorfunction(fn):
            return _wrap_generator(fn, attr, value)  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            saved = getattr(STATE, attr)
            setattr(STATE, attr, value)
            try:
                return fn(*args, **kwargs)
            finally:
                setattr(STATE, attr, saved)

        return wrapper  # type: ignore[return-value]


def _wrap_generator(fn: Callable[..., Generator[Any, Any, Any]], attr: str, value: bool) -> Any:
    """A generator function whose body runs with ``STATE.<attr> = value`` at every resumption,
    while the caller's code between two ``next()`` calls keeps its own mode."""

    def resume(step: Callable[[], Any]) -> Any:
        saved = getattr(STATE, attr)
        setattr(STATE, attr, value)
        try:
            return step()
        finally:
            setattr(STATE, attr, saved)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gen = resume(lambda: fn(*args, **kwargs))
        try:
            response = resume(lambda: gen.send(None))
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    resume(gen.close)
                    raise
                except BaseException:
                    exc = sys.exc_info()[1]
                    response = resume(lambda exc=exc: gen.throw(exc))
                else:
                    response = resume(lambda request=request: gen.send(request))
        except StopIteration as stop:
            return stop.value

    return wrapper


class no_grad(_Switch):
    """Record nothing inside: results do not require grad.

    >>> import minigrad as mg
    >>> @mg.no_grad()
    ... def double(t):
    ...     return t * 2
    >>> double(mg.ones(2, requires_grad=True)).requires_grad
    False
    """

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(_Switch):
    """Record ops again, inside a ``no_grad`` block.

    >>> import minigrad as mg
    >>> x = mg.ones(1, requires_grad=True)
    >>> with mg.no_grad():
    ...     with mg.enable_grad():
    ...         y = x * 2
    >>> y.requires_grad
    True
    """

    def __init__(self) -> None:
        super().__init__(True)


class set_grad_enabled(_Switch):
    """Turn recording on or off: ``with mg.set_grad_enabled(is_training): ...``.

    >>> import minigrad as mg
    >>> with mg.set_grad_enabled(False):
    ...     mg.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        super().__init__(bool(mode))
        STATE.grad_enabled, self._prev = bool(mode), STATE.grad_enabled

    def __enter__(self) -> set_grad_enabled:
        self._saved.append(self._prev)
        return self

    def __call__(self, fn: F) -> F:
        # used as a decorator, the mode applies only inside ``fn``: undo the global change
        STATE.grad_enabled = self._prev
        return super().__call__(fn)


class detect_anomaly(_Switch):
    """Stop at the first NaN or Inf in forward or backward, naming the op and where it was made.

    >>> import minigrad as mg
    >>> x = mg.tensor([0.0], requires_grad=True)
    >>> with mg.autograd.detect_anomaly():
    ...     try:
    ...         mg.log(x)
    ...     except mg.AnomalyError as e:
    ...         print(str(e).splitlines()[0])
    anomaly: Log produced -inf in its forward output (shape (1,))
    """

    _attr = "anomaly"

    def __init__(self) -> None:
        super().__init__(True)
