"""Convolutions: conv2d, conv1d, conv_transpose2d/1d, with connection tables (LeNet-5's C3).

Three differentiable ops close under differentiation, so gradients of any order work:

* ``Conv2d(x, w[, b])``: cross-correlation, lowered to im2col + one matmul;
* ``ConvTranspose2d(y, w[, b])``: its adjoint in ``x`` (the full correlation with the kernel
  rotated 180 degrees), which is conv2d's input gradient;
* ``Conv2dWeight(x, gy)``: the correlation of the input with the output gradient, which is
  conv2d's weight gradient.

Each one's backward is written with the other two, through ``m``.

>>> import minigrad as mg
>>> x = mg.ones(1, 1, 3, 3, requires_grad=True); w = mg.ones(1, 1, 2, 2, requires_grad=True)
>>> y = conv2d(x, w); y.sum().backward(); x.grad[0, 0]
tensor([[1., 2., 1.],
        [2., 4., 2.],
        [1., 2., 1.]], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.backends import backend_of
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.grad_mode import is_grad_enabled
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from .conv_args import check_float, normalize_padding, pair
from .conv_kernels import conv2d_forward, conv2d_input_grad, conv2d_weight_grad

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d"]


class Conv2d(Op):
    """``out[n, o] = sum_c (x[n, c] ⋆ w[o, c]) + b[o]`` over NCHW arrays (see :func:`conv2d`)."""

    def forward(self, xp: Any, x: Any, w: Any, *bias: Any, stride: Any, padding: Any,
                dilation: Any, groups: int, keep_cols: bool = False) -> Any:
        self.geom = {"stride": stride, "padding": padding, "dilation": dilation,
                     "groups": groups}
        out, cols = conv2d_forward(backend_of(x), x, w, bias[0] if bias else None, stride,
                                   padding, dilation, groups, keep_cols=keep_cols)
        if cols is not None:
            self.saved_aux = cols
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        x, w = inputs[0], inputs[1]
        need = self.needs_input_grad
        p = self.geom
        gx = m.conv_transpose2d(g, w, in_size=tuple(x.shape[2:]), **p) if need[0] else None
        gw = None
        if need[1]:
            cols = self.__dict__.get("saved_aux")
            if cols is not None and not isinstance(g, Tensor):
                # fast path: reuse the forward's columns (same value as m.conv2d_weight)
                gw = conv2d_weight_grad(self.backend, None, g, tuple(w.shape[2:]),
                                        cols=cols, **p)
            else:
                gw = m.conv2d_weight(x, g, kernel_size=tuple(w.shape[2:]), **p)
        if len(inputs) == 2:
            return gx, gw
        return gx, gw, (m.sum(g, dim=(0, 2, 3), keepdim=False) if need[2] else None)


class ConvTranspose2d(Op):
    """The adjoint of :class:`Conv2d` in ``x``: maps (N, O, OH, OW) to (N, C, *in_size)."""

    def forward(self, xp: Any, y: Any, w: Any, *bias: Any, in_size: tuple[int, int],
                stride: Any, padding: Any, dilation: Any, groups: int) -> Any:
        self.geom = {"stride": stride, "padding": padding, "dilation": dilation,
                     "groups": groups}
        out = conv2d_input_grad(backend_of(y), y, w, in_size, stride, padding, dilation, groups)
        if bias:
            out += bias[0].reshape(1, -1, 1, 1)
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        y, w = inputs[0], inputs[1]
        need = self.needs_input_grad
        p = self.geom
        gy = m.conv2d(g, w, **p) if need[0] else None
        gw = m.conv2d_weight(g, y, kernel_size=tuple(w.shape[2:]), **p) if need[1] else None
        if len(inputs) == 2:
            return gy, gw
        return gy, gw, (m.sum(g, dim=(0, 2, 3), keepdim=False) if need[2] else None)


class Conv2dWeight(Op):
    """The weight gradient of :class:`Conv2d`: ``x`` correlated with the output gradient."""

    def forward(self, xp: Any, x: Any, gy: Any, kernel_size: tuple[int, int], stride: Any,
                padding: Any, dilation: Any, groups: int) -> Any:
        self.geom = {"stride": stride, "padding": padding, "dilation": dilation,
                     "groups": groups}
        return conv2d_weight_grad(backend_of(x), x, gy, kernel_size, stride, padding, dilation,
                                  groups)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        x, gy = inputs
        need = self.needs_input_grad
        p = self.geom
        gx = m.conv_transpose2d(gy, g, in_size=tuple(x.shape[2:]), **p) if need[0] else None
        ggy = m.conv2d(x, g, **p) if need[1] else None
        return gx, ggy


register_math("conv2d", Conv2d)
register_math("conv_transpose2d", ConvTranspose2d)
register_math("conv2d_weight", Conv2dWeight)


def _check_groups(op: str, groups: Any, in_channels: int, out_channels: int) -> int:
    if isinstance(groups, bool) or not hasattr(groups, "__index__"):
        raise MinigradTypeError(f"{op}: `groups` must be an int, got {groups!r}")
    groups = groups.__index__()
    if groups < 1:
        raise ShapeError(f"{op}: `groups` must be >= 1, got {groups}")
    if in_channels % groups:
        raise ShapeError(f"{op}: `in_channels` (={in_channels}) must be divisible by "
                         f"`groups` (={groups})")
    if out_channels % groups:
        raise ShapeError(f"{op}: `out_channels` (={out_channels}) must be divisible by "
                         f"`groups` (={groups})")
    return groups


def _check_bias(op: str, bias: Tensor | None, channels: int) -> None:
    if bias is not None and tuple(bias.shape) != (channels,):
        raise ShapeError(f"{op}: `bias` must have shape ({channels},) (one per output channel), "
                         f"got {bias.shape}")


def _mask_connections(op: str, weight: Tensor, connections: Any, groups: int) -> Tensor:
    """``weight * table`` with the (out, in) bool table broadcast over the kernel."""
    xp = weight._backend.xp
    table = connections._data if isinstance(connections, Tensor) else xp.asarray(connections)
    o, c = weight.shape[0], weight.shape[1] * groups
    if groups != 1:
        raise ShapeError(f"{op}: `connections` needs groups=1 (a connection table generalizes "
                         f"groups), got groups={groups}")
    if table.shape != (o, c):
        raise ShapeError(f"{op}: `connections` must be a bool table (out_channels, in_channels) "
                         f"= ({o}, {c}), got shape {tuple(table.shape)}")
    if table.dtype.kind != "b":
        raise MinigradTypeError(f"{op}: `connections` must be a bool table, got {table.dtype}")
    empty = [int(i) for i in xp.nonzero(~table.any(axis=1))[0].tolist()]
    if empty:
        raise ShapeError(f"{op}: `connections` row(s) {empty} read no input map: every output "
                         "map needs at least one input")
    mask = Tensor._make(table.astype(weight.dtype).reshape(o, c, 1, 1), None)
    return weight * mask


def conv2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
    padding: Any = 0, dilation: Any = 1, groups: int = 1, connections: Any = None,
) -> Tensor:
    """2-D cross-correlation as ``torch.nn.functional.conv2d``, plus connection tables.

    ``input`` (N, C, H, W), ``weight`` (O, C/groups, kH, kW), ``bias`` (O,). ``stride`` and
    ``dilation``: int or pair; ``padding``: int, pair, ``"valid"`` or ``"same"``.
    ``connections``: optional bool table (O, C): output map ``o`` reads input map ``c`` only
    where ``connections[o, c]`` (LeNet-5's C3); the weight is masked, so masked entries get a
    zero gradient. Unlike PyTorch, a 3-D (unbatched) input is an error, and mixed float dtypes
    are promoted instead of refused.

    >>> import minigrad as mg
    >>> conv2d(mg.ones(2, 3, 8, 8), mg.ones(4, 3, 3, 3), padding="same").shape
    Size([2, 4, 8, 8])
    """
    op = "conv2d"
    input, weight, bias = check_float(op, input=input, weight=weight, bias=bias)
    if input.ndim != 4:
        hint = "; for one image use input.unsqueeze(0)" if input.ndim == 3 else ""
        raise ShapeError(f"{op}: expected a 4-D input (N, C, H, W), got {input.ndim}-D input "
                         f"of shape {input.shape}{hint}")
    if weight.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D weight (out_channels, in_channels/groups, kH, "
                         f"kW), got shape {weight.shape}")
    _n, c, h, w = input.shape
    o, cg, kh, kw = weight.shape
    groups = _check_groups(op, groups, c, o)
    if cg * groups != c:
        raise ShapeError(f"{op}: input has {c} channels but weight {weight.shape} expects "
                         f"{cg * groups} (= weight.shape[1] {cg} x groups {groups}); input "
                         f"shape {input.shape}")
    stride = pair(stride, "stride", op, 1)
    dilation = pair(dilation, "dilation", op, 1)
    pad = normalize_padding(padding, (kh, kw), stride, dilation, op)
    for axis, size, k, d, lo, hi in (("height", h, kh, dilation[0], pad[0], pad[1]),
                                     ("width", w, kw, dilation[1], pad[2], pad[3])):
        if size + lo + hi < d * (k - 1) + 1:
            raise ShapeError(
                f"{op}: kernel {(kh, kw)} (dilated extent {d * (k - 1) + 1}) is larger than "
                f"the padded input {axis} {size + lo + hi} (input {input.shape}, padding "
                f"{padding!r}): the output would be empty")
    _check_bias(op, bias, o)
    if connections is not None:
        weight = _mask_connections(op, weight, connections, groups)
    keep = bool(weight.requires_grad and is_grad_enabled())
    args = (input, weight) if bias is None else (input, weight, bias)
    return Conv2d.apply(*args, stride=stride, padding=pad, dilation=dilation, groups=groups,
                        keep_cols=keep)


def conv1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
    padding: Any = 0, dilation: Any = 1, groups: int = 1,
) -> Tensor:
    """1-D cross-correlation as ``torch.nn.functional.conv1d``: (N, C, L) * (O, C/groups, k).

    >>> import minigrad as mg
    >>> conv1d(mg.ones(1, 2, 5), mg.ones(3, 2, 2)).shape
    Size([1, 3, 4])
    """
    op = "conv1d"
    input, weight, bias = check_float(op, input=input, weight=weight, bias=bias)
    if input.ndim != 3 or weight.ndim != 3:
        raise ShapeError(f"{op}: expected a 3-D input (N, C, L) and a 3-D weight "
                         f"(out_channels, in_channels/groups, k), got {input.shape} and "
                         f"{weight.shape}")
    (s,) = pair(stride, "stride", op, 1, 1)
    (d,) = pair(dilation, "dilation", op, 1, 1)
    pad = padding if isinstance(padding, str) else (0, pair(padding, "padding", op, 0, 1)[0])
    try:
        out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, s), pad, (1, d), groups)
    except ShapeError as e:
        raise ShapeError(f"{op}: {str(e).removeprefix('conv2d: ')} (input {input.shape}, "
                         f"weight {weight.shape})") from None
    return out.squeeze(2)


def conv_transpose2d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
    padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:
    """Transposed convolution as ``torch.nn.functional.conv_transpose2d``.

    ``input`` (N, Cin, H, W), ``weight`` (Cin, Cout/groups, kH, kW); the output has
    ``(H-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1`` rows (same for columns).
    It is the input gradient of :func:`conv2d`. ``output_padding`` must be smaller than
    ``stride`` (PyTorch also allows smaller than ``dilation``).

    >>> import minigrad as mg
    >>> conv_transpose2d(mg.ones(1, 2, 3, 3), mg.ones(2, 4, 3, 3), stride=2).shape
    Size([1, 4, 7, 7])
    """
    op = "conv_transpose2d"
    input, weight, bias = check_float(op, input=input, weight=weight, bias=bias)
    if input.ndim != 4 or weight.ndim != 4:
        raise ShapeError(f"{op}: expected a 4-D input (N, C, H, W) and a 4-D weight "
                         f"(in_channels, out_channels/groups, kH, kW), got {input.shape} and "
                         f"{weight.shape}")
    _n, cin, h, w = input.shape
    wc, cg, kh, kw = weight.shape
    if wc != cin:
        raise ShapeError(f"{op}: input has {cin} channels but weight {weight.shape} expects "
                         f"{wc} (weight.shape[0]); input shape {input.shape}")
    groups = _check_groups(op, groups, cin, cin)
    stride = pair(stride, "stride", op, 1)
    dilation = pair(dilation, "dilation", op, 1)
    ph, pw = pair(padding, "padding", op, 0)
    oph, opw = pair(output_padding, "output_padding", op, 0)
    if oph >= stride[0] or opw >= stride[1]:
        raise ShapeError(f"{op}: `output_padding` {(oph, opw)} must be smaller than `stride` "
                         f"{stride}")
    size = []
    for k, s, p, d, op_, i in ((kh, stride[0], ph, dilation[0], oph, h),
                              (kw, stride[1], pw, dilation[1], opw, w)):
        size.append((i - 1) * s - 2 * p + d * (k - 1) + op_ + 1)
    if size[0] < 1 or size[1] < 1:
        raise ShapeError(f"{op}: output size {tuple(size)} would be zero or negative (input "
                         f"{input.shape}, weight {weight.shape}, stride {stride}, padding "
                         f"{(ph, pw)}, dilation {dilation})")
    _check_bias(op, bias, cg * groups)
    pad = (ph, ph, pw, pw)
    args = (input, weight) if bias is None else (input, weight, bias)
    return ConvTranspose2d.apply(*args, in_size=(size[0], size[1]), stride=stride, padding=pad,
                                 dilation=dilation, groups=groups)


def conv_transpose1d(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
    padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1,
) -> Tensor:
    """Transposed 1-D convolution as ``torch.nn.functional.conv_transpose1d``: (N, Cin, L) with
    weight (Cin, Cout/groups, k); :func:`conv_transpose2d` over a height of 1.

    >>> import minigrad as mg
    >>> conv_transpose1d(mg.ones(1, 2, 3), mg.ones(2, 4, 3), stride=2).shape
    Size([1, 4, 7])
    """
    op = "conv_transpose1d"
    input, weight, bias = check_float(op, input=input, weight=weight, bias=bias)
    if input.ndim != 3 or weight.ndim != 3:
        raise ShapeError(f"{op}: expected a 3-D input (N, C, L) and a 3-D weight "
                         f"(in_channels, out_channels/groups, k), got {input.shape} and "
                         f"{weight.shape}")
    args = []
    for name, value, lo in (("stride", stride, 1), ("padding", padding, 0),
                            ("output_padding", output_padding, 0), ("dilation", dilation, 1)):
        args.append((0 if lo == 0 else 1, pair(value, name, op, lo, 1)[0]))
    try:
        out = conv_transpose2d(input.unsqueeze(2), weight.unsqueeze(2), bias, args[0], args[1],
                               args[2], groups, args[3])
    except ShapeError as e:
        raise ShapeError(f"{op}: {str(e).removeprefix('conv_transpose2d: ')} (input "
                         f"{input.shape}, weight {weight.shape})") from None
    return out.squeeze(2)
