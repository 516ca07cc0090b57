"""Channel-wise dropout: ``dropout1d``, ``dropout2d``, ``dropout3d`` (PyTorch's
``feature_dropout``): each whole channel of each sample is zeroed with probability ``p``, the
rest scaled by ``1/(1-p)``. Masks come from minigrad's seeded generator.

>>> import minigrad as mg
>>> y = dropout2d(mg.ones(2, 8, 3, 3), 0.5)
>>> all(len(set(y[n, c].flatten().tolist())) == 1 for n in range(2) for c in range(8))
True
"""

from __future__ import annotations

import warnings

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import check_tensor

__all__ = ["dropout1d", "dropout2d", "dropout3d", "feature_dropout"]


def _check_p(op: str, p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability `p` has to be between 0 and 1, but got "
                         f"{p!r}")
    return float(p)


def feature_dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero whole channels: one draw per ``(N, C)`` entry of an ``(N, C, *)`` input.

    >>> import minigrad as mg
    >>> feature_dropout(mg.ones(1, 2, 2), 0.5, training=False).tolist()
    [[[1.0, 1.0], [1.0, 1.0]]]
    """
    check_tensor(input, "feature_dropout")
    p = _check_p("feature_dropout", p)
    if input.ndim < 2:
        raise ShapeError(f"feature_dropout: expected an input (N, C, *) of at least 2 dims, got "
                         f"shape {input.shape}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    xp = input._backend.xp
    rng = input._backend.rng(input.device)
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    keep = xp.asarray(rng.random(shape) >= p)
    return input * Tensor._make((keep / (1.0 - p)).astype(input.dtype), None)


def _unbatched(input: Tensor, p: float, training: bool, batched: bool) -> Tensor:
    if batched or not training or p == 0.0:
        return feature_dropout(input, p, training)
    return feature_dropout(input.unsqueeze(0), p, training).squeeze(0)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout of (N, C, L) or unbatched (C, L), as ``torch.nn.functional.dropout1d``.

    ``inplace`` is accepted for PyTorch compatibility; a new tensor is always returned.

    >>> import minigrad as mg
    >>> dropout1d(mg.ones(3, 4), 0.5).shape
    Size([3, 4])
    """
    check_tensor(input, "dropout1d")
    _check_p("dropout1d", p)
    if input.ndim not in (2, 3):
        raise ShapeError(f"dropout1d: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                         f"{input.shape}")
    return _unbatched(input, p, training, input.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout of (N, C, H, W), as ``torch.nn.functional.dropout2d``.

    As PyTorch, a 3-D input is read as (N, C, L) (with a warning: one day it will mean an
    unbatched (C, H, W)), and other ranks warn but still drop whole ``(N, C)`` channels.

    >>> import minigrad as mg
    >>> dropout2d(mg.ones(1, 2, 3, 3), 0.5, training=False).sum().item()
    18.0
    """
    check_tensor(input, "dropout2d")
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated; dropout2d exists for (N, C, H, W) or (C, H, W) inputs, use "
                      "dropout instead", UserWarning, stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L); use dropout1d for that", UserWarning, stacklevel=2)
    return feature_dropout(input, p, training)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout of (N, C, D, H, W) or unbatched (C, D, H, W), as
    ``torch.nn.functional.dropout3d`` (other ranks warn, as PyTorch).

    >>> import minigrad as mg
    >>> dropout3d(mg.ones(2, 1, 2, 2), 0.5).shape
    Size([2, 1, 2, 2])
    """
    check_tensor(input, "dropout3d")
    _check_p("dropout3d", p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is "
                      "deprecated; dropout3d exists for (N, C, D, H, W) or (C, D, H, W) "
                      "inputs, use dropout instead", UserWarning, stacklevel=2)
    return _unbatched(input, p, training, input.ndim == 5)
