"""Scans along one dim: ``cumsum``, ``cumprod``, ``cummax``/``cummin``, ``logcumsumexp``, ``diff``.

``cumprod``'s gradient is exact where the input has zeros (the product of the other factors,
not ``out / x``); ``cummax``/``cummin`` send the gradient to the index each value came from.

>>> import minigrad as mg
>>> x = mg.tensor([2.0, 0.0, 3.0], requires_grad=True)
>>> mg.cumprod(x, 0).sum().backward(); x.grad
tensor([1., 8., 0.], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any, NamedTuple

from minigrad import dtypes
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim
from .index import Gather
from .joining import cat

__all__ = ["cummax", "cummin", "cumprod", "cumsum", "diff", "logcumsumexp"]


def _flip(xp: Any, x: Any, dim: int, reverse: bool) -> Any:
    return xp.flip(x, dim) if reverse else x


def inclusive_scan(xp: Any, x: Any, axis: int, fn: Any) -> Any:
    """Running ``fn`` (associative: maximum, minimum, logaddexp) along ``axis``.

    A doubling scan of whole-array ops (log2(n) steps), so it needs no ``ufunc.accumulate``
    (which CuPy lacks for most ufuncs) and runs alike on every backend.

    >>> import numpy as np
    >>> inclusive_scan(np, np.array([1, 3, 2, 5, 4]), 0, np.maximum)
    array([1, 3, 3, 5, 5])
    """
    out = x.copy()
    n, step = x.shape[axis], 1
    head = (slice(None),) * axis
    while step < n:
        later, earlier = (*head, slice(step, None)), (*head, slice(None, n - step))
        out[later] = fn(out[later], out[earlier])
        step *= 2
    return out


class CumSum(Op):
    """Running sum along ``dim`` (from the end when ``reverse``); its adjoint is the reverse."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, dim: int, reverse: bool = False) -> Any:
        self.dim, self.reverse = dim, reverse
        return _flip(xp, xp.cumsum(_flip(xp, x, dim, reverse), axis=dim), dim, reverse)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.cumsum(g, dim=self.dim, reverse=not self.reverse),)


class CumProd(Op):
    save_output = True

    def forward(self, xp: Any, x: Any, dim: int) -> Any:
        self.dim = dim
        return xp.cumprod(x, axis=dim)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x, d = inputs[0], self.dim
        zero = m.astype(x == 0, dtype=x.dtype)
        seen = m.cumsum(zero, dim=d)  # zeros up to and including each position
        before = seen == 0
        first = zero * m.astype(seen == 1, dtype=x.dtype)  # the first zero of each slice
        ones = x * 0 + 1
        # before the first zero: d out_j / d x_i = out_j / x_i
        g_before = m.cumsum(g * out, dim=d, reverse=True) / m.where(before, x, ones)
        # at the first zero: the products with that factor left out (later zeros stay in)
        g_first = m.cumsum(g * m.cumprod(x + first, dim=d), dim=d, reverse=True)
        # after it every product holds that zero: no gradient
        return (g_before * m.astype(before, dtype=x.dtype) + g_first * first,)


class LogCumSumExp(Op):
    """``log(cumsum(exp(x)))`` without overflow (from the end when ``reverse``)."""

    save_output = True

    def forward(self, xp: Any, x: Any, dim: int, reverse: bool = False) -> Any:
        self.dim, self.reverse = dim, reverse
        out = inclusive_scan(xp, _flip(xp, x, dim, reverse), dim, xp.logaddexp)
        return _flip(xp, out, dim, reverse)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        # grad_i = sum over the later j of g_j exp(x_i - out_j), summed in log space for the
        # positive and the negative part of g; log(0) is a huge negative finite number so
        # that no inf - inf appears, at any order
        x, d, rev = inputs[0], self.dim, not self.reverse
        floor = float(self.backend.xp.finfo(x.dtype).min) / 4
        grads = []
        for part in (m.relu(g), m.relu(-g)):
            empty = m.astype(part == 0, dtype=x.dtype)
            log_part = m.log(part + empty) + empty * floor
            grads.append(m.exp(m.logcumsumexp(log_part - out, dim=d, reverse=rev) + x))
        return (grads[0] - grads[1],)


for _name, _cls in [("cumsum", CumSum), ("cumprod", CumProd), ("logcumsumexp", LogCumSumExp)]:
    register_math(_name, _cls)


def _scan_input(input: Any, dim: Any, op: str, dtype: Any) -> tuple[Tensor, int]:
    check_tensor(input, op)
    if dim is None:
        raise TypeError(f"{op}: missing the `dim` argument")
    if dtype is not None:
        input = input.astype(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.astype(dtypes.int64)  # as PyTorch: integer scans accumulate in int64
    d = normalize_dim(dim, input.ndim, op)
    return input, d


def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``; bool and integer input give int64, as ``torch.cumsum``.

    >>> import minigrad as mg
    >>> mg.tensor([1, 2, 3]).cumsum(0)
    tensor([1, 3, 6], dtype=int64, device='cpu')
    """
    x, d = _scan_input(input, dim, "cumsum", dtype)
    if x.ndim == 0:
        return CumSum.apply(x.reshape(1), dim=0).reshape(())
    return CumSum.apply(x, dim=d)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running product along ``dim``, with an exact gradient where the input has zeros.

    >>> import minigrad as mg
    >>> mg.cumprod(mg.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 2., 6.], dtype=float32, device='cpu')
    """
    x, d = _scan_input(input, dim, "cumprod", dtype)
    if x.ndim == 0:
        return CumProd.apply(x.reshape(1), dim=0).reshape(())
    return CumProd.apply(x, dim=d)


def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``log(cumsum(exp(input)))`` along ``dim``, exact for large and very negative values.

    >>> import minigrad as mg
    >>> mg.logcumsumexp(mg.tensor([0.0, 0.0, 3.0]), 0)
    tensor([0.       , 0.6931472, 3.094923 ], dtype=float32, device='cpu')
    """
    check_tensor(input, "logcumsumexp")
    if input._data.dtype.kind != "f":
        input = input.float()
    d = normalize_dim(dim, input.ndim, "logcumsumexp")
    if input.ndim == 0:
        return LogCumSumExp.apply(input.reshape(1), dim=0).reshape(())
    return LogCumSumExp.apply(input, dim=d)


class CumExtreme(NamedTuple):
    """The (values, indices) pair of ``cummax``/``cummin``."""

    values: Tensor
    indices: Tensor


def _cum_extreme(input: Tensor, dim: int, op: str) -> CumExtreme:
    check_tensor(input, op)
    d = normalize_dim(dim, input.ndim, op)
    x = input.reshape(1) if input.ndim == 0 else input
    xp = x._backend.xp
    data = x._data
    ufunc = xp.maximum if op == "cummax" else xp.minimum
    running = inclusive_scan(xp, data, d, ufunc)
    shape = [1] * data.ndim
    shape[d] = data.shape[d]
    positions = xp.arange(data.shape[d]).reshape(shape)
    # the latest position holding the running extreme (ties go to the later index, as PyTorch)
    idx = inclusive_scan(xp, xp.where(data == running, positions, 0), d, xp.maximum)
    idx = xp.asarray(idx, dtype="int64")
    values = Gather.apply(x, index=idx, dim=d)
    indices = Tensor._make(idx, None)
    if input.ndim == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return CumExtreme(values, indices)


def cummax(input: Tensor, dim: int) -> CumExtreme:
    """Running maximum along ``dim`` and where each came from, as ``torch.cummax``.

    >>> import minigrad as mg
    >>> mg.cummax(mg.tensor([1.0, 3.0, 2.0]), 0).indices
    tensor([0, 1, 1], dtype=int64, device='cpu')
    """
    return _cum_extreme(input, dim, "cummax")


def cummin(input: Tensor, dim: int) -> CumExtreme:
    """Running minimum along ``dim`` and where each came from, as ``torch.cummin``.

    >>> import minigrad as mg
    >>> mg.cummin(mg.tensor([2.0, 1.0, 3.0]), 0).values
    tensor([2., 1., 1.], dtype=float32, device='cpu')
    """
    return _cum_extreme(input, dim, "cummin")


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``, after joining ``prepend``/``append``.

    >>> import minigrad as mg
    >>> mg.diff(mg.tensor([1.0, 4.0, 9.0, 16.0]), n=2)
    tensor([2., 2.], dtype=float32, device='cpu')
    """
    check_tensor(input, "diff")
    if input.ndim == 0:
        raise ShapeError("diff: expected a tensor of at least 1 dim, got a 0-d tensor")
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"diff: `n` must be a non-negative int, got {n!r}")
    d = normalize_dim(dim, input.ndim, "diff")
    if n == 0:
        return input  # as PyTorch (and NumPy): prepend/append are ignored too
    parts = [t for t in (prepend, input, append) if t is not None]
    x = cat(parts, d) if len(parts) > 1 else input
    head = (slice(None),) * d
    for _ in range(n):
        if x.shape[d] == 0:
            break
        if x._data.dtype.kind == "b":
            x = x[(*head, slice(1, None))] ^ x[(*head, slice(None, -1))]
        else:
            x = x[(*head, slice(1, None))] - x[(*head, slice(None, -1))]
    return x


TENSOR_METHODS = list(__all__)
INPLACE_METHODS = ["cumsum", "cumprod"]
