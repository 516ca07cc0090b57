"""Op specs, part 1: arithmetic, elementwise, binary (see op_specs.py for the fields)."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, binary, grid, mask, unary

import minigrad as mg
from minigrad.testing import strategies as mst

__all__ = ["ELEMENTWISE_SPECS", "tt"]


def tt() -> Any:
    """The torch module (only called when torch is installed)."""
    return importlib.import_module("torch")


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _leaky(a: np.ndarray, slope: float) -> np.ndarray:
    return np.where(a > 0, a, a * slope)


scalar = st.floats(-2.5, 2.5, allow_nan=False).filter(lambda s: abs(s) > 0.25)
off_zero = mst.away_from([0.0], margin=0.05)


@st.composite
def _where_case(draw: Any) -> Case:
    sc, sa, sb = draw(mst.broadcastable_shapes(3, max_dims=3, max_side=3))
    return Case((draw(mst.arrays(sa)), draw(mst.arrays(sb))), {"cond": draw(mask(sc))})


@st.composite
def _clamp_case(draw: Any) -> Case:
    lo, hi = sorted(draw(st.lists(grid(), min_size=2, max_size=2, unique=True)))
    which = draw(st.sampled_from(["both", "min", "max"]))
    kw = {"min": lo if which != "max" else None, "max": hi if which != "min" else None}
    a = draw(mst.arrays(mst.shapes(max_dims=3), elements=grid(offset=0.125)))
    return Case((a,), kw)


@st.composite
def _max_min_case(draw: Any) -> Case:
    sa, sb = draw(mst.broadcastable_shapes(2, max_dims=3, max_side=3))
    return Case((draw(mst.arrays(sa, elements=grid())),
                 draw(mst.arrays(sb, elements=grid(offset=0.125)))))


ELEMENTWISE_SPECS = [
    OpSpec("add", lambda a, b: a + b, binary()),
    OpSpec("sub", lambda a, b: a - b, binary()),
    OpSpec("mul", lambda a, b: a * b, binary()),
    OpSpec("div", lambda a, b: a / b, binary(elements2=mst.away_from([0.0], 0.5))),
    OpSpec("pow", lambda a, b: a**b, binary(lo=0.5, hi=2.0, lo2=-2.0, hi2=2.0)),
    OpSpec("add_scalar", lambda a, s: a + s, unary(s=scalar)),
    OpSpec("radd_scalar", lambda a, s: s + a, unary(s=scalar)),
    OpSpec("sub_scalar", lambda a, s: a - s, unary(s=scalar)),
    OpSpec("rsub_scalar", lambda a, s: s - a, unary(s=scalar)),
    OpSpec("mul_scalar", lambda a, s: a * s, unary(s=scalar)),
    OpSpec("rmul_scalar", lambda a, s: s * a, unary(s=scalar)),
    OpSpec("div_scalar", lambda a, s: a / s, unary(s=scalar)),
    OpSpec("rdiv_scalar", lambda a, s: s / a, unary(elements=mst.away_from([0.0], 0.5),
                                                    s=scalar)),
    OpSpec("pow_int", lambda a, p: a**p, unary(p=st.integers(0, 3))),
    OpSpec("pow_float", lambda a, p: a**p, unary(lo=0.3, hi=3.0, p=st.sampled_from(
        [0.5, -1.5, 2.0, 1.0 / 3]))),
    OpSpec("rpow_scalar", lambda a, s: s**a, unary(s=st.sampled_from([0.5, 2.0, 3.5]))),
    OpSpec("neg", lambda a: -a, unary()),
    OpSpec("reciprocal", lambda a: a.reciprocal(), unary(elements=mst.away_from([0.0], 0.3)),
           ref=np.reciprocal),
    OpSpec("square", lambda a: a.square(), unary(), ref=np.square),
    OpSpec("sign", lambda a: a.sign(), unary(elements=off_zero), ref=np.sign),
    OpSpec("lt", lambda a, b: a < b, binary(), ref=np.less),
    OpSpec("ge", lambda a, b: a >= b, binary(), ref=np.greater_equal),
    OpSpec("eq", lambda a, b: a == b, binary(), ref=np.equal),
    OpSpec("abs", lambda a: abs(a), unary(elements=off_zero), smooth=False),
    OpSpec("exp", lambda a: a.exp(), unary(), ref=np.exp),
    OpSpec("log", lambda a: a.log(), unary(0.1, 3.0), ref=np.log),
    OpSpec("log1p", lambda a: a.log1p(), unary(-0.5, 3.0), ref=np.log1p),
    OpSpec("sqrt", lambda a: a.sqrt(), unary(0.1, 3.0), ref=np.sqrt),
    OpSpec("sin", lambda a: a.sin(), unary(), ref=np.sin),
    OpSpec("cos", lambda a: a.cos(), unary(), ref=np.cos),
    OpSpec("tanh", lambda a: a.tanh(), unary(), ref=np.tanh),
    OpSpec("sigmoid", lambda a: a.sigmoid(), unary(), ref=_sigmoid),
    OpSpec("relu", lambda a: a.relu(), unary(elements=off_zero), ref=lambda a: a * (a > 0),
           smooth=False),
    OpSpec("leaky_relu", lambda a, slope: mg.leaky_relu(a, slope),
           unary(elements=off_zero, slope=st.sampled_from([0.01, 0.2])), ref=_leaky,
           torch=lambda a, slope: tt().nn.functional.leaky_relu(a, slope), smooth=False),
    OpSpec("clamp", lambda a, min, max: a.clamp(min, max), _clamp_case(),
           ref=lambda a, min, max: np.clip(a, min, max), smooth=False),
    OpSpec("maximum", lambda a, b: mg.maximum(a, b), _max_min_case(), ref=np.maximum,
           torch=lambda a, b: tt().maximum(a, b), smooth=False),
    OpSpec("minimum", lambda a, b: mg.minimum(a, b), _max_min_case(), ref=np.minimum,
           torch=lambda a, b: tt().minimum(a, b), smooth=False),
    OpSpec("where", lambda a, b, cond: mg.where(mg.tensor(cond, device=a.device), a, b),
           _where_case(), ref=lambda a, b, cond: np.where(cond, a, b),
           torch=lambda a, b, cond: tt().where(tt().as_tensor(cond), a, b)),
]
