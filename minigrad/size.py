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

__all__ = ["Size"]


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
