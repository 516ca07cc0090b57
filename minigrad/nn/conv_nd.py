"""``Conv1d`` and ``Conv3d``: convolutions with PyTorch's signatures, parameter shapes,
initialisation, ``padding_mode`` and reprs (``Conv2d``, with connection tables, is in
``conv.py``).

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.Conv3d(2, 4, 3, padding=1)(mg.ones(1, 2, 4, 4, 4)).shape
Size([1, 4, 4, 4, 4])
"""

from __future__ import annotations

from typing import Any

from minigrad.nn import functional as F
from minigrad.nn.conv import mode_padding
from minigrad.nn.conv_transpose import _ntuple, init_conv_parameters, reset_conv_parameters
from minigrad.nn.module import Module
from minigrad.ops.conv3d import conv3d
from minigrad.tensor import Tensor

__all__ = ["Conv1d", "Conv3d"]


class _ConvNd(Module):
    n = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
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
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _ntuple(name, "kernel_size", kernel_size, n, 1)
        self.stride = _ntuple(name, "stride", stride, n, 1)
        self.dilation = _ntuple(name, "dilation", dilation, n, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding string must be 'same' or 'valid', got "
                                 f"{padding!r}")
            if padding == "same" and self.stride != (1,) * n:
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding: Any = padding
        else:
            self.padding = _ntuple(name, "padding", padding, n, 0)
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = mode_padding(
            name, padding_mode, self.padding, self.kernel_size, self.dilation)
        init_conv_parameters(self, (out_channels, in_channels // groups, *self.kernel_size),
                             out_channels, bias, dtype, device)

    def reset_parameters(self) -> None:
        """Re-draw ``weight`` and ``bias`` as PyTorch: ``U(-1/√fan_in, 1/√fan_in)``."""
        reset_conv_parameters(self)

    def _conv(self, input: Tensor, padding: Any) -> Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, self.padding_mode)
            return self._conv(input, 0)
        return self._conv(input, self.padding)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self.n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)`` inputs, as ``torch.nn.Conv1d``: ``weight`` of
    shape ``(out_channels, in_channels // groups, k)``.

    >>> import minigrad as mg
    >>> c = Conv1d(2, 4, 3, padding=1, padding_mode="circular")
    >>> c(mg.ones(5, 2, 7)).shape
    Size([5, 4, 7])
    >>> c
    Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(1,), padding_mode=circular)
    """

    n = 1

    def _conv(self, input: Tensor, padding: Any) -> Tensor:
        return F.conv1d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv3d(_ConvNd):
    """3-D convolution over ``(N, C_in, D, H, W)`` inputs, as ``torch.nn.Conv3d``:
    ``weight`` of shape ``(out_channels, in_channels // groups, kD, kH, kW)``.

    >>> import minigrad as mg
    >>> Conv3d(2, 4, (1, 3, 3), stride=(1, 2, 2), bias=False)
    Conv3d(2, 4, kernel_size=(1, 3, 3), stride=(1, 2, 2), bias=False)
    """

    n = 3

    def _conv(self, input: Tensor, padding: Any) -> Tensor:
        return conv3d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                      self.groups)
