"""Op specs, part 4: rearranging ops (flip, roll, repeat, tile, repeat_interleave, narrow,
movedim, unflatten, unfold, chunk, tensor_split, unbind, stacks, broadcast_tensors,
meshgrid)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec
from op_table import tt
from op_table_index import dim_case

import minigrad as mg
from minigrad.testing import strategies as mst

__all__ = ["RESHAPE_SPECS"]


def _t(x: Any) -> Any:
    return tt().as_tensor(x)


@st.composite
def _roll_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, max_side=4)))
    if draw(st.booleans()):
        return Case((a,), {"shifts": draw(st.integers(-5, 5)), "dims": None})
    dims = draw(st.lists(st.integers(0, a.ndim - 1), min_size=1, max_size=2, unique=True))
    return Case((a,), {"shifts": tuple(draw(st.integers(-5, 5)) for _ in dims),
                       "dims": tuple(dims)})


@st.composite
def _repeat_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(max_dims=2, max_side=3)))
    extra = draw(st.integers(0 if a.ndim else 1, 1))
    return Case((a,), {"sizes": tuple(draw(st.integers(1, 3)) for _ in range(a.ndim + extra))})


@st.composite
def _interleave_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=2, max_side=3)))
    dim = draw(st.none() | st.integers(0, a.ndim - 1))
    n = a.size if dim is None else a.shape[dim]
    reps = draw(st.integers(0, 3) | st.lists(st.integers(0, 3), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=np.int64)))
    return Case((a,), {"repeats": reps, "dim": dim})


def _reps(r: Any, to: Any) -> Any:
    return to(r) if isinstance(r, np.ndarray) else r


@st.composite
def _narrow_case(draw: Any) -> Case:
    c = draw(dim_case())
    n = c.arrays[0].shape[c.kwargs["dim"]]
    start = draw(st.integers(-n, n - 1))
    length = draw(st.integers(0, n - (start % n)))
    return Case(c.arrays, {**c.kwargs, "start": start, "length": length})


@st.composite
def _many(draw: Any, min_dims: int = 0) -> Case:
    shape = draw(mst.shapes(min_dims=min_dims, max_dims=2, min_side=1, max_side=3))
    return Case(tuple(draw(mst.arrays(shape)) for _ in range(draw(st.integers(1, 3)))))


@st.composite
def _vectors(draw: Any) -> Case:
    n = draw(st.integers(1, 3))
    return Case(tuple(draw(mst.arrays((draw(st.integers(1, 3)),))) for _ in range(n)),
                {"indexing": draw(st.sampled_from(["ij", "xy"]))})


@st.composite
def _unfold_case(draw: Any) -> Case:
    c = draw(dim_case())
    n = c.arrays[0].shape[c.kwargs["dim"]]
    return Case(c.arrays, {**c.kwargs, "size": draw(st.integers(0, n)),
                           "step": draw(st.integers(1, 3))})


def _np_unfold(a: np.ndarray, dim: int, size: int, step: int) -> np.ndarray:
    d = dim % a.ndim
    w = np.lib.stride_tricks.sliding_window_view(a, size, axis=d)
    return np.take(w, np.arange(0, w.shape[d], step), axis=d)


def _np_meshgrid(*xs: np.ndarray, indexing: str) -> tuple[np.ndarray, ...]:
    return tuple(np.meshgrid(*xs, indexing=indexing))


@st.composite
def _bcast_case(draw: Any) -> Case:
    n = draw(st.integers(1, 3))
    shapes = draw(mst.broadcastable_shapes(n, max_dims=3, max_side=3))
    return Case(tuple(draw(mst.arrays(s)) for s in shapes))


RESHAPE_SPECS = [
    OpSpec("unfold", lambda a, dim, size, step: a.unfold(dim, size, step), _unfold_case(),
           ref=_np_unfold),
    OpSpec("flip", lambda a, dims: a.flip(dims), dim_case().map(
        lambda c: Case(c.arrays, {"dims": (c.kwargs["dim"],)})),
           ref=lambda a, dims: np.flip(a, dims)),
    OpSpec("roll", lambda a, shifts, dims: a.roll(shifts, dims), _roll_case(),
           ref=lambda a, shifts, dims: np.roll(a, shifts, dims)),
    OpSpec("repeat", lambda a, sizes: a.repeat(*sizes), _repeat_case(),
           ref=lambda a, sizes: np.tile(a, sizes)),
    OpSpec("tile", lambda a, sizes: a.tile(sizes[1:]), _repeat_case(),
           ref=lambda a, sizes: np.tile(a, sizes[1:]) if len(sizes) > 1 else a,
           torch=lambda a, sizes: a.tile(sizes[1:])),
    OpSpec("repeat_interleave", lambda a, repeats, dim: a.repeat_interleave(
        _reps(repeats, mg.tensor), dim), _interleave_case(),
           ref=lambda a, repeats, dim: np.repeat(a, repeats, axis=dim),
           torch=lambda a, repeats, dim: a.repeat_interleave(_reps(repeats, _t), dim)),
    OpSpec("narrow", lambda a, dim, start, length: a.narrow(dim, start, length),
           _narrow_case(), ref=lambda a, dim, start, length: np.moveaxis(
               np.moveaxis(a, dim, 0)[start % a.shape[dim]:][:length], 0, dim)),
    OpSpec("movedim", lambda a, dim: a.movedim(dim, 0), dim_case(),
           ref=lambda a, dim: np.moveaxis(a, dim, 0)),
    OpSpec("unflatten", lambda a, dim: a.unflatten(dim, (1, -1)), dim_case(),
           ref=lambda a, dim: np.expand_dims(a, dim % a.ndim)),
    OpSpec("chunk", lambda a, dim: a.chunk(2, dim), dim_case(),
           ref=lambda a, dim: tuple(np.split(a, range(-(-a.shape[dim] // 2), a.shape[dim],
                                                      -(-a.shape[dim] // 2)), axis=dim))),
    OpSpec("tensor_split", lambda a, dim: a.tensor_split(3, dim), dim_case(),
           ref=lambda a, dim: tuple(np.array_split(a, 3, axis=dim))),
    OpSpec("unbind", lambda a, dim: a.unbind(dim), dim_case(),
           ref=lambda a, dim: tuple(np.moveaxis(a, dim, 0))),
    OpSpec("hstack", lambda *xs: mg.hstack(xs), _many(1), ref=lambda *xs: np.hstack(xs),
           torch=lambda *xs: tt().hstack(xs)),
    OpSpec("vstack", lambda *xs: mg.vstack(xs), _many(), ref=lambda *xs: np.vstack(xs),
           torch=lambda *xs: tt().vstack(xs)),
    OpSpec("column_stack", lambda *xs: mg.column_stack(xs), _many(),
           ref=lambda *xs: np.column_stack(xs), torch=lambda *xs: tt().column_stack(xs)),
    OpSpec("broadcast_tensors", lambda *xs: mg.broadcast_tensors(*xs),
           _bcast_case(),
           ref=lambda *xs: tuple(np.broadcast_arrays(*xs)),
           torch=lambda *xs: tt().broadcast_tensors(*xs)),
    OpSpec("meshgrid", lambda *xs, indexing: mg.meshgrid(*xs, indexing=indexing), _vectors(),
           ref=_np_meshgrid, torch=lambda *xs, indexing: tt().meshgrid(*xs, indexing=indexing)),
]
