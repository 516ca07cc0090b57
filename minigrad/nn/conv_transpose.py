"""Transposed convolutions: ``ConvTranspose1d`` and ``ConvTranspose2d``, as ``torch.nn``'s.

The weight has shape ``(in_channels, out_channels // groups, *kernel_size)`` and starts as
PyTorch's default: ``kaiming_uniform_(a=√5)`` over that shape (so fan-in is
``out_channels // groups · ∏kernel_size``) and a bias in ``U(-1/√fan_in, 1/√fan_in)``.
``forward(input, output_size=None)`` picks ``output_padding`` from a requested output size.

>>> import minigrad as mg
>>> from minigrad import nn
>>> up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1)
>>> up(mg.ones(1, 8, 5, 5)).shape, up(mg.ones(1, 8, 5, 5), output_size=[10, 10]).shape
(Size([1, 4, 9, 9]), Size([1, 4, 10, 10]))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad import creation
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.ops.conv import conv_transpose1d
from minigrad.tensor import Tensor

__all__ = ["ConvTranspose1d", "ConvTranspose2d"]


def _ntuple(op: str, arg: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    items = (value,) * n if isinstance(value, int) else tuple(value)
    if len(items) != n or not all(isinstance(v, int) and not isinstance(v, bool)
                                  for v in items):
        raise ValueError(f"{op}: `{arg}` must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in items):
        raise ValueError(f"{op}: `{arg}` must be >= {minimum}, got {value!r}")
    return items


def init_conv_parameters(module: Module, weight_shape: tuple[int, ...], out_channels: int,
                         bias: bool, dtype: Any, device: Any) -> None:
    """Give a convolution module its ``weight`` and (or a None) ``bias``, then draw them."""
    module.weight = Parameter(creation.empty(*weight_shape, dtype=dtype, device=device))
    if bias:
        module.bias = Parameter(creation.empty(out_channels, dtype=dtype, device=device))
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()  # type: ignore[operator]


def reset_conv_parameters(module: Any) -> None:
    """PyTorch's draw for any convolution: ``kaiming_uniform_(a=√5)`` on the weight, and
    ``U(-1/√fan_in, 1/√fan_in)`` on the bias, with ``fan_in = weight.shape[1] · kernel``."""
    fan_in = module.weight.shape[1] * math.prod(module.kernel_size)
    if module.weight.numel():
        init.kaiming_uniform_(module.weight, a=math.sqrt(5))
    if module.bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(module.bias, -bound, bound)


class _ConvTransposeNd(Module):
    n = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name, n = type(self).__name__, self.n
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels),
                       ("groups", groups)):
            if isinstance(v, bool) or not isinstance(v, int) or v < (1 if arg == "groups" else 0):
                raise ValueError(f"{name}: `{arg}` must be a positive int, got {v!r}")
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if v % groups:
                raise ValueError(f"{name}: `{arg}` (={v}) must be divisible by `groups` "
                                 f"(={groups})")
        if padding_mode != "zeros":
            raise ValueError(f'{name}: only "zeros" padding mode is supported, got '
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _ntuple(name, "kernel_size", kernel_size, n, 1)
        self.stride = _ntuple(name, "stride", stride, n, 1)
        self.padding = _ntuple(name, "padding", padding, n, 0)
        self.output_padding = _ntuple(name, "output_padding", output_padding, n, 0)
        self.dilation = _ntuple(name, "dilation", dilation, n, 1)
        self.padding_mode = padding_mode
        init_conv_parameters(self, (in_channels, out_channels // groups, *self.kernel_size),
                             out_channels, bias, dtype, device)

    def reset_parameters(self) -> None:
        """Re-draw ``weight`` and ``bias`` (PyTorch's default; see the module docstring)."""
        reset_conv_parameters(self)

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None
                        ) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        n, name = self.n, type(self).__name__
        size = [int(s) for s in output_size]
        if len(size) == n + 2:
            size = size[2:]
        if len(size) != n:
            raise ValueError(f"{name}: output_size must have {n} or {n + 2} elements (got "
                             f"{len(size)})")
        lo = [(input.shape[d + 2] - 1) * self.stride[d] - 2 * self.padding[d]
              + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        hi = [lo[d] + self.stride[d] - 1 for d in range(n)]
        if any(not lo[d] <= size[d] <= hi[d] for d in range(n)):
            raise ValueError(f"{name}: requested an output size of {size}, but valid sizes "
                             f"range from {lo} to {hi} (for an input of "
                             f"{list(input.shape[2:])})")
        return tuple(size[d] - lo[d] for d in range(n))

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        zeros, ones = (0,) * self.n, (1,) * self.n
        if self.padding != zeros:
            s += f", padding={self.padding}"
        if self.dilation != ones:
            s += f", dilation={self.dilation}"
        if self.output_padding != zeros:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution over ``(N, C_in, H, W)``, as ``torch.nn.ConvTranspose2d``.

    >>> import minigrad as mg
    >>> ConvTranspose2d(2, 4, 3, stride=2, output_padding=1, groups=2)
    ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1), groups=2)
    """

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution over ``(N, C_in, L)``, as ``torch.nn.ConvTranspose1d``.

    >>> import minigrad as mg
    >>> ConvTranspose1d(2, 3, 4, stride=2)(mg.ones(1, 2, 5)).shape
    Size([1, 3, 12])
    """

    n = 1

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        return conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups,
                                self.dilation)
