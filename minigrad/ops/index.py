"""Indexing: ``t[key]`` with ints, slices, None, Ellipsis, integer arrays and bool masks;
``gather`` along a dim; and the scatter-adds that are their gradients.

>>> import minigrad as mg
>>> x = mg.zeros(3, requires_grad=True)
>>> x[mg.tensor([0, 0, 2])].sum().backward(); x.grad  # repeated indices add up
tensor([2., 0., 1.], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim

__all__ = ["gather", "index", "index_put"]


def _is_basic(key: tuple[Any, ...]) -> bool:
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


class Index(Op):
    save_inputs = False

    def forward(self, xp: Any, x: Any, key: tuple[Any, ...]) -> Any:
        self.key, self.in_shape = key, x.shape
        return x[key]

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.index_add_into(g, shape=self.in_shape, key=self.key),)


class IndexAddInto(Op):
    """``zeros(shape)`` with ``g`` added at ``key`` (repeated indices accumulate)."""

    save_inputs = False

    def forward(self, xp: Any, g: Any, shape: tuple[int, ...], key: tuple[Any, ...]) -> Any:
        from minigrad.backends import backend_of

        self.key = key
        out = xp.zeros(shape, dtype=g.dtype)
        if _is_basic(key):
            out[key] = g
        else:
            backend_of(g).scatter_add(out, key, g)
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.index(g, key=self.key),)


class IndexPut(Op):
    """``x`` with ``x[key] = value`` (out of place; used by ``__setitem__``)."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, value: Any, key: tuple[Any, ...]) -> Any:
        self.key = key
        out = x.copy()
        out[key] = value
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


def _normalize_key(x: Tensor, key: Any) -> tuple[Any, ...]:
    """Turn a user key into a tuple of ints, slices, None, Ellipsis and backend arrays."""
    if not isinstance(key, tuple):
        key = (key,)
    xp = x._backend.xp
    out = []
    for k in key:
        if isinstance(k, Tensor):
            if k._backend is not x._backend:
                raise ShapeError(f"index: index tensor is on {k.device} but input is on "
                                 f"{x.device}")
            if k._data.dtype.kind not in "biu":
                raise MinigradTypeError(
                    f"index: tensors used as indices must be integer or bool, got {k.dtype}"
                )
            out.append(k._data)
        elif isinstance(k, (list,)) or (hasattr(k, "dtype") and hasattr(k, "shape")):
            arr = xp.asarray(k)
            if arr.dtype.kind not in "biu":
                raise MinigradTypeError(f"index: index arrays must be integer or bool, got "
                                        f"{arr.dtype}")
            out.append(arr)
        elif isinstance(k, bool):
            out.append(xp.asarray(k))
        elif k is None or k is Ellipsis or isinstance(k, (int, slice)):
            out.append(k)
        elif hasattr(k, "__index__"):
            out.append(k.__index__())
        else:
            raise MinigradTypeError(f"index: unsupported index of type {type(k).__name__}")
    return tuple(out)


def _check_key(x: Tensor, key: tuple[Any, ...]) -> None:
    """Raise a clear error for out-of-range ints and mismatched masks before NumPy does."""
    dim = 0
    n_explicit = sum(1 for k in key if k is not None and k is not Ellipsis and not (
        hasattr(k, "dtype") and k.dtype.kind == "b") ) + sum(
        k.ndim for k in key if hasattr(k, "dtype") and k.dtype.kind == "b")
    if n_explicit > x.ndim:
        raise ShapeError(f"index: too many indices ({n_explicit}) for a tensor of shape "
                         f"{x.shape}")
    for k in key:
        if k is Ellipsis:
            dim += x.ndim - n_explicit
            continue
        if k is None:
            continue
        if isinstance(k, int):
            size = x.shape[dim]
            if not -size <= k < size:
                raise ShapeError(f"index: index {k} is out of bounds for dim {dim} with size "
                                 f"{size} (input shape {x.shape})")
        elif hasattr(k, "dtype") and k.dtype.kind == "b":
            if tuple(k.shape) != tuple(x.shape[dim:dim + k.ndim]):
                raise ShapeError(f"index: mask of shape {tuple(k.shape)} does not match dims "
                                 f"{dim}..{dim + k.ndim - 1} of input shape {x.shape}")
            dim += k.ndim
            continue
        elif hasattr(k, "dtype") and k.size:
            size = x.shape[dim]
            if int(k.max()) >= size or int(k.min()) < -size:
                raise ShapeError(f"index: an index in [{int(k.min())}, {int(k.max())}] is out "
                                 f"of bounds for dim {dim} with size {size} (input shape "
                                 f"{x.shape})")
        dim += 1


def index(input: Tensor, key: Any) -> Tensor:
    """``input[key]`` as NumPy indexes; the gradient scatter-adds back.

    >>> import minigrad as mg
    >>> mg.arange(6.0).reshape(2, 3)[:, [0, 2]]
    tensor([[0., 2.],
            [3., 5.]], dtype=float32, device='cpu')
    """
    check_tensor(input, "index")
    k = _normalize_key(input, key)
    _check_key(input, k)
    return Index.apply(input, key=k)


def index_put(input: Tensor, key: Any, value: Tensor) -> Tensor:
    """A copy of ``input`` with ``input[key] = value`` (differentiable in both)."""
    k = _normalize_key(input, key)
    _check_key(input, k)
    return IndexPut.apply(input, value, key=k)


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
        raise ShapeError(f"gather: an index in [{int(index._data.min())}, "
                         f"{int(index._data.max())}] is out of range for dim {d} with size "
                         f"{input.shape[d]} (input shape {input.shape})")
    return Gather.apply(input, index=index._data, dim=d)
