"""Dense and shape layers: ``Linear``, ``Identity``, ``Flatten``, ``Unflatten``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.Sequential(nn.Flatten(), nn.Linear(12, 5))(mg.ones(2, 3, 4)).shape
Size([2, 5])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad import creation, ops
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Flatten", "Identity", "Linear", "Unflatten"]


def _positive(op: str, arg: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{op}: `{arg}` must be a non-negative int, got {value!r}")
    return value


class Identity(Module):
    """Returns its input unchanged (arguments are accepted and ignored, as PyTorch).

    >>> import minigrad as mg
    >>> x = mg.ones(2)
    >>> Identity(54, unused="x")(x) is x
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x Wᵀ + b`` with ``W`` of shape ``(out_features, in_features)``.

    Initialised as PyTorch: ``W ~ U(-1/√in, 1/√in)`` (``kaiming_uniform_`` with ``a=√5``) and
    ``b ~ U(-1/√in, 1/√in)``, drawn from minigrad's seeded generator.

    >>> import minigrad as mg
    >>> fc = Linear(4, 3)
    >>> fc(mg.ones(2, 4)).shape, fc.weight.shape, fc.bias.shape
    (Size([2, 3]), Size([3, 4]), Size([3]))
    >>> fc
    Linear(in_features=4, out_features=3, bias=True)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = _positive("Linear", "in_features", in_features)
        self.out_features = _positive("Linear", "out_features", out_features)
        self.weight = Parameter(creation.empty(out_features, in_features, dtype=dtype,
                                               device=device))
        if bias:
            self.bias = Parameter(creation.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw ``weight`` and ``bias`` with PyTorch's default initialisation."""
        if self.in_features > 0 and self.out_features > 0:
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise MinigradTypeError(f"Linear: expected a Tensor input, got {type(input).__name__}")
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            raise ShapeError(
                f"Linear: input of shape {input.shape} does not end in in_features="
                f"{self.in_features}"
            )
        return ops.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Flatten dims ``start_dim..end_dim`` into one (by default all but the batch dim).

    >>> import minigrad as mg
    >>> Flatten()(mg.ones(2, 3, 4)).shape, Flatten(0, 1)(mg.ones(2, 3, 4)).shape
    (Size([2, 12]), Size([6, 4]))
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``.

    >>> import minigrad as mg
    >>> Unflatten(1, (2, 3))(mg.ones(4, 6)).shape
    Size([4, 2, 3])
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(s, int) for s in unflattened_size):
            raise MinigradTypeError(
                f"Unflatten: unflattened_size must be a tuple of ints, got {unflattened_size!r}"
            )
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        dim = ops.normalize_dim(self.dim, input.ndim, "Unflatten")
        shape = input.shape
        size = 1
        for s in self.unflattened_size:
            size *= s
        if -1 not in self.unflattened_size and size != shape[dim]:
            raise ShapeError(
                f"Unflatten: unflattened_size {self.unflattened_size} does not multiply to the "
                f"size {shape[dim]} of dim {self.dim} of the input (shape {shape})"
            )
        return ops.reshape(input, (*shape[:dim], *self.unflattened_size, *shape[dim + 1:]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
