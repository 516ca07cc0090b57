"""Reductions over ``dim`` (an int, a tuple, or None for all) with ``keepdim``.

>>> import minigrad as mg
>>> x = mg.tensor([[1.0, 5.0], [5.0, 2.0]], requires_grad=True)
>>> x.amax().backward(); x.grad  # ties share the gradient evenly
tensor([[0. , 0.5],
        [0.5, 0. ]], dtype=float32, device='cpu')
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from minigrad import dtypes
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._sum import accurate_mean, accurate_sum
from ._util import check_tensor, normalize_dims

__all__ = [
    "amax", "amin", "argmax", "argmin", "logsumexp", "max", "mean", "min", "prod", "std",
    "sum", "var",
]


_F = TypeVar("_F", bound=Callable[..., Any])
#: PyTorch's (and NumPy's) keyword spellings, resolved for every reduction in one place
_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def reduction_args(fn: _F) -> _F:
    """Let reduction ``fn`` accept ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``.

    >>> import minigrad as mg
    >>> mg.sum(mg.ones(2, 3), axis=1, keepdims=True).shape
    Size([2, 1])
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for alias, name in _ALIASES:
            if alias in kwargs:
                if name in kwargs:
                    raise TypeError(f"{fn.__name__}: got both `{name}` and its alias `{alias}`")
                kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class _Reduction(Op):
    """Shared bookkeeping: the reduced axes, the kept-dim shape and the input shape."""

    def _setup(self, x: Any, dim: tuple[int, ...], keepdim: bool) -> None:
        self.dim, self.keepdim, self.in_shape = dim, keepdim, x.shape
        self.kshape = tuple(1 if i in dim else s for i, s in enumerate(x.shape))

    def _expand(self, m: Any, t: Any) -> Any:
        """Bring a reduced-shape value back to the input shape (through the kept dims)."""
        if not self.keepdim:
            t = m.reshape(t, shape=self.kshape)
        return m.broadcast_to(t, shape=self.in_shape)


class Sum(_Reduction):
    save_inputs = False

    def forward(self, xp: Any, x: Any, dim: tuple[int, ...], keepdim: bool) -> Any:
        self._setup(x, dim, keepdim)
        return accurate_sum(xp, x, dim, keepdim)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (self._expand(m, g),)


class Mean(_Reduction):
    save_inputs = False

    def forward(self, xp: Any, x: Any, dim: tuple[int, ...], keepdim: bool) -> Any:
        self._setup(x, dim, keepdim)
        n = 1
        for d in dim:
            n *= x.shape[d]
        self.n = n
        return accurate_mean(xp, x, dim, keepdim)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (self._expand(m, g / self.n),)


class Prod(_Reduction):
    save_output = True

    def forward(self, xp: Any, x: Any, dim: tuple[int, ...], keepdim: bool) -> Any:
        self._setup(x, dim, keepdim)
        return xp.prod(x, axis=dim, keepdims=keepdim)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x = inputs[0]
        zero = x == 0
        # product of the other elements: out / x where x != 0; where x == 0, the product of
        # the remaining elements (nonzero only if x is the single zero of its slice)
        safe = x + zero  # zeros replaced by ones
        others_nonzero = m.prod(safe, dim=self.dim, keepdim=True)
        n_zero = m.sum(m.astype(zero, dtype=x.dtype), dim=self.dim, keepdim=True)
        at_zero = m.broadcast_to(others_nonzero * (n_zero == 1), shape=self.in_shape)
        out_k = self._expand(m, out)
        grad_others = m.where(zero, at_zero, out_k / safe)
        return (self._expand(m, g) * grad_others,)


class _Extreme(_Reduction):
    """amax / amin: the gradient is shared evenly among the tied extremes."""

    save_output = True
    pick = "max"

    def forward(self, xp: Any, x: Any, dim: tuple[int, ...], keepdim: bool) -> Any:
        self._setup(x, dim, keepdim)
        return (xp.amax if self.pick == "max" else xp.amin)(x, axis=dim, keepdims=keepdim)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x = inputs[0]
        mask = m.astype(x == self._expand(m, out), dtype=x.dtype)
        count = m.sum(mask, dim=self.dim, keepdim=True)
        return (self._expand(m, g) * mask / count,)


class Amax(_Extreme):
    pick = "max"


class Amin(_Extreme):
    pick = "min"


class _ExtremeAll(_Extreme):
    """``max()`` / ``min()`` of all elements: as amax/amin, but where the result is NaN the
    gradient is shared evenly among the NaNs (PyTorch's; amax/amin give NaN there)."""

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x, peak = inputs[0], self._expand(m, out)
        dt = x.dtype
        mask = m.astype(x == peak, dtype=dt) + m.astype(x != x, dtype=dt) * m.astype(
            peak != peak, dtype=dt)
        count = m.sum(mask, dim=self.dim, keepdim=True)
        return (self._expand(m, g) * mask / count,)


class MaxAll(_ExtremeAll):
    pick = "max"


class MinAll(_ExtremeAll):
    pick = "min"


class SumTo(Op):
    """Sum a broadcast gradient back to ``shape`` (the engine's un-broadcasting step)."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, shape: tuple[int, ...]) -> Any:
        self.in_shape = x.shape
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and x.shape[lead + i] != 1
        )
        out = accurate_sum(xp, x, axes, keepdims=True) if axes else x
        return out.reshape(shape)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.broadcast_to(g, shape=self.in_shape),)


class LogSumExp(_Reduction):
    """``log(sum(exp(x)))`` computed stably around the maximum."""

    save_output = True

    def forward(self, xp: Any, x: Any, dim: tuple[int, ...], keepdim: bool) -> Any:
        self._setup(x, dim, keepdim)
        if x.size == 0:  # empty sums are 0, their logs -inf (as PyTorch); there is no max
            out = xp.full(self.kshape, -xp.inf, dtype=x.dtype)
        else:
            peak = xp.amax(x, axis=dim, keepdims=True)
            peak = xp.where(xp.isfinite(peak), peak, 0)
            out = xp.log(xp.sum(xp.exp(x - peak), axis=dim, keepdims=True)) + peak
        return out if keepdim else out.reshape(tuple(s for i, s in enumerate(x.shape)
                                                     if i not in dim))

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x = inputs[0]
        return (self._expand(m, g) * m.exp(x - self._expand(m, out)),)


class Std(Op):
    """``sqrt`` of a variance, with PyTorch's gradient 0 where the result is 0 (equal values),
    where a plain ``sqrt`` would give ``0 * inf = NaN``."""

    save_inputs = False
    save_output = True

    def forward(self, xp: Any, v: Any) -> Any:
        return xp.sqrt(v)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        zero = out == 0
        return (g / (2 * (out + zero)) * (out != 0),)


for _name, _cls in [("sum", Sum), ("mean", Mean), ("prod", Prod), ("amax", Amax),
                    ("amin", Amin), ("sum_to", SumTo), ("logsumexp", LogSumExp)]:
    register_math(_name, _cls)


def _reduce(fn_cls: type[Op], op: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    check_tensor(input, op)
    dims = normalize_dims(dim, input.ndim, op)
    if fn_cls in (Amax, Amin, MaxAll, MinAll) and input.numel() == 0:
        raise ShapeError(f"{op}: cannot reduce an empty tensor (shape {input.shape})")
    return fn_cls.apply(input, dim=dims, keepdim=bool(keepdim))


@reduction_args
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum over ``dim`` (all axes when None); bool and int tensors sum to int64; ``dtype``
    casts the input first.

    >>> import minigrad as mg
    >>> mg.sum(mg.ones(2, 3), dim=1)
    tensor([3., 3.], dtype=float32, device='cpu')
    """
    if dtype is not None:
        input = check_tensor(input, "sum").astype(dtype)
    elif isinstance(input, Tensor) and input._data.dtype.kind in "biu":
        input = input.astype(dtypes.int64)
    return _reduce(Sum, "sum", input, dim, keepdim)


@reduction_args
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean over ``dim``; as PyTorch, integer input is an error unless ``dtype`` casts it.

    >>> import minigrad as mg
    >>> mg.mean(mg.tensor([1, 2, 6]), dtype=mg.float32)
    tensor(3., dtype=float32, device='cpu')
    """
    check_tensor(input, "mean")
    if dtype is not None:
        input = input.astype(dtype)
    if input._data.dtype.kind != "f":
        raise TypeError(
            f"mean: input dtype should be floating point, got {input.dtype}; use .float()"
        )
    return _reduce(Mean, "mean", input, dim, keepdim)


@reduction_args
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Product over ``dim``; the gradient is exact also where elements are zero.

    >>> import minigrad as mg
    >>> mg.prod(mg.tensor([2.0, 3.0]))
    tensor(6., dtype=float32, device='cpu')
    """
    if dtype is not None:
        input = check_tensor(input, "prod").astype(dtype)
    return _reduce(Prod, "prod", input, dim, keepdim)


@reduction_args
def amax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Largest value over ``dim``; tied maxima share the gradient evenly.

    >>> import minigrad as mg
    >>> mg.amax(mg.tensor([[1.0, 3.0], [2.0, 0.0]]), dim=1)
    tensor([3., 2.], dtype=float32, device='cpu')
    """
    return _reduce(Amax, "amax", input, dim, keepdim)


@reduction_args
def amin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim``; tied minima share the gradient evenly.

    >>> import minigrad as mg
    >>> mg.amin(mg.tensor([[1.0, 3.0], [2.0, 0.0]]), dim=0)
    tensor([1., 0.], dtype=float32, device='cpu')
    """
    return _reduce(Amin, "amin", input, dim, keepdim)


@reduction_args
def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(input)))`` over ``dim``, exact for large magnitudes.

    >>> import minigrad as mg
    >>> mg.logsumexp(mg.tensor([1e4, 1e4]), dim=0)
    tensor(10000.693, dtype=float32, device='cpu')
    """
    return _reduce(LogSumExp, "logsumexp", input, dim, keepdim)


def _correction(op: str, dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    """PyTorch's two spellings: ``unbiased`` (also as the 2nd positional) or ``correction``."""
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    if correction is not None and unbiased is not None:
        raise TypeError(f"{op}: give `unbiased` or `correction`, not both")
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    return dim, correction


@reduction_args
def var(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """Variance over ``dim`` with Bessel's ``correction`` (1 by default, as PyTorch);
    ``unbiased=False`` is ``correction=0``.

    >>> import minigrad as mg
    >>> mg.var(mg.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor(1.6666666, dtype=float32, device='cpu')
    >>> mg.var(mg.tensor([1.0, 3.0]), unbiased=False)
    tensor(1., dtype=float32, device='cpu')
    """
    check_tensor(input, "var")
    dim, correction = _correction("var", dim, unbiased, correction)
    dims = normalize_dims(dim, input.ndim, "var")
    n = 1
    for d in dims:
        n *= input.shape[d]
    centred = input - input.mean(dim=dims, keepdim=True)
    return (centred * centred).sum(dim=dims, keepdim=keepdim) / builtins.max(n - correction, 0)


@reduction_args
def std(input: Tensor, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """Standard deviation: ``sqrt(var(input, dim, correction=correction))``.

    >>> import minigrad as mg
    >>> mg.std(mg.tensor([1.0, 3.0]))
    tensor(1.4142135, dtype=float32, device='cpu')
    """
    return Std.apply(var(input, dim, unbiased, keepdim, correction=correction))


# max/min/argmax/argmin live in reduce_minmax.py (kept importable from here)
from .reduce_minmax import argmax, argmin, max, min  # noqa: E402
