"""Counting and searching, never differentiable: ``unique``, ``bincount``, ``histc``,
``searchsorted``, ``bucketize``, ``count_nonzero``.

>>> import minigrad as mg
>>> mg.bincount(mg.tensor([0, 2, 2]))
tensor([1, 0, 2], dtype=int64, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dims

__all__ = ["bincount", "bucketize", "count_nonzero", "histc", "searchsorted", "unique"]


def _wrap(xp: Any, array: Any, dtype: Any = None) -> Tensor:
    return Tensor._make(xp.asarray(array, dtype=dtype), None)


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of ``input`` (sorted), optionally with the inverse indices (shaped
    as ``input``) and the counts, as ``torch.unique``. ``dim`` is not supported.

    >>> import minigrad as mg
    >>> mg.unique(mg.tensor([3, 1, 3]), return_counts=True)
    (tensor([1, 3], dtype=int64, device='cpu'), tensor([1, 2], dtype=int64, device='cpu'))
    """
    check_tensor(input, "unique")
    if dim is not None:
        raise NotImplementedError("unique: `dim` is not supported (only dim=None)")
    xp = input._backend.xp
    values, inverse, counts = xp.unique(input._data.reshape(-1), return_inverse=True,
                                        return_counts=True)
    out: list[Tensor] = [_wrap(xp, values)]
    if return_inverse:
        out.append(_wrap(xp, inverse.reshape(input.shape), "int64"))
    if return_counts:
        out.append(_wrap(xp, counts, "int64"))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each non-negative integer occurs in the 1-D ``input`` (weighted by
    ``weights``), as ``torch.bincount``: int64 counts, float weights keep their dtype and
    integer weights give float64.

    >>> import minigrad as mg
    >>> mg.bincount(mg.tensor([0, 1, 1]), weights=mg.tensor([0.5, 1.0, 2.0]))
    tensor([0.5, 3. ], dtype=float32, device='cpu')
    """
    check_tensor(input, "bincount")
    if input.ndim != 1 or input._data.dtype.kind not in "iu":
        raise ShapeError(
            f"bincount: expected a 1-D integer tensor, got {input.dtype} of shape {input.shape}"
        )
    xp, data = input._backend.xp, input._data
    if data.size and int(data.min()) < 0:
        raise ValueError("bincount: `input` must hold non-negative integers")
    if minlength < 0:
        raise ValueError(f"bincount: `minlength` must be non-negative, got {minlength}")
    if weights is None or data.size == 0:  # PyTorch: empty input gives int64 zeros
        return _wrap(xp, xp.bincount(data, minlength=minlength), "int64")
    check_tensor(weights, "bincount", "weights")
    if weights.shape != input.shape:
        raise ShapeError(f"bincount: weights {weights.shape} and input {input.shape} differ in "
                         "shape")
    dt = weights.dtype if weights.dtype.kind == "f" else dtypes.float64
    counts = xp.bincount(data, weights=weights._data.astype("float64"), minlength=minlength)
    return _wrap(xp, counts, dt)


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of ``bins`` equal bins over ``[min, max]`` (the data's range when both are
    0), as ``torch.histc``; values outside are ignored, ``max`` falls in the last bin.

    >>> import minigrad as mg
    >>> mg.histc(mg.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.], dtype=float32, device='cpu')
    """
    check_tensor(input, "histc")
    if input._data.dtype.kind != "f":
        raise MinigradTypeError(f"histc: expected a floating point tensor, got {input.dtype}")
    if bins <= 0:
        raise ValueError(f"histc: `bins` must be positive, got {bins}")
    xp, data = input._backend.xp, input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise ValueError(f"histc: `max` ({max}) must be larger than `min` ({min})")
    inside = data[(data >= lo) & (data <= hi)]
    pos = ((inside - lo) * bins / (hi - lo)).astype("int64")
    pos = xp.minimum(pos, bins - 1)
    return _wrap(xp, xp.bincount(pos, minlength=bins), input.dtype)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Tensor | None = None
                 ) -> Tensor:
    """Where ``input``'s values would go in the innermost dim of ``sorted_sequence`` to keep it
    sorted, as ``torch.searchsorted`` (``side="right"`` or ``right=True``: after equal values).

    >>> import minigrad as mg
    >>> mg.searchsorted(mg.tensor([1.0, 3.0, 5.0]), mg.tensor([3.0, 6.0]))
    tensor([1, 3], dtype=int64, device='cpu')
    """
    check_tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: `side` must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("searchsorted: side='left' contradicts right=True")
        right = side == "right"
    xp = sorted_sequence._backend.xp
    seq = sorted_sequence._data
    if sorter is not None:
        check_tensor(sorter, "searchsorted", "sorter")
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    scalar = not isinstance(input, Tensor)
    values = xp.asarray(input) if scalar else input._data
    if seq.ndim == 0:
        raise ShapeError("searchsorted: `sorted_sequence` must have at least 1 dim")
    kind = "right" if right else "left"
    if seq.ndim == 1:
        out = xp.searchsorted(seq, values, side=kind)
    else:
        if values.ndim != seq.ndim or values.shape[:-1] != seq.shape[:-1]:
            raise ShapeError(
                f"searchsorted: the leading dims of sorted_sequence {tuple(seq.shape)} and "
                f"input {tuple(values.shape)} must match"
            )
        rows_s = seq.reshape(-1, seq.shape[-1])
        rows_v = values.reshape(-1, values.shape[-1])
        out = xp.stack([xp.searchsorted(s, v, side=kind) for s, v in zip(rows_s, rows_v,
                                                                        strict=True)])
        out = out.reshape(values.shape)
    return _wrap(xp, out, "int32" if out_int32 else "int64")


def bucketize(input: Any, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each value among the sorted 1-D ``boundaries``, as ``torch.bucketize``:
    ``boundaries[i-1] < x <= boundaries[i]`` (``<= x <`` with ``right=True``).

    >>> import minigrad as mg
    >>> mg.bucketize(mg.tensor([1.0, 2.0, 5.0]), mg.tensor([1.0, 3.0]))
    tensor([0, 1, 2], dtype=int64, device='cpu')
    """
    check_tensor(boundaries, "bucketize", "boundaries")
    if boundaries.ndim != 1:
        raise ShapeError(f"bucketize: `boundaries` must be 1-D, got {boundaries.shape}")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of non-zero elements over ``dim`` (all when None), int64.

    >>> import minigrad as mg
    >>> mg.count_nonzero(mg.tensor([[0, 1], [2, 3]]), dim=0)
    tensor([1, 2], dtype=int64, device='cpu')
    """
    check_tensor(input, "count_nonzero")
    xp = input._backend.xp
    axes = normalize_dims(dim, input.ndim, "count_nonzero")
    return _wrap(xp, xp.sum(input._data != 0, axis=axes), "int64")


TENSOR_METHODS = ["bincount", "count_nonzero", "histc", "unique"]
