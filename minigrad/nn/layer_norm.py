"""Per-sample normalisation layers: ``LayerNorm``, ``RMSNorm``, ``GroupNorm`` and
``InstanceNorm1d/2d/3d``, as PyTorch's (``weight`` ones, ``bias`` zeros at creation).

All run the fused op of :mod:`minigrad.ops.normalization` (one graph node, analytic backward).

>>> import minigrad as mg
>>> from minigrad import nn
>>> ln = nn.LayerNorm(4)
>>> [round(v, 4) for v in ln(mg.tensor([[1.0, 2.0, 3.0, 4.0]])).tolist()[0]]
[-1.3416, -0.4472, 0.4472, 1.3416]
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from minigrad import creation
from minigrad.errors import ShapeError
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.normalization import _BatchNorm
from minigrad.nn.parameter import Parameter
from minigrad.ops.normalization import group_norm, instance_norm, layer_norm, rms_norm
from minigrad.tensor import Tensor

__all__ = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LayerNorm",
           "RMSNorm"]


def _shape(normalized_shape: int | Sequence[int]) -> tuple[int, ...]:
    if hasattr(normalized_shape, "__index__"):
        return (operator.index(normalized_shape),)
    return tuple(operator.index(s) for s in normalized_shape)


class LayerNorm(Module):
    """Standardise over the trailing ``normalized_shape`` dims, then ``·weight + bias``
    (elementwise, of shape ``normalized_shape``; ``bias=False`` drops the bias).

    >>> import minigrad as mg
    >>> LayerNorm((2, 3), elementwise_affine=True, bias=False)
    LayerNorm((2, 3), eps=1e-05, elementwise_affine=True, bias=False)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(*self.normalized_shape, dtype=dtype,
                                                   device=device))
            if bias:
                self.bias = Parameter(creation.empty(*self.normalized_shape, dtype=dtype,
                                                     device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """``x·rsqrt(mean(x²) + eps)·weight`` over the trailing ``normalized_shape`` dims;
    ``eps=None`` is the input dtype's machine epsilon, as in PyTorch.

    >>> import minigrad as mg
    >>> RMSNorm(3)(mg.tensor([[2.0, -2.0, 2.0]])).tolist()
    [[1.0, -1.0, 1.0]]
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.empty(*self.normalized_shape, dtype=dtype,
                                                   device=device))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Standardise each of ``num_groups`` groups of channels of ``(N, C, *)`` input, then
    ``·weight + bias`` per channel (``affine``; ``bias=False`` drops the bias).

    >>> import minigrad as mg
    >>> tuple(GroupNorm(2, 4)(mg.randn(3, 4, 5)).shape)
    (3, 4, 5)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: `num_channels` ({num_channels}) must be divisible by "
                             f"`num_groups` ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        if affine:
            self.weight = Parameter(creation.empty(num_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(creation.empty(num_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones, ``bias`` to zeros."""
        if self.affine:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Shared by InstanceNorm1d/2d/3d: batch norm's parameters and buffers, per-sample
    statistics; unbatched input (one dim fewer) is accepted as in PyTorch."""

    _batched_dims = 3

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        name, want = type(self).__name__, self._batched_dims
        if input.ndim not in (want - 1, want):
            raise ShapeError(f"{name}: expected {want - 1}D (unbatched) or {want}D (batched) "
                             f"input, got {input.ndim}D input of shape {input.shape}")
        unbatched = input.ndim == want - 1
        if unbatched:
            input = input.unsqueeze(0)
        if (self.affine or self.track_running_stats) and input.shape[1] != self.num_features:
            raise ShapeError(f"{name}: expected {self.num_features} channels in dim "
                             f"{0 if unbatched else 1}, got input of shape {input.shape}")
        out = instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance norm over ``(N, C, L)`` or ``(C, L)`` input.

    >>> InstanceNorm1d(3)
    InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    _batched_dims = 3


class InstanceNorm2d(_InstanceNorm):
    """Instance norm over ``(N, C, H, W)`` or ``(C, H, W)`` input.

    >>> import minigrad as mg
    >>> tuple(InstanceNorm2d(2, affine=True)(mg.randn(1, 2, 3, 3)).shape)
    (1, 2, 3, 3)
    """

    _batched_dims = 4


class InstanceNorm3d(_InstanceNorm):
    """Instance norm over ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input.

    >>> import minigrad as mg
    >>> tuple(InstanceNorm3d(2)(mg.randn(2, 2, 2, 2)).shape)
    (2, 2, 2, 2)
    """

    _batched_dims = 5
