"""Pooling and sub-sampling: max_pool2d, avg_pool2d, adaptive_avg_pool2d, LeCun's trainable
sub-sampling and plain sub-sampling.

Windows are visited by kernel offset: for each (i, j) one strided slice of the padded input
covers that offset of every window, so a pool costs kH*kW vectorized passes on any backend.
Each pool's backward is another registered op (a scatter to the window offsets), whose own
backward is the pool again: gradients of any order work.

>>> import minigrad as mg
>>> x = mg.arange(16.0).reshape(1, 1, 4, 4)
>>> max_pool2d(x, 2)
tensor([[[[ 5.,  7.],
          [13., 15.]]]], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.backends import backend_of
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor
from .conv_args import check_float, pair

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "max_pool2d", "subsample", "subsampling2d",
]


def _pool_out(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length (a ceil-mode window must start inside the input)."""
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _padded(xp: Any, x: Any, geom: dict[str, Any], value: float) -> Any:
    """``x`` padded by ``padding`` plus whatever ceil_mode windows reach past the edge."""
    (ph, pw), (hi_h, hi_w) = geom["padding"], geom["extra"]
    if not (ph or pw or hi_h or hi_w):
        return x
    n, c, h, w = x.shape
    out = xp.full((n, c, h + ph + hi_h, w + pw + hi_w), value, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _offsets(geom: dict[str, Any]) -> list[tuple[int, tuple[slice, slice, slice, slice]]]:
    """(flat window offset, slice of the padded array covering it in every window)."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = (geom["kernel"], geom["stride"], geom["dilation"],
                                              geom["out"])
    out = []
    for i in range(kh):
        for j in range(kw):
            key = (slice(None), slice(None), slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
                   slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))
            out.append((i * kw + j, key))
    return out


def _scatter(xp: Any, g: Any, geom: dict[str, Any], weights: Any) -> Any:
    """Add ``g * weights(offset)`` to each window offset of a zero padded input; crop."""
    n, c = g.shape[:2]
    h, w = geom["in"]
    (ph, pw), (hi_h, hi_w) = geom["padding"], geom["extra"]
    out = xp.zeros((n, c, h + ph + hi_h, w + pw + hi_w), dtype=g.dtype)
    for t, key in _offsets(geom):
        out[key] += weights(t)
    if ph or pw or hi_h or hi_w:
        out = xp.ascontiguousarray(out[:, :, ph:ph + h, pw:pw + w])
    return out


class MaxPool2d(Op):
    """Max over each window; the arg-max offset (first on ties, NaN wins) goes to saved_aux."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, geom: dict[str, Any]) -> Any:
        self.geom = geom
        xpad = _padded(xp, x, geom, float("-inf"))
        offsets = _offsets(geom)
        best = xpad[offsets[0][1]].copy()
        win = xp.zeros(best.shape, dtype=xp.int16)
        # NaN-aware updates cost two more passes: skipped when the CPU sees no NaN; a GPU
        # takes them always rather than read the probe back to the host (a sync per call)
        nan = x.dtype.kind == "f" and (not backend_of(x).cheap_host_reads
                                       or bool(xp.isnan(x).any()))
        for t, key in offsets[1:]:
            v = xpad[key]
            upd = xp.greater(v, best)
            if nan:
                upd |= v != v  # a NaN in the window wins, as in PyTorch
            xp.copyto(best, v, where=upd)
            xp.copyto(win, t, where=upd)
        self.saved_aux = win
        return best

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.max_pool2d_scatter(g, win=self.saved_aux, geom=self.geom),)


class MaxPool2dScatter(Op):
    """Max-pool backward: each output gradient goes to its window's arg-max."""

    save_inputs = False

    def forward(self, xp: Any, g: Any, win: Any, geom: dict[str, Any]) -> Any:
        self.win, self.geom = win, geom
        return _scatter(xp, g, geom, lambda t: g * (win == t))

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.max_pool2d_gather(g, win=self.win, geom=self.geom),)


class MaxPool2dGather(Op):
    """Read each window's arg-max position (the adjoint of :class:`MaxPool2dScatter`)."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, win: Any, geom: dict[str, Any]) -> Any:
        self.win, self.geom = win, geom
        xpad = _padded(xp, x, geom, 0.0)
        out = xp.zeros(win.shape, dtype=x.dtype)
        for t, key in _offsets(geom):
            xp.copyto(out, xpad[key], where=win == t)
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.max_pool2d_scatter(g, win=self.win, geom=self.geom),)


class AvgPool2d(Op):
    """``scale * (sum over each window)``; ``scale`` is 1/divisor per output position."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, scale: Any, geom: dict[str, Any]) -> Any:
        self.scale, self.geom = scale, geom
        xpad = _padded(xp, x, geom, 0.0)
        offsets = _offsets(geom)
        acc = xpad[offsets[0][1]].copy()
        for _, key in offsets[1:]:
            acc += xpad[key]
        acc *= scale
        return acc

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.avg_pool2d_scatter(g, scale=self.scale, geom=self.geom),)


class AvgPool2dScatter(Op):
    """Avg-pool backward: ``g * scale`` spread over every element of its window."""

    save_inputs = False

    def forward(self, xp: Any, g: Any, scale: Any, geom: dict[str, Any]) -> Any:
        self.scale, self.geom = scale, geom
        gs = g * scale
        return _scatter(xp, gs, geom, lambda t: gs)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.avg_pool2d(g, scale=self.scale, geom=self.geom),)


for _name, _cls in (("max_pool2d", MaxPool2d), ("max_pool2d_scatter", MaxPool2dScatter),
                    ("max_pool2d_gather", MaxPool2dGather), ("avg_pool2d", AvgPool2d),
                    ("avg_pool2d_scatter", AvgPool2dScatter)):
    register_math(_name, _cls)


def _geometry(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool) -> dict[str, Any]:
    if x.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    k = pair(kernel_size, "kernel_size", op, 1)
    s = k if stride is None or stride == () else pair(stride, "stride", op, 1)
    p = pair(padding, "padding", op, 0)
    d = pair(dilation, "dilation", op, 1)
    h, w = x.shape[2:]
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ShapeError(f"{op}: `padding` {p} must be at most half of `kernel_size` {k}")
    out = tuple(_pool_out(n, kk, ss, pp, dd, ceil_mode)
                for n, kk, ss, pp, dd in zip((h, w), k, s, p, d, strict=True))
    if out[0] < 1 or out[1] < 1:
        raise ShapeError(f"{op}: output size {out} would be empty: kernel {k} (dilation {d}) "
                         f"does not fit the padded input {(h + 2 * p[0], w + 2 * p[1])} "
                         f"(input {x.shape})")
    extra = tuple(max(0, (o - 1) * ss + dd * (kk - 1) + 1 - (n + pp))
                  for o, ss, dd, kk, n, pp in zip(out, s, d, k, (h, w), p, strict=True))
    return {"kernel": k, "stride": s, "padding": p, "dilation": d, "out": out, "in": (h, w),
            "extra": extra}


def max_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
    ceil_mode: bool = False, return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """2-D max pooling as ``torch.nn.functional.max_pool2d`` (NCHW input).

    The gradient goes to the arg-max of each window (the first one on ties). With
    ``return_indices`` also returns int64 flat indices into each ``H*W`` plane, as PyTorch.
    A window lying wholly in the padding gives ``-inf`` and no gradient; its index then points
    at the padding (PyTorch returns another out-of-window index there).

    >>> import minigrad as mg
    >>> max_pool2d(mg.ones(1, 2, 5, 5), 2, ceil_mode=True).shape
    Size([1, 2, 3, 3])
    """
    check_tensor(input, "max_pool2d")
    geom = _geometry("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    out = MaxPool2d.apply(input, geom=geom)
    if not return_indices:
        return out
    node = out.grad_fn
    win = node.saved_aux if node is not None else None
    if win is None:
        probe = MaxPool2d.__new__(MaxPool2d)
        probe.forward(input._backend.xp, input._data, geom=geom)
        win = probe.saved_aux
    xp = input._backend.xp
    (kw, (sh, sw), (dh, dw), (ph, pw)) = (geom["kernel"][1], geom["stride"], geom["dilation"],
                                           geom["padding"])
    oh, ow = geom["out"]
    rows = xp.arange(oh).reshape(oh, 1) * sh - ph + (win // kw) * dh
    cols = xp.arange(ow) * sw - pw + (win % kw) * dw
    return out, Tensor._make((rows * input.shape[3] + cols).astype(xp.int64), None)


def _avg_scale(xp: Any, geom: dict[str, Any], count_include_pad: bool,
               divisor_override: int | None, dtype: Any) -> Any:
    if divisor_override is not None:
        return xp.asarray(1.0 / divisor_override, dtype=dtype)
    counts = []
    for o, s, k, p, n in zip(geom["out"], geom["stride"], geom["kernel"], geom["padding"],
                             geom["in"], strict=True):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, n)
        counts.append(end - start)
    return (1.0 / (counts[0].reshape(-1, 1) * counts[1].reshape(1, -1))).astype(dtype)


def avg_pool2d(
    input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
    ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling as ``torch.nn.functional.avg_pool2d`` (NCHW input).

    >>> import minigrad as mg
    >>> avg_pool2d(mg.ones(1, 1, 4, 4), 2, padding=1, count_include_pad=False)[0, 0, 0]
    tensor([1., 1., 1.], dtype=float32, device='cpu')
    """
    (input,) = check_float("avg_pool2d", input=input)
    geom = _geometry("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (isinstance(divisor_override, bool)
                                         or int(divisor_override) < 1):
        raise ShapeError(f"avg_pool2d: `divisor_override` must be a positive int, got "
                         f"{divisor_override!r}")
    scale = _avg_scale(input._backend.xp, geom, count_include_pad, divisor_override,
                       input.dtype)
    return AvgPool2d.apply(input, scale=scale, geom=geom)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Adaptive average pooling as ``torch.nn.functional.adaptive_avg_pool2d``.

    Bin ``i`` of ``n`` outputs over ``H`` rows covers ``[floor(i*H/n), ceil((i+1)*H/n))``; the
    pool is ``P_h @ x @ P_w^T`` with averaging matrices, so it is differentiable at any order.
    ``None`` in ``output_size`` keeps that input size.

    >>> import minigrad as mg
    >>> adaptive_avg_pool2d(mg.ones(2, 3, 7, 5), (2, 3)).shape
    Size([2, 3, 2, 3])
    """
    (input,) = check_float("adaptive_avg_pool2d", input=input)
    if input.ndim not in (3, 4):
        raise ShapeError(f"adaptive_avg_pool2d: expected a 3-D or 4-D input, got shape "
                         f"{input.shape}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    if len(sizes) != 2:
        raise ShapeError(f"adaptive_avg_pool2d: `output_size` must be an int or a pair, got "
                         f"{output_size!r}")
    xp = input._backend.xp
    mats = []
    for n, o in zip(input.shape[-2:], sizes, strict=True):
        o = n if o is None else o
        if isinstance(o, bool) or not isinstance(o, int) or o < 1:
            raise ShapeError(f"adaptive_avg_pool2d: `output_size` must hold positive ints, "
                             f"got {output_size!r}")
        i = xp.arange(o).reshape(-1, 1)
        j = xp.arange(n).reshape(1, -1)
        start, end = (i * n) // o, -((-(i + 1) * n) // o)
        inside = (j >= start) & (j < end)
        mats.append(Tensor._make((inside / (end - start)).astype(input.dtype), None))
    return mats[0] @ input @ mats[1].transpose(0, 1)


def subsampling2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                  kernel_size: Any = 2, stride: Any = None) -> Tensor:
    """LeCun's trainable sub-sampling: ``weight[c] * (sum of each KxK block) + bias[c]``.

    ``weight`` (alpha) and ``bias`` have one learnable entry per channel (LeNet-5's S2/S4
    layers, before their squashing function); blocks do not overlap unless ``stride`` is given.

    >>> import minigrad as mg
    >>> subsampling2d(mg.ones(1, 2, 4, 4), mg.tensor([1.0, 0.5]), mg.zeros(2), 2)[0, :, 0, 0]
    tensor([4., 2.], dtype=float32, device='cpu')
    """
    input, weight, bias = check_float("subsampling2d", input=input, weight=weight, bias=bias)
    if input.ndim != 4:
        raise ShapeError(f"subsampling2d: expected a 4-D input (N, C, H, W), got shape "
                         f"{input.shape}")
    c = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"subsampling2d: `{name}` must have shape ({c},) (one per input "
                             f"map), got {t.shape}")
    geom = _geometry("subsampling2d", input, kernel_size, stride, 0, 1, False)
    one = input._backend.xp.asarray(1.0, dtype=input.dtype)
    out = AvgPool2d.apply(input, scale=one, geom=geom) * weight.reshape(1, c, 1, 1)
    return out if bias is None else out + bias.reshape(1, c, 1, 1)


def subsample(input: Tensor, factor: Any) -> Tensor:
    """Plain sub-sampling: keep every ``factor``-th pixel (``x[:, :, ::kh, ::kw]``).

    >>> import minigrad as mg
    >>> subsample(mg.arange(16.0).reshape(1, 1, 4, 4), 2)[0, 0]
    tensor([[ 0.,  2.],
            [ 8., 10.]], dtype=float32, device='cpu')
    """
    check_tensor(input, "subsample")
    if input.ndim < 2:
        raise ShapeError(f"subsample: expected at least 2 spatial dims, got shape {input.shape}")
    if isinstance(factor, bool):
        raise MinigradTypeError(f"subsample: `factor` must be an int or a pair, got {factor!r}")
    kh, kw = pair(factor, "factor", "subsample", 1)
    return input[..., ::kh, ::kw]
