"""``kl_div``: the Kullback-Leibler divergence loss, with PyTorch's definition and reductions.

>>> import minigrad as mg
>>> kl_div(mg.tensor([[0.0, 0.0]]).log_softmax(1), mg.tensor([[0.5, 0.5]]), reduction="sum")
tensor(0., dtype=float32, device='cpu')
"""

from __future__ import annotations

import warnings

from minigrad.amp.policy import FP32, autocast_function
from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import broadcast_shapes
from .binary import where
from .conv_args import check_float
from .loss import legacy_reduction

__all__ = ["kl_div"]

_REDUCTIONS = ("none", "mean", "sum", "batchmean")


@autocast_function(FP32)
def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Pointwise ``target * (log target - input)``, as ``torch.nn.functional.kl_div``.

    ``input`` holds log-probabilities; ``target`` probabilities (log-probabilities when
    ``log_target``). ``reduction``: "none", "sum", "mean" (over every element: PyTorch warns
    that this is not the KL divergence, and so does minigrad) or "batchmean" (sum / batch
    size, the divergence's definition). The deprecated ``size_average``/``reduce`` set
    ``reduction`` as in PyTorch.
    Where ``target`` is 0, its own gradient is ``-input`` (PyTorch's is NaN there: its
    ``xlogy(t, t)`` divides 0 by 0).

    >>> import minigrad as mg
    >>> p = mg.tensor([[0.25, 0.75]])
    >>> round(kl_div(p.log(), mg.tensor([[0.5, 0.5]]), reduction="batchmean").item(), 4)
    0.1438
    """
    op = "kl_div"
    reduction = legacy_reduction(op, size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: `reduction` must be one of {_REDUCTIONS}, got {reduction!r}")
    input, target = check_float(op, input=input, target=target)
    broadcast_shapes(op, tuple(input.shape), tuple(target.shape))
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = Tensor._make(target._data > 0, None)
        safe = where(pos, target, 1.0)
        loss = where(pos, target * safe.log(), 0.0) - target * input
    if reduction == "none":
        return loss
    if reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total loss by both the batch size "
                      "and the support size; 'batchmean' divides only by the batch size, and "
                      "aligns with the KL divergence's definition", UserWarning, stacklevel=2)
        return loss.mean()
    total = loss.sum()
    if reduction == "batchmean" and input.ndim:
        if input.shape[0] == 0:
            raise ShapeError(f"{op}: reduction='batchmean' needs a non-empty batch, got input "
                             f"{input.shape}")
        total = total / input.shape[0]
    return total
