"""Block and sub-pixel rearrangement layers: ``Fold``, ``Unfold``, ``PixelShuffle``,
``PixelUnshuffle``, over the functions of ``F`` with PyTorch's arguments and reprs.

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.PixelShuffle(2)(mg.ones(1, 8, 3, 3)).shape
Size([1, 2, 6, 6])
"""

from __future__ import annotations

from typing import Any

from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["Fold", "PixelShuffle", "PixelUnshuffle", "Unfold"]


class Fold(Module):
    """Sum sliding blocks (N, C·∏k, L) back into images ``(N, C, *output_size)``.

    >>> import minigrad as mg
    >>> Fold((3, 3), 2)(mg.ones(1, 4, 4)).sum().item()
    16.0
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    """Extract sliding blocks: (N, C, H, W) → (N, C·∏k, L).

    >>> import minigrad as mg
    >>> Unfold(2)(mg.ones(1, 3, 4, 4)).shape
    Size([1, 12, 9])
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = (kernel_size, dilation,
                                                                      padding, stride)

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class PixelShuffle(Module):
    """(*, C·r², H, W) → (*, C, H·r, W·r) with ``r = upscale_factor``.

    >>> import minigrad as mg
    >>> PixelShuffle(3)(mg.ones(9, 1, 1)).shape
    Size([1, 3, 3])
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H·r, W·r) → (*, C·r², H, W) with ``r = downscale_factor``.

    >>> import minigrad as mg
    >>> PixelUnshuffle(2)(mg.ones(1, 1, 4, 4)).shape
    Size([1, 4, 2, 2])
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
