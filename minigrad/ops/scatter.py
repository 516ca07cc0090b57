"""Writing along a dim at an index tensor: scatter, scatter_add and scatter_reduce (sum,
prod, mean, amax, amin), the inverses of ``gather``.

``index`` has as many dims as ``input`` and is no larger than ``src`` in any dim (nor than
``input`` outside ``dim``); element ``src[i][j]`` goes to ``out[index[i][j]][j]`` for dim 0.
Where ``scatter`` writes one position twice, one of the values wins (NumPy's order: the last;
PyTorch leaves it unspecified); the gradient of ``src`` is ``gather(grad)`` for every entry,
as in PyTorch.

>>> import minigrad as mg
>>> mg.zeros(3).scatter(0, mg.tensor([2, 0]), mg.tensor([1.0, 2.0])).tolist()
[2.0, 0.0, 1.0]
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import MinigradIndexError, MinigradTypeError, ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import as_tensor_like, check_tensor, normalize_dim
from .binary import where
from .index import IndexAddInto, ScatterAddAlong, _grids, index_put

__all__ = ["scatter", "scatter_add", "scatter_reduce"]
#: bound onto Tensor by minigrad.tensor_methods.bind_ops (see minigrad/ops/__init__.py)
TENSOR_METHODS = ("scatter", "scatter_add", "scatter_reduce")
#: also bound as in-place ``<name>_`` methods
INPLACE_METHODS = ("scatter", "scatter_add", "scatter_reduce")


class ScatterAlong(Op):
    """``x`` with ``x[index[i][j]][j] = src[i][j]`` along ``dim`` (``src`` may be 0-d)."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, src: Any, index: Any, dim: int) -> Any:
        self.dim, self.index, self.src_shape = dim, index, src.shape
        grids = _grids(xp, index.shape)
        grids[dim] = index
        out = x.copy()
        out[tuple(grids)] = src if src.ndim == 0 else src[tuple(slice(0, s) for s in
                                                                 index.shape)]
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = m.scatter_along(g, m.zeros_scalar(g), index=self.index, dim=self.dim)
        if self.needs_input_grad[1]:
            gs = m.gather(g, index=self.index, dim=self.dim)
            if len(self.src_shape) and tuple(gs.shape) != tuple(self.src_shape):
                widths = tuple((0, s - i) for s, i in zip(self.src_shape, gs.shape,
                                                          strict=True))
                gs = m.pad(gs, widths=widths, value=0.0)
        return gx, gs


register_math("scatter_along", ScatterAlong)


def _check(op: str, input: Tensor, dim: int, index: Any, src: Tensor | None) -> tuple[int, Any]:
    """The normalized dim and the index array, after PyTorch's shape and range checks."""
    check_tensor(input, op)
    check_tensor(index, op, "index")
    d = normalize_dim(dim, input.ndim, op)
    if index.dtype.kind not in "iu":
        raise MinigradTypeError(f"{op}: `index` must be an integer tensor, got {index.dtype}")
    if index.ndim != input.ndim:
        raise ShapeError(f"{op}: `index` ({index.shape}) must have as many dims as input "
                         f"({input.shape})")
    if any(i != d and s > input.shape[i] for i, s in enumerate(index.shape)):
        raise ShapeError(f"{op}: `index` of shape {index.shape} is larger than input of shape "
                         f"{input.shape} outside dim {d}")
    if src is not None and src.ndim and (src.ndim != index.ndim or any(
            s > t for s, t in zip(index.shape, src.shape, strict=True))):
        raise ShapeError(f"{op}: `index` of shape {index.shape} is larger than `src` of shape "
                         f"{src.shape}")
    arr = index._data
    n = input.shape[d] if input.ndim else 1
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= n):
        raise MinigradIndexError(f"{op}: an index in [{int(arr.min())}, {int(arr.max())}] is "
                                 f"out of range for dim {d} with size {n} (input shape "
                                 f"{input.shape})")
    return d, arr


def _src(op: str, src: Any, value: Any, input: Tensor) -> Tensor:
    if src is None and value is None:
        raise TypeError(f"{op}: pass `src` (a tensor) or `value` (a scalar)")
    if isinstance(src, Tensor):
        return src.astype(input.dtype)
    return as_tensor_like(src if value is None else value, input, dtype=input.dtype)


def _fit(src: Tensor, index: Any) -> Tensor:
    """``src`` cut to ``index``'s shape (PyTorch reads only that corner of a larger src)."""
    if tuple(src.shape) == tuple(index.shape):
        return src
    return src[tuple(slice(0, s) for s in index.shape)]


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, value: Any = None, *,
            reduce: str | None = None) -> Tensor:
    """``input`` with ``src`` (a tensor, or a scalar ``value``) written at ``index`` along
    ``dim``; ``reduce="add"`` or ``"multiply"`` combines instead of overwriting.

    >>> import minigrad as mg
    >>> mg.zeros(2, 2).scatter(1, mg.tensor([[1], [0]]), 7.0).tolist()
    [[0.0, 7.0], [7.0, 0.0]]
    """
    srct = None if not isinstance(src, Tensor) else src
    d, arr = _check("scatter", input, dim, index, srct)
    s = _src("scatter", src, value, input)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        if not s.ndim:
            s = s.expand(*index.shape)
        return scatter_reduce(input, d, index, s, "sum" if reduce == "add" else "prod")
    if not input.ndim:
        return s.reshape(()) if arr.size else input
    return ScatterAlong.apply(input, s, index=arr, dim=d)


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeated indices accumulate).

    >>> import minigrad as mg
    >>> mg.zeros(3).scatter_add(0, mg.tensor([0, 0, 1]), mg.ones(3)).tolist()
    [2.0, 1.0, 0.0]
    """
    check_tensor(src, "scatter_add", "src")
    d, arr = _check("scatter_add", input, dim, index, src)
    s = _fit(src.astype(input.dtype), arr)
    if not input.ndim:
        return input + s.sum()
    return input + ScatterAddAlong.apply(s, index=arr, shape=tuple(input.shape), dim=d)


def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """Combine ``src`` into ``input`` at ``index`` along ``dim`` with ``reduce`` = "sum",
    "prod", "mean", "amax" or "amin"; ``include_self=False`` leaves the old values out at
    the positions written to. As in PyTorch, amax/amin share the gradient equally among the
    values that tie for the result.

    >>> import minigrad as mg
    >>> x = mg.tensor([0.0, 10.0])
    >>> x.scatter_reduce(0, mg.tensor([0, 0, 1]), mg.tensor([1.0, 3.0, 2.0]), "amax").tolist()
    [3.0, 10.0]
    """
    check_tensor(src, "scatter_reduce", "src")
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise ValueError("scatter_reduce: reduce must be one of 'sum', 'prod', 'mean', "
                         f"'amax', 'amin', got {reduce!r}")
    d, arr = _check("scatter_reduce", input, dim, index, src)
    if not input.ndim:
        input, index, src = input.reshape(1), index.reshape(1), src.reshape(-1)
        arr = index._data
        return scatter_reduce(input, 0, index, src, reduce, include_self=include_self)[0]
    s = _fit(src.astype(input.dtype), arr)
    xp = input._backend.xp
    shape = tuple(input.shape)
    ones = Tensor._make(xp.ones(arr.shape, dtype=input.dtype), None)
    hits = ScatterAddAlong.apply(ones, index=arr, shape=shape, dim=d)  # writes per position
    hit = hits > 0
    base = input if include_self else where(hit, 0, input).astype(input.dtype)
    if reduce in ("amax", "amin", "prod"):
        pos = _flat_positions(xp, arr, d, shape)
        order = xp.lexsort((s._data.reshape(-1), pos)) if reduce != "prod" else xp.argsort(
            pos, kind="stable")
        if reduce == "prod":
            return _prod(input, s, hit, include_self, pos, order)
        return _extreme(input, s, hit, include_self, pos, order, reduce == "amax")
    if reduce == "sum":
        return base + ScatterAddAlong.apply(s, index=arr, shape=shape, dim=d)
    if reduce == "mean":
        total = base + ScatterAddAlong.apply(s, index=arr, shape=shape, dim=d)
        count = hits + 1 if include_self else where(hit, hits, 1.0)
        if input.dtype.kind == "f":
            return total / count
        return Tensor._make((total._data // count._data).astype(input.dtype), None)
    raise AssertionError("unreachable")  # pragma: no cover


def _flat_positions(xp: Any, arr: Any, d: int, shape: tuple[int, ...]) -> Any:
    """The flat position in an array of ``shape`` that each entry of ``index`` writes to."""
    grids = _grids(xp, arr.shape)
    grids[d] = arr
    pos, stride = xp.zeros(arr.shape, dtype="int64"), 1
    for i in range(len(shape) - 1, -1, -1):
        pos = pos + grids[i] * stride
        stride *= shape[i]
    return pos.reshape(-1)


def _extreme(input: Tensor, s: Tensor, hit: Tensor, include_self: bool, pos: Any,
             order: Any, is_max: bool) -> Tensor:
    """amax/amin: the value from sorting; the gradient from ``sum(ties) / count``, a linear
    map with constant weights that equals the result (so it differentiates twice)."""
    xp = input._backend.xp
    x, v = input._data, s._data.reshape(-1)
    if input.dtype.kind == "f":
        fill = -xp.inf if is_max else xp.inf
    else:
        info = xp.iinfo(input.dtype)
        fill = info.min if is_max else info.max
    keep = xp.asarray(True) if include_self else ~hit._data
    r = xp.where(keep, x, xp.asarray(fill, dtype=x.dtype)).reshape(-1)
    ps, vs = pos[order], v[order]
    edge = xp.concatenate([ps[1:] != ps[:-1], xp.ones(min(ps.size, 1), dtype=bool)])
    if not is_max:  # the first of each group is its minimum
        edge = xp.concatenate([xp.ones(min(ps.size, 1), dtype=bool), ps[1:] != ps[:-1]])
    pick = xp.maximum if is_max else xp.minimum
    r[ps[edge]] = pick(r[ps[edge]], vs[edge])
    result = r.reshape(x.shape)
    if input.dtype.kind != "f" or not (input.requires_grad or s.requires_grad):
        return Tensor._make(result, None)
    eq_self = x == result  # counted even when left out (PyTorch's tie count)
    eq_src = (v == r[pos]).astype(x.dtype)
    count = eq_self.astype(x.dtype).reshape(-1)
    backend = input._backend
    backend.scatter_add(count, pos, eq_src)
    w_self = Tensor._make((eq_self & keep).astype(x.dtype) / count.reshape(x.shape), None)
    w_src = Tensor._make((eq_src / count[pos]).reshape(s.shape), None)
    flat = (s * w_src).reshape(-1)
    expr = input * w_self + IndexAddInto.apply(flat, shape=(x.size,), key=(pos,)).reshape(
        x.shape)
    return Tensor._make(result, None) + (expr - expr.detach())


def _prod(input: Tensor, s: Tensor, hit: Tensor, include_self: bool, pos: Any,
          order: Any) -> Tensor:
    """prod: multiply in rounds, each round writing at most once per position (so the
    product rule, zeros included, comes from the multiplications)."""
    xp = input._backend.xp
    out = input if include_self else where(hit, 1, input).astype(input.dtype)
    flat_out, flat_src = out.reshape(-1), s.reshape(-1)
    ps = pos[order]
    n = ps.size
    rank = xp.arange(n) - xp.searchsorted(ps, ps)  # place within its group (ps is sorted)
    for k in range(int(rank.max()) + 1 if n else 0):
        sel = rank == k
        factor = Tensor._make(xp.ones(flat_out.shape, dtype=input._data.dtype), None)
        factor = index_put(factor, (ps[sel],), flat_src[(order[sel],)])
        flat_out = flat_out * factor
    return flat_out.reshape(input.shape)
