"""Upsampling layers: ``Upsample``, ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``, over
``F.interpolate`` with PyTorch's arguments and reprs.

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.Upsample(scale_factor=2, mode="bilinear")(mg.ones(1, 3, 4, 4)).shape
Size([1, 3, 8, 8])
"""

from __future__ import annotations

from typing import Any

from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]


class Upsample(Module):
    """Resample to ``size`` or by ``scale_factor`` with ``mode`` (see ``F.interpolate``).

    A scalar ``scale_factor`` is kept as a float, a sequence as a tuple of floats, as PyTorch.

    >>> import minigrad as mg
    >>> up = Upsample(scale_factor=2)
    >>> up, up(mg.tensor([[[1.0, 2.0]]])).tolist()
    (Upsample(scale_factor=2.0, mode='nearest'), [[[1.0, 1.0, 2.0, 2.0]]])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = f"scale_factor={self.scale_factor!r}"
        else:
            info = f"size={self.size!r}"
        return f"{info}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode="nearest")`` for 4-D inputs.

    >>> import minigrad as mg
    >>> UpsamplingNearest2d(size=3)(mg.ones(1, 1, 2, 2)).shape
    Size([1, 1, 3, 3])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode="bilinear", align_corners=True)`` for 4-D inputs.

    >>> import minigrad as mg
    >>> UpsamplingBilinear2d(scale_factor=2)(mg.ones(1, 1, 2, 2)).shape
    Size([1, 1, 4, 4])
    """

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
