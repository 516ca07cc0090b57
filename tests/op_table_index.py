"""Op specs, part 3: advanced indexing and writing, selection (masked_*, index_*, take,
take_along_dim) and scatter (scatter, scatter_add, scatter_reduce); rearranging ops are in
``op_table_reshape.py``.

Index arrays travel in ``Case.kwargs`` as NumPy int arrays; the minigrad and PyTorch callables
turn them into tensors of their own kind.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, mask
from op_table import tt

import minigrad as mg
from minigrad.testing import strategies as mst

__all__ = ["INDEX_SPECS", "dim_case"]

# keys on a (3, 4, 2) tensor, in PyTorch's reading; arrays are np.ndarray (tensors in both)
_I = np.array
KEYS: list[Any] = [
    (_I([0, 2, 2]),), (_I([[0, 1], [2, -1]]),), (slice(None), _I([0, 2])),
    (_I([0, 1]), _I([1, 3])), (_I([[0], [2]]), _I([1, 3])), (1, slice(None), _I([1, 0, 1])),
    (_I([0, 2]), slice(None), _I([1, 1])), (Ellipsis, _I([1, 0])), (None, _I([2, 0]), 1),
    (_I([True, False, True]),), (slice(None), _I([True, False, False, True])),
    (_I([[True, False, True, True]] * 3),), (-1, _I([3, 0]), slice(0, 1)),
    (_I(1), slice(1, 3)), (_I([0, 1, 2]), _I([3, 2, 1]), _I([0, 1, 0])),
    (slice(None, None, 2), [1, 3], None),
]
# keys without repeated positions (so a written value's gradient is unambiguous)
PUT_KEYS: list[Any] = [k for i, k in enumerate(KEYS) if i not in (0, 1, 5, 6, 15)]


def _on(a: Any, index: np.ndarray) -> Any:
    """An index tensor on ``a``'s device (PyTorch's index ops want both on one device)."""
    return mg.tensor(index, device=a.device)


def _mg_key(key: tuple[Any, ...], device: Any) -> tuple[Any, ...]:
    return tuple(mg.tensor(k, device=device) if isinstance(k, np.ndarray) else k for k in key)


def _t_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(tt().as_tensor(k) if isinstance(k, np.ndarray) else k for k in key)


def np_index(a: np.ndarray, key: tuple[Any, ...]) -> np.ndarray:
    """PyTorch's reading in NumPy: ints select first when arrays are present."""
    arrays = any(isinstance(k, (np.ndarray, list)) and np.ndim(k) for k in key)
    if not (arrays and any(isinstance(k, int) for k in key)):
        return a[key]
    first = tuple(k if isinstance(k, int) or k is Ellipsis else slice(None)
                  for k in key if k is not None)
    return a[first][tuple(k for k in key if not isinstance(k, int))]


@st.composite
def _key_case(draw: Any, keys: list[Any], value: bool) -> Case:
    a = draw(mst.arrays((3, 4, 2)))
    key = draw(st.sampled_from(keys))
    if not value:
        return Case((a,), {"key": key})
    target = np_index(a, key).shape
    vshape = draw(st.sampled_from([target, target[1:], ()]))
    return Case((a, draw(mst.arrays(vshape))), {"key": key})


def _np_put(a: np.ndarray, v: np.ndarray, key: Any) -> np.ndarray:
    """Write through the flat positions that ``key`` reads (PyTorch's reading)."""
    out = a.copy()
    out.reshape(-1)[np_index(np.arange(a.size).reshape(a.shape), key)] = v
    return out


def _mg_put(a: Any, v: Any, key: Any) -> Any:
    out = a.clone() if hasattr(a, "clone") else a * 1
    out[_mg_key(key, a.device)] = v
    return out


def _t_put(a: Any, v: Any, key: Any) -> Any:
    out = a.clone()
    out[_t_key(key)] = v
    return out


@st.composite
def dim_case(draw: Any, min_dims: int = 1, **extra: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4)))
    kw = {"dim": draw(st.integers(-a.ndim, a.ndim - 1))}
    kw.update({k: draw(v(a, kw["dim"] % a.ndim)) for k, v in extra.items()})
    return Case((a,), kw)


def _indices(size_lo: int = 0, unique: bool = False) -> Any:
    def make(a: np.ndarray, d: int) -> Any:
        n = a.shape[d]
        if unique:
            return st.permutations(range(n)).map(lambda p: np.array(p, dtype=np.int64))
        return st.lists(st.integers(0, n - 1), min_size=size_lo, max_size=5).map(
            lambda v: np.array(v, dtype=np.int64))
    return make


@st.composite
def _masked_case(draw: Any, tensor_value: bool = False) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, max_side=3)))
    k = draw(st.integers(0, a.ndim))
    m = draw(mask(a.shape[k:]))
    arrays = (a, draw(mst.arrays(()))) if tensor_value else (a,)
    return Case(arrays, {"mask": m} if tensor_value else {"mask": m, "value": -1.5})


@st.composite
def _index_add_case(draw: Any) -> Case:
    c = draw(dim_case(index=_indices(1)))
    a, d = c.arrays[0], c.kwargs["dim"] % c.arrays[0].ndim
    src = draw(mst.arrays(tuple(len(c.kwargs["index"]) if i == d else s
                                for i, s in enumerate(a.shape))))
    return Case((a, src), {**c.kwargs, "alpha": draw(st.sampled_from([1, -2.0]))})


def _np_index_add(a: np.ndarray, s: np.ndarray, dim: int, index: Any, alpha: float) -> Any:
    out = a.copy()
    np.add.at(np.moveaxis(out, dim, 0), index, np.moveaxis(s, dim, 0) * alpha)
    return out


@st.composite
def _scatter_case(draw: Any, unique: bool) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)))
    d = draw(st.integers(0, a.ndim - 1))
    ishape = [draw(st.integers(1, s)) for s in a.shape]
    if unique:  # every column a partial permutation: no position written twice
        ishape[d] = draw(st.integers(1, a.shape[d]))
        cols = int(np.prod([s for i, s in enumerate(ishape) if i != d]))
        perms = [draw(st.permutations(range(a.shape[d])))[:ishape[d]] for _ in range(cols)]
        idx = np.moveaxis(np.array(perms, dtype=np.int64).reshape(
            *[s for i, s in enumerate(ishape) if i != d], ishape[d]), -1, d)
    else:
        ishape[d] = draw(st.integers(1, 4))
        idx = draw(mst.arrays(tuple(ishape), dtype="int64", min_value=0,
                              max_value=a.shape[d] - 1))
    src = draw(mst.arrays(idx.shape))  # (PyTorch's backward fails for a larger src)
    return Case((a, src), {"dim": d, "index": idx})


def _grid(idx: np.ndarray, d: int) -> tuple[np.ndarray, ...]:
    g = list(np.indices(idx.shape, sparse=True))
    g[d] = idx
    return tuple(g)


def _np_scatter(a: np.ndarray, s: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = a.copy()
    out[_grid(index, dim)] = s[tuple(slice(0, n) for n in index.shape)]
    return out


def _np_scatter_add(a: np.ndarray, s: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = a.copy()
    np.add.at(out, _grid(index, dim), s[tuple(slice(0, n) for n in index.shape)])
    return out


def _np_scatter_mean(a: np.ndarray, s: np.ndarray, dim: int, index: np.ndarray,
                     include_self: bool) -> np.ndarray:
    hits = np.zeros_like(a)
    np.add.at(hits, _grid(index, dim), 1.0)
    total = _np_scatter_add(a if include_self else np.where(hits > 0, 0, a), s, dim, index)
    return total / (hits + 1 if include_self else np.where(hits > 0, hits, 1))


def _spread(c: Case) -> Case:
    """Every value of input and src at least 4 apart (no ties for amax/amin)."""
    a, src = c.arrays
    return Case((a + 10.0 * np.arange(a.size).reshape(a.shape),
                 src + 10.0 * (a.size + np.arange(src.size)).reshape(src.shape)), c.kwargs)


def _np_scatter_reduce(a: np.ndarray, s: np.ndarray, dim: int, index: np.ndarray,
                       reduce: str, inc: bool) -> np.ndarray:
    ufunc = {"amax": np.maximum, "amin": np.minimum, "prod": np.multiply}[reduce]
    hits = np.zeros(a.shape, bool)
    hits[_grid(index, dim)] = True
    fill = {"amax": -np.inf, "amin": np.inf, "prod": 1.0}[reduce]
    out = a.copy() if inc else np.where(hits, fill, a)
    ufunc.at(out, _grid(index, dim), s)
    return out


def _reduce_spec(reduce: str) -> OpSpec:
    case = _scatter_case(False).map(_spread if reduce != "prod" else lambda c: Case(
        tuple(1 + x / 6 for x in c.arrays), c.kwargs))
    case = case.flatmap(lambda c: st.booleans().map(
        lambda b: Case(c.arrays, {**c.kwargs, "inc": b})))
    return OpSpec(
        f"scatter_reduce_{reduce}",
        lambda a, s, dim, index, inc: a.scatter_reduce(dim, _on(a, index), s, reduce,
                                                       include_self=inc),
        case, ref=lambda a, s, dim, index, inc: _np_scatter_reduce(a, s, dim, index, reduce,
                                                                   inc),
        torch=lambda a, s, dim, index, inc: a.scatter_reduce(dim, _t(index), s, reduce,
                                                             include_self=inc),
        smooth=reduce == "prod")


def _t(x: Any) -> Any:
    return tt().as_tensor(x)


@st.composite
def _accumulate_case(draw: Any) -> Case:
    a = draw(mst.arrays((3, 4)))
    i = np.array(draw(st.lists(st.integers(-3, 2), min_size=1, max_size=5)))
    return Case((a, draw(mst.arrays(draw(st.sampled_from([(len(i), 4), (4,), ()]))))),
                {"i": i})


def _np_accumulate(a: np.ndarray, v: np.ndarray, i: np.ndarray) -> np.ndarray:
    out = a.copy()
    np.add.at(out, i, np.broadcast_to(v, (len(i), 4)))
    return out


def _np_index_fill(a: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = np.moveaxis(a.copy(), dim, 0)
    out[index] = 2.5
    return np.moveaxis(out, 0, dim)


@st.composite
def _take_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, max_side=3)))
    ishape = draw(mst.shapes(max_dims=2, max_side=3))
    idx = draw(mst.arrays(ishape, dtype="int64", min_value=-a.size, max_value=a.size - 1))
    return Case((a,), {"index": idx})


@st.composite
def _along_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=2, max_dims=3, max_side=3)))
    d = draw(st.integers(-a.ndim, a.ndim - 1))
    ishape = tuple(draw(st.integers(1, 4)) if i == d % a.ndim else draw(st.sampled_from([1, s]))
                   for i, s in enumerate(a.shape))
    idx = draw(mst.arrays(ishape, dtype="int64", min_value=0, max_value=a.shape[d] - 1))
    return Case((a,), {"index": idx, "dim": d})


def _np_along(a: np.ndarray, index: np.ndarray, dim: int) -> np.ndarray:
    d = dim % a.ndim
    pairs = list(enumerate(zip(a.shape, index.shape, strict=True)))
    shape = [max(s, t) if i != d else s for i, (s, t) in pairs]
    ishape = [max(s, t) if i != d else t for i, (s, t) in pairs]
    return np.take_along_axis(np.broadcast_to(a, shape), np.broadcast_to(index, ishape), d)


INDEX_SPECS = [
    OpSpec("index_adv", lambda a, key: a[_mg_key(key, a.device)], _key_case(KEYS, False),
           ref=np_index,
           torch=lambda a, key: a[_t_key(key)]),
    OpSpec("setitem_adv", _mg_put, _key_case(PUT_KEYS, True), ref=_np_put, torch=_t_put),
    OpSpec("masked_fill", lambda a, mask, value: a.masked_fill(_on(a, mask), value),
           _masked_case(), ref=lambda a, mask, value: np.where(mask, value, a),
           torch=lambda a, mask, value: a.masked_fill(_t(mask), value)),
    OpSpec("masked_fill_tensor", lambda a, v, mask: mg.masked_fill(a, _on(a, mask), v),
           _masked_case(True), ref=lambda a, v, mask: np.where(mask, v, a),
           torch=lambda a, v, mask: a.masked_fill(_t(mask), v)),
    OpSpec("masked_select", lambda a, mask, value: a.masked_select(_on(a, mask)),
           _masked_case(), ref=lambda a, mask, value: np.broadcast_to(a, np.broadcast_shapes(
               a.shape, mask.shape))[np.broadcast_to(mask, np.broadcast_shapes(a.shape,
                                                                               mask.shape))],
           torch=lambda a, mask, value: a.masked_select(_t(mask))),
    OpSpec("index_select", lambda a, dim, index: a.index_select(dim, _on(a, index)),
           dim_case(index=_indices()), ref=lambda a, dim, index: np.take(a, index, axis=dim),
           torch=lambda a, dim, index: a.index_select(dim, _t(index))),
    OpSpec("index_add", lambda a, s, dim, index, alpha: a.index_add(dim, _on(a, index), s,
                                                                    alpha=alpha),
           _index_add_case(), ref=lambda a, s, dim, index, alpha: _np_index_add(
               a, s, dim % a.ndim, index, alpha),
           torch=lambda a, s, dim, index, alpha: a.index_add(dim, _t(index), s, alpha=alpha)),
    OpSpec("index_fill", lambda a, dim, index: a.index_fill(dim, _on(a, index), 2.5),
           dim_case(index=_indices()), ref=lambda a, dim, index: _np_index_fill(a, dim, index),
           torch=lambda a, dim, index: a.index_fill(dim, _t(index), 2.5)),
    OpSpec("take", lambda a, index: a.take(_on(a, index)),
           _take_case(),
           ref=lambda a, index: np.take(a, index), torch=lambda a, index: a.take(_t(index))),
    OpSpec("take_along_dim", lambda a, index, dim: a.take_along_dim(_on(a, index), dim),
           _along_case(), ref=_np_along,
           torch=lambda a, index, dim: a.take_along_dim(_t(index), dim)),
    OpSpec("scatter", lambda a, s, dim, index: a.scatter(dim, _on(a, index), s),
           _scatter_case(True), ref=_np_scatter,
           torch=lambda a, s, dim, index: a.scatter(dim, _t(index), s)),
    OpSpec("scatter_value", lambda a, s, dim, index: a.scatter(dim, _on(a, index), 1.5),
           _scatter_case(False), ref=lambda a, s, dim, index: _np_scatter(
               a, np.full(index.shape, 1.5), dim, index),
           torch=lambda a, s, dim, index: a.scatter(dim, _t(index), 1.5)),
    OpSpec("scatter_add", lambda a, s, dim, index: a.scatter_add(dim, _on(a, index), s),
           _scatter_case(False), ref=_np_scatter_add,
           torch=lambda a, s, dim, index: a.scatter_add(dim, _t(index), s)),
    OpSpec("scatter_reduce_mean",
           lambda a, s, dim, index, inc: a.scatter_reduce(dim, _on(a, index), s, "mean",
                                                          include_self=inc),
           _scatter_case(False).flatmap(lambda c: st.booleans().map(
               lambda b: Case(c.arrays, {**c.kwargs, "inc": b}))),
           ref=lambda a, s, dim, index, inc: _np_scatter_mean(a, s, dim, index, inc),
           torch=lambda a, s, dim, index, inc: a.scatter_reduce(
               dim, _t(index), s, "mean", include_self=inc)),
    _reduce_spec("amax"),
    _reduce_spec("amin"),
    _reduce_spec("prod"),
    OpSpec("index_put_accumulate",
           lambda a, v, i: a.index_put((_on(a, i),), v, accumulate=True),
           _accumulate_case(), ref=_np_accumulate,
           torch=lambda a, v, i: a.index_put((_t(i),), v, accumulate=True)),
]
