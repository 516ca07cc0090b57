"""Sums that are accurate along every axis, in one place for sum, mean, var, std, the norm
layers' statistics and the engine's un-broadcasting.

NumPy sums pairwise only along the axis its inner loop runs over (the contiguous one); along
any other axis each output is a plain running sum, whose error grows with the length: the mean
over dim 0 of a (1,000,000 x 2) float32 tensor near 1e3 comes out 1008.9. Here a long reduced
axis is summed as a cascade instead (PyTorch's bar): blocks of ``BLOCK`` elements are added
plainly, then the block sums, and so on, so the error grows with ``log(n)``. float16 is summed
in float32, as PyTorch does. The common cases go straight to ``xp.sum``: float64 and integer
input, short reductions, and reductions over the contiguous trailing axes (already pairwise).

>>> import numpy as np
>>> x = np.full((1_000_000, 2), 1000.0, dtype=np.float32)
>>> x.mean(axis=0), accurate_mean(np, x, (0,))
(array([1007.79, 1007.79], dtype=float32), array([1000., 1000.], dtype=float32))
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["BLOCK", "accurate_mean", "accurate_sum"]

#: how many elements one output may add up in a plain running sum before cascading
BLOCK = 32


def accurate_sum(xp: Any, x: Any, axis: tuple[int, ...], keepdims: bool = False) -> Any:
    """``xp.sum(x, axis=axis, keepdims=keepdims)`` for normalized ``axis``, accurate along
    every axis for float32 and float16 (the result keeps ``x``'s dtype).

    >>> import numpy as np
    >>> accurate_sum(np, np.ones((3, 2), dtype=np.float32), (0,))
    array([3., 3.], dtype=float32)
    """
    if _plain(x, axis):
        return xp.sum(x, axis=axis, keepdims=keepdims)
    out = _cascade_sum(xp, x, axis)
    return _finish(x, out, axis, keepdims, 1)


def accurate_mean(xp: Any, x: Any, axis: tuple[int, ...], keepdims: bool = False) -> Any:
    """``xp.mean`` with the accuracy of :func:`accurate_sum` (float16 divides in float32).

    >>> import numpy as np
    >>> accurate_mean(np, np.arange(6.0).reshape(3, 2), (0,), keepdims=True)
    array([[2., 3.]])
    """
    if _plain(x, axis):
        return xp.mean(x, axis=axis, keepdims=keepdims)
    n = math.prod(x.shape[d] for d in axis)
    return _finish(x, _cascade_sum(xp, x, axis), axis, keepdims, n)


def _plain(x: Any, axis: tuple[int, ...]) -> bool:
    """Whether ``xp.sum`` is accurate enough as it is: few elements per output, or at most
    ``BLOCK`` plain additions of pairwise sums (over the reduced dims that are contiguous in
    memory, where NumPy's inner loop runs)."""
    if x.dtype.kind != "f" or x.dtype.itemsize > 4 or not axis:
        return True
    n = math.prod(x.shape[d] for d in axis)
    if n <= BLOCK:
        return True
    if x.dtype.itemsize < 4:  # float16 sums in float16 off the contiguous axis
        return False
    if x.flags.c_contiguous and sorted(axis) == list(range(x.ndim - len(axis), x.ndim)):
        return True
    return n <= math.prod(x.shape[d] for d in _contiguous_run(x, axis)) * BLOCK


def _contiguous_run(x: Any, axis: tuple[int, ...]) -> list[int]:
    """The reduced dims that, from the smallest stride up, form one contiguous block."""
    run, want = [], x.itemsize
    for stride, size, d in sorted((abs(st), sz, d) for d, (st, sz) in
                                  enumerate(zip(x.strides, x.shape, strict=True)) if sz > 1):
        if d not in axis or stride != want:
            break
        run.append(d)
        want *= size
    return run


def _cascade_sum(xp: Any, x: Any, axis: tuple[int, ...]) -> Any:
    """The sum over ``axis`` with every reduced dim kept (size 1), in float32 or wider."""
    y = x.astype("float32") if x.dtype.itemsize < 4 else x
    run = _contiguous_run(y, axis)
    if run:  # pairwise already, in one pass
        y = xp.sum(y, axis=tuple(run), keepdims=True)
    for a in sorted((d for d in axis if d not in run), reverse=True):
        y = _cascade_axis(xp, y, a)
    return y


def _cascade_axis(xp: Any, y: Any, a: int) -> Any:
    """Sum ``y`` over axis ``a`` (kept) in blocks of ``BLOCK``, then the block sums, ..."""
    while y.shape[a] > BLOCK:
        n = y.shape[a]
        m = n // BLOCK
        before = (slice(None),) * a
        head = y[(*before, slice(0, m * BLOCK))]
        head = head.reshape((*y.shape[:a], m, BLOCK, *y.shape[a + 1:]))  # a view
        part = xp.sum(head, axis=a + 1)
        if m * BLOCK < n:
            tail = xp.sum(y[(*before, slice(m * BLOCK, n))], axis=a, keepdims=True)
            part = xp.concatenate([part, tail], axis=a)
        y = part
    return xp.sum(y, axis=a, keepdims=True)


def _finish(x: Any, out: Any, axis: tuple[int, ...], keepdims: bool, n: int) -> Any:
    """Divide by ``n``, cast back to ``x``'s dtype and drop the reduced dims unless kept."""
    if n != 1:
        out = out / n
    out = out.astype(x.dtype, copy=False)
    if not keepdims:
        out = out.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axis))
    return out
