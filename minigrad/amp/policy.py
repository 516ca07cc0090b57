"""PyTorch's autocast op lists, mapped onto minigrad's ops, and the one function applying them.

Three kinds, as ``torch.amp`` documents them for CUDA (minigrad applies the same lists on every
device type, CPU included, which is how the policy is tested without a GPU):

- ``LOW``: run in the autocast dtype (float16): matmul, mm, bmm, mv, linear, conv1d/2d/3d,
  conv_transpose1d/2d, einsum, prelu, scaled_dot_product_attention, addmm, addmv, addbmm,
  baddbmm.
- ``FP32``: run in float32: softmax, log_softmax, softmin, cross_entropy, nll_loss, layer_norm,
  group_norm, norm, normalize, sum, prod, cumsum, cumprod, exp, expm1, log, log1p, log2, log10,
  pow, reciprocal, rsqrt, acos, asin, cosh, sinh, tan, softplus, cdist, binary_cross_entropy,
  binary_cross_entropy_with_logits, mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div.
- ``PROMOTE``: floating inputs of mixed dtypes run in the widest one: atan2, scatter_add, dot,
  tensordot, cross.

Two hooks apply it, both through :func:`cast_by_kind`: ``Op.apply`` casts the inputs of the op
classes in ``_TABLE`` (one thread-local read per op when autocast is off), and the composite
public functions in the lists (addmm = matmul + add, mse_loss = sub, mul, mean …) carry
:func:`autocast_function`, which casts their arguments and runs their inside below autocast, as
PyTorch does for the functions it lists. See docs/pytorch-compat.md for the differences.

>>> import minigrad as mg
>>> with mg.autocast("cpu"):
...     (mg.ones(2, 3) @ mg.ones(3, 2)).dtype, mg.ones(3).half().exp().dtype
(dtype('float16'), dtype('float32'))
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from minigrad import dtypes
from minigrad.amp.state import AUTOCAST
from minigrad.tensor import Tensor

__all__ = ["FP32", "LOW", "PROMOTE", "autocast_function", "cast_by_kind", "cast_inputs",
           "policy_of"]

F = TypeVar("F", bound=Callable[..., Any])

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
    "loss": {"CrossEntropy": FP32},
    "loss_regression": {"BinaryCrossEntropy": FP32},
    "normalization": {"Normalize": FP32},
    "norms": {"VectorNorm": FP32},
    "reduce": {"Sum": FP32, "Prod": FP32},
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
    if kind is None:
        return inputs
    return cast_by_kind(kind, inputs)


def cast_by_kind(kind: str, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """``inputs`` cast for an op of autocast ``kind`` (non-tensors pass through).

    >>> import minigrad as mg
    >>> with mg.autocast("cpu"):
    ...     [t.dtype.name for t in cast_by_kind(PROMOTE, (mg.ones(1).half(), mg.ones(1)))]
    ['float32', 'float32']
    """
    first = next((t for t in inputs if isinstance(t, Tensor)), None)
    if first is None:
        return inputs
    dev = _device_type(first)
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


def autocast_function(kind: str) -> Callable[[F], F]:
    """Give a composite public function (``addmm``, ``mse_loss`` …) autocast ``kind`` as a
    whole, as PyTorch does for the functions in its lists: its tensor arguments are cast on
    entry and the ops inside run below autocast (so its own sums or adds are not re-cast).
    Outside autocast it costs one thread-local read.

    >>> import minigrad as mg
    >>> @autocast_function(FP32)
    ... def sq_err(a, b):
    ...     return (a - b) ** 2
    >>> with mg.autocast("cpu"):
    ...     sq_err(mg.ones(2).half(), mg.zeros(2).half()).dtype
    dtype('float32')
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            saved = AUTOCAST.cast
            if saved is None:
                return fn(*args, **kwargs)
            args = cast_by_kind(kind, args)
            if kwargs:
                keys = list(kwargs)
                kwargs = dict(zip(keys, cast_by_kind(kind, tuple(kwargs[k] for k in keys)),
                                  strict=True))
            AUTOCAST.cast = None
            try:
                return fn(*args, **kwargs)
            finally:
                AUTOCAST.cast = saved

        return wrapper  # type: ignore[return-value]

    return decorate


def _cast(t: Tensor, target: Any, cache: dict[int, Any] | None) -> Tensor:
    """``t`` cast to ``target``; a float32 leaf that requires grad is cast once per region
    (PyTorch's weight cache), while recording, and again after an in-place change (an optimizer
    step inside the region; PyTorch's cache would return the stale copy)."""
    from minigrad.grad_mode import STATE

    use_cache = (cache is not None and t.grad_fn is None and t._requires_grad
                 and t._data.dtype == dtypes.float32 and STATE.grad_enabled)
    if use_cache:
        hit = cache.get(id(t))
        if hit is not None and hit[0] is t and hit[1] == t._version and hit[2].dtype == target:
            return hit[2]
    out = t.astype(target)
    if use_cache:
        cache[id(t)] = (t, t._version, out)
    return out
