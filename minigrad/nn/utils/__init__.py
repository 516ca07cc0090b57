"""Gradient clipping and flat-vector helpers for parameters (``torch.nn.utils``), and
:mod:`minigrad.nn.utils.rnn` (packed and padded sequences for recurrent layers).

Import as a submodule: ``import minigrad.nn.utils``.

>>> import minigrad as mg
>>> import minigrad.nn.utils as U
>>> w = mg.tensor([3.0, 4.0], requires_grad=True)
>>> (w * w).sum().backward()                 # grad = [6, 8], norm 10
>>> float(U.clip_grad_norm_([w], max_norm=1.0))
10.0
>>> [round(v, 4) for v in w.grad.tolist()]
[0.6, 0.8]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from minigrad.errors import AutogradError, MinigradTypeError, ShapeError
from minigrad.grad_mode import no_grad
from minigrad.nn.utils import rnn
from minigrad.tensor import Tensor

__all__ = [
    "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "rnn", "vector_to_parameters",
]


def _as_list(parameters: Tensor | Iterable[Tensor], op: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise MinigradTypeError(
                f"{op}: parameters must be Tensors, but item {i} is a {type(p).__name__}"
            )
    return params


def _grad_array(p: Tensor) -> Any:
    """``p.grad``'s array, made writable and detached from any graph."""
    g = p.grad
    if g.grad_fn is not None:
        g = p.grad = g.detach()
    if not getattr(getattr(g._data, "flags", None), "writeable", True):
        g._data = g._data.copy()
    return g._data


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
    error_if_nonfinite: bool = False, foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients in place so their joint ``norm_type``-norm is at most ``max_norm``.

    The total norm is the norm of the vector of per-tensor norms (as if all gradients were
    concatenated); every gradient is multiplied by ``min(1, max_norm / (total + 1e-6))``.
    ``norm_type`` may be any ``p > 0`` or ``inf``. Returns the total norm (before clipping)
    as a 0-d tensor. ``foreach`` is accepted for PyTorch compatibility and ignored.

    >>> import minigrad as mg
    >>> from minigrad.nn.utils import clip_grad_norm_
    >>> a = mg.zeros(2, requires_grad=True); a.grad = mg.tensor([3.0, -4.0])
    >>> total = clip_grad_norm_(a, 2.0, norm_type=float("inf"))
    >>> float(total), [round(v, 4) for v in a.grad.tolist()]
    (4.0, [1.5, -2.0])
    """
    params = _as_list(parameters, "clip_grad_norm_")
    norm_type = float(norm_type)
    if not (norm_type > 0 or norm_type == math.inf):
        raise ValueError(f"clip_grad_norm_: `norm_type` (={norm_type}) must be > 0 or inf")
    grads = [_grad_array(p) for p in params if p.grad is not None]
    if not grads:
        return Tensor._from_data(0.0)
    xp = next(p._backend.xp for p in params if p.grad is not None)
    dtype = grads[0].dtype
    if norm_type == math.inf:
        norms = xp.stack([xp.abs(g).max() if g.size else xp.zeros((), dtype) for g in grads])
        total = norms.max()
    else:
        norms = xp.stack([(xp.abs(g) ** norm_type).sum() ** (1 / norm_type) for g in grads])
        total = (norms**norm_type).sum() ** (1 / norm_type)
    total = total.astype(dtype)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise AutogradError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients of "
            f"{len(grads)} parameters is non-finite ({float(total)}), so it cannot be clipped; "
            "set error_if_nonfinite=False to clip anyway"
        )
    coef = xp.minimum(dtype.type(max_norm) / (total + dtype.type(1e-6)), dtype.type(1.0))
    # an infinite norm gives 0 * inf = nan, as PyTorch
    with params[0]._backend.errstate(invalid="ignore"):
        for p in params:
            if p.grad is not None:
                p.grad._data *= coef.astype(p.grad.dtype)
                p.grad._version += 1
    return Tensor._make(xp.asarray(total), None)


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient in place to ``[-clip_value, clip_value]``.

    >>> import minigrad as mg
    >>> from minigrad.nn.utils import clip_grad_value_
    >>> a = mg.zeros(3, requires_grad=True); a.grad = mg.tensor([-5.0, 0.5, 2.0])
    >>> clip_grad_value_([a], 1.0); a.grad.tolist()
    [-1.0, 0.5, 1.0]
    """
    params = _as_list(parameters, "clip_grad_value_")
    clip_value = float(clip_value)
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: `clip_value` (={clip_value}) must be >= 0")
    for p in params:
        if p.grad is not None:
            g = _grad_array(p)
            p._backend.xp.clip(g, -clip_value, clip_value, out=g)
            p.grad._version += 1


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one (differentiable) vector.

    >>> import minigrad as mg
    >>> from minigrad.nn.utils import parameters_to_vector
    >>> parameters_to_vector([mg.ones(2, 2), mg.zeros(1)]).tolist()
    [1.0, 1.0, 1.0, 1.0, 0.0]
    """
    from minigrad.ops import cat

    params = _as_list(parameters, "parameters_to_vector")
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    device = params[0].device
    for i, p in enumerate(params):
        if p.device != device:
            raise MinigradTypeError(
                f"parameters_to_vector: parameters[{i}] is on {p.device}, parameters[0] on "
                f"{device}; all must be on one device"
            )
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Tensor | Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-d tensor ``vec`` into the parameters, in order.

    Unlike PyTorch (which makes each ``param.data`` a view of ``vec``), the values are
    copied, so later changes to ``vec`` do not leak into the parameters. Not recorded.

    >>> import minigrad as mg
    >>> from minigrad.nn.utils import vector_to_parameters
    >>> a, b = mg.zeros(2), mg.zeros(1)
    >>> vector_to_parameters(mg.tensor([1.0, 2.0, 3.0]), [a, b]); a.tolist(), b.tolist()
    ([1.0, 2.0], [3.0])
    """
    if not isinstance(vec, Tensor):
        raise MinigradTypeError(
            f"vector_to_parameters: expected `vec` to be a Tensor, got {type(vec).__name__}"
        )
    params = _as_list(parameters, "vector_to_parameters")
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ShapeError(
            f"vector_to_parameters: `vec` has shape {vec.shape} but the parameters hold "
            f"{total} elements; expected shape ({total},)"
        )
    offset = 0
    with no_grad():
        for p in params:
            n = p.numel()
            if not getattr(getattr(p._data, "flags", None), "writeable", True):
                p._data = p._data.copy()
            p._data[...] = vec._data[offset:offset + n].reshape(p.shape).astype(p.dtype)
            p._version += 1
            offset += n
