"""``Conv2d``: 2-D convolution with PyTorch's options (``padding_mode`` included), plus an
optional connection table (``Conv1d``/``Conv3d`` are in ``conv_nd.py``).

A connection table (LeCun et al. 1998, table I) says which input maps feed which output
map: ``connections[o, i]`` is true when output channel ``o`` sees input channel ``i``.
Unconnected kernels are multiplied by zero in every forward, so they stay out of the output
and get zero gradient.

>>> import minigrad as mg
>>> from minigrad import nn
>>> conv = nn.Conv2d(1, 6, 5)
>>> conv(mg.ones(2, 1, 32, 32)).shape
Size([2, 6, 28, 28])
"""

from __future__ import annotations

import math
from typing import Any

from minigrad import creation
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.grad_mode import no_grad
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Conv2d", "mode_padding"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def mode_padding(op: str, padding_mode: str, padding: Any, kernel: tuple[int, ...],
                 dilation: tuple[int, ...]) -> tuple[int, ...]:
    """``F.pad``'s argument for a non-zero ``padding_mode``: (left, right) per spatial dim,
    last dim first (PyTorch's ``_reversed_padding_repeated_twice``)."""
    if padding_mode not in _PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {_PADDING_MODES}, but got "
                         f"padding_mode={padding_mode!r}")
    out: list[int] = []
    for i in reversed(range(len(kernel))):
        if padding == "valid":
            lo = hi = 0
        elif padding == "same":
            total = dilation[i] * (kernel[i] - 1)
            lo, hi = total // 2, total - total // 2
        else:
            lo = hi = padding[i]
        out += [lo, hi]
    return tuple(out)



def _pair(op: str, arg: str, value: Any, minimum: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise ValueError(f"{op}: `{arg}` must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in pair):
        raise ValueError(f"{op}: `{arg}` must be >= {minimum}, got {value!r}")
    return pair  # type: ignore[return-value]


class Conv2d(Module):
    """2-D convolution over ``(N, C_in, H, W)`` inputs, as ``torch.nn.Conv2d``.

    ``weight`` has shape ``(out_channels, in_channels // groups, kH, kW)``; both it and
    ``bias`` start as PyTorch's default, ``U(-1/√fan_in, 1/√fan_in)``. ``padding`` may be an
    int, a pair, ``"valid"`` or ``"same"``; ``padding_mode`` is ``"zeros"``, ``"reflect"``,
    ``"replicate"`` or ``"circular"`` (the input is padded with ``F.pad`` first, as PyTorch).

    ``connections``: optional boolean table of shape ``(out_channels, in_channels)`` (needs
    ``groups=1``), kept as a non-persistent buffer and passed to ``F.conv2d``; with it, each
    output channel's fan-in counts only its connected inputs, so the default initialisation
    bound is ``1/√(connected_inputs·kH·kW)`` per output channel.

    >>> import minigrad as mg
    >>> table = mg.tensor([[1, 0], [1, 1], [0, 1]], dtype=mg.bool)
    >>> c = Conv2d(2, 3, 3, padding=1, connections=table)
    >>> c(mg.ones(1, 2, 4, 4)).shape
    Size([1, 3, 4, 4])
    >>> c
    Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), connections=4/6)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None,
                 connections: Any = None) -> None:
        super().__init__()
        for arg, v in (("in_channels", in_channels), ("out_channels", out_channels),
                       ("groups", groups)):
            if isinstance(v, bool) or not isinstance(v, int) or v < (1 if arg == "groups" else 0):
                raise ValueError(f"Conv2d: `{arg}` must be a positive int, got {v!r}")
        if in_channels % groups:
            raise ValueError(f"Conv2d: `in_channels` (={in_channels}) must be divisible by "
                             f"`groups` (={groups})")
        if out_channels % groups:
            raise ValueError(f"Conv2d: `out_channels` (={out_channels}) must be divisible by "
                             f"`groups` (={groups})")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _pair("Conv2d", "kernel_size", kernel_size, 1)
        self.stride = _pair("Conv2d", "stride", stride, 1)
        self.dilation = _pair("Conv2d", "dilation", dilation, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv2d: padding string must be 'same' or 'valid', got "
                                 f"{padding!r}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided "
                                 f"convolutions (stride={self.stride})")
            self.padding: Any = padding
        else:
            self.padding = _pair("Conv2d", "padding", padding, 0)
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = mode_padding(
            "Conv2d", padding_mode, self.padding, self.kernel_size, self.dilation)
        shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(creation.empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        if connections is None:
            self.register_buffer("connections", None, persistent=False)
        else:
            table = (connections if isinstance(connections, Tensor)
                     else Tensor._from_data(connections))
            if groups != 1:
                raise ValueError(f"Conv2d: `connections` needs groups=1 (a connection table "
                                 f"generalises groups), got groups={groups}")
            if table.shape != shape[:2]:
                raise ShapeError(
                    f"Conv2d: `connections` must have shape (out_channels, in_channels) = "
                    f"{shape[:2]}, got {table.shape}"
                )
            if table.dtype.kind not in "biu":
                raise MinigradTypeError(f"Conv2d: `connections` must be a bool (or 0/1 int) "
                                        f"table, got dtype {table.dtype}")
            table = (table != 0).to(self.weight.device)
            empty = [o for o, row in enumerate(table.tolist()) if not any(row)]
            if empty:
                raise ValueError(f"Conv2d: `connections` row(s) {empty} read no input map: "
                                 "every output map needs at least one input")
            self.register_buffer("connections", table, persistent=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw ``weight`` and ``bias`` (PyTorch's default; see the class docstring)."""
        kh, kw = self.kernel_size
        if self.connections is None:
            fan_in = self.weight.shape[1] * kh * kw
            if self.weight.numel():
                init.kaiming_uniform_(self.weight, a=math.sqrt(5))
            if self.bias is not None:
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                init.uniform_(self.bias, -bound, bound)
            return
        mask = self.connections.astype(self.weight.dtype)
        bounds = 1 / (mask.sum(dim=1) * (kh * kw)).sqrt()  # connected fan-in of each map
        with no_grad():
            self.weight.uniform_(-1.0, 1.0)
            self.weight.mul_((bounds.reshape(-1, 1) * mask).reshape(*mask.shape, 1, 1))
            if self.bias is not None:
                self.bias.uniform_(-1.0, 1.0)
                self.bias.mul_(bounds)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            input = F.pad(input, self._reversed_padding_repeated_twice, self.padding_mode)
            return F.conv2d(input, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups, connections=self.connections)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups, connections=self.connections)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        if self.connections is not None:
            s += f", connections={int(self.connections._data.sum())}/{self.connections.numel()}"
        return s

