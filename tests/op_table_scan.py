"""Op specs, part 5: scans (cumsum, cumprod, cummax, logcumsumexp, diff) and sorting."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, distinct
from op_table import tt

import minigrad as mg
from minigrad.testing import strategies as mst

__all__ = ["SCAN_SPECS"]


@st.composite
def _along(draw: Any, unique: bool = False, lo: float = -3.0, hi: float = 3.0,
           **extra: st.SearchStrategy[Any]) -> Case:
    """One array of at least 1 dim and a ``dim`` in range (plus drawn extras)."""
    shape = mst.shapes(min_dims=1, max_dims=3)
    a = draw(distinct(shape)) if unique else draw(mst.arrays(shape, min_value=lo, max_value=hi))
    kw = {"dim": draw(st.integers(-a.ndim, a.ndim - 1))}
    kw.update({k: draw(v) for k, v in extra.items()})
    return Case((a,), kw)


@st.composite
def _k_case(draw: Any, one_based: bool, **extra: st.SearchStrategy[Any]) -> Case:
    case = draw(_along(unique=True, **extra))
    size = case.arrays[0].shape[case.kwargs["dim"]]
    case.kwargs["k"] = draw(st.integers(int(one_based), size))
    return case


def _np_cum_extreme(fn: Any) -> Any:
    def ref(a: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
        values = fn.accumulate(a, axis=dim)
        idx = np.arange(a.shape[dim]).reshape([-1 if i == dim % a.ndim else 1
                                               for i in range(a.ndim)])
        return values, np.maximum.accumulate(np.where(a == values, idx, 0), axis=dim)
    return ref


def _np_sort(a: np.ndarray, dim: int, descending: bool) -> tuple[np.ndarray, np.ndarray]:
    idx = np.argsort(-a if descending else a, axis=dim, kind="stable")
    return np.take_along_axis(a, idx, dim), idx


def _np_topk(a: np.ndarray, dim: int, k: int, largest: bool) -> tuple[np.ndarray, np.ndarray]:
    values, idx = _np_sort(a, dim, largest)
    keep = np.arange(k)
    return np.take(values, keep, axis=dim), np.take(idx, keep, axis=dim)


def _np_kth(a: np.ndarray, dim: int, k: int, keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
    values, idx = _np_sort(a, dim, False)
    pick = [k - 1]
    v, i = np.take(values, pick, axis=dim), np.take(idx, pick, axis=dim)
    return (v, i) if keepdim else (v.squeeze(dim), i.squeeze(dim))


def _np_median(a: np.ndarray, dim: int, keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
    return _np_kth(a, dim, (a.shape[dim] - 1) // 2 + 1, keepdim)


@st.composite
def _diff_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3)))
    dim = draw(st.integers(-a.ndim, a.ndim - 1))
    arrays, kw = [a], {"n": draw(st.integers(0, 3)), "dim": dim}
    for side in ("prepend", "append"):
        if draw(st.booleans()):
            shape = list(a.shape)
            shape[dim] = draw(st.integers(1, 2))
            arrays.append(draw(mst.arrays(tuple(shape))))
            kw[side] = len(arrays) - 1
    return Case(tuple(arrays), kw)


def _diff(lib: Any) -> Any:
    def fn(*xs: Any, n: int, dim: int, prepend: int | None = None,
           append: int | None = None) -> Any:
        pre = xs[prepend] if prepend is not None else None
        app = xs[append] if append is not None else None
        return lib.diff(xs[0], n=n, dim=dim, prepend=pre, append=app)
    return fn


def _np_diff(*xs: Any, n: int, dim: int, prepend: int | None = None,
             append: int | None = None) -> Any:
    kw = {"prepend": xs[prepend]} if prepend is not None else {}
    if append is not None:
        kw["append"] = xs[append]
    return np.diff(xs[0], n=n, axis=dim, **kw)


SCAN_SPECS = [
    OpSpec("cumsum", lambda a, dim: a.cumsum(dim), _along(),
           ref=lambda a, dim: np.cumsum(a, axis=dim), torch=lambda a, dim: tt().cumsum(a, dim)),
    OpSpec("cumprod", lambda a, dim: mg.cumprod(a, dim), _along(lo=0.5, hi=1.5),
           ref=lambda a, dim: np.cumprod(a, axis=dim), torch=lambda a, dim: tt().cumprod(a, dim)),
    OpSpec("cumprod_signed", lambda a, dim: a.cumprod(dim),
           _along().map(lambda c: Case((np.where(np.abs(c.arrays[0]) < 0.3, 0.5, c.arrays[0]),),
                                       c.kwargs)),
           ref=lambda a, dim: np.cumprod(a, axis=dim), torch=lambda a, dim: tt().cumprod(a, dim),
           rtol=1e-6),
    OpSpec("cummax", lambda a, dim: tuple(mg.cummax(a, dim)), _along(unique=True),
           ref=_np_cum_extreme(np.maximum), torch=lambda a, dim: tuple(tt().cummax(a, dim)),
           smooth=False),
    OpSpec("cummin", lambda a, dim: tuple(a.cummin(dim)), _along(unique=True),
           ref=_np_cum_extreme(np.minimum), torch=lambda a, dim: tuple(tt().cummin(a, dim)),
           smooth=False),
    OpSpec("logcumsumexp", lambda a, dim: a.logcumsumexp(dim), _along(),
           ref=lambda a, dim: np.logaddexp.accumulate(a, axis=dim),
           torch=lambda a, dim: tt().logcumsumexp(a, dim)),
    OpSpec("diff", _diff(mg), _diff_case(), ref=_np_diff, torch=_diff(tt())),
    OpSpec("sort", lambda a, dim, descending: tuple(a.sort(dim, descending)),
           _along(unique=True, descending=st.booleans()), ref=_np_sort,
           torch=lambda a, dim, descending: tuple(tt().sort(a, dim, descending)), smooth=False),
    OpSpec("topk", lambda a, dim, k, largest: tuple(mg.topk(a, k, dim, largest)),
           _k_case(False, largest=st.booleans()), ref=_np_topk,
           torch=lambda a, dim, k, largest: tuple(tt().topk(a, k, dim, largest)), smooth=False),
    OpSpec("kthvalue", lambda a, dim, k, keepdim: tuple(a.kthvalue(k, dim, keepdim)),
           _k_case(True, keepdim=st.booleans()), ref=_np_kth,
           torch=lambda a, dim, k, keepdim: tuple(tt().kthvalue(a, k, dim, keepdim)),
           smooth=False),
    OpSpec("median_dim", lambda a, dim, keepdim: tuple(mg.median(a, dim, keepdim)),
           _along(unique=True, keepdim=st.booleans()), ref=_np_median,
           torch=lambda a, dim, keepdim: tuple(tt().median(a, dim, keepdim)), smooth=False),
    OpSpec("median_all", lambda a: a.median(), st.builds(lambda a: Case((a,)), distinct()),
           ref=lambda a: np.sort(a, axis=None)[(a.size - 1) // 2],
           torch=lambda a: tt().median(a), smooth=False),
]
