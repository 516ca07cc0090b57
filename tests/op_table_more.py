"""Op specs, part 2: reductions, shape ops, indexing, joining, matmul."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, ax, distinct, mask, unary
from op_table import tt

import minigrad as mg
from minigrad.testing import strategies as mst

__all__ = ["MORE_SPECS"]


@st.composite
def _reduce_case(draw: Any, min_side: int = 1, unique: bool = False,
                 lo: float = -3.0, hi: float = 3.0) -> Case:
    shape = draw(mst.shapes(min_dims=int(min_side > 1), max_dims=3, min_side=min_side, max_side=3))
    if unique and shape:
        a = draw(distinct(st.just(shape)))
    else:
        a = draw(mst.arrays(shape, min_value=lo, max_value=hi))
    return Case((a,), {"dim": draw(mst.valid_dims(len(shape))), "keepdim": draw(st.booleans())})


@st.composite
def _dim_case(draw: Any, min_dims: int = 1, **extra: st.SearchStrategy[Any]) -> Case:
    a = draw(distinct(mst.shapes(min_dims=min_dims, max_dims=3)))
    kw = {"dim": draw(st.integers(-a.ndim, a.ndim - 1)), "keepdim": draw(st.booleans())}
    kw.update({k: draw(v) for k, v in extra.items()})
    return Case((a,), kw)


def _tdim(dim: Any, t: Any) -> Any:
    """PyTorch spells "all dims" for amax/amin/logsumexp as a tuple of every dim."""
    return tuple(range(t.ndim)) if dim is None else dim


def _torch_reduce(name: str) -> Any:
    return lambda a, dim, keepdim: getattr(tt(), name)(a, _tdim(dim, a), keepdim=keepdim)


def _np_reduce(fn: Any) -> Any:
    return lambda a, dim, keepdim: fn(a, axis=ax(dim, a.ndim), keepdims=keepdim)


def _torch_prod(a: Any, dim: Any, keepdim: bool) -> Any:
    """torch.prod takes one int dim: reduce the dims one at a time, last first."""
    dims = range(a.ndim) if dim is None else [dim] if isinstance(dim, int) else dim
    for d in sorted((d % max(a.ndim, 1) for d in dims), reverse=True):
        a = a.prod(d, keepdim=True) if a.ndim else a
    return a if keepdim else a.reshape([s for i, s in enumerate(a.shape) if i not in {
        d % max(a.ndim, 1) for d in dims}])


def _np_minmax(fn: Any, argfn: Any) -> Any:
    def ref(a: np.ndarray, dim: int, keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
        return fn(a, axis=dim, keepdims=keepdim), argfn(a, axis=dim, keepdims=keepdim)
    return ref


def _np_logsumexp(a: np.ndarray, dim: Any, keepdim: bool) -> np.ndarray:
    return np.log(np.sum(np.exp(a), axis=ax(dim, a.ndim), keepdims=keepdim))


@st.composite
def _reshape_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3)))
    new = list(draw(st.permutations(a.shape)))
    if draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return Case((a,), {"shape": tuple(new)})


@st.composite
def _flatten_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=4, max_side=3)))
    s = draw(st.integers(0, a.ndim - 1))
    e = draw(st.integers(s, a.ndim - 1))
    neg = draw(st.booleans())
    return Case((a,), {"start_dim": s - a.ndim if neg else s, "end_dim": e})


@st.composite
def _squeeze_case(draw: Any) -> Case:
    shape = draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=1, max_size=4))
    a = draw(mst.arrays(tuple(shape)))
    dim = draw(st.one_of(st.none(), st.integers(-a.ndim, a.ndim - 1)))
    return Case((a,), {"dim": dim})


@st.composite
def _axes_case(draw: Any, kind: str) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1 if kind != "unsqueeze" else 0, max_dims=3)))
    n = a.ndim
    if kind == "unsqueeze":
        return Case((a,), {"dim": draw(st.integers(-n - 1, n))})
    if kind == "transpose":
        return Case((a,), {"dim0": draw(st.integers(-n, n - 1)),
                           "dim1": draw(st.integers(-n, n - 1))})
    return Case((a,), {"dims": tuple(draw(st.permutations(range(n))))})


@st.composite
def _expand_case(draw: Any, allow_minus_one: bool) -> Case:
    shape = draw(st.lists(st.sampled_from([1, 1, 2, 3]), min_size=0, max_size=3))
    a = draw(mst.arrays(tuple(shape)))
    target = [draw(st.integers(1, 3)) if s == 1 else s for s in shape]
    if allow_minus_one:
        target = [-1 if draw(st.booleans()) and s == t else t for s, t in zip(shape, target,
                                                                              strict=True)]
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    return Case((a,), {"shape": (*lead, *target)})


@st.composite
def _index_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    kind = draw(st.sampled_from(["basic", "int_array", "two_arrays", "mask"]))
    n0 = a.shape[0]
    if kind == "basic":
        key: list[Any] = []
        for n in a.shape:
            key.append(draw(st.one_of(
                st.integers(-n, n - 1),
                st.builds(slice, st.none() | st.integers(-n, n), st.none() | st.integers(-n, n),
                          st.none() | st.integers(1, 3)),
            )))
        if draw(st.booleans()):
            key.insert(draw(st.integers(0, len(key))), None)
        if draw(st.booleans()):
            cut = draw(st.integers(0, len(key)))
            key = [*key[:cut], Ellipsis]
        return Case((a,), {"key": tuple(key)})
    if kind == "int_array":  # repeated indices must accumulate in backward
        if a.ndim > 1 and draw(st.booleans()):
            n1 = a.shape[1]
            idx = np.array(draw(st.lists(st.integers(-n1, n1 - 1), min_size=1, max_size=6)))
            return Case((a,), {"key": (slice(None), idx)})
        idx = np.array(draw(st.lists(st.integers(-n0, n0 - 1), min_size=1, max_size=6)))
        return Case((a,), {"key": (idx,)})
    if kind == "two_arrays" and a.ndim >= 2:
        size = draw(st.integers(1, 4))
        i = np.array(draw(st.lists(st.integers(0, n0 - 1), min_size=size, max_size=size)))
        j = np.array(draw(st.lists(st.integers(0, a.shape[1] - 1), min_size=1, max_size=1)))
        return Case((a,), {"key": (i, j)})
    k = draw(st.integers(1, a.ndim))
    return Case((a,), {"key": (draw(mask(a.shape[:k])),)})


def _t_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(tt().as_tensor(k) if isinstance(k, np.ndarray) else k for k in key)


@st.composite
def _cat_case(draw: Any, stack: bool) -> Case:
    base = draw(mst.shapes(min_dims=1, max_dims=3, max_side=3))
    n = draw(st.integers(1, 3))
    dim = draw(st.integers(-len(base) - stack, len(base) - 1 + stack))
    arrays = []
    for _ in range(n):
        shape = list(base)
        if not stack:
            shape[dim] = draw(st.integers(0 if n > 1 else 1, 3))
        arrays.append(draw(mst.arrays(tuple(shape))))
    return Case(tuple(arrays), {"dim": dim})


@st.composite
def _split_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, max_side=5)))
    dim = draw(st.integers(-a.ndim, a.ndim - 1))
    n = a.shape[dim]
    if draw(st.booleans()):
        return Case((a,), {"split": draw(st.integers(1, n)), "dim": dim})
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    sections = [b - c for c, b in zip([0, *cuts], [*cuts, n], strict=True)]
    return Case((a,), {"split": sections, "dim": dim})


def _np_split(a: np.ndarray, split: Any, dim: int) -> tuple[np.ndarray, ...]:
    n = a.shape[dim]
    sizes = [min(split, n - i) for i in range(0, n, split)] if isinstance(split, int) else split
    return tuple(np.split(a, np.cumsum(sizes)[:-1], axis=dim))


@st.composite
def _pad_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3)))
    k = draw(st.integers(1, a.ndim))
    pads = tuple(draw(st.lists(st.integers(0, 2), min_size=2 * k, max_size=2 * k)))
    return Case((a,), {"pad": pads, "value": draw(st.sampled_from([0.0, -1.5]))})


def _np_pad(a: np.ndarray, pad: tuple[int, ...], value: float) -> np.ndarray:
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return np.pad(a, widths, constant_values=value)


@st.composite
def _gather_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3)))
    dim = draw(st.integers(-a.ndim, a.ndim - 1))
    ishape = tuple(draw(st.integers(1, s)) if i != dim % a.ndim else draw(st.integers(1, 4))
                   for i, s in enumerate(a.shape))
    idx = draw(mst.arrays(ishape, dtype="int64", min_value=0, max_value=a.shape[dim] - 1))
    return Case((a,), {"dim": dim, "index": idx})


def _np_gather(a: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    d = dim % a.ndim
    sl = tuple(slice(None) if i == d else slice(0, s) for i, s in enumerate(index.shape))
    return np.take_along_axis(a[sl], index, axis=d)


@st.composite
def _matmul_case(draw: Any) -> Case:
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    kind = draw(st.sampled_from(["1x1", "2x1", "1x2", "2x2", "batched", "batched1"]))
    if kind == "batched":
        ba, bb = draw(mst.broadcastable_shapes(2, min_dims=0, max_dims=2, max_side=3))
        sa, sb = (*ba, n, k), (*bb, k, m)
    elif kind == "batched1":
        sa, sb = (*draw(mst.shapes(min_dims=1, max_dims=2, max_side=3)), n, k), (k,)
    else:
        sa = (k,) if kind[0] == "1" else (n, k)
        sb = (k,) if kind[2] == "1" else (k, m)
    return Case((draw(mst.arrays(sa)), draw(mst.arrays(sb))))


@st.composite
def _linear_case(draw: Any) -> Case:
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    lead = draw(mst.shapes(min_dims=0, max_dims=2, max_side=3))
    arrays = [draw(mst.arrays((*lead, n_in))), draw(mst.arrays((n_out, n_in)))]
    if draw(st.booleans()):
        arrays.append(draw(mst.arrays((n_out,))))
    return Case(tuple(arrays))


@st.composite
def _setitem_case(draw: Any) -> Case:
    """A basic-indexing key and a value broadcastable to ``a[key]``."""
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)))
    key = tuple(
        draw(st.one_of(st.integers(-n, n - 1), st.builds(slice, st.none() | st.integers(0, n),
                                                         st.none() | st.integers(0, n))))
        for n in a.shape
    )
    target = a[key].shape
    vshape = draw(st.sampled_from([target, target[1:] if target else (), ()]))
    return Case((a, draw(mst.arrays(vshape))), {"key": key})


def _np_setitem(a: np.ndarray, v: np.ndarray, key: Any) -> np.ndarray:
    out = a.copy()
    out[key] = v
    return out


def _torch_setitem(a: Any, v: Any, key: Any) -> Any:
    out = a.clone()
    out[key] = v
    return out


def _np_linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    out = np.matmul(x, w.T)
    return out if b is None else out + b


MORE_SPECS = [
    OpSpec("sum", lambda a, dim, keepdim: a.sum(dim, keepdim), _reduce_case(),
           ref=_np_reduce(np.sum), torch=_torch_reduce("sum")),
    OpSpec("mean", lambda a, dim, keepdim: a.mean(dim, keepdim), _reduce_case(),
           ref=_np_reduce(np.mean), torch=_torch_reduce("mean")),
    OpSpec("prod", lambda a, dim, keepdim: mg.prod(a, dim, keepdim),
           _reduce_case(lo=0.5, hi=1.5), ref=_np_reduce(np.prod),
           torch=_torch_prod),
    OpSpec("amax", lambda a, dim, keepdim: a.amax(dim, keepdim), _reduce_case(unique=True),
           ref=_np_reduce(np.max), torch=_torch_reduce("amax"), smooth=False),
    OpSpec("amin", lambda a, dim, keepdim: a.amin(dim, keepdim), _reduce_case(unique=True),
           ref=_np_reduce(np.min), torch=_torch_reduce("amin"), smooth=False),
    OpSpec("max_all", lambda a: a.max(), unary(elements=None, shape=st.just((3, 2)))
           .map(lambda c: Case((c.arrays[0] + np.arange(6).reshape(3, 2) * 7,))),
           ref=np.max, smooth=False),
    OpSpec("max_dim", lambda a, dim, keepdim: tuple(a.max(dim, keepdim)), _dim_case(),
           ref=_np_minmax(np.max, np.argmax), smooth=False,
           torch=lambda a, dim, keepdim: tuple(tt().max(a, dim, keepdim))),
    OpSpec("min_dim", lambda a, dim, keepdim: tuple(a.min(dim, keepdim)), _dim_case(),
           ref=_np_minmax(np.min, np.argmin), smooth=False,
           torch=lambda a, dim, keepdim: tuple(tt().min(a, dim, keepdim))),
    OpSpec("var", lambda a, dim, keepdim, c: a.var(dim, correction=c, keepdim=keepdim),
           _reduce_case(min_side=2).map(lambda x: Case(x.arrays, {**x.kwargs, "c": 1})),
           ref=lambda a, dim, keepdim, c: np.var(a, axis=ax(dim, a.ndim), ddof=c,
                                                 keepdims=keepdim),
           torch=lambda a, dim, keepdim, c: tt().var(a, dim, correction=c, keepdim=keepdim)),
    OpSpec("var_c0", lambda a, dim, keepdim: a.var(dim, correction=0, keepdim=keepdim),
           _reduce_case(),
           ref=lambda a, dim, keepdim: np.var(a, axis=ax(dim, a.ndim), keepdims=keepdim),
           torch=lambda a, dim, keepdim: tt().var(a, dim, correction=0, keepdim=keepdim)),
    OpSpec("std", lambda a, dim, keepdim: a.std(dim, keepdim=keepdim),
           _reduce_case(min_side=2, unique=True),
           ref=lambda a, dim, keepdim: np.std(a, axis=ax(dim, a.ndim), ddof=1,
                                              keepdims=keepdim),
           torch=lambda a, dim, keepdim: tt().std(a, dim, keepdim=keepdim)),
    OpSpec("logsumexp", lambda a, dim, keepdim: a.logsumexp(dim, keepdim), _reduce_case(),
           ref=_np_logsumexp, torch=_torch_reduce("logsumexp")),
    OpSpec("reshape", lambda a, shape: a.reshape(shape), _reshape_case(),
           ref=lambda a, shape: a.reshape(shape)),
    OpSpec("flatten", lambda a, start_dim, end_dim: a.flatten(start_dim, end_dim),
           _flatten_case(), ref=lambda a, start_dim, end_dim: a.reshape(
               *a.shape[:start_dim % a.ndim], -1, *a.shape[end_dim % a.ndim + 1:])),
    OpSpec("squeeze", lambda a, dim: a.squeeze(dim), _squeeze_case(),
           ref=lambda a, dim: a.squeeze(dim) if dim is None or a.shape[dim] == 1 else a,
           torch=lambda a, dim: a.squeeze() if dim is None else a.squeeze(dim)),
    OpSpec("unsqueeze", lambda a, dim: a.unsqueeze(dim), _axes_case("unsqueeze"),
           ref=lambda a, dim: np.expand_dims(a, dim)),
    OpSpec("transpose", lambda a, dim0, dim1: a.transpose(dim0, dim1), _axes_case("transpose"),
           ref=lambda a, dim0, dim1: np.swapaxes(a, dim0, dim1)),
    OpSpec("permute", lambda a, dims: a.permute(*dims), _axes_case("permute"),
           ref=lambda a, dims: np.transpose(a, dims)),
    OpSpec("T", lambda a: a.T, unary(shape=mst.shapes(max_dims=2)), ref=lambda a: a.T,
           torch=lambda a: a.permute(tuple(range(a.ndim - 1, -1, -1)))),
    OpSpec("expand", lambda a, shape: a.expand(*shape), _expand_case(True),
           ref=lambda a, shape: np.broadcast_to(a, tuple(
               a.shape[i - len(shape) + a.ndim] if s == -1 else s
               for i, s in enumerate(shape))),
           torch=lambda a, shape: a.expand(tuple(shape))),
    OpSpec("broadcast_to", lambda a, shape: mg.broadcast_to(a, shape), _expand_case(False),
           ref=lambda a, shape: np.broadcast_to(a, shape),
           torch=lambda a, shape: tt().broadcast_to(a, shape)),
    OpSpec("index", lambda a, key: a[key], _index_case(), ref=lambda a, key: a[key],
           torch=lambda a, key: a[_t_key(key)]),
    OpSpec("setitem", lambda a, v, key: mg.ops.index_put(a, key, v), _setitem_case(),
           ref=_np_setitem, torch=_torch_setitem),
    OpSpec("cat", lambda *xs, dim: mg.cat(list(xs), dim), _cat_case(False),
           ref=lambda *xs, dim: np.concatenate(xs, axis=dim),
           torch=lambda *xs, dim: tt().cat(xs, dim)),
    OpSpec("stack", lambda *xs, dim: mg.stack(list(xs), dim), _cat_case(True),
           ref=lambda *xs, dim: np.stack(xs, axis=dim),
           torch=lambda *xs, dim: tt().stack(xs, dim)),
    OpSpec("split", lambda a, split, dim: tuple(a.split(split, dim)), _split_case(),
           ref=_np_split, torch=lambda a, split, dim: tuple(a.split(split, dim))),
    OpSpec("pad", lambda a, pad, value: mg.pad(a, pad, value=value), _pad_case(), ref=_np_pad,
           torch=lambda a, pad, value: tt().nn.functional.pad(a, pad, value=value)),
    OpSpec("gather", lambda a, dim, index: a.gather(dim, mg.tensor(index, device=a.device)),
           _gather_case(), ref=_np_gather,
           torch=lambda a, dim, index: a.gather(dim, tt().as_tensor(index))),
    OpSpec("matmul", lambda a, b: a @ b, _matmul_case(), ref=np.matmul),
    OpSpec("linear", lambda *t: mg.ops.linear(*t), _linear_case(), ref=_np_linear,
           torch=lambda *t: tt().nn.functional.linear(*t)),
]
