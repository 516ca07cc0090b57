"""Batch normalisation: ``BatchNorm1d`` and ``BatchNorm2d``, exactly as PyTorch's.

Training normalises with the batch mean and the biased batch variance and updates the
running statistics with the unbiased one, ``running = (1 - momentum)·running + momentum·batch``
(``momentum=None``: a cumulative average over ``num_batches_tracked``). Evaluation uses the
running statistics. The forward is built from differentiable ops (mean, products,
broadcasting), so gradients, and gradients of gradients, need no code of their own.

>>> import minigrad as mg
>>> from minigrad import nn
>>> bn = nn.BatchNorm1d(3)
>>> y = bn(mg.randn(8, 3))
>>> [abs(v) < 1e-5 for v in y.mean(dim=0).tolist()]
[True, True, True]
>>> int(bn.num_batches_tracked)
1
"""

from __future__ import annotations

from typing import Any

from minigrad import creation, dtypes
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.ops._util import check_tensor
from minigrad.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "batch_norm"]


def _set(buffer: Tensor, array: Any) -> None:
    buffer._data[...] = array
    buffer._version += 1


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Functional batch norm over dim 1 of ``(N, C, *)`` input, as ``F.batch_norm``.

    With ``training`` the batch statistics are used and the running ones (when given) are
    updated in place with factor ``momentum``; otherwise the running statistics are used.

    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0], [3.0]])
    >>> batch_norm(x, None, None, training=True, eps=0.0).tolist()
    [[-1.0], [1.0]]
    """
    check_tensor(input, "batch_norm")
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: input must have at least 2 dims (N, C, ...), got shape "
                         f"{input.shape}")
    c = input.shape[1]
    shape = (1, c) + (1,) * (input.ndim - 2)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and not isinstance(t, Tensor):
            raise MinigradTypeError(f"batch_norm: `{name}` must be a Tensor or None, got "
                                    f"{type(t).__name__}")
        if t is not None and t.shape != (c,):
            raise ShapeError(f"batch_norm: `{name}` must have shape ({c},) for input of shape "
                             f"{input.shape}, got {t.shape}")
    if training:
        n = input.numel() // c
        if n <= 1:
            raise ValueError("batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {input.shape}")
        axes = (0, *range(2, input.ndim))
        mean = input.mean(dim=axes, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dim=axes, keepdim=True)
        if running_mean is not None:
            m = mean._data.reshape(c).astype(running_mean.dtype)
            _set(running_mean, (1 - momentum) * running_mean._data + momentum * m)
        if running_var is not None:
            v = var._data.reshape(c).astype(running_var.dtype) * (n / (n - 1))
            _set(running_var, (1 - momentum) * running_var._data + momentum * v)
        scale = (var + eps) ** -0.5
        if weight is not None:
            scale = scale * weight.reshape(shape)
        out = centred * scale
        return out if bias is None else out + bias.reshape(shape)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are required when not "
                         "training")
    scale = (running_var.astype(input.dtype) + eps) ** -0.5
    if weight is not None:
        scale = scale * weight
    shift = -running_mean.astype(input.dtype) * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


class _BatchNorm(Module):
    _expected_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"{type(self).__name__}: `num_features` must be a positive int, got "
                             f"{num_features!r}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(creation.empty(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(creation.empty(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean",
                                 creation.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var",
                                 creation.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked",
                                 creation.zeros((), dtype=dtypes.int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            _set(self.running_mean, 0)
            _set(self.running_var, 1)
            _set(self.num_batches_tracked, 0)

    def reset_parameters(self) -> None:
        """Reset the running statistics, ``weight`` to 1 and ``bias`` to 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        name = type(self).__name__
        check_tensor(input, name)
        if input.ndim not in self._expected_dims:
            dims = " or ".join(f"{d}D" for d in self._expected_dims)
            raise ShapeError(f"{name}: expected {dims} input, got {input.ndim}D input of shape "
                             f"{input.shape}")
        if input.shape[1] != self.num_features:
            raise ShapeError(f"{name}: expected {self.num_features} channels in dim 1, got input "
                             f"of shape {input.shape}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            count = self._batches_tracked()
            _set(self.num_batches_tracked, self.num_batches_tracked._data + 1)
            self._tracked = (id(self.num_batches_tracked), self.num_batches_tracked._version,
                             count)
            if self.momentum is None:
                factor = 1.0 / count
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if track else None,
                          self.running_var if track else None, self.weight, self.bias,
                          use_batch, factor, self.eps)

    def _batches_tracked(self) -> int:
        """``num_batches_tracked + 1`` as a Python int, kept on the host beside the buffer so
        a training step reads nothing back from a GPU (read again only after the buffer was
        replaced or written by anything else: a loaded state_dict, ``.to()``, a user)."""
        buf, known = self.num_batches_tracked, self.__dict__.get("_tracked")
        if known is not None and known[0] == id(buf) and known[1] == buf._version:
            return known[2] + 1
        return int(buf.item()) + 1

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm over ``(N, C)`` or ``(N, C, L)`` input (statistics per channel ``C``).

    >>> BatchNorm1d(4)
    BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over ``(N, C, H, W)`` input (statistics per channel ``C``).

    >>> import minigrad as mg
    >>> bn = BatchNorm2d(2).eval()
    >>> bn(mg.ones(1, 2, 3, 3)).shape
    Size([1, 2, 3, 3])
    """

    _expected_dims = (4,)
