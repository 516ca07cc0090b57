"""``conv3d``: 3-D cross-correlation built from :func:`conv2d` (composite first).

After zero padding, the output at depth ``z`` is ``Σ_k conv2d(x[:, :, z·s + k·d], w[:, :, k])``;
the depth slices of every ``k`` are stacked into the batch, so the whole convolution is
``kD`` conv2d calls, differentiable to any order like conv2d.

>>> import minigrad as mg
>>> conv3d(mg.ones(1, 2, 4, 4, 4), mg.ones(3, 2, 2, 2, 2)).shape
Size([1, 3, 3, 3, 3])
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from .conv import _check_bias, _check_groups, conv2d
from .conv_args import check_float, normalize_padding, pair
from .padding import pad

__all__ = ["conv3d"]


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation as ``torch.nn.functional.conv3d``: (N, C, D, H, W) with weight
    (O, C/groups, kD, kH, kW); ``padding`` an int, a triple, ``"valid"`` or ``"same"``. As
    :func:`conv2d`, an unbatched input is an error.

    >>> import minigrad as mg
    >>> conv3d(mg.ones(1, 1, 3, 3, 3), mg.ones(1, 1, 3, 3, 3), padding="same")[0, 0, 1, 1, 1]
    tensor(27., dtype=float32, device='cpu')
    """
    op = "conv3d"
    input, weight, bias = check_float(op, input=input, weight=weight, bias=bias)
    if input.ndim != 5 or weight.ndim != 5:
        hint = "; for one volume use input.unsqueeze(0)" if input.ndim == 4 else ""
        raise ShapeError(f"{op}: expected a 5-D input (N, C, D, H, W) and a 5-D weight "
                         f"(out_channels, in_channels/groups, kD, kH, kW), got {input.shape} and "
                         f"{weight.shape}{hint}")
    n, c = input.shape[:2]
    o, cg, kd, kh, kw = weight.shape
    if min(kd, kh, kw) < 1:
        raise ShapeError(f"{op}: weight {weight.shape} has an empty kernel")
    groups = _check_groups(op, groups, c, o)
    if cg * groups != c:
        raise ShapeError(f"{op}: input has {c} channels but weight {weight.shape} expects "
                         f"{cg * groups} (= weight.shape[1] {cg} x groups {groups}); input "
                         f"shape {input.shape}")
    _check_bias(op, bias, o)
    stride = pair(stride, "stride", op, 1, 3)
    dilation = pair(dilation, "dilation", op, 1, 3)
    pads = normalize_padding(padding, (kd, kh, kw), stride, dilation, op)
    x = input
    if any(pads):  # F.pad lists the last dim first
        x = pad(x, (pads[4], pads[5], pads[2], pads[3], pads[0], pads[1]))
    d, h, w = x.shape[2:]
    out_size = [(size - dil * (k - 1) - 1) // s + 1 for size, k, s, dil in
                zip((d, h, w), (kd, kh, kw), stride, dilation, strict=True)]
    if min(out_size) < 1:
        raise ShapeError(f"{op}: kernel {(kd, kh, kw)} (dilation {dilation}) is larger than the "
                         f"padded input {(d, h, w)} (input {input.shape}, padding {padding!r}): "
                         f"the output would be empty")
    od = out_size[0]
    out: Any = None
    for k in range(kd):
        start = k * dilation[0]
        xs = x[:, :, start:start + (od - 1) * stride[0] + 1:stride[0]]  # (N, C, oD, H, W)
        xs = xs.permute(0, 2, 1, 3, 4).reshape(n * od, c, h, w)
        y = conv2d(xs, weight[:, :, k], None, stride[1:], 0, dilation[1:], groups)
        out = y if out is None else out + y
    out = out.reshape(n, od, o, *out.shape[2:]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, o, 1, 1, 1)
    return out
