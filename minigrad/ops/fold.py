"""Sliding blocks and sub-pixel rearrangement: ``unfold``, ``fold``, ``pixel_shuffle``,
``pixel_unshuffle``.

``Unfold`` is the backend's ``im2col`` (the kernel convolutions use) and ``Fold`` its adjoint
``col2im``; each one's backward is the other, so both are differentiable to any order. The
pixel shuffles are reshapes and a permutation.

>>> import minigrad as mg
>>> unfold(mg.ones(1, 2, 4, 4), kernel_size=2, stride=2).shape
Size([1, 8, 4])
"""

from __future__ import annotations

from typing import Any

from minigrad.backends import backend_of
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor
from .conv_args import pair
from .conv_kernels import conv_out_size

__all__ = ["fold", "pixel_shuffle", "pixel_unshuffle", "unfold"]


class Unfold(Op):
    """(N, C, H, W) → (N, C·kH·kW, L): every block of the zero-padded image as a column."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, kernel_size: Any, stride: Any, padding: Any,
                dilation: Any) -> Any:
        self.geom = {"kernel_size": kernel_size, "stride": stride, "padding": padding,
                     "dilation": dilation}
        self.in_size = tuple(x.shape[2:])
        cols = backend_of(x).im2col(x, kernel_size, stride, padding, dilation)
        n, c, kh, kw, oh, ow = cols.shape
        return cols.reshape(n, c * kh * kw, oh * ow)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.fold_blocks(g, out_size=self.in_size, **self.geom),)


class Fold(Op):
    """(N, C·kH·kW, L) → (N, C, H, W): the adjoint of :class:`Unfold` (overlaps add up)."""

    save_inputs = False

    def forward(self, xp: Any, cols: Any, out_size: Any, kernel_size: Any, stride: Any,
                padding: Any, dilation: Any) -> Any:
        self.geom = {"kernel_size": kernel_size, "stride": stride, "padding": padding,
                     "dilation": dilation}
        (kh, kw), (h, w) = kernel_size, out_size
        oh = conv_out_size(h, kh, stride[0], padding[0], padding[1], dilation[0])
        ow = conv_out_size(w, kw, stride[1], padding[2], padding[3], dilation[1])
        n, ck, _ = cols.shape
        blocks = cols.reshape(n, ck // (kh * kw), kh, kw, oh, ow)
        return backend_of(cols).col2im(blocks, out_size, kernel_size, stride, padding, dilation)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.unfold_blocks(g, **self.geom),)


register_math("unfold_blocks", Unfold)
register_math("fold_blocks", Fold)


def _geometry(op: str, kernel_size: Any, dilation: Any, padding: Any,
              stride: Any) -> dict[str, Any]:
    ph, pw = pair(padding, "padding", op, 0)
    return {"kernel_size": pair(kernel_size, "kernel_size", op, 1),
            "stride": pair(stride, "stride", op, 1), "padding": (ph, ph, pw, pw),
            "dilation": pair(dilation, "dilation", op, 1)}


def _blocks(op: str, size: tuple[int, int], geom: dict[str, Any], shape: Any) -> int:
    (kh, kw), (sh, sw), (t, _, left, _), (dh, dw) = (geom["kernel_size"], geom["stride"],
                                                     geom["padding"], geom["dilation"])
    oh = conv_out_size(size[0], kh, sh, t, t, dh)
    ow = conv_out_size(size[1], kw, sw, left, left, dw)
    if oh < 1 or ow < 1:
        raise ShapeError(f"{op}: kernel_size {(kh, kw)} (dilation {(dh, dw)}) is larger than the "
                         f"padded spatial size {(size[0] + 2 * t, size[1] + 2 * left)} (input "
                         f"{shape}): no block fits")
    return oh * ow


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Extract sliding blocks, as ``torch.nn.functional.unfold``: (N, C, H, W) →
    (N, C·kH·kW, L), ``L`` the number of blocks; an unbatched (C, H, W) input gives
    (C·kH·kW, L).

    >>> import minigrad as mg
    >>> unfold(mg.arange(9.0).reshape(1, 1, 3, 3), 2)[0].tolist()
    [[0.0, 1.0, 3.0, 4.0], [1.0, 2.0, 4.0, 5.0], [3.0, 4.0, 6.0, 7.0], [4.0, 5.0, 7.0, 8.0]]
    """
    op = "unfold"
    check_tensor(input, op)
    if input.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
                         f"{input.shape}")
    geom = _geometry(op, kernel_size, dilation, padding, stride)
    x = input if input.ndim == 4 else input.unsqueeze(0)
    _blocks(op, tuple(x.shape[2:]), geom, input.shape)
    out = Unfold.apply(x, **geom)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Tensor:
    """Sum sliding blocks back into an image, as ``torch.nn.functional.fold``:
    ``(N, C·kH·kW, L)`` → ``(N, C, *output_size)`` (unbatched ``(C·kH·kW, L)`` →
    ``(C, *output_size)``).

    >>> import minigrad as mg
    >>> fold(mg.ones(1, 4, 4), (3, 3), 2)[0, 0].tolist()
    [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    op = "fold"
    check_tensor(input, op)
    if input.ndim not in (2, 3):
        raise ShapeError(f"{op}: expected a 2-D (C*kH*kW, L) or 3-D (N, C*kH*kW, L) input, got "
                         f"shape {input.shape}")
    geom = _geometry(op, kernel_size, dilation, padding, stride)
    size = pair(output_size, "output_size", op, 1)
    x = input if input.ndim == 3 else input.unsqueeze(0)
    k = geom["kernel_size"][0] * geom["kernel_size"][1]
    if x.shape[1] % k:
        raise ShapeError(f"{op}: expected size of input's dimension 1 to be divisible by the "
                         f"product of kernel_size ({k}), got input {input.shape}")
    blocks = _blocks(op, size, geom, input.shape)
    if x.shape[2] != blocks:
        raise ShapeError(f"{op}: output_size {size}, kernel_size {geom['kernel_size']}, "
                         f"dilation {geom['dilation']}, padding {geom['padding'][::2]} and "
                         f"stride {geom['stride']} give {blocks} blocks, but input {input.shape} "
                         f"has {x.shape[2]} in its last dim")
    out = Fold.apply(x, out_size=size, **geom)
    return out if input.ndim == 3 else out.squeeze(0)


def _factor(op: str, arg: str, value: Any) -> int:
    if isinstance(value, bool) or not hasattr(value, "__index__") or value.__index__() < 1:
        raise ValueError(f"{op}: `{arg}` must be a positive int, got {value!r}")
    return int(value.__index__())


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C·r², H, W) → (*, C, H·r, W·r), as ``torch.nn.functional.pixel_shuffle``.

    >>> import minigrad as mg
    >>> pixel_shuffle(mg.arange(4.0).reshape(1, 4, 1, 1), 2)[0, 0].tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    op = "pixel_shuffle"
    check_tensor(input, op)
    r = _factor(op, "upscale_factor", upscale_factor)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise ShapeError(f"{op}: expected an input of at least 3 dims whose channel dim (-3) is "
                         f"divisible by upscale_factor² = {r * r}, got shape {input.shape}")
    *batch, c, h, w = input.shape
    nb = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H·r, W·r) → (*, C·r², H, W), the inverse of :func:`pixel_shuffle`.

    >>> import minigrad as mg
    >>> pixel_unshuffle(mg.arange(4.0).reshape(1, 1, 2, 2), 2).flatten().tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    op = "pixel_unshuffle"
    check_tensor(input, op)
    r = _factor(op, "downscale_factor", downscale_factor)
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise ShapeError(f"{op}: expected an input of at least 3 dims whose height and width "
                         f"are divisible by downscale_factor = {r}, got shape {input.shape}")
    *batch, c, h, w = input.shape
    nb = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)
