"""Pooling layers: ``MaxPool1d/2d``, ``AvgPool1d/2d``, ``AdaptiveAvgPool1d/2d``,
``AdaptiveMaxPool1d/2d`` and LeCun's trainable ``Subsampling2d``; each is a thin module over
the function of the same name in ``F``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.MaxPool2d(2)(mg.ones(1, 3, 8, 8)).shape
Size([1, 3, 4, 4])
"""

from __future__ import annotations

from typing import Any

from minigrad import creation
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = [
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "AvgPool1d", "AvgPool2d", "MaxPool1d", "MaxPool2d", "Subsampling2d",
]


class MaxPool2d(Module):
    """Max over ``kernel_size`` windows (``stride`` defaults to ``kernel_size``).

    >>> import minigrad as mg
    >>> x = mg.arange(16.0).reshape(1, 1, 4, 4)
    >>> MaxPool2d(2)(x).tolist()
    [[[[5.0, 7.0], [13.0, 15.0]]]]
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False
                 ) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over ``kernel_size`` windows, as ``torch.nn.AvgPool2d``.

    >>> import minigrad as mg
    >>> AvgPool2d(2)(mg.arange(16.0).reshape(1, 1, 4, 4)).tolist()
    [[[[2.5, 4.5], [10.5, 12.5]]]]
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed ``output_size`` (an int, a pair, None keeps that dim).

    >>> import minigrad as mg
    >>> AdaptiveAvgPool2d((1, 1))(mg.ones(2, 3, 5, 7)).shape
    Size([2, 3, 1, 1])
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Subsampling2d(Module):
    """LeCun's trainable sub-sampling (S2/S4 of LeNet-5): for each map ``c``,
    ``y[c] = weight[c] · Σ_window x[c] + bias[c]`` over ``kernel_size`` windows (non-
    overlapping by default). The squashing function is a separate module.

    Initialisation follows LeCun et al. (1998, appendix C): weight and bias uniform in
    ``±2.4 / F_in`` with ``F_in = kH·kW`` the fan-in of a unit (±0.6 for 2×2 windows).

    >>> import minigrad as mg
    >>> s = Subsampling2d(6)
    >>> s(mg.ones(1, 6, 28, 28)).shape, s.weight.shape, s.bias.shape
    (Size([1, 6, 14, 14]), Size([6]), Size([6]))
    """

    def __init__(self, in_channels: int, kernel_size: Any = 2, stride: Any = None,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if isinstance(in_channels, bool) or not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f"Subsampling2d: `in_channels` must be a positive int, got "
                             f"{in_channels!r}")
        self.in_channels = in_channels
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.weight = Parameter(creation.empty(in_channels, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.empty(in_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw weight and bias uniformly in ``±2.4 / (kH·kW)`` (LeCun 1998)."""
        kh, kw = ((self.kernel_size, self.kernel_size) if isinstance(self.kernel_size, int)
                  else self.kernel_size)
        bound = 2.4 / (kh * kw)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.subsampling2d(input, self.weight, self.bias, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"bias={self.bias is not None}")


class MaxPool1d(MaxPool2d):
    """Max over ``kernel_size`` windows of (N, C, L) or (C, L), as ``torch.nn.MaxPool1d``.

    >>> import minigrad as mg
    >>> MaxPool1d(2)(mg.tensor([[1.0, 3.0, 2.0, 0.0]])).tolist()
    [[3.0, 2.0]]
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


def _single(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class AvgPool1d(Module):
    """Mean over ``kernel_size`` windows of (N, C, L) or (C, L), as ``torch.nn.AvgPool1d``
    (which keeps its sizes as 1-tuples).

    >>> import minigrad as mg
    >>> AvgPool1d(2)
    AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding, self.ceil_mode = _single(padding), ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    """Average-pool (N, C, L) or (C, L) to ``output_size`` bins.

    >>> import minigrad as mg
    >>> AdaptiveAvgPool1d(1)(mg.ones(2, 3, 5)).shape
    Size([2, 3, 1])
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(Module):
    """Max-pool to a fixed ``output_size`` (an int, a pair, None keeps that dim), as
    ``torch.nn.AdaptiveMaxPool2d``; ``return_indices`` also returns the flat indices.

    >>> import minigrad as mg
    >>> AdaptiveMaxPool2d((1, 2))(mg.ones(2, 3, 5, 7)).shape
    Size([2, 3, 1, 2])
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max-pool (N, C, L) or (C, L) to ``output_size`` bins.

    >>> import minigrad as mg
    >>> AdaptiveMaxPool1d(2)(mg.tensor([[1.0, 3.0, 2.0]])).tolist()
    [[3.0, 3.0]]
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)
