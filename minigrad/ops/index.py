"""Indexing: ``t[key]`` with ints, slices, None, Ellipsis, integer arrays and bool masks;
``gather`` along a dim; and the scatter-adds that are their gradients.

>>> import minigrad as mg
>>> x = mg.zeros(3, requires_grad=True)
>>> x[mg.tensor([0, 0, 2])].sum().backward(); x.grad  # repeated indices add up
tensor([2., 0., 1.], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import MinigradIndexError, ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._keys import add_at, get, is_basic, normalize_key, put
from ._util import broadcast_shapes, check_tensor, normalize_dim

__all__ = ["gather", "index", "index_put"]


class Index(Op):
    save_inputs = False

    def forward(self, xp: Any, x: Any, key: tuple[Any, ...]) -> Any:
        self.key, self.in_shape = key, x.shape
        return get(x, key)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.index_add_into(g, shape=self.in_shape, key=self.key),)


class IndexAddInto(Op):
    """``zeros(shape)`` with ``g`` added at ``key`` (repeated indices accumulate)."""

    save_inputs = False

    def forward(self, xp: Any, g: Any, shape: tuple[int, ...], key: tuple[Any, ...]) -> Any:
        from minigrad.backends import backend_of

        self.key = key
        out = xp.zeros(shape, dtype=g.dtype)
        if is_basic(key):
            out[key] = g
        else:
            add_at(backend_of(g), out, key, g)
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.index(g, key=self.key),)


class IndexPut(Op):
    """``x`` with ``x[key] = value`` (out of place; used by ``__setitem__``)."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, value: Any, key: tuple[Any, ...]) -> Any:
        self.key = key
        out = x.copy()
        put(out, key, value)
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        gx = None
        if self.needs_input_grad[0]:
            gx = m.index_put(g, m.zeros_scalar(g), key=self.key)
        gv = m.index(g, key=self.key) if self.needs_input_grad[1] else None
        return gx, gv


class ZerosScalar(Op):
    """A zero of ``x``'s dtype (a constant helper for backward formulas)."""

    differentiable = False
    save_inputs = False

    def forward(self, xp: Any, x: Any) -> Any:
        return xp.zeros((), dtype=x.dtype)


def _grids(xp: Any, shape: tuple[int, ...]) -> list[Any]:
    """Open index grids for ``shape`` (NumPy's ``indices(shape, sparse=True)``, which CuPy
    lacks): axis i holds ``arange(shape[i])`` shaped to broadcast along that axis."""
    nd = len(shape)
    return [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (nd - i - 1))
            for i, n in enumerate(shape)]


class Gather(Op):
    """``take_along_axis(x, index, dim)``; backward scatters into zeros."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, index: Any, dim: int) -> Any:
        self.dim, self.in_shape, self.index = dim, x.shape, index
        grids = _grids(xp, index.shape)  # index may be smaller than x
        grids[dim] = index
        return x[tuple(grids)]

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.scatter_add_along(g, index=self.index, shape=self.in_shape, dim=self.dim),)


class ScatterAddAlong(Op):
    """``zeros(shape)`` with ``src`` added at ``index`` along ``dim`` (torch.scatter_add)."""

    save_inputs = False

    def forward(self, xp: Any, src: Any, index: Any, shape: tuple[int, ...], dim: int) -> Any:
        from minigrad.backends import backend_of

        self.dim, self.index = dim, index
        out = xp.zeros(shape, dtype=src.dtype)
        grids = _grids(xp, index.shape)
        grids[dim] = index
        backend_of(src).scatter_add(out, tuple(grids), src)
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.gather(g, index=self.index, dim=self.dim),)


for _name, _cls in [("index", Index), ("index_add_into", IndexAddInto),
                    ("index_put", IndexPut),
                    ("zeros_scalar", ZerosScalar), ("gather", Gather),
                    ("scatter_add_along", ScatterAddAlong)]:
    register_math(_name, _cls)


def index(input: Tensor, key: Any) -> Tensor:
    """``input[key]`` as NumPy indexes; the gradient scatter-adds back.

    >>> import minigrad as mg
    >>> mg.arange(6.0).reshape(2, 3)[:, [0, 2]]
    tensor([[0., 2.],
            [3., 5.]], dtype=float32, device='cpu')
    """
    check_tensor(input, "index")
    return Index.apply(input, key=normalize_key(input, key))


def index_put(input: Tensor, key: Any, value: Any, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``input[key] = value`` (differentiable in both); ``value``
    (a tensor or scalar) broadcasts to ``input[key]``'s shape. Where an index repeats, one of
    the written values wins (NumPy's order: the last; PyTorch leaves it unspecified);
    ``accumulate=True`` adds instead, repeated indices adding up (``Tensor.index_put``).

    >>> import minigrad as mg
    >>> mg.ops.index_put(mg.zeros(3), [0, 2], mg.tensor(1.0))
    tensor([1., 0., 1.], dtype=float32, device='cpu')
    >>> mg.zeros(3).index_put((mg.tensor([0, 0]),), mg.tensor(1.0), accumulate=True).tolist()
    [2.0, 0.0, 0.0]
    """
    check_tensor(input, "index_put")
    if not isinstance(value, Tensor):
        value = Tensor._make(input._backend.xp.asarray(value, dtype=input.dtype), None)
    k = normalize_key(input, key, "index_put")
    target = _key_shape(input, k)
    lead = 0
    while value.ndim - lead > len(target) and value.shape[lead] == 1:
        lead += 1  # NumPy and PyTorch accept extra leading 1s on the value
    if lead:
        value = value.reshape(value.shape[lead:])
    try:
        fits = value.ndim <= len(target) and broadcast_shapes(
            "index_put", value.shape, target) == tuple(target)
    except ShapeError:
        fits = False
    if not fits:
        raise ShapeError(f"index_put: a value of shape {tuple(value.shape)} cannot be written "
                         f"into input{_fmt_key(key)} of shape {tuple(target)} (input shape "
                         f"{input.shape})")
    if value.dtype != input.dtype:
        value = value.astype(input.dtype)
    if accumulate:
        value = value.expand(*target) if tuple(value.shape) != tuple(target) else value
        return input + IndexAddInto.apply(value, shape=tuple(input.shape), key=k)
    return IndexPut.apply(input, value, key=k)


def _key_shape(x: Tensor, key: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape of ``x[key]`` without touching the data."""
    xp = x._backend.xp
    return tuple(get(xp.broadcast_to(xp.zeros((), dtype="int8"), x.shape), key).shape)


def _fmt_key(key: Any) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return "[" + ", ".join("..." if k is Ellipsis else repr(k) if isinstance(k, (int, type(None)))
                           else f"{k.start or ''}:{k.stop or ''}" if isinstance(k, slice)
                           else f"<{type(k).__name__}>" for k in parts) + "]"


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` along ``dim``, as ``torch.gather``.

    >>> import minigrad as mg
    >>> mg.gather(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, mg.tensor([[1], [0]]))
    tensor([[2.],
            [3.]], dtype=float32, device='cpu')
    """
    check_tensor(input, "gather")
    check_tensor(index, "gather", "index")
    d = normalize_dim(dim, input.ndim, "gather")
    if index.dtype.kind not in "iu" or index.ndim != input.ndim:
        raise ShapeError(f"gather: `index` must be an integer tensor with {input.ndim} dims, got "
                         f"{index.dtype} of shape {index.shape}")
    if any(i != d and s > input.shape[i] for i, s in enumerate(index.shape)):
        raise ShapeError(f"gather: `index` of shape {index.shape} is larger than input of shape "
                         f"{input.shape} outside dim {d}")
    if index.numel() and not (int(index._data.min()) >= 0
                              and int(index._data.max()) < input.shape[d]):
        raise MinigradIndexError(f"gather: an index in [{int(index._data.min())}, "
                         f"{int(index._data.max())}] is out of range for dim {d} with size "
                         f"{input.shape[d]} (input shape {input.shape})")
    return Gather.apply(input, index=index._data, dim=d)
