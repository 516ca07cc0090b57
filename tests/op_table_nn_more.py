"""Op specs, the nn surface part 2: 1-D and adaptive max pooling, grid_sample/affine_grid,
conv3d and conv_transpose1d (registered in test_ops_table.py), with loop-based NumPy
references.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, distinct
from op_table_nn import tf

import minigrad.nn.functional as F
from minigrad.testing import strategies as mst

__all__ = ["NN_MORE_SPECS"]


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


NN_MORE_SPECS = [
    OpSpec("adaptive_max_pool2d", lambda a, output_size: F.adaptive_max_pool2d(
        a, output_size), _adaptive_case(), ref=_np_adaptive_max,
        torch=lambda a, output_size: tf().adaptive_max_pool2d(a, output_size)),
    OpSpec("max_pool1d", lambda a, **kw: F.max_pool1d(a, **kw), _pool1d_case(),
           ref=lambda a, **kw: _np_pool1d(a, **kw, fn=np.max, fill=-np.inf),
           torch=lambda a, **kw: tf().max_pool1d(a, **kw)),
    OpSpec("avg_pool1d", lambda a, **kw: F.avg_pool1d(a, **kw), _pool1d_case(),
           ref=lambda a, **kw: _np_pool1d(a, **kw, fn=np.mean, fill=0.0),
           torch=lambda a, **kw: tf().avg_pool1d(a, **kw)),
    OpSpec("grid_sample", lambda x, g, **kw: F.grid_sample(x, g, **kw), _grid_case(),
           ref=_np_grid_sample, torch=lambda x, g, **kw: tf().grid_sample(x, g, **kw),
           smooth=False),
    OpSpec("affine_grid", lambda t, **kw: F.affine_grid(t, **kw), _affine_case(),
           ref=_np_affine_grid, torch=lambda t, **kw: tf().affine_grid(t, **kw)),
    OpSpec("conv3d", lambda x, w, **kw: F.conv3d(x, w, **kw), _conv3d_case(), ref=_np_conv3d,
           torch=lambda x, w, **kw: tf().conv3d(x, w, **kw)),
    OpSpec("conv_transpose1d", lambda x, w, **kw: F.conv_transpose1d(x, w, **kw),
           _convt1d_case(), ref=_np_convt1d,
           torch=lambda x, w, **kw: tf().conv_transpose1d(x, w, **kw)),
]
