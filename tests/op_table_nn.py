"""Op specs, the nn surface: padding modes, interpolation, fold/unfold, pixel shuffles,
normalize and distances, kl_div (registered in test_ops_table.py; pooling, grid sampling
and the other convolutions are in op_table_nn_more.py).

The NumPy references are written independently of minigrad's implementation: ``np.pad``'s
modes, ``np.interp`` per axis, sliding windows by loops, explicit sums.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec
from op_table import tt

import minigrad.nn.functional as F
from minigrad.testing import strategies as mst

__all__ = ["NN_SPECS", "tf"]

_NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def tf() -> Any:
    return tt().nn.functional


@st.composite
def _pad_case(draw: Any, mode: str) -> Case:
    n = draw(st.integers(1, 3))
    batched = draw(st.booleans())
    spatial = draw(st.lists(st.integers(2, 4), min_size=n, max_size=n))
    shape = ([2] if batched else []) + [draw(st.integers(1, 2))] + spatial
    pads: list[int] = []
    for size in reversed(spatial):
        top = size - 1 if mode == "reflect" else size if mode == "circular" else 3
        pads += [draw(st.integers(0, top)) for _ in range(2)]
    return Case((draw(mst.arrays(tuple(shape))),), {"pad": tuple(pads), "mode": mode})


def _np_pad(a: np.ndarray, pad: tuple[int, ...], mode: str, value: float = 0.0) -> np.ndarray:
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        return np.pad(a, widths, constant_values=value)
    return np.pad(a, widths, mode=_NP_MODE[mode])


@st.composite
def _crop_case(draw: Any) -> Case:
    shape = draw(mst.shapes(min_dims=1, max_dims=3, min_side=3, max_side=4))
    pads = []
    for size in reversed(shape[-2:]):
        lo = draw(st.integers(-(size // 2), 2))
        pads += [lo, draw(st.integers(-(size + min(lo, 0) - 1), 2))]
    return Case((draw(mst.arrays(shape)),), {"pad": tuple(pads), "value": draw(
        st.sampled_from([0.0, -1.5]))})


def _np_crop_pad(a: np.ndarray, pad: tuple[int, ...], value: float) -> np.ndarray:
    key = [slice(None)] * a.ndim
    for i in range(len(pad) // 2):
        d, lo, hi = a.ndim - 1 - i, pad[2 * i], pad[2 * i + 1]
        key[d] = slice(max(-lo, 0), a.shape[d] - max(-hi, 0))
    a = a[tuple(key)]
    return _np_pad(a, tuple(max(p, 0) for p in pad), "constant", value)


@st.composite
def _interp_case(draw: Any, mode: str) -> Case:
    nd = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}.get(
        mode, draw(st.integers(1, 3)))
    top = 4 if nd < 3 else 2
    spatial = draw(st.lists(st.integers(1, top), min_size=nd, max_size=nd))
    size = tuple(draw(st.lists(st.integers(1, 2 * top - 1), min_size=nd, max_size=nd)))
    kw: dict[str, Any] = {"size": size, "mode": mode}
    if mode in ("linear", "bilinear", "bicubic", "trilinear"):
        kw["align_corners"] = draw(st.booleans())
    return Case((draw(mst.arrays((2, 2, *spatial))),), kw)


def _np_interp(a: np.ndarray, size: tuple[int, ...], mode: str,
               align_corners: bool = False) -> np.ndarray:
    """Resample one axis at a time: nearest by floor of the scaled position, linear by
    ``np.interp`` at PyTorch's source coordinate."""
    for k, out in enumerate(size):
        d, n = k + 2, a.shape[k + 2]
        dst = np.arange(out, dtype=np.float64)
        if mode == "nearest":
            src = np.minimum(np.floor(dst * (n / out) + 1e-9), n - 1).astype(int)
            a = np.take(a, src, axis=d)
            continue
        if mode == "nearest-exact":
            src = np.minimum(np.floor((dst + 0.5) * (n / out) + 1e-9), n - 1).astype(int)
            a = np.take(a, src, axis=d)
            continue
        if mode == "bicubic":
            a = np.moveaxis(_np_cubic_axis(np.moveaxis(a, d, -1), out, align_corners), -1, d)
            continue
        if align_corners:
            pos = dst * ((n - 1) / (out - 1)) if out > 1 else np.zeros(out)
        else:
            pos = np.clip((dst + 0.5) * (n / out) - 0.5, 0, n - 1)
        a = np.apply_along_axis(lambda v, p=pos: np.interp(p, np.arange(len(v)), v), d, a)
    return a


def _keys(x: np.ndarray, a: float = -0.75) -> np.ndarray:
    """Keys' cubic convolution kernel W(x)."""
    x = np.abs(x)
    return np.where(x <= 1, (a + 2) * x**3 - (a + 3) * x**2 + 1,
                    np.where(x < 2, a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a, 0.0))


def _np_cubic_axis(v: np.ndarray, out: int, align_corners: bool) -> np.ndarray:
    """Resample the last axis: Σ_k W(src - k) v[clamp(k)] over the 4 taps around src."""
    n = v.shape[-1]
    res = np.zeros((*v.shape[:-1], out))
    for j in range(out):
        if align_corners:
            src = j * (n - 1) / (out - 1) if out > 1 else 0.0
        else:
            src = (j + 0.5) * n / out - 0.5
        base = int(np.floor(src))
        for k in range(base - 1, base + 3):
            res[..., j] += _keys(np.array(src - k)) * v[..., min(max(k, 0), n - 1)]
    return res


@st.composite
def _unfold_case(draw: Any) -> Case:
    k, dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2))), (1, draw(st.integers(1, 2)))
    pad, stride = (draw(st.integers(0, 1)), draw(st.integers(0, 1))), (1, draw(st.integers(1, 2)))
    h = draw(st.integers(max(1, dil[0] * (k[0] - 1) + 1 - 2 * pad[0]), 4))
    w = draw(st.integers(max(1, dil[1] * (k[1] - 1) + 1 - 2 * pad[1]), 4))
    return Case((draw(mst.arrays((2, 2, h, w))),), {"kernel_size": k, "dilation": dil,
                                                    "padding": pad, "stride": stride})


def _blocks(h: int, w: int, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> Any:
    oh = (h + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1) // stride[0] + 1
    ow = (w + 2 * padding[1] - dilation[1] * (kernel_size[1] - 1) - 1) // stride[1] + 1
    for i in range(kernel_size[0]):
        for j in range(kernel_size[1]):
            for y in range(oh):
                for x in range(ow):
                    yield (i * kernel_size[1] + j, y * ow + x,
                           y * stride[0] + i * dilation[0] - padding[0],
                           x * stride[1] + j * dilation[1] - padding[1])


def _np_unfold(a: np.ndarray, kernel_size: Any, dilation: Any, padding: Any,
               stride: Any) -> np.ndarray:
    n, c, h, w = a.shape
    kk = kernel_size[0] * kernel_size[1]
    spots = list(_blocks(h, w, kernel_size, dilation, padding, stride))
    out = np.zeros((n, c * kk, max(s[1] for s in spots) + 1))
    for kidx, col, y, x in spots:
        if 0 <= y < h and 0 <= x < w:
            out[:, np.arange(c) * kk + kidx, col] = a[:, :, y, x]
    return out


@st.composite
def _fold_case(draw: Any) -> Case:
    case = draw(_unfold_case())
    (a,) = case.arrays
    size = a.shape[2:]
    cols = _np_unfold(a, **case.kwargs)
    return Case((draw(mst.arrays(cols.shape)),), {"output_size": size, **case.kwargs})


def _np_fold(a: np.ndarray, output_size: Any, kernel_size: Any, dilation: Any, padding: Any,
             stride: Any) -> np.ndarray:
    n, ckk, _ = a.shape
    kk = kernel_size[0] * kernel_size[1]
    h, w = output_size
    out = np.zeros((n, ckk // kk, h, w))
    for kidx, col, y, x in _blocks(h, w, kernel_size, dilation, padding, stride):
        if 0 <= y < h and 0 <= x < w:
            out[:, :, y, x] += a[:, np.arange(ckk // kk) * kk + kidx, col]
    return out


def _np_pixel_shuffle(a: np.ndarray, r: int) -> np.ndarray:
    *b, c, h, w = a.shape
    out = np.zeros((*b, c // (r * r), h * r, w * r))
    for ch in range(c):
        i, j = divmod(ch % (r * r), r)
        out[..., ch // (r * r), i::r, j::r] = a[..., ch, :, :]
    return out


def _np_pixel_unshuffle(a: np.ndarray, r: int) -> np.ndarray:
    *b, c, h, w = a.shape
    out = np.zeros((*b, c * r * r, h // r, w // r))
    for ch in range(c * r * r):
        i, j = divmod(ch % (r * r), r)
        out[..., ch, :, :] = a[..., ch // (r * r), i::r, j::r]
    return out


@st.composite
def _shuffle_case(draw: Any, up: bool) -> Case:
    r = draw(st.integers(1, 3))
    b = draw(st.sampled_from([(), (2,), (1, 2)]))
    c, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    shape = (*b, c * r * r, h, w) if up else (*b, c, h * r, w * r)
    return Case((draw(mst.arrays(shape)),), {"r": r})


@st.composite
def _norm_case(draw: Any) -> Case:
    shape = draw(mst.shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    a = draw(mst.arrays(shape, elements=mst.away_from([0.0], 0.3)))
    return Case((a,), {"p": draw(st.sampled_from([1.0, 2.0, 3.0])),
                       "dim": draw(st.integers(-len(shape), len(shape) - 1))})


def _np_normalize(a: np.ndarray, p: float, dim: int) -> np.ndarray:
    n = np.sum(np.abs(a) ** p, axis=dim, keepdims=True) ** (1 / p)
    return a / np.maximum(n, 1e-12)


@st.composite
def _pair_case(draw: Any) -> Case:
    sa, sb = draw(mst.broadcastable_shapes(2, min_dims=1, max_dims=3, max_side=3))
    el = mst.away_from([0.0], 0.3)
    a, b = draw(mst.arrays(sa, elements=el)), draw(mst.arrays(sb, elements=el))
    ndim = max(a.ndim, b.ndim)
    return Case((a, b), {"dim": draw(st.integers(-ndim, ndim - 1))})


def _np_cosine(a: np.ndarray, b: np.ndarray, dim: int) -> np.ndarray:
    a, b = np.broadcast_arrays(a, b)
    na = np.maximum(np.sqrt(np.sum(a * a, axis=dim)), 1e-8)
    nb = np.maximum(np.sqrt(np.sum(b * b, axis=dim)), 1e-8)
    return np.sum(a * b, axis=dim) / (na * nb)


@st.composite
def _dist_case(draw: Any) -> Case:
    sa, sb = draw(mst.broadcastable_shapes(2, min_dims=1, max_dims=3, max_side=3))
    a, b = draw(mst.arrays(sa)), draw(mst.arrays(sb))
    if np.min(np.abs(np.broadcast_arrays(a, b)[0] - np.broadcast_arrays(a, b)[1])) < 0.05:
        b = b + 0.5  # keep |x1 - x2| off the kink of |.|
    return Case((a, b), {"p": draw(st.sampled_from([1.0, 2.0, 3.0])),
                         "keepdim": draw(st.booleans())})


def _np_pairwise(a: np.ndarray, b: np.ndarray, p: float, keepdim: bool) -> np.ndarray:
    d = np.abs(a - b + 1e-6)
    return np.sum(d**p, axis=-1, keepdims=keepdim) ** (1 / p)


@st.composite
def _kl_case(draw: Any) -> Case:
    shape = draw(mst.shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    log_target = draw(st.booleans())
    lo = -3.0 if log_target else 0.05
    return Case((draw(mst.arrays(shape, min_value=-3.0, max_value=0.0)),
                 draw(mst.arrays(shape, min_value=lo, max_value=1.0))),
                {"reduction": draw(st.sampled_from(["none", "sum", "batchmean"])),
                 "log_target": log_target})


def _np_kl(a: np.ndarray, t: np.ndarray, reduction: str, log_target: bool) -> np.ndarray:
    loss = np.exp(t) * (t - a) if log_target else t * (np.log(t) - a)
    if reduction == "none":
        return loss
    return loss.sum() / (a.shape[0] if reduction == "batchmean" else 1)


NN_SPECS = [
    *[OpSpec(f"pad_{mode}", lambda a, pad, mode: F.pad(a, pad, mode=mode), _pad_case(mode),
             ref=_np_pad, torch=lambda a, pad, mode: tf().pad(a, pad, mode=mode))
      for mode in ("reflect", "replicate", "circular")],
    OpSpec("pad_constant_crop", lambda a, pad, value: F.pad(a, pad, value=value),
           _crop_case(), ref=_np_crop_pad,
           torch=lambda a, pad, value: tf().pad(a, pad, value=value)),
    *[OpSpec(f"interpolate_{mode}", lambda a, **kw: F.interpolate(a, **kw), _interp_case(mode),
             ref=_np_interp, torch=lambda a, **kw: tf().interpolate(a, **kw))
      for mode in ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear")],
    OpSpec("nn_unfold", lambda a, **kw: F.unfold(a, **kw), _unfold_case(), ref=_np_unfold,
           torch=lambda a, **kw: tf().unfold(a, **kw)),
    OpSpec("nn_fold", lambda a, **kw: F.fold(a, **kw), _fold_case(), ref=_np_fold,
           torch=lambda a, **kw: tf().fold(a, **kw)),
    OpSpec("pixel_shuffle", lambda a, r: F.pixel_shuffle(a, r), _shuffle_case(True),
           ref=_np_pixel_shuffle, torch=lambda a, r: tf().pixel_shuffle(a, r)),
    OpSpec("pixel_unshuffle", lambda a, r: F.pixel_unshuffle(a, r), _shuffle_case(False),
           ref=_np_pixel_unshuffle, torch=lambda a, r: tf().pixel_unshuffle(a, r)),
    OpSpec("normalize", lambda a, p, dim: F.normalize(a, p, dim), _norm_case(),
           ref=_np_normalize, torch=lambda a, p, dim: tf().normalize(a, p, dim)),
    OpSpec("cosine_similarity", lambda a, b, dim: F.cosine_similarity(a, b, dim), _pair_case(),
           ref=_np_cosine, torch=lambda a, b, dim: tf().cosine_similarity(a, b, dim)),
    OpSpec("pairwise_distance", lambda a, b, p, keepdim: F.pairwise_distance(
        a, b, p, keepdim=keepdim), _dist_case(), ref=_np_pairwise,
        torch=lambda a, b, p, keepdim: tf().pairwise_distance(a, b, p, keepdim=keepdim)),
    OpSpec("kl_div", lambda a, t, **kw: F.kl_div(a, t, **kw), _kl_case(), ref=_np_kl,
           torch=lambda a, t, **kw: tf().kl_div(a, t, **kw)),
]
