"""Hypothesis strategies for property tests of minigrad ops (yours and ours).

Needs ``hypothesis`` (``pip install "minigrad[test]"``). Every strategy here returns a
``hypothesis.strategies.SearchStrategy``; draw from it inside ``@given`` or with ``.example()``.

* :func:`shapes`, :func:`broadcastable_shapes`: array shapes and mutually broadcastable tuples.
* :func:`tensors`, :func:`arrays`: tensors / NumPy arrays with a chosen dtype and element bounds.
* :func:`away_from`: float elements kept at least ``margin`` from kinks (relu and abs at 0, …).
* :func:`valid_dims`: every valid ``dim`` argument of a reduction (int, negative, tuple, None).
* :func:`conv2d_settings`, :func:`pool2d_settings`: convolution / pooling settings whose output
  is never empty.

>>> from hypothesis import given
>>> from minigrad.testing import strategies as mst
>>> @given(mst.tensors(shape=(2, 3), min_value=-1, max_value=1))
... def test_abs_nonneg(t):
...     assert (t.abs() >= 0).all()
>>> test_abs_nonneg()
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

try:
    import hypothesis.extra.numpy as hnp
    from hypothesis import strategies as st
except ImportError as e:  # pragma: no cover - exercised only without hypothesis
    raise ImportError(
        "minigrad.testing.strategies needs hypothesis: pip install \"minigrad[test]\""
    ) from e

import numpy as np

__all__ = [
    "arrays",
    "away_from",
    "broadcastable_shapes",
    "conv2d_settings",
    "pool2d_settings",
    "shapes",
    "tensors",
    "valid_dims",
]

Shape = tuple[int, ...]


def shapes(
    min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[Shape]:
    """Array shapes with ``min_dims..max_dims`` dimensions of ``min_side..max_side`` each.

    ``min_side=0`` lets empty shapes appear.

    >>> from hypothesis import find
    >>> find(shapes(min_dims=2, max_dims=2, max_side=3), lambda s: s[0] > s[1])
    (2, 1)
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(
    n: int = 2, min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Tuples of ``n`` shapes that broadcast together (NumPy / PyTorch rules).

    >>> from hypothesis import find
    >>> a, b = find(broadcastable_shapes(2, min_dims=1), lambda ab: len(ab[0]) != len(ab[1]))
    >>> sorted([a, b], key=len)  # the minimal example (hypothesis may give either order)
    [(1,), (1, 1)]
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side,
    ).map(lambda b: tuple(b.input_shapes))


def away_from(
    points: Iterable[float] = (0.0,),
    margin: float = 0.1,
    min_value: float = -3.0,
    max_value: float = 3.0,
) -> st.SearchStrategy[float]:
    """Floats in ``[min_value, max_value]`` at least ``margin`` away from every point.

    Use it for the ``elements`` of :func:`tensors` to keep finite differences off kinks:
    ``away_from([0.0])`` for relu and abs, ``away_from([-1.0, 1.0])`` for ``clamp(-1, 1)``.
    A value that falls near a point is pushed out to ``point ± margin`` (a map, not a
    filter, so no examples are wasted); the result may then exceed the bounds by at most
    ``margin`` only if a point lies within ``margin`` of a bound.

    >>> from hypothesis import find
    >>> find(away_from([0.0], margin=0.5), lambda x: x < 0.6)
    0.5
    """
    pts = sorted(float(p) for p in points)
    if margin < 0:
        raise ValueError(f"away_from: `margin` must be >= 0, got {margin}")

    def push(x: float) -> float:
        for _ in range(len(pts) + 1):  # pushing off one point may land near the next
            near = [p for p in pts if abs(x - p) < margin]
            if not near:
                return x
            p = near[0]
            x = p + margin if x >= p else p - margin
            if x > max_value or x < min_value:  # pushed past a bound: go the other way
                x = 2 * p - x
        return x

    return st.floats(min_value, max_value, allow_nan=False, allow_infinity=False).map(push)


def arrays(
    shape: Shape | st.SearchStrategy[Shape] | None = None,
    dtype: Any = "float64",
    min_value: float = -3.0,
    max_value: float = 3.0,
    elements: st.SearchStrategy[Any] | None = None,
    unique: bool = False,
) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of ``shape`` (a tuple, a shape strategy, or None for :func:`shapes`).

    Floating dtypes draw from ``[min_value, max_value]`` (or ``elements``); integer dtypes from
    the integers in those bounds; bool from True/False. ``unique=True`` makes the elements
    distinct (for max/min/sort, whose gradients are undefined at ties).

    >>> from hypothesis import find
    >>> find(arrays((3,), dtype="int64", min_value=0, max_value=2), lambda a: a.sum() > 5)
    array([2, 2, 2])
    """
    dt = np.dtype(dtype)
    if shape is None:
        shape = shapes()
    if elements is None:
        if dt.kind == "f":
            elements = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
        elif dt.kind in "iu":
            elements = st.integers(math.ceil(min_value), math.floor(max_value))
        elif dt.kind == "b":
            elements = st.booleans()
        else:
            raise ValueError(f"arrays: unsupported dtype {dt}")
    if dt.kind == "f" and dt != np.float64:
        # draw in float64, then round: the bounds need not be representable in float32
        return hnp.arrays(np.float64, shape, elements=elements, unique=unique).map(
            lambda a: a.astype(dt)
        )
    return hnp.arrays(dt, shape, elements=elements, unique=unique)


def tensors(
    shape: Shape | st.SearchStrategy[Shape] | None = None,
    dtype: Any = "float64",
    min_value: float = -3.0,
    max_value: float = 3.0,
    elements: st.SearchStrategy[Any] | None = None,
    unique: bool = False,
    requires_grad: bool = False,
    device: str = "cpu",
) -> st.SearchStrategy[Any]:
    """minigrad tensors drawn as :func:`arrays`, then put on ``device``.

    ``requires_grad=True`` needs a floating dtype (as in PyTorch). The default dtype is
    float64 because property tests compare gradients with finite differences.

    >>> from hypothesis import find
    >>> find(tensors((2,), requires_grad=True), lambda t: True)
    tensor([0., 0.], dtype=float64, device='cpu', requires_grad=True)
    """
    import minigrad as mg

    return arrays(shape, dtype, min_value, max_value, elements, unique).map(
        lambda a: mg.tensor(a, requires_grad=requires_grad, device=device)
    )


def valid_dims(
    ndim: int, allow_none: bool = True, allow_tuple: bool = True
) -> st.SearchStrategy[int | tuple[int, ...] | None]:
    """Every valid ``dim`` of a reduction over an ``ndim``-d tensor.

    Draws ints in ``[-ndim, ndim)``, tuples of distinct axes (each possibly negative, never
    naming one axis twice) and None (all axes). For ``ndim == 0`` it draws None, ``0`` or
    ``-1`` (as PyTorch allows for 0-d tensors). Empty tuples are never drawn: PyTorch reads
    ``dim=()`` as "all dims" for some reductions and NumPy as "no dims".

    >>> from hypothesis import find
    >>> find(valid_dims(3), lambda d: isinstance(d, tuple) and len(d) == 2)
    (0, 1)
    """
    options: list[st.SearchStrategy[Any]] = []
    if allow_none:
        options.append(st.none())
    if ndim == 0:
        options.append(st.sampled_from([0, -1]))
        return st.one_of(*options)
    options.append(st.integers(-ndim, ndim - 1))
    if allow_tuple:
        axes = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True)
        options.append(
            st.tuples(axes, st.lists(st.booleans(), min_size=ndim, max_size=ndim)).map(
                lambda p: tuple(a - ndim if neg else a
                                for a, neg in zip(p[0], p[1][: len(p[0])], strict=True))
            )
        )
    return st.one_of(*options)


def _pair(x: int | Sequence[int]) -> tuple[int, int]:
    return (x, x) if isinstance(x, int) else (int(x[0]), int(x[1]))


def _side_for(draw: Any, k: int, s: int, p: int, d: int, max_extra: int) -> int:
    """An input side giving at least one output position: side + 2p >= d*(k-1) + 1."""
    need = max(1, d * (k - 1) + 1 - 2 * p)
    return need + draw(st.integers(0, max_extra))


@st.composite
def conv2d_settings(
    draw: Any,
    max_batch: int = 2,
    max_channels_per_group: int = 3,
    max_groups: int = 2,
    max_kernel: int = 3,
    max_stride: int = 2,
    max_padding: int = 2,
    max_dilation: int = 2,
    max_extra_side: int = 4,
) -> dict[str, Any]:
    """Settings of a 2-D convolution whose output is never empty.

    Returns a dict with keys

    * ``batch``, ``in_channels``, ``out_channels``, ``height``, ``width``, ``groups``: ints,
      ``in_channels`` and ``out_channels`` both multiples of ``groups``;
    * ``kernel_size``, ``stride``, ``padding``, ``dilation``: ``(h, w)`` pairs of ints
      (``padding`` may be 0, the others are >= 1).

    The input is ``(batch, in_channels, height, width)``, the weight
    ``(out_channels, in_channels // groups, *kernel_size)``, and
    ``height + 2*padding[0] >= dilation[0]*(kernel_size[0]-1) + 1`` (same for width), so the
    output ``(H + 2p - d(k-1) - 1) // s + 1`` is at least 1. Set ``max_*`` to 1 to pin a knob.

    >>> from hypothesis import find
    >>> find(conv2d_settings(), lambda s: s["groups"] == 2)  # doctest: +NORMALIZE_WHITESPACE
    {'batch': 1, 'in_channels': 2, 'out_channels': 2, 'height': 1, 'width': 1, 'groups': 2,
     'kernel_size': (1, 1), 'stride': (1, 1), 'padding': (0, 0), 'dilation': (1, 1)}
    """
    groups = draw(st.integers(1, max_groups))
    in_channels = groups * draw(st.integers(1, max_channels_per_group))
    out_channels = groups * draw(st.integers(1, max_channels_per_group))
    pairs = {
        name: (draw(st.integers(lo, hi)), draw(st.integers(lo, hi)))
        for name, lo, hi in (("kernel_size", 1, max_kernel), ("stride", 1, max_stride),
                             ("padding", 0, max_padding), ("dilation", 1, max_dilation))
    }
    (kh, kw), (sh, sw) = pairs["kernel_size"], pairs["stride"]
    (ph, pw), (dh, dw) = pairs["padding"], pairs["dilation"]
    return {
        "batch": draw(st.integers(1, max_batch)),
        "in_channels": in_channels,
        "out_channels": out_channels,
        "height": _side_for(draw, kh, sh, ph, dh, max_extra_side),
        "width": _side_for(draw, kw, sw, pw, dw, max_extra_side),
        "groups": groups,
        **pairs,
    }


@st.composite
def pool2d_settings(
    draw: Any,
    max_batch: int = 2,
    max_channels: int = 3,
    max_kernel: int = 3,
    max_stride: int = 3,
    max_dilation: int = 2,
    max_extra_side: int = 4,
    allow_padding: bool = True,
    allow_ceil_mode: bool = True,
) -> dict[str, Any]:
    """Settings of a 2-D max/avg pooling whose output is never empty.

    Returns a dict with keys

    * ``batch``, ``channels``, ``height``, ``width``: ints;
    * ``kernel_size``, ``stride``, ``padding``, ``dilation``: ``(h, w)`` pairs of ints, with
      ``padding <= kernel_size // 2`` per side as PyTorch requires for pooling;
    * ``ceil_mode``: bool.

    ``height + 2*padding[0] >= dilation[0]*(kernel_size[0]-1) + 1`` (same for width), so at
    least one window fits. Average pooling has no dilation in PyTorch: pass
    ``max_dilation=1`` for it.

    >>> from hypothesis import find
    >>> find(pool2d_settings(), lambda s: s["padding"][0] > 0)  # doctest: +NORMALIZE_WHITESPACE
    {'batch': 1, 'channels': 1, 'height': 1, 'width': 1, 'kernel_size': (2, 1),
     'stride': (1, 1), 'padding': (1, 0), 'dilation': (1, 1), 'ceil_mode': False}
    """
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, max_stride)), draw(st.integers(1, max_stride)))
    dilation = (draw(st.integers(1, max_dilation)), draw(st.integers(1, max_dilation)))
    if allow_padding:
        padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    else:
        padding = (0, 0)
    return {
        "batch": draw(st.integers(1, max_batch)),
        "channels": draw(st.integers(1, max_channels)),
        "height": _side_for(draw, kernel[0], stride[0], padding[0], dilation[0],
                            max_extra_side),
        "width": _side_for(draw, kernel[1], stride[1], padding[1], dilation[1],
                           max_extra_side),
        "kernel_size": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": draw(st.booleans()) if allow_ceil_mode else False,
    }
