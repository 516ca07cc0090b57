"""``Size``: the type of ``Tensor.shape`` and ``Tensor.size()``, a tuple of ints.

As ``torch.Size``, it is a tuple (compares equal to one, unpacks, indexes) with ``numel()``.
Its repr is ``Size([2, 3])`` (PyTorch writes ``torch.Size([2, 3])``). Differences kept on
purpose so that ``shape`` stays one cheap tuple construction: ``str()`` (and so f-strings and
error messages) shows the plain tuple ``(2, 3)``, and slicing or ``+`` give plain tuples.

>>> import minigrad as mg
>>> s = mg.ones(2, 3).shape
>>> s, s.numel(), s == (2, 3), f"{s}"
(Size([2, 3]), 6, True, '(2, 3)')
"""

from __future__ import annotations

import math
import operator
from typing import Any

from minigrad.errors import MinigradTypeError

__all__ = ["Size", "as_count", "as_int", "as_sizes"]


class Size(tuple):
    """A tensor's sizes: ``mg.Size([2, 3])``; a tuple with ``numel()``.

    >>> import minigrad as mg
    >>> mg.Size([2, 3])[1], mg.Size(()).numel()
    (3, 1)
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Size({list(self)})"

    __str__ = tuple.__repr__

    def numel(self) -> int:
        """The number of elements a tensor of these sizes holds (1 for ``Size([])``).

        >>> import minigrad as mg
        >>> mg.Size([2, 3, 4]).numel()
        24
        """
        return math.prod(self)

    def __reduce__(self) -> tuple[type, tuple[tuple[int, ...]]]:
        return (Size, (tuple(self),))


def as_sizes(op: str, size: Any, arg: str = "size") -> tuple[int, ...]:
    """The sizes an op was given (ints, or one tuple/list/Size of them) as a tuple of ints.

    As PyTorch, each size must be an integer (a Python or NumPy int, or a one-element
    integer tensor); floats, strings and bools raise a ``TypeError`` naming ``op`` and
    ``arg`` instead of being truncated. The caller checks the signs.

    >>> as_sizes("zeros", (2, 3)), as_sizes("zeros", ([4, 5],))
    ((2, 3), (4, 5))
    >>> try:
    ...     as_sizes("zeros", (2.5,))
    ... except TypeError as e:
    ...     print(e)
    zeros: argument 'size' must be a tuple of ints, but got float (2.5) at position 0
    """
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for i, s in enumerate(size):
        try:
            if isinstance(s, bool):
                raise TypeError
            out.append(operator.index(s))
        except TypeError:
            raise MinigradTypeError(
                f"{op}: argument '{arg}' must be a tuple of ints, but got {type(s).__name__} "
                f"({s!r}) at position {i}"
            ) from None
    return tuple(out)


def as_int(op: str, arg: str, value: Any) -> int:
    """An integer argument (a Python or NumPy int, or a one-element integer tensor), else a
    ``TypeError`` naming ``op`` and ``arg`` (floats are not truncated).

    >>> as_int("randint", "high", -3)
    -3
    """
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise MinigradTypeError(
            f"{op}: argument '{arg}' must be an int, got {type(value).__name__} ({value!r})"
        )
    try:
        return operator.index(value)
    except TypeError:
        raise MinigradTypeError(
            f"{op}: argument '{arg}' must be an int, got {type(value).__name__} ({value!r})"
        ) from None


def as_count(op: str, arg: str, value: Any) -> int:
    """A count argument (``n`` of ``eye``, ``steps`` of ``linspace``): an int >= 0, else a
    ``TypeError`` or ``ValueError`` naming ``op`` and ``arg``.

    >>> as_count("eye", "n", 3)
    3
    >>> try:
    ...     as_count("eye", "n", -1)
    ... except ValueError as e:
    ...     print(e)
    eye: argument 'n' must be an int >= 0, got -1
    """
    n = as_int(op, arg, value)
    if n < 0:
        raise ValueError(f"{op}: argument '{arg}' must be an int >= 0, got {n}")
    return n
