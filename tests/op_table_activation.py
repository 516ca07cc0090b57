"""Op specs, activations, normalisation and embedding: forward against NumPy, gradients,
second order and PyTorch (registered in test_ops_table.py like the other tables)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, distinct, unary
from op_table import tt

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.testing import strategies as mst

__all__ = ["ACTIVATION_SPECS", "NORM_SPECS"]

_np_erf = np.vectorize(math.erf, otypes=[np.float64])
_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _tf() -> Any:
    return tt().nn.functional


def _sig(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _np_gelu(a: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "tanh":
        return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))
    return 0.5 * a * (1 + _np_erf(a / math.sqrt(2)))


def _np_elu(a: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0)))


def _np_softplus(a: np.ndarray, beta: float, threshold: float) -> np.ndarray:
    return np.where(a * beta > threshold, a, np.log1p(np.exp(a * beta)) / beta)


def _away(*points: float, margin: float = 0.05, lo: float = -3.0, hi: float = 3.0,
          shape: Any = None, **kwargs: Any) -> Any:
    """One input kept ``margin`` off the kinks at ``points``, plus drawn parameters."""
    return unary(elements=mst.away_from(points, margin, lo, hi), shape=shape, **kwargs)


def _f(name: str) -> Any:
    return lambda a, **kw: getattr(F, name)(a, **kw)


def _t(name: str) -> Any:
    return lambda a, **kw: getattr(_tf(), name)(a, **kw)


def _spec(name: str, ref: Any, case: Any, smooth: bool = True) -> OpSpec:
    return OpSpec(name, _f(name), case, ref=ref, torch=_t(name), smooth=smooth)


ACTIVATION_SPECS = [
    _spec("gelu", _np_gelu, unary(-4.0, 4.0, approximate=st.sampled_from(["none", "tanh"]))),
    _spec("silu", lambda a: a * _sig(a), unary(-5.0, 5.0)),
    _spec("softplus", _np_softplus, unary(
        -4.0, 4.0, beta=st.sampled_from([0.5, 1.0, 3.0]),
        threshold=st.sampled_from([20.0, 2.0])).filter(  # off the switch to linear
            lambda c: np.all(np.abs(c.arrays[0] * c.kwargs["beta"] - c.kwargs["threshold"])
                             > 0.05))),
    _spec("elu", _np_elu, _away(0.0, alpha=st.sampled_from([1.0, 0.5, 2.0]))),
    _spec("selu", lambda a: _SELU_SCALE * _np_elu(a, _SELU_ALPHA), _away(0.0)),
    _spec("celu", lambda a, alpha: np.where(a > 0, a, alpha * np.expm1(np.minimum(a, 0) / alpha)),
          _away(0.0, alpha=st.sampled_from([1.0, 0.5, 2.0]))),
    _spec("mish", lambda a: a * np.tanh(np.log1p(np.exp(a))), unary(-5.0, 5.0)),
    _spec("softsign", lambda a: a / (1 + np.abs(a)), _away(0.0)),
    _spec("tanhshrink", lambda a: a - np.tanh(a), unary()),
    _spec("logsigmoid", lambda a: -np.log1p(np.exp(-a)), unary(-5.0, 5.0)),
    _spec("hardtanh", lambda a, min_val, max_val: np.clip(a, min_val, max_val),
          _away(-1.0, 1.0, -0.5, 2.0, min_val=st.sampled_from([-1.0, -0.5]),
                max_val=st.sampled_from([1.0, 2.0])), smooth=False),
    _spec("relu6", lambda a: np.clip(a, 0, 6), _away(0.0, 6.0, lo=-3.0, hi=8.0), smooth=False),
    _spec("hardswish", lambda a: a * np.clip(a + 3, 0, 6) / 6, _away(-3.0, 3.0, lo=-5.0,
          hi=5.0)),
    _spec("hardsigmoid", lambda a: np.clip(a + 3, 0, 6) / 6, _away(-3.0, 3.0, lo=-5.0, hi=5.0),
          smooth=False),
    _spec("softshrink", lambda a, lambd: np.where(np.abs(a) > lambd, a - np.sign(a) * lambd, 0),
          _away(-0.5, 0.5, -1.0, 1.0, lambd=st.sampled_from([0.5, 1.0])), smooth=False),
    _spec("hardshrink", lambda a, lambd: np.where(np.abs(a) > lambd, a, 0),
          _away(-0.5, 0.5, -1.0, 1.0, lambd=st.sampled_from([0.5, 1.0])), smooth=False),
    _spec("threshold", lambda a, threshold, value: np.where(a > threshold, a, value),
          _away(0.5, threshold=st.just(0.5), value=st.sampled_from([-2.0, 0.0, 3.0])),
          smooth=False),
    OpSpec("F.leaky_relu", _f("leaky_relu"),  # the F form, with its inplace= argument
           _away(0.0, negative_slope=st.sampled_from([0.01, 0.2])),
           ref=lambda a, negative_slope: np.where(a > 0, a, a * negative_slope),
           torch=_t("leaky_relu"), smooth=False),
    OpSpec("prelu", lambda a, w: F.prelu(a, w), st.builds(
        lambda c, w: Case((c.arrays[0], w[: c.arrays[0].shape[1]]
                           if c.arrays[0].ndim >= 2 else w[:1])), _away(
            0.0, shape=mst.shapes(min_dims=1, max_dims=4)), mst.arrays((4,), min_value=-1.0,
                                                                       max_value=1.0)),
           ref=lambda a, w: np.where(a > 0, a, a * (w.reshape((-1,) + (1,) * (a.ndim - 2))
                                                    if a.ndim >= 2 else w)),
           torch=lambda a, w: _tf().prelu(a, w), smooth=False),
    OpSpec("glu", lambda a, dim: F.glu(a, dim), st.builds(
        lambda a, d: Case((a,), {"dim": d}),
        mst.arrays(mst.shapes(min_dims=1, max_dims=3).map(lambda s: (*s[:-1], 2 * s[-1]))),
        st.just(-1)), ref=lambda a, dim: np.split(a, 2, axis=dim)[0] * _sig(
            np.split(a, 2, axis=dim)[1]), torch=lambda a, dim: _tf().glu(a, dim)),
]


# ---------------------------------------------------------------------------- normalisation
# inputs are ``distinct`` (pairwise 0.3 apart): a constant group has zero variance, where the
# result is all rounding and the gradient all eps
def _np_norm(a: np.ndarray, axes: tuple[int, ...], eps: float, centre: bool = True) -> Any:
    c = a - a.mean(axis=axes, keepdims=True) if centre else a
    return c / np.sqrt((c * c).mean(axis=axes, keepdims=True) + eps)


@st.composite
def _layer_case(draw: Any, bias: bool = True) -> Case:
    shape = draw(mst.shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
    k = draw(st.integers(1, len(shape)))
    ns = shape[len(shape) - k:]
    arrays = [draw(distinct(st.just(shape))),
              draw(mst.arrays(ns, min_value=0.5, max_value=2.0))]
    if bias:
        arrays.append(draw(mst.arrays(ns)))
    return Case(tuple(arrays), {"normalized_shape": ns, "eps": draw(st.sampled_from([1e-5, 0.1]))})


@st.composite
def _group_case(draw: Any) -> Case:
    g = draw(st.integers(1, 3))
    c = g * draw(st.integers(1, 2))
    spatial = draw(mst.shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    shape = (draw(st.integers(1, 2)), c, *spatial)
    if int(np.prod(shape)) // (shape[0] * g) < 2:
        shape = (*shape, 2)
    return Case((draw(distinct(st.just(shape))),
                 draw(mst.arrays((c,), min_value=0.5, max_value=2.0)),
                 draw(mst.arrays((c,)))), {"num_groups": g, "eps": 1e-5})


@st.composite
def _instance_case(draw: Any) -> Case:
    c = draw(st.integers(1, 3))
    spatial = draw(mst.shapes(min_dims=1, max_dims=2, min_side=2, max_side=3))
    shape = (draw(st.integers(1, 2)), c, *spatial)
    return Case((draw(distinct(st.just(shape))),
                 draw(mst.arrays((c,), min_value=0.5, max_value=2.0)),
                 draw(mst.arrays((c,)))), {"eps": 1e-5})


def _np_layer(a: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *,
              normalized_shape: tuple[int, ...], eps: float) -> np.ndarray:
    axes = tuple(range(a.ndim - len(normalized_shape), a.ndim))
    out = _np_norm(a, axes, eps) * w
    return out if b is None else out + b


def _np_group(a: np.ndarray, w: np.ndarray, b: np.ndarray, *, num_groups: int,
              eps: float) -> np.ndarray:
    n, c = a.shape[:2]
    y = _np_norm(a.reshape(n, num_groups, -1), (2,), eps).reshape(a.shape)
    view = (c,) + (1,) * (a.ndim - 2)
    return y * w.reshape(view) + b.reshape(view)


def _np_instance(a: np.ndarray, w: np.ndarray, b: np.ndarray, *, eps: float) -> np.ndarray:
    view = (a.shape[1],) + (1,) * (a.ndim - 2)
    return _np_norm(a, tuple(range(2, a.ndim)), eps) * w.reshape(view) + b.reshape(view)


NORM_SPECS = [
    OpSpec("layer_norm", lambda a, w, b, **kw: F.layer_norm(a, weight=w, bias=b, **kw),
           _layer_case(), ref=_np_layer,
           torch=lambda a, w, b, **kw: _tf().layer_norm(a, weight=w, bias=b, **kw)),
    OpSpec("rms_norm", lambda a, w, **kw: F.rms_norm(a, weight=w, **kw), _layer_case(False),
           ref=lambda a, w, normalized_shape, eps: _np_norm(
               a, tuple(range(a.ndim - len(normalized_shape), a.ndim)), eps, False) * w,
           torch=lambda a, w, **kw: _tf().rms_norm(a, weight=w, **kw)),
    OpSpec("group_norm", lambda a, w, b, **kw: F.group_norm(a, weight=w, bias=b, **kw),
           _group_case(), ref=_np_group,
           torch=lambda a, w, b, **kw: _tf().group_norm(a, weight=w, bias=b, **kw)),
    OpSpec("instance_norm", lambda a, w, b, **kw: F.instance_norm(a, weight=w, bias=b, **kw),
           _instance_case(), ref=_np_instance,
           torch=lambda a, w, b, **kw: _tf().instance_norm(a, weight=w, bias=b, **kw)),
]


@st.composite
def _embedding_case(draw: Any) -> Case:
    rows, dim = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    index_shape = draw(mst.shapes(min_dims=0, max_dims=2, min_side=0, max_side=4))
    index = draw(mst.arrays(index_shape, dtype="int64", min_value=0, max_value=rows - 1))
    return Case((draw(mst.arrays((rows, dim))),), {"index": index})


NORM_SPECS.append(OpSpec(
    "embedding", lambda w, index: F.embedding(mg.tensor(index, device=w.device), w),
    _embedding_case(), ref=lambda w, index: w[index],
    torch=lambda w, index: _tf().embedding(tt().as_tensor(index), w)))
