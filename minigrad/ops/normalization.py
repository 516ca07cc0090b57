"""Layer, group, RMS and instance normalisation as one fused op with an analytic backward.

:class:`Normalize` standardises over some axes, ``(x - mean)·rsqrt(var + eps)`` (or, for
RMS norm, ``x·rsqrt(mean(x²) + eps)``), then applies an optional elementwise ``weight`` and
``bias``: one node instead of the dozen of the composite. Its backward is the closed form
``rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))``; when the graph of the gradient is recorded
(``create_graph=True``) the statistics are recomputed from recorded ops, so second
derivatives are exact. Tests check the op against the composite of primitive ops.

>>> import minigrad as mg
>>> y = layer_norm(mg.tensor([[1.0, 3.0]]), (2,), eps=0.0)
>>> y.tolist()
[[-1.0, 1.0]]
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._sum import accurate_mean
from ._util import check_tensor

__all__ = ["group_norm", "instance_norm", "layer_norm", "rms_norm"]
TENSOR_METHODS = ()


class Normalize(Op):
    """Standardise ``x`` over ``axes``, then ``·weight + bias`` (both broadcast to ``x``)."""

    def forward(self, xp: Any, x: Any, *affine: Any, axes: tuple[int, ...], eps: float,
                centre: bool, has_weight: bool) -> Any:
        self.axes, self.eps, self.centre, self.has_weight = axes, eps, centre, has_weight
        mean = accurate_mean(xp, x, axes, keepdims=True) if centre else None
        xc = x - mean if centre else x
        rstd = 1 / xp.sqrt(accurate_mean(xp, xc * xc, axes, keepdims=True) + eps)
        self.saved_aux = (mean, rstd)
        out = xc * rstd
        if has_weight:
            out = out * affine[0]
        if len(affine) > has_weight:
            out = out + affine[-1]
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        x, axes = inputs[0], self.axes
        if isinstance(x, Tensor):  # create_graph: statistics as recorded functions of x
            xc = x - m.mean(x, dim=axes, keepdim=True) if self.centre else x
            rstd = 1 / m.sqrt(m.mean(xc * xc, dim=axes, keepdim=True) + self.eps)
        else:
            mean, rstd = self.saved_aux
            xc = x - mean if self.centre else x
        xhat = xc * rstd
        need = self.needs_input_grad
        grads: list[Any] = [None] * len(inputs)
        if need[0]:
            gh = g * inputs[1] if self.has_weight else g
            inner = gh - xhat * m.mean(gh * xhat, dim=axes, keepdim=True)
            if self.centre:
                inner = inner - m.mean(gh, dim=axes, keepdim=True)
            grads[0] = inner * rstd
        if self.has_weight and need[1]:
            grads[1] = g * xhat  # the engine sums it down to the weight's shape
        if len(inputs) > 1 + self.has_weight and need[-1]:
            grads[-1] = g
        return tuple(grads)


def _affine(op: str, input: Tensor, weight: Tensor | None, bias: Tensor | None,
            shape: tuple[int, ...], view: tuple[int, ...]) -> list[Tensor]:
    """``weight`` and ``bias`` checked against ``shape`` and reshaped to ``view``."""
    out = []
    for name, t in (("weight", weight), ("bias", bias)):
        if t is None:
            continue
        check_tensor(t, op, name)
        if tuple(t.shape) != shape:
            raise ShapeError(f"{op}: `{name}` must have shape {shape} for input of shape "
                             f"{input.shape}, got {t.shape}")
        out.append(t.reshape(view) if view != shape else t)
    return out


def _normalize(op: str, input: Tensor, affine: list[Tensor], axes: tuple[int, ...], eps: float,
               centre: bool, has_weight: bool) -> Tensor:
    tensors = [input, *affine]
    dt = dtypes.result_dtype(*tensors)
    if dt.kind != "f":
        raise MinigradTypeError(f"{op}: expected floating-point tensors, got dtype {dt}")
    tensors = [t if t.dtype == dt else t.astype(dt) for t in tensors]
    return Normalize.apply(*tensors, axes=axes, eps=float(eps), centre=centre,
                           has_weight=has_weight)


def _shape_arg(op: str, normalized_shape: int | Sequence[int], input: Tensor) -> tuple[int, ...]:
    shape = ((operator.index(normalized_shape),) if hasattr(normalized_shape, "__index__")
             else tuple(operator.index(s) for s in normalized_shape))
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ShapeError(f"{op}: given normalized_shape={list(shape)}, expected input with shape "
                         f"[*, {', '.join(map(str, shape))}], got input of shape {input.shape}")
    return shape


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Standardise over the trailing ``normalized_shape`` dims (biased variance), then
    ``·weight + bias``, as ``F.layer_norm``.

    >>> import minigrad as mg
    >>> y = layer_norm(mg.tensor([[0.0, 2.0, 4.0]]), 3, bias=mg.ones(3), eps=0.0)
    >>> [round(v, 4) for v in y.tolist()[0]]
    [-0.2247, 1.0, 2.2247]
    """
    check_tensor(input, "layer_norm")
    shape = _shape_arg("layer_norm", normalized_shape, input)
    affine = _affine("layer_norm", input, weight, bias, shape, shape)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    return _normalize("layer_norm", input, affine, axes, eps, True, weight is not None)


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """``x·rsqrt(mean(x²) + eps)·weight`` over the trailing ``normalized_shape`` dims, as
    ``F.rms_norm``; ``eps=None`` is the input dtype's machine epsilon, as in PyTorch.

    >>> import minigrad as mg
    >>> rms_norm(mg.tensor([[3.0, -3.0]]), [2], eps=0.0).tolist()
    [[1.0, -1.0]]
    """
    check_tensor(input, "rms_norm")
    shape = _shape_arg("rms_norm", normalized_shape, input)
    affine = _affine("rms_norm", input, weight, None, shape, shape)
    if eps is None:
        kind = input.dtype if input.dtype.kind == "f" else dtypes.get_default_dtype()
        eps = float(np.finfo(kind).eps)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    return _normalize("rms_norm", input, affine, axes, eps, False, weight is not None)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Standardise each of ``num_groups`` groups of channels of ``(N, C, *)`` input, then
    ``·weight + bias`` per channel, as ``F.group_norm``.

    >>> import minigrad as mg
    >>> group_norm(mg.tensor([[1.0, 3.0, 5.0, 9.0]]), 2, eps=0.0).tolist()
    [[-1.0, 1.0, -1.0, 1.0]]
    """
    check_tensor(input, "group_norm")
    if input.ndim < 2:
        raise ShapeError(f"group_norm: input must have at least 2 dims (N, C, ...), got shape "
                         f"{input.shape}")
    n, c = input.shape[0], input.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1:
        raise ValueError(f"group_norm: `num_groups` must be a positive int, got {num_groups!r}")
    if c % num_groups:
        raise ShapeError(f"group_norm: expected the number of channels in input ({c}) to be "
                         f"divisible by num_groups ({num_groups}); input shape {input.shape}")
    spatial = math.prod(input.shape[2:])
    view = (n, num_groups, c // num_groups, spatial)
    affine = _affine("group_norm", input, weight, bias, (c,), (num_groups, c // num_groups, 1))
    out = _normalize("group_norm", input.reshape(view), affine, (2, 3), eps, True,
                     weight is not None)
    return out.reshape(input.shape)


def _set(buffer: Tensor, array: Any) -> None:
    buffer._data[...] = array
    buffer._version += 1


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Standardise each channel of each sample of ``(N, C, *)`` input over its spatial dims,
    then ``·weight + bias`` per channel, as ``F.instance_norm``.

    With ``use_input_stats`` the running statistics (when given) are updated in place with
    the batch average of the per-instance mean and unbiased variance; without it they are
    used instead of the input's statistics.

    >>> import minigrad as mg
    >>> instance_norm(mg.tensor([[[1.0, 3.0]]]), eps=0.0).tolist()
    [[[-1.0, 1.0]]]
    """
    check_tensor(input, "instance_norm")
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: input must have at least 3 dims (N, C, *), got shape "
                         f"{input.shape}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"instance_norm: `{name}` must have shape ({c},) for input of shape "
                             f"{input.shape}, got {t.shape}")
    view = (c,) + (1,) * (input.ndim - 2)
    affine = _affine("instance_norm", input, weight, bias, (c,), view)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var are required when "
                             "use_input_stats=False")
        centred = input - running_mean.astype(input.dtype).reshape(view)
        out = centred * (running_var.astype(input.dtype).reshape(view) + eps) ** -0.5
        if weight is not None:
            out = out * affine[0]
        return out if bias is None else out + affine[-1]
    axes = tuple(range(2, input.ndim))
    count = input.numel() // max(input.shape[0] * c, 1)
    if count <= 1:
        raise ValueError(f"instance_norm: expected more than 1 spatial element when training, "
                         f"got input of shape {input.shape}")
    if running_mean is not None or running_var is not None:
        x = input._data
        mean = x.mean(axis=axes)  # (N, C)
        var = x.var(axis=axes) * (count / (count - 1))
        if running_mean is not None:
            _set(running_mean, (1 - momentum) * running_mean._data
                 + momentum * mean.mean(axis=0).astype(running_mean.dtype))
        if running_var is not None:
            _set(running_var, (1 - momentum) * running_var._data
                 + momentum * var.mean(axis=0).astype(running_var.dtype))
    return _normalize("instance_norm", input, affine, axes, eps, True, weight is not None)
