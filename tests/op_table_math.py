"""Op specs, part 3: unary math (roots, logs, trigonometry, rounding, erf) and binary math."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, binary, distinct, grid, unary
from op_table import tt
from op_table_linalg import LINALG_SPECS
from op_table_scan import SCAN_SPECS

import minigrad as mg
from minigrad.testing import strategies as mst

__all__ = ["MATH_SPECS"]


def _erfinv_1(y: float) -> float:
    """erfinv by bisection on math.erf (exact to the last bit or two)."""
    lo, hi = -6.0, 6.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if math.erf(mid) < y:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _np_logit(a: np.ndarray) -> np.ndarray:
    return np.log(a / (1 - a))


_np_erf = np.vectorize(math.erf, otypes=[np.float64])
_np_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_np_erfinv = np.vectorize(_erfinv_1, otypes=[np.float64])
# rounding ops: inputs stay away from the integers (and the half-integers for round), where
# finite differences would see the jumps
off_int = grid(offset=0.1, step=0.5)
off_half = grid(offset=0.2, step=0.5)


def _u(name: str, ref: Any, case: Any, smooth: bool = True, method: bool = True,
       **kw: Any) -> OpSpec:
    fn = (lambda a: getattr(a, name)()) if method else (lambda a: getattr(mg, name)(a))
    return OpSpec(name, fn, case, ref=ref, torch=lambda a: getattr(tt(), name)(a),
                  smooth=smooth, **kw)


UNARY_MATH_SPECS = [
    _u("rsqrt", lambda a: 1 / np.sqrt(a), unary(0.2, 3.0)),
    _u("log2", np.log2, unary(0.1, 3.0)),
    _u("log10", np.log10, unary(0.1, 3.0), method=False),
    _u("exp2", np.exp2, unary()),
    _u("expm1", np.expm1, unary()),
    _u("tan", np.tan, unary(-1.2, 1.2)),
    _u("asin", np.arcsin, unary(-0.9, 0.9)),
    _u("acos", np.arccos, unary(-0.9, 0.9), method=False),
    _u("atan", np.arctan, unary()),
    _u("sinh", np.sinh, unary()),
    _u("cosh", np.cosh, unary()),
    _u("asinh", np.arcsinh, unary()),
    _u("acosh", np.arccosh, unary(1.2, 3.0)),
    _u("atanh", np.arctanh, unary(-0.9, 0.9)),
    _u("erf", _np_erf, unary(-4.0, 4.0)),
    _u("erfc", _np_erfc, unary(-4.0, 6.0), method=False, rtol=1e-13),
    _u("erfinv", _np_erfinv, unary(-0.95, 0.95), rtol=1e-12),
    _u("floor", np.floor, unary(elements=off_int), smooth=False),
    _u("ceil", np.ceil, unary(elements=off_int), smooth=False, method=False),
    _u("trunc", np.trunc, unary(elements=off_int), smooth=False),
    _u("frac", lambda a: a - np.trunc(a), unary(elements=off_int), smooth=False),
    OpSpec("logit", lambda a, eps: a.logit(eps), unary(0.05, 0.95, eps=st.sampled_from(
        [None, 0.2])), ref=lambda a, eps: _np_logit(a if eps is None else np.clip(a, eps,
                                                                                  1 - eps)),
           torch=lambda a, eps: tt().logit(a, eps), smooth=False),
    OpSpec("round", lambda a, decimals: a.round(decimals=decimals),
           unary(elements=off_half, decimals=st.sampled_from([0, 1])),
           ref=lambda a, decimals: np.round(a, decimals),
           torch=lambda a, decimals: tt().round(a, decimals=decimals), smooth=False),
]

@st.composite
def _nan_case(draw: Any) -> Case:
    """An array with some NaNs, a dim and keepdim; index 0 along dim 0 is never NaN, so every
    reduced slice keeps a number (nanmean of an all-NaN slice is 0/0)."""
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3)))
    holes = draw(mst.arrays(a.shape, dtype="bool"))
    holes[0] = False
    a = np.where(holes, np.nan, a)
    return Case((a,), {"dim": draw(st.sampled_from([None, 0])), "keepdim": draw(st.booleans())})


@st.composite
def _reduce_alias_case(draw: Any, min_side: int = 1) -> Case:
    shape = draw(mst.shapes(min_dims=1, max_dims=3, min_side=min_side))
    a = draw(distinct(st.just(shape)))
    dim = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                         st.permutations(range(len(shape))).map(lambda p: tuple(p[:2]))))
    return Case((a,), {"dim": dim, "keepdim": draw(st.booleans()),
                       "unbiased": draw(st.booleans())})


def _axis(dim: Any) -> Any:
    return list(dim) if isinstance(dim, tuple) else dim  # dim as a list is accepted too


def _np_var_mean(a: np.ndarray, dim: Any, keepdim: bool, unbiased: bool) -> tuple:
    return (np.var(a, axis=dim, ddof=int(unbiased), keepdims=keepdim),
            np.mean(a, axis=dim, keepdims=keepdim))


def _torch_var_mean(a: Any, dim: Any, keepdim: bool, unbiased: bool) -> tuple:
    return tuple(tt().var_mean(a, dim, unbiased=unbiased, keepdim=keepdim))


def _np_nanmean(a: np.ndarray, dim: Any, keepdim: bool) -> np.ndarray:
    return np.nansum(a, axis=dim, keepdims=keepdim) / np.sum(~np.isnan(a), axis=dim,
                                                              keepdims=keepdim)


REDUCE_SPECS = [
    OpSpec("var_mean_aliases",
           lambda a, dim, keepdim, unbiased: mg.var_mean(a, axis=_axis(dim), keepdims=keepdim,
                                                         unbiased=unbiased),
           _reduce_alias_case(min_side=2), ref=_np_var_mean, torch=_torch_var_mean),
    OpSpec("std_aliases",
           lambda a, dim, keepdim, unbiased: a.std(axis=_axis(dim), keepdims=keepdim,
                                                   unbiased=unbiased),
           _reduce_alias_case(min_side=2),
           ref=lambda a, dim, keepdim, unbiased: np.std(a, axis=dim, ddof=int(unbiased),
                                                        keepdims=keepdim),
           torch=lambda a, dim, keepdim, unbiased: tt().std(a, dim, unbiased=unbiased,
                                                            keepdim=keepdim)),
    OpSpec("sum_aliases",
           lambda a, dim, keepdim, unbiased: a.sum(axis=_axis(dim), keepdims=keepdim),
           _reduce_alias_case(),
           ref=lambda a, dim, keepdim, unbiased: np.sum(a, axis=dim, keepdims=keepdim),
           torch=lambda a, dim, keepdim, unbiased: tt().sum(
               a, tuple(range(a.ndim)) if dim is None else dim, keepdim=keepdim)),
    OpSpec("aminmax", lambda a, dim, keepdim: tuple(a.aminmax(dim=dim, keepdim=keepdim)),
           st.builds(lambda a, keepdim: Case((a,), {"dim": 0, "keepdim": keepdim}), distinct(),
                     st.booleans()),
           ref=lambda a, dim, keepdim: (np.min(a, dim, keepdims=keepdim),
                                        np.max(a, dim, keepdims=keepdim)),
           torch=lambda a, dim, keepdim: tuple(tt().aminmax(a, dim=dim, keepdim=keepdim)),
           smooth=False),
    OpSpec("nansum", lambda a, dim, keepdim: a.nansum(dim, keepdim), _nan_case(),
           ref=lambda a, dim, keepdim: np.nansum(a, axis=dim, keepdims=keepdim),
           torch=lambda a, dim, keepdim: tt().nansum(
               a, tuple(range(a.ndim)) if dim is None else dim, keepdim=keepdim)),
    OpSpec("nanmean", lambda a, dim, keepdim: mg.nanmean(a, dim, keepdim), _nan_case(),
           ref=_np_nanmean,
           torch=lambda a, dim, keepdim: tt().nanmean(a, dim, keepdim=keepdim)),
]

divisor = st.sampled_from([-2.5, -1.5, 1.5, 2.5])
dividend = grid(offset=0.1, step=0.5)  # a / b never near an integer: no jumps for gradcheck


@st.composite
def _rem_case(draw: Any) -> Case:
    sa, sb = draw(mst.broadcastable_shapes(2, max_dims=3, max_side=3))
    return Case((draw(mst.arrays(sa, elements=dividend)),
                 draw(mst.arrays(sb, elements=divisor))))


@st.composite
def _three(draw: Any, e1: Any = None, e2: Any = None, e3: Any = None) -> Case:
    shapes = draw(mst.broadcastable_shapes(3, max_dims=3, max_side=3))
    return Case(tuple(draw(mst.arrays(s, elements=e)) for s, e in zip(shapes, (e1, e2, e3),
                                                                       strict=True)))


@st.composite
def _clamp_tensor_case(draw: Any) -> Case:
    case = draw(_three(grid(), grid(offset=0.1), grid(offset=0.2)))
    which = draw(st.sampled_from(["both", "min", "max"]))
    return Case(case.arrays, {"which": which})


def _clamp_bounds(lib_clamp: Any) -> Any:
    def fn(x: Any, lo: Any, hi: Any, which: str) -> Any:
        return lib_clamp(x, min=None if which == "max" else lo, max=None if which == "min"
                         else hi)
    return fn


def _np_clamp(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, which: str) -> np.ndarray:
    if which != "max":
        x = np.maximum(x, lo)
    return np.minimum(x, hi) if which != "min" else x


def _torch_clamp(x: Any, lo: Any, hi: Any, which: str) -> Any:
    """torch.clamp, its operands broadcast first (its backward needs the result's shape)."""
    used = [t for t, keep in ((lo, which != "max"), (hi, which != "min")) if keep]
    x, *used = tt().broadcast_tensors(x, *used)
    lo_, hi_ = (used[0], None) if which == "min" else (None, used[0]) if which == "max" else used
    return tt().clamp(x, min=lo_, max=hi_)


off_axis = mst.away_from([0.0], 0.3)


@st.composite
def _pair(draw: Any, e1: Any, e2: Any) -> Case:
    sa, sb = draw(mst.broadcastable_shapes(2, max_dims=3, max_side=3))
    return Case((draw(mst.arrays(sa, elements=e1)), draw(mst.arrays(sb, elements=e2))))

BINARY_MATH_SPECS = [
    OpSpec("atan2", lambda a, b: mg.atan2(a, b), _pair(off_axis, off_axis), ref=np.arctan2,
           torch=lambda a, b: tt().atan2(a, b)),
    OpSpec("hypot", lambda a, b: a.hypot(b), binary(elements2=off_axis), ref=np.hypot,
           torch=lambda a, b: tt().hypot(a, b)),
    OpSpec("logaddexp", lambda a, b: mg.logaddexp(a, b), binary(), ref=np.logaddexp,
           torch=lambda a, b: tt().logaddexp(a, b)),
    OpSpec("logaddexp2", lambda a, b: a.logaddexp2(b), binary(), ref=np.logaddexp2,
           torch=lambda a, b: tt().logaddexp2(a, b)),
    OpSpec("fmod", lambda a, b: a.fmod(b), _rem_case(), ref=np.fmod,
           torch=lambda a, b: tt().fmod(a, b), smooth=False),
    OpSpec("remainder", lambda a, b: mg.remainder(a, b), _rem_case(), ref=np.remainder,
           torch=lambda a, b: tt().remainder(a, b), smooth=False),
    OpSpec("lerp_scalar", lambda a, b, w: a.lerp(b, w), binary().map(
        lambda c: Case(c.arrays, {"w": 0.3})), ref=lambda a, b, w: a + w * (b - a),
           torch=lambda a, b, w: tt().lerp(a, b, w)),
    OpSpec("lerp_tensor", lambda a, b, w: mg.lerp(a, b, w), _three(),
           ref=lambda a, b, w: a + w * (b - a), torch=lambda a, b, w: tt().lerp(
               *tt().broadcast_tensors(a, b, w))),
    OpSpec("clamp_tensor", _clamp_bounds(mg.clamp), _clamp_tensor_case(), ref=_np_clamp,
           torch=_torch_clamp,
           smooth=False),
]

MATH_SPECS = UNARY_MATH_SPECS + BINARY_MATH_SPECS + REDUCE_SPECS + LINALG_SPECS + SCAN_SPECS
