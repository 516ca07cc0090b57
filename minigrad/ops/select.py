"""Selection by masks and index lists: masked_fill, masked_select, index_select, index_add,
index_fill, take, take_along_dim, nonzero, argwhere, isin, one_hot, tril/triu_indices.

The differentiable ones are compositions of indexing, ``where`` and the index scatter-add, so
their gradients (and gradients of gradients) come from those primitives.

>>> import minigrad as mg
>>> x = mg.arange(6.0).reshape(2, 3)
>>> x.masked_fill(x > 3, -1.0).tolist(), x.index_select(1, mg.tensor([2, 0])).tolist()
([[0.0, 1.0, 2.0], [3.0, -1.0, -1.0]], [[2.0, 0.0], [5.0, 3.0]])
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.backends import backend_for
from minigrad.errors import MinigradIndexError, MinigradTypeError, ShapeError
from minigrad.tensor import Tensor

from ._util import as_tensor_like, check_tensor, normalize_dim
from ._util import broadcast_shapes as _broadcast
from .binary import where
from .index import Gather, IndexAddInto, index_put
from .shape import broadcast_to

__all__ = [
    "argwhere", "index_add", "index_fill", "index_select", "isin", "masked_fill",
    "masked_select", "nonzero", "one_hot", "take", "take_along_dim", "tril_indices",
    "triu_indices",
]
#: bound onto Tensor by minigrad.tensor_methods.bind_ops (see minigrad/ops/__init__.py)
TENSOR_METHODS = (
    "argwhere", "index_add", "index_fill", "index_put", "index_select", "masked_fill",
    "masked_select", "nonzero", "take", "take_along_dim",
)
#: also bound as in-place ``<name>_`` methods
INPLACE_METHODS = ("index_add", "index_fill", "index_put", "masked_fill")


def _value(op: str, value: Any, ref: Tensor) -> Tensor:
    """A fill value (Python scalar or 0-d tensor) as a 0-d tensor of ``ref``'s dtype."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise ShapeError(f"{op}: only supports a 0-dimensional value tensor, but got "
                             f"tensor with {value.ndim} dimension(s)")
        return value.astype(ref.dtype)
    return as_tensor_like(value, ref, dtype=ref.dtype)


def _mask(op: str, mask: Any) -> Tensor:
    check_tensor(mask, op, "mask")
    if mask.dtype.kind != "b":
        raise MinigradTypeError(f"{op}: expected a bool mask, got mask of dtype {mask.dtype}")
    return mask


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, ``input`` elsewhere (the mask broadcasts); ``value``
    is a Python scalar or a 0-d tensor (differentiable too), cast to ``input``'s dtype.

    >>> import minigrad as mg
    >>> mg.zeros(3).masked_fill(mg.tensor([True, False, True]), 2.0).tolist()
    [2.0, 0.0, 2.0]
    """
    check_tensor(input, "masked_fill")
    mask = _mask("masked_fill", mask)
    _broadcast("masked_fill", input.shape, mask.shape)
    return where(mask, _value("masked_fill", value, input), input)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` (broadcast with ``input``) is True, as a 1-D tensor.

    >>> import minigrad as mg
    >>> mg.arange(4.0).masked_select(mg.tensor([True, False, False, True])).tolist()
    [0.0, 3.0]
    """
    check_tensor(input, "masked_select")
    mask = _mask("masked_select", mask)
    shape = _broadcast("masked_select", input.shape, mask.shape)
    return broadcast_to(input, shape)[broadcast_to(mask, shape)]


def _index_1d(op: str, index: Any, size: int, dim: int, shape: Any) -> Any:
    """A 0-d or 1-D integer index tensor's array, every entry in [0, size)."""
    check_tensor(index, op, "index")
    if index.dtype.kind not in "iu" or index.ndim > 1:
        raise MinigradTypeError(f"{op}: `index` must be a 0-d or 1-D integer tensor, got "
                                f"{index.dtype} of shape {index.shape}")
    arr = index._data.reshape(-1)
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= size):
        raise MinigradIndexError(f"{op}: an index in [{int(arr.min())}, {int(arr.max())}] is "
                                 f"out of range for dim {dim} with size {size} (input shape "
                                 f"{shape})")
    return arr


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` at ``index`` (a 1-D integer tensor) along ``dim``.

    >>> import minigrad as mg
    >>> mg.arange(3.0).index_select(0, mg.tensor([2, 2])).tolist()
    [2.0, 2.0]
    """
    check_tensor(input, "index_select")
    d = normalize_dim(dim, input.ndim, "index_select")
    arr = _index_1d("index_select", index, input.shape[d] if input.ndim else 1, d, input.shape)
    if not input.ndim:
        return input.reshape(-1)[arr].reshape(())
    return input[(slice(None),) * d + (arr,)]


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
              alpha: float = 1) -> Tensor:
    """``input`` with ``alpha * source`` added at ``index`` along ``dim`` (repeated indices
    accumulate); ``source`` has ``input``'s shape except ``len(index)`` along ``dim``.

    >>> import minigrad as mg
    >>> mg.zeros(3).index_add(0, mg.tensor([0, 0, 2]), mg.ones(3)).tolist()
    [2.0, 0.0, 1.0]
    """
    check_tensor(input, "index_add")
    check_tensor(source, "index_add", "source")
    d = normalize_dim(dim, input.ndim, "index_add")
    arr = _index_1d("index_add", index, input.shape[d] if input.ndim else 1, d, input.shape)
    want = tuple(arr.size if i == d else s for i, s in enumerate(input.shape))
    if tuple(source.shape) != want and not (input.ndim == 0 and source.numel() == arr.size):
        raise ShapeError(f"index_add: `source` must have shape {want} (input shape "
                         f"{input.shape} with dim {d} of size len(index) = {arr.size}), got "
                         f"{source.shape}")
    if alpha != 1:
        source = source * alpha
    source = source.astype(input.dtype)
    if not input.ndim:
        return input + source.sum()
    key = (slice(None),) * d + (arr,)
    return input + IndexAddInto.apply(source, shape=tuple(input.shape), key=key)


def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:
    """``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a scalar or a
    0-d tensor, differentiable).

    >>> import minigrad as mg
    >>> mg.zeros(2, 2).index_fill(1, mg.tensor([1]), 5.0).tolist()
    [[0.0, 5.0], [0.0, 5.0]]
    """
    check_tensor(input, "index_fill")
    d = normalize_dim(dim, input.ndim, "index_fill")
    arr = _index_1d("index_fill", index, input.shape[d] if input.ndim else 1, d, input.shape)
    v = _value("index_fill", value, input)
    if not input.ndim:
        return where(Tensor._make(input._backend.xp.asarray(arr.size > 0), None), v, input)
    return index_put(input, (slice(None),) * d + (arr,), v)


def take(input: Tensor, index: Tensor) -> Tensor:
    """``input`` read as 1-D at ``index`` (any shape; negative entries count from the end).

    >>> import minigrad as mg
    >>> mg.arange(6.0).reshape(2, 3).take(mg.tensor([[0, -1]])).tolist()
    [[0.0, 5.0]]
    """
    check_tensor(input, "take")
    check_tensor(index, "take", "index")
    if index.dtype.kind not in "iu":
        raise MinigradTypeError(f"take: `index` must be an integer tensor, got {index.dtype}")
    return input.reshape(-1)[index]


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` after broadcasting ``input`` and ``indices`` in every dim but ``dim``; with
    ``dim=None`` both are flattened first.

    >>> import minigrad as mg
    >>> x = mg.tensor([[10.0, 30.0, 20.0]])
    >>> x.take_along_dim(x.argmax(1, keepdim=True), 1).tolist()
    [[30.0]]
    """
    check_tensor(input, "take_along_dim")
    check_tensor(indices, "take_along_dim", "indices")
    if indices.dtype.kind not in "iu":
        raise MinigradTypeError(f"take_along_dim: `indices` must be an integer tensor, got "
                                f"{indices.dtype}")
    if dim is None:
        input, indices, d = input.reshape(-1), indices.reshape(-1), 0
    else:
        d = normalize_dim(dim, input.ndim, "take_along_dim")
        if indices.ndim != input.ndim:
            raise ShapeError(f"take_along_dim: input ({input.shape}) and indices "
                             f"({indices.shape}) must have the same number of dims")
        rest = _broadcast("take_along_dim", *(tuple(1 if i == d else s for i, s in
                                                    enumerate(t.shape))
                                              for t in (input, indices)))
        input = broadcast_to(input, tuple(input.shape[i] if i == d else s
                                          for i, s in enumerate(rest)))
        indices = broadcast_to(indices, tuple(indices.shape[i] if i == d else s
                                              for i, s in enumerate(rest)))
    n, arr = input.shape[d], indices._data
    if arr.size and (int(arr.min()) < -n or int(arr.max()) >= n):
        raise MinigradIndexError(f"take_along_dim: an index in [{int(arr.min())}, "
                                 f"{int(arr.max())}] is out of range for dim {d} with size {n}")
    xp = input._backend.xp
    arr = xp.ascontiguousarray(xp.where(arr < 0, arr + n, arr))
    return Gather.apply(input, index=arr, dim=d)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements: an int64 tensor of shape (count, ndim), or with
    ``as_tuple=True`` one 1-D tensor per dim (NumPy's ``nonzero``).

    >>> import minigrad as mg
    >>> mg.tensor([[0, 1], [2, 0]]).nonzero().tolist()
    [[0, 1], [1, 0]]
    """
    check_tensor(input, "nonzero")
    xp = input._backend.xp
    data = input._data if input.ndim else input._data.reshape(1)
    idx = [i.astype("int64") for i in xp.nonzero(data)]
    if as_tuple:
        return tuple(Tensor._make(i, None) for i in idx)
    if not input.ndim:
        return Tensor._make(xp.zeros((idx[0].size, 0), dtype="int64"), None)
    return Tensor._make(xp.stack(idx, axis=1), None)


def argwhere(input: Tensor) -> Tensor:
    """As :func:`nonzero`: the (count, ndim) indices of the non-zero elements.

    >>> import minigrad as mg
    >>> mg.tensor([0.0, 3.0, 0.0, 1.0]).argwhere().tolist()
    [[1], [3]]
    """
    return nonzero(input)


def isin(elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Tensor:
    """A bool tensor: is each of ``elements`` among ``test_elements`` (tensors or scalars)?

    >>> import minigrad as mg
    >>> mg.isin(mg.tensor([1, 2, 3]), mg.tensor([2, 5])).tolist()
    [False, True, False]
    """
    ref = elements if isinstance(elements, Tensor) else test_elements
    if not isinstance(ref, Tensor):
        raise MinigradTypeError("isin: `elements` or `test_elements` must be a Tensor")
    xp = ref._backend.xp
    a = as_tensor_like(elements, ref)._data
    b = as_tensor_like(test_elements, ref)._data
    out = xp.isin(a, b, assume_unique=assume_unique, invert=invert)
    return Tensor._make(xp.asarray(out), None)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices (an int64 tensor) as one-hot rows: shape ``(*tensor.shape,
    num_classes)``, dtype int64; ``num_classes=-1`` uses ``max + 1``.

    >>> import minigrad as mg
    >>> mg.one_hot(mg.tensor([0, 2]), 3).tolist()
    [[1, 0, 0], [0, 0, 1]]
    """
    check_tensor(tensor, "one_hot", "tensor")
    if tensor.dtype != dtypes.int64:
        raise MinigradTypeError(f"one_hot: is only applicable to index tensors of dtype int64, "
                                f"got {tensor.dtype}")
    xp, data = tensor._backend.xp, tensor._data
    lo = int(data.min()) if data.size else 0
    hi = int(data.max()) if data.size else -1
    if num_classes == -1:
        if not data.size:
            raise ShapeError("one_hot: can not infer the number of classes from an empty "
                             "tensor; pass num_classes")
        num_classes = hi + 1
    if lo < 0:
        raise ShapeError(f"one_hot: class values must be non-negative, got {lo}")
    if hi >= num_classes:
        raise ShapeError(f"one_hot: class values must be smaller than num_classes "
                         f"({num_classes}), got {hi}")
    out = (data[..., None] == xp.arange(num_classes)).astype("int64")
    return Tensor._make(out, None)


def _tri_indices(op: str, row: int, col: int, offset: int, dtype: Any, device: Any,
                 upper: bool) -> Tensor:
    if row < 0 or col < 0:
        raise ValueError(f"{op}: row and col must be non-negative, got {row} and {col}")
    xp = backend_for(device).xp
    i, j = xp.indices((row, col))
    keep = (j - i >= offset) if upper else (j - i <= offset)
    out = xp.stack([i[keep], j[keep]]).astype(dtypes.to_dtype(dtype or "int64"))
    return Tensor._make(out, None)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates of the lower triangle of a ``row × col`` matrix (row-major),
    ``offset`` shifting the diagonal.

    >>> import minigrad as mg
    >>> mg.tril_indices(3, 3).tolist()
    [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    return _tri_indices("tril_indices", row, col, offset, dtype, device, upper=False)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The (2, N) coordinates of the upper triangle of a ``row × col`` matrix (row-major).

    >>> import minigrad as mg
    >>> mg.triu_indices(2, 3, 1).tolist()
    [[0, 0, 1], [1, 2, 2]]
    """
    return _tri_indices("triu_indices", row, col, offset, dtype, device, upper=True)
