"""Op specs, the nn surface: padding modes, interpolation, fold/unfold, pixel shuffles,
normalize and distances, kl_div, conv_transpose1d (registered in test_ops_table.py).

The NumPy references are written independently of minigrad's implementation: ``np.pad``'s
modes, ``np.interp`` per axis, sliding windows by loops, explicit sums.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, distinct
from op_table import tt

import minigrad.nn.functional as F
from minigrad.ops.conv import conv_transpose1d
from minigrad.testing import strategies as mst

__all__ = ["NN_SPECS"]

_NP_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _tf() -> Any:
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


@st.composite
def _convt1d_case(draw: Any) -> Case:
    g = draw(st.integers(1, 2))
    cin, cout, k = 2 * g, draw(st.integers(1, 2)) * g, draw(st.integers(1, 3))
    stride, dil = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    out_pad = draw(st.integers(0, stride - 1))
    x = draw(mst.arrays((2, cin, draw(st.integers(1, 4)))))
    w = draw(mst.arrays((cin, cout // g, k)))
    return Case((x, w), {"stride": stride, "output_padding": out_pad, "groups": g,
                         "dilation": dil})


def _np_convt1d(x: np.ndarray, w: np.ndarray, stride: int, output_padding: int, groups: int,
                dilation: int) -> np.ndarray:
    n, cin, length = x.shape
    cg, k = w.shape[1], w.shape[2]
    out = np.zeros((n, cg * groups, (length - 1) * stride + dilation * (k - 1) + output_padding
                    + 1))
    per = cin // groups
    for c in range(cin):
        grp = c // per
        for o in range(cg):
            for i in range(length):
                for j in range(k):
                    out[:, grp * cg + o, i * stride + j * dilation] += x[:, c, i] * w[c, o, j]
    return out


@st.composite
def _adaptive_case(draw: Any) -> Case:
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    a = draw(distinct(st.just((2, 2, h, w))))
    return Case((a,), {"output_size": (draw(st.integers(1, 5)), draw(st.integers(1, 5)))})


def _np_adaptive_max(a: np.ndarray, output_size: Any) -> np.ndarray:
    (h, w), (oh, ow) = a.shape[2:], output_size
    out = np.zeros((*a.shape[:2], oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * h // oh, -(-(i + 1) * h // oh))
            cols = slice(j * w // ow, -(-(j + 1) * w // ow))
            out[:, :, i, j] = a[:, :, rows, cols].max(axis=(2, 3))
    return out


@st.composite
def _pool1d_case(draw: Any) -> Case:
    k = draw(st.integers(1, 3))
    pad = draw(st.integers(0, k // 2))
    length = draw(st.integers(max(1, k - 2 * pad), 6))
    shape = draw(st.sampled_from([(length,), (2, length)]))
    return Case((draw(distinct(st.just((2, *shape)))),),
                {"kernel_size": k, "stride": draw(st.integers(1, 2)), "padding": pad})


def _np_pool1d(a: np.ndarray, kernel_size: int, stride: int, padding: int,
               fn: Any, fill: float) -> np.ndarray:
    p = np.pad(a, [(0, 0)] * (a.ndim - 1) + [(padding, padding)], constant_values=fill)
    n = (p.shape[-1] - kernel_size) // stride + 1
    return np.stack([fn(p[..., i * stride:i * stride + kernel_size], axis=-1)
                     for i in range(n)], axis=-1)


_OFF = 0.0123457  # keeps drawn grid points off pixel centres, clip and reflection edges


@st.composite
def _grid_case(draw: Any) -> Case:
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ho, wo = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = draw(mst.arrays((2, 2, h, w)))
    g = draw(mst.arrays((2, ho, wo, 2), elements=st.integers(-6, 6).map(
        lambda k: k * 0.25 + _OFF)))
    return Case((x, g), {"mode": draw(st.sampled_from(["bilinear", "nearest"])),
                         "padding_mode": draw(st.sampled_from(["zeros", "border", "reflection"])),
                         "align_corners": draw(st.booleans())})


def _np_reflect(x: float, lo: float, hi: float) -> float:
    if lo == hi:
        return 0.0
    low, span = lo / 2, (hi - lo) / 2
    d = abs(x - low)
    flips, extra = int(d // span), d % span
    return extra + low if flips % 2 == 0 else span - extra + low


def _np_grid_sample(x: np.ndarray, g: np.ndarray, mode: str, padding_mode: str,
                    align_corners: bool) -> np.ndarray:
    n, c, h, w = x.shape
    out = np.zeros((n, c, *g.shape[1:3]))

    def coord(v: float, size: int) -> float:
        p = (v + 1) / 2 * (size - 1) if align_corners else ((v + 1) * size - 1) / 2
        if padding_mode == "reflection":
            p = _np_reflect(p, 0, 2 * (size - 1)) if align_corners else _np_reflect(
                p, -1, 2 * size - 1)
        if padding_mode != "zeros":
            p = min(max(p, 0), size - 1)
        return p

    def pixel(b: int, yy: int, xx: int) -> np.ndarray:
        return x[b, :, yy, xx] if 0 <= yy < h and 0 <= xx < w else np.zeros(c)

    for b in range(n):
        for i in range(g.shape[1]):
            for j in range(g.shape[2]):
                px, py = coord(g[b, i, j, 0], w), coord(g[b, i, j, 1], h)
                if mode == "nearest":
                    out[b, :, i, j] = pixel(b, int(np.rint(py)), int(np.rint(px)))
                    continue
                x0, y0 = int(np.floor(px)), int(np.floor(py))
                fx, fy = px - x0, py - y0
                out[b, :, i, j] = ((1 - fy) * (1 - fx) * pixel(b, y0, x0)
                                   + (1 - fy) * fx * pixel(b, y0, x0 + 1)
                                   + fy * (1 - fx) * pixel(b, y0 + 1, x0)
                                   + fy * fx * pixel(b, y0 + 1, x0 + 1))
    return out


@st.composite
def _affine_case(draw: Any) -> Case:
    ac = draw(st.booleans())  # unit sizes with align_corners warn (as torch)
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1 + ac, 4)), draw(st.integers(1 + ac, 4))
    return Case((draw(mst.arrays((n, 2, 3))),), {"size": (n, 1, h, w), "align_corners": ac})


def _np_affine_grid(theta: np.ndarray, size: Any, align_corners: bool) -> np.ndarray:
    _, _, h, w = size

    def base(k: int) -> np.ndarray:
        if k == 1:
            return np.zeros(1)
        lin = np.linspace(-1, 1, k)
        return lin if align_corners else lin * (k - 1) / k

    xs, ys = np.meshgrid(base(w), base(h))
    pts = np.stack([xs, ys, np.ones_like(xs)], axis=-1)  # (h, w, 3)
    return np.einsum("hwk,nik->nhwi", pts, theta)


@st.composite
def _conv3d_case(draw: Any) -> Case:
    g = draw(st.integers(1, 2))
    cin, cout = g * draw(st.integers(1, 2)), g * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 2)) for _ in range(3))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(3))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(3))
    size = tuple(draw(st.integers(max(1, kk - 2 * p), 3)) for kk, p in zip(k, padding,
                                                                             strict=True))
    return Case((draw(mst.arrays((2, cin, *size))), draw(mst.arrays((cout, cin // g, *k)))),
                {"stride": stride, "padding": padding, "groups": g})


def _np_conv3d(x: np.ndarray, w: np.ndarray, stride: Any, padding: Any,
               groups: int) -> np.ndarray:
    x = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    n, _, *size = x.shape
    o, cg, *k = w.shape
    out_size = [(sz - kk) // s + 1 for sz, kk, s in zip(size, k, stride, strict=True)]
    out = np.zeros((n, o, *out_size))
    per = o // groups
    for oc in range(o):
        grp = oc // per
        for z, y, xx in np.ndindex(*out_size):
            patch = x[:, grp * cg:(grp + 1) * cg, z * stride[0]:z * stride[0] + k[0],
                      y * stride[1]:y * stride[1] + k[1], xx * stride[2]:xx * stride[2] + k[2]]
            out[:, oc, z, y, xx] = np.sum(patch * w[oc], axis=(1, 2, 3, 4))
    return out


NN_SPECS = [
    *[OpSpec(f"pad_{mode}", lambda a, pad, mode: F.pad(a, pad, mode=mode), _pad_case(mode),
             ref=_np_pad, torch=lambda a, pad, mode: _tf().pad(a, pad, mode=mode))
      for mode in ("reflect", "replicate", "circular")],
    OpSpec("pad_constant_crop", lambda a, pad, value: F.pad(a, pad, value=value),
           _crop_case(), ref=_np_crop_pad,
           torch=lambda a, pad, value: _tf().pad(a, pad, value=value)),
    *[OpSpec(f"interpolate_{mode}", lambda a, **kw: F.interpolate(a, **kw), _interp_case(mode),
             ref=_np_interp, torch=lambda a, **kw: _tf().interpolate(a, **kw))
      for mode in ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear")],
    OpSpec("nn_unfold", lambda a, **kw: F.unfold(a, **kw), _unfold_case(), ref=_np_unfold,
           torch=lambda a, **kw: _tf().unfold(a, **kw)),
    OpSpec("nn_fold", lambda a, **kw: F.fold(a, **kw), _fold_case(), ref=_np_fold,
           torch=lambda a, **kw: _tf().fold(a, **kw)),
    OpSpec("pixel_shuffle", lambda a, r: F.pixel_shuffle(a, r), _shuffle_case(True),
           ref=_np_pixel_shuffle, torch=lambda a, r: _tf().pixel_shuffle(a, r)),
    OpSpec("pixel_unshuffle", lambda a, r: F.pixel_unshuffle(a, r), _shuffle_case(False),
           ref=_np_pixel_unshuffle, torch=lambda a, r: _tf().pixel_unshuffle(a, r)),
    OpSpec("normalize", lambda a, p, dim: F.normalize(a, p, dim), _norm_case(),
           ref=_np_normalize, torch=lambda a, p, dim: _tf().normalize(a, p, dim)),
    OpSpec("cosine_similarity", lambda a, b, dim: F.cosine_similarity(a, b, dim), _pair_case(),
           ref=_np_cosine, torch=lambda a, b, dim: _tf().cosine_similarity(a, b, dim)),
    OpSpec("pairwise_distance", lambda a, b, p, keepdim: F.pairwise_distance(
        a, b, p, keepdim=keepdim), _dist_case(), ref=_np_pairwise,
        torch=lambda a, b, p, keepdim: _tf().pairwise_distance(a, b, p, keepdim=keepdim)),
    OpSpec("kl_div", lambda a, t, **kw: F.kl_div(a, t, **kw), _kl_case(), ref=_np_kl,
           torch=lambda a, t, **kw: _tf().kl_div(a, t, **kw)),
    OpSpec("adaptive_max_pool2d", lambda a, output_size: F.adaptive_max_pool2d(
        a, output_size), _adaptive_case(), ref=_np_adaptive_max,
        torch=lambda a, output_size: _tf().adaptive_max_pool2d(a, output_size)),
    OpSpec("max_pool1d", lambda a, **kw: F.max_pool1d(a, **kw), _pool1d_case(),
           ref=lambda a, **kw: _np_pool1d(a, **kw, fn=np.max, fill=-np.inf),
           torch=lambda a, **kw: _tf().max_pool1d(a, **kw)),
    OpSpec("avg_pool1d", lambda a, **kw: F.avg_pool1d(a, **kw), _pool1d_case(),
           ref=lambda a, **kw: _np_pool1d(a, **kw, fn=np.mean, fill=0.0),
           torch=lambda a, **kw: _tf().avg_pool1d(a, **kw)),
    OpSpec("grid_sample", lambda x, g, **kw: F.grid_sample(x, g, **kw), _grid_case(),
           ref=_np_grid_sample, torch=lambda x, g, **kw: _tf().grid_sample(x, g, **kw),
           smooth=False),
    OpSpec("affine_grid", lambda t, **kw: F.affine_grid(t, **kw), _affine_case(),
           ref=_np_affine_grid, torch=lambda t, **kw: _tf().affine_grid(t, **kw)),
    OpSpec("conv3d", lambda x, w, **kw: F.conv3d(x, w, **kw), _conv3d_case(), ref=_np_conv3d,
           torch=lambda x, w, **kw: _tf().conv3d(x, w, **kw)),
    OpSpec("conv_transpose1d", lambda x, w, **kw: conv_transpose1d(x, w, **kw),
           _convt1d_case(), ref=_np_convt1d,
           torch=lambda x, w, **kw: _tf().conv_transpose1d(x, w, **kw)),
]
