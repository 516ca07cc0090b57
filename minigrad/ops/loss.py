"""Classification losses: nll_loss and cross_entropy, with PyTorch's exact definitions.

Targets are class indices (N,) or (N, d1, ...) (``ignore_index`` allowed, per-class
``weight``, ``label_smoothing``) or class probabilities of the input's shape. The weighted
mean divides by the summed weight of the non-ignored targets, as PyTorch. The common case
(class indices, no smoothing) runs as one fused op, ``CrossEntropy``, which the tests check
against the composite ``nll_loss(log_softmax(x, 1), t)``.

>>> import minigrad as mg
>>> cross_entropy(mg.tensor([[1e4, 0.0], [0.0, 1e4]]), mg.tensor([0, 1]))
tensor(0., dtype=float32, device='cpu')
"""

from __future__ import annotations

import warnings
from typing import Any

from minigrad.amp.policy import FP32, autocast_function
from minigrad.backends import backend_of
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.grad_mode import is_anomaly_enabled
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor
from .softmax import log_softmax

__all__ = ["check_reduction", "cross_entropy", "legacy_reduction", "nll_loss"]


def _onehot(xp: Any, index: Any, classes: int, ndim: int) -> Any:
    """Bool (N, C, d...) mask of ``index`` (N, 1, d...) along dim 1."""
    shape = [1] * ndim
    shape[1] = classes
    return xp.arange(classes).reshape(shape) == index


class Pick(Op):
    """``x[n, index[n, 0, ...], ...]``: one entry of dim 1 per row; drops dim 1."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, index: Any) -> Any:
        self.index, self.classes = index, x.shape[1]
        return xp.take_along_axis(x, index, axis=1).squeeze(1)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.pick_adjoint(g, index=self.index, classes=self.classes),)


class PickAdjoint(Op):
    """Zeros of shape (N, C, d...) with ``g`` placed at ``index`` (the adjoint of Pick)."""

    save_inputs = False

    def forward(self, xp: Any, g: Any, index: Any, classes: int) -> Any:
        self.index = index
        return xp.expand_dims(g, 1) * _onehot(xp, index, classes, g.ndim + 1)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.pick(g, index=self.index),)


class CrossEntropy(Op):
    """Fused ``-coef * log_softmax(x, 1)[target]`` (summed unless ``reduction == "none"``).

    ``coef`` holds each target's weight (zero where ignored), already divided by the weight
    sum for ``"mean"``; backward is ``(softmax(x) - onehot) * coef * g``.
    """

    def forward(self, xp: Any, x: Any, index: Any, coef: Any, reduction: str) -> Any:
        self.index, self.coef, self.reduction = index, coef, reduction
        shifted = x - x.max(axis=1, keepdims=True)
        lse = xp.log(xp.exp(shifted).sum(axis=1))
        picked = xp.take_along_axis(shifted, index, axis=1).squeeze(1) - lse
        loss = picked * coef
        return 0.0 - loss if reduction == "none" else 0.0 - loss.sum()  # no -0.0

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x = inputs[0]
        w = g * self.coef
        shape = list(w.shape)
        shape.insert(1, 1)
        gx = m.softmax(x, dim=1) * m.reshape(w, shape=tuple(shape))
        return (gx - m.pick_adjoint(w, index=self.index, classes=x.shape[1]),)


register_math("pick", Pick)
register_math("pick_adjoint", PickAdjoint)
register_math("cross_entropy_fused", CrossEntropy)


def check_reduction(op: str, reduction: str) -> str:
    """Validate ``reduction`` ("mean" | "sum" | "none")."""
    if reduction not in ("mean", "sum", "none"):
        raise ShapeError(f"{op}: `reduction` must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def legacy_reduction(op: str, size_average: bool | None, reduce: bool | None,
                     reduction: str) -> str:
    """``reduction``, or the one PyTorch derives from the deprecated ``size_average`` and
    ``reduce`` (with PyTorch's warning) when either is given.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     legacy_reduction("mse_loss", False, None, "mean")
    'sum'
    """
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    out = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"{op}: size_average and reduce args will be deprecated, please use "
                  f"reduction='{out}' instead.", UserWarning, stacklevel=3)
    return out


def _batched(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor, bool]:
    """Unbatched (C,) input with a 0-d target becomes (1, C) with (1,)."""
    if input.ndim == 1:
        return input.unsqueeze(0), (target.reshape(1) if target.ndim == 0 else target), True
    return input, target, False


def _index_coef(op: str, input: Tensor, target: Tensor, weight: Tensor | None,
                ignore_index: int) -> tuple[Any, Any, Any]:
    """(safe index (N, 1, d...), per-target weight w_t with 0 where ignored, weight array),
    computed on the input's device."""
    with input._backend.device_context(input._data):
        return _index_coef_here(op, input, target, weight, ignore_index)


def _index_coef_here(op: str, input: Tensor, target: Tensor, weight: Tensor | None,
                     ignore_index: int) -> tuple[Any, Any, Any]:
    xp = input._backend.xp
    c = input.shape[1]
    expected = (input.shape[0], *input.shape[2:])
    if target.dtype.kind not in "iu":
        raise MinigradTypeError(f"{op}: class-index target must be an integer tensor, got "
                                f"{target.dtype} of shape {target.shape} (a floating target "
                                f"must be class probabilities of the input's shape "
                                f"{input.shape})")
    if tuple(target.shape) != expected:
        raise ShapeError(f"{op}: target of shape {target.shape} does not match input of shape "
                         f"{input.shape}: expected class indices of shape {expected}")
    t = target._data
    valid = t != ignore_index
    # the range check reads a value back: on a GPU (a host sync) only in anomaly mode, as
    # PyTorch checks it there in a device-side assert; indices are clipped in range anyway
    if input._backend.cheap_host_reads or is_anomaly_enabled():
        bad = valid & ((t < 0) | (t >= c))
        if bool(bad.any()):
            first = int(t[bad].ravel()[0])
            raise ShapeError(f"{op}: target class index {first} is out of range for {c} "
                             f"classes (expected 0 <= index < {c}, or "
                             f"ignore_index={ignore_index})")
        safe = xp.where(valid, t, 0)
    else:
        safe = xp.clip(xp.where(valid, t, 0), 0, c - 1)
    w_arr = None
    if weight is not None:
        check_tensor(weight, op, "weight")
        if tuple(weight.shape) != (c,):
            raise ShapeError(f"{op}: `weight` must have shape ({c},) (one per class), got "
                             f"{weight.shape}")
        w_arr = weight._data.astype(input.dtype)
        w_t = w_arr[safe] * valid
    else:
        w_t = valid.astype(input.dtype)
    return xp.expand_dims(safe, 1), w_t.astype(input.dtype), w_arr


def _mean_coef(xp: Any, w_t: Any) -> Any:
    backend = backend_of(w_t)
    with backend.errstate(invalid="ignore", divide="ignore"), backend.device_context(w_t):
        return w_t / w_t.sum()  # NaN where every weight is 0, as PyTorch


@autocast_function(FP32)
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class-index targets, as ``torch.nn.functional.nll_loss``.

    >>> import minigrad as mg
    >>> nll_loss(mg.tensor([[-1.0, -2.0], [-3.0, -4.0]]), mg.tensor([1, 0]))
    tensor(2.5, dtype=float32, device='cpu')
    """
    check_tensor(input, "nll_loss")
    check_tensor(target, "nll_loss", "target")
    reduction = legacy_reduction("nll_loss", size_average, reduce, reduction)
    check_reduction("nll_loss", reduction)
    input, target, unbatched = _batched(input, target)
    if input.ndim < 2:
        raise ShapeError(f"nll_loss: input must be (C,), (N, C) or (N, C, d1, ...), got shape "
                         f"{input.shape}")
    index, w_t, _ = _index_coef("nll_loss", input, target, weight, ignore_index)
    picked = Pick.apply(input, index=index)
    if reduction == "none":
        out = -(picked * Tensor._make(w_t, None))
        return out.reshape(()) if unbatched else out
    xp = input._backend.xp
    coef = _mean_coef(xp, w_t) if reduction == "mean" else w_t
    return -(picked * Tensor._make(coef, None)).sum()


@autocast_function(FP32)
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits, as ``torch.nn.functional.cross_entropy``.

    ``target``: class indices (N,) / (N, d1, ...) or class probabilities of the input's shape.

    >>> import minigrad as mg
    >>> round(cross_entropy(mg.zeros(2, 4), mg.tensor([0, 3])).item(), 4)  # log 4
    1.3863
    """
    op = "cross_entropy"
    check_tensor(input, op)
    check_tensor(target, op, "target")
    reduction = legacy_reduction(op, size_average, reduce, reduction)
    check_reduction(op, reduction)
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ShapeError(f"{op}: `label_smoothing` must be in [0, 1], got {label_smoothing}")
    if input.dtype.kind != "f":
        raise MinigradTypeError(f"{op}: input must be floating-point logits, got {input.dtype}")
    input, target, unbatched = _batched(input, target)
    if input.ndim < 2:
        raise ShapeError(f"{op}: input must be (C,), (N, C) or (N, C, d1, ...), got shape "
                         f"{input.shape}")
    xp = input._backend.xp
    c = input.shape[1]
    if c == 0:
        raise ShapeError(f"{op}: input has no classes (C = 0), input shape {input.shape}")
    if weight is not None:
        check_tensor(weight, op, "weight")
    eps = float(label_smoothing)
    if target.dtype.kind == "f" and tuple(target.shape) == tuple(input.shape):
        return _cross_entropy_probs(input, target, weight, reduction, eps, unbatched)
    index, w_t, w_arr = _index_coef(op, input, target, weight, ignore_index)
    if eps == 0.0:
        coef = _mean_coef(xp, w_t) if reduction == "mean" else w_t
        out = CrossEntropy.apply(input, index=index, coef=coef, reduction=reduction)
        return out.reshape(()) if unbatched and reduction == "none" else out
    logp = log_softmax(input, dim=1)
    nll = -(Pick.apply(logp, index=index) * Tensor._make(w_t, None))
    shape = [1] * input.ndim
    shape[1] = c
    if w_arr is not None:
        logp = logp * Tensor._make(w_arr.reshape(shape), None)
    valid = Tensor._make(xp.asarray(target._data != ignore_index), None)
    smooth = -logp.sum(1) * valid
    loss = nll * (1.0 - eps) + smooth * (eps / c)
    if reduction == "none":
        return loss.reshape(()) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / Tensor._make(xp.asarray(w_t.sum(), dtype=input.dtype), None)


def _cross_entropy_probs(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                         eps: float, unbatched: bool) -> Tensor:
    c = input.shape[1]
    if eps:
        target = target * (1.0 - eps) + eps / c
    logp = log_softmax(input, dim=1) * target
    if weight is not None:
        if tuple(weight.shape) != (c,):
            raise ShapeError(f"cross_entropy: `weight` must have shape ({c},) (one per class), "
                             f"got {weight.shape}")
        shape = [1] * input.ndim
        shape[1] = c
        logp = logp * weight.reshape(tuple(shape))
    loss = -logp.sum(1)
    if reduction == "none":
        return loss.reshape(()) if unbatched else loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (input.numel() // c)
