"""PyTorch's autocast op lists, mapped onto minigrad's ops, and the one function applying them.

Three kinds, as ``torch.amp`` documents them for CUDA (minigrad applies the same lists on every
device type, CPU included, which is how the policy is tested without a GPU):

- ``LOW``: run in the autocast dtype (float16): matmul, mm, bmm, mv, linear, conv1d/2d/3d,
  conv_transpose1d/2d, einsum, prelu, scaled_dot_product_attention.
- ``FP32``: run in float32: softmax, log_softmax, softmin, cross_entropy, nll_loss, layer_norm,
  group_norm, norm, normalize, sum, mean (not in PyTorch's list: see below), prod, cumsum,
  cumprod, exp, expm1, log, log1p, log2, log10, pow, reciprocal, rsqrt, acos, asin, cosh, sinh,
  tan, softplus, binary_cross_entropy, cdist.
- ``PROMOTE``: floating inputs of mixed dtypes run in the widest one: atan2, scatter_add.

The policy is keyed by the op class that ``Op.apply`` runs; a composite function (mse_loss =
Sub, Mul, Mean) follows the policy of the ops it is made of, which is why ``mean`` is in the
float32 list here (it is not in PyTorch's): the losses built on it (mse, l1, huber, smooth_l1,
kl_div, binary_cross_entropy_with_logits) then come out in float32, as PyTorch's do. See
docs/pytorch-compat.md.

>>> import minigrad as mg
>>> with mg.autocast("cpu"):
...     (mg.ones(2, 3) @ mg.ones(3, 2)).dtype, mg.ones(3).half().exp().dtype
(dtype('float16'), dtype('float32'))
"""

from __future__ import annotations

import importlib
from typing import Any

from minigrad import dtypes
from minigrad.amp.state import AUTOCAST
from minigrad.tensor import Tensor

__all__ = ["FP32", "LOW", "PROMOTE", "cast_inputs", "policy_of"]

LOW, FP32, PROMOTE = "lower_precision_fp", "fp32", "promote"

#: module (under minigrad.ops) -> {op class name: kind}
_TABLE: dict[str, dict[str, str]] = {
    "matmul": {"Matmul": LOW},
    "linear": {"Linear": LOW},
    "conv": {"Conv2d": LOW, "ConvTranspose2d": LOW},
    "einsum": {"Einsum": LOW},
    "attention": {"ScaledDotProductAttention": LOW},
    "activation_piecewise": {"Prelu": LOW},
    "softmax": {"Softmax": FP32, "LogSoftmax": FP32},
    "loss": {"CrossEntropy": FP32, "Pick": FP32},
    "loss_regression": {"BinaryCrossEntropy": FP32, "LogSigmoid": FP32},
    "normalization": {"Normalize": FP32},
    "norms": {"VectorNorm": FP32},
    "reduce": {"Sum": FP32, "Mean": FP32, "Prod": FP32},
    "scan": {"CumSum": FP32, "CumProd": FP32},
    "elementwise": {"Exp": FP32, "Log": FP32, "Log1p": FP32, "Reciprocal": FP32},
    "unary_math": {"Expm1": FP32, "Log2": FP32, "Log10": FP32, "Rsqrt": FP32, "Acos": FP32,
                   "Asin": FP32, "Cosh": FP32, "Sinh": FP32, "Tan": FP32},
    "binary": {"Pow": FP32, "PowScalar": FP32, "RPowScalar": FP32},
    "activation": {"Softplus": FP32},
    "binary_more": {"Atan2": PROMOTE},
    "index": {"ScatterAddAlong": PROMOTE},
}

_POLICY: dict[type, str] = {}


def policy_of(cls: type) -> str | None:
    """The autocast kind of an op class (``LOW``, ``FP32``, ``PROMOTE``) or None.

    >>> from minigrad.ops.matmul import Matmul
    >>> policy_of(Matmul)
    'lower_precision_fp'
    """
    if not _POLICY:
        for module, names in _TABLE.items():
            mod = importlib.import_module(f"minigrad.ops.{module}")
            for name, kind in names.items():
                _POLICY[getattr(mod, name)] = kind
    return _POLICY.get(cls)


def _device_type(t: Tensor) -> str:
    return t.device.type


def cast_inputs(cls: type, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """``inputs`` of op ``cls`` cast as the autocast policy says (called by ``Op.apply`` only
    inside an enabled autocast region). Only floating tensors other than float64 on the
    region's device type are cast, as in PyTorch; the casts are recorded in the graph.

    >>> import minigrad as mg
    >>> from minigrad.ops.softmax import Softmax
    >>> with mg.autocast("cpu"):
    ...     [t.dtype.name for t in cast_inputs(Softmax, (mg.ones(2).half(),))]
    ['float32']
    """
    kind = _POLICY.get(cls) if _POLICY else policy_of(cls)
    if kind is None or not inputs or not isinstance(inputs[0], Tensor):
        return inputs
    dev = _device_type(inputs[0])
    low = AUTOCAST.dtypes.get(dev)
    if low is None:
        return inputs
    eligible = [isinstance(t, Tensor) and t._data.dtype.kind == "f"
                and t._data.dtype != dtypes.float64 and _device_type(t) == dev for t in inputs]
    if kind == LOW:
        target = low
    elif kind == FP32:
        target = dtypes.float32
    else:
        found = {t._data.dtype for t, ok in zip(inputs, eligible, strict=True) if ok}
        if len(found) < 2:
            return inputs
        target = max(found, key=lambda d: d.itemsize)
    cache = AUTOCAST.cache if kind == LOW and AUTOCAST.cache_on.get(dev) else None
    return tuple(_cast(t, target, cache) if ok and t._data.dtype != target else t
                 for t, ok in zip(inputs, eligible, strict=True))


def _cast(t: Tensor, target: Any, cache: dict[int, Any] | None) -> Tensor:
    """``t`` cast to ``target``; a float32 leaf that requires grad is cast once per region
    (PyTorch's weight cache), while recording."""
    from minigrad.grad_mode import STATE

    use_cache = (cache is not None and t.grad_fn is None and t._requires_grad
                 and t._data.dtype == dtypes.float32 and STATE.grad_enabled)
    if use_cache:
        hit = cache.get(id(t))
        if hit is not None and hit[0] is t and hit[1].dtype == target:
            return hit[1]
    out = t.astype(target)
    if use_cache:
        cache[id(t)] = (t, out)
    return out
