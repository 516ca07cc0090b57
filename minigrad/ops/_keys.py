"""Indexing keys as PyTorch reads them, checked and turned into NumPy-style keys.

A key is an int, slice, None, Ellipsis, bool, ``range``, (nested) list of ints or bools, an
integer or bool tensor or array, or a tuple of these. :func:`normalize_key` returns a tuple of
ints, slices, None, Ellipsis and backend arrays (int64 with negative entries wrapped, or bool),
after checking every part against the tensor's shape, so NumPy never raises on its own.

>>> import minigrad as mg
>>> from minigrad.ops._keys import normalize_key
>>> normalize_key(mg.zeros(2, 3), (slice(None), range(-2, 0)))
(slice(None, None, None), array([1, 2]))
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import DeviceError, MinigradIndexError, MinigradTypeError
from minigrad.tensor import Tensor

__all__ = ["SplitKey", "add_at", "get", "is_basic", "normalize_key", "put"]


class SplitKey(tuple):
    """Two keys applied one after the other, ``x[k1][k2]``: PyTorch selects with the ints of
    a key first and only then indexes with its arrays, where NumPy would treat the ints as
    arrays too (``x[1, :, [0, 2]]`` has shape (3, 2) in PyTorch, (2, 3) in NumPy)."""


def is_basic(key: tuple[Any, ...]) -> bool:
    """True when ``key`` holds only ints, slices, None and Ellipsis (NumPy basic indexing)."""
    return not isinstance(key, SplitKey) and all(
        k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


def get(x: Any, key: tuple[Any, ...]) -> Any:
    """``x[key]`` for a normalized key."""
    return x[key[0]][key[1]] if isinstance(key, SplitKey) else x[key]


def put(x: Any, key: tuple[Any, ...], value: Any) -> None:
    """``x[key] = value`` in place, for a normalized key."""
    if isinstance(key, SplitKey):
        x[key[0]][key[1]] = value  # x[key[0]] is a view: basic indexing only
    else:
        x[key] = value


def add_at(backend: Any, x: Any, key: tuple[Any, ...], value: Any) -> None:
    """``x[key] += value`` in place, repeated indices accumulating."""
    if isinstance(key, SplitKey):
        x, key = x[key[0]], key[1]
    if is_basic(key):
        x[key] += value
    else:
        backend.scatter_add(x, key, value)


def _as_int(v: Any, op: str) -> Any:
    if v is None or isinstance(v, int):
        return v
    if hasattr(v, "__index__"):
        return v.__index__()
    raise MinigradIndexError(f"{op}: slice bounds must be integers or None, got "
                             f"{type(v).__name__}")


def _array_part(x: Tensor, k: Any, op: str) -> Any:
    """One tensor / array / list part of a key as a backend array (0-d ints become ints)."""
    xp = x._backend.xp
    if isinstance(k, Tensor):
        if k._backend is not x._backend:
            raise DeviceError(f"{op}: index tensor is on {k.device} but input is on {x.device}")
        arr = k._data
        kind = arr.dtype.kind
        if kind not in "biu":
            raise MinigradTypeError(
                f"{op}: tensors used as indices must be integer or bool, got {k.dtype}"
            )
    else:
        if isinstance(k, range):
            k = list(k)
        if isinstance(k, list):
            flat = _flat(k)
            if any(e is None or e is Ellipsis or isinstance(e, slice) for e in flat):
                raise MinigradIndexError(f"{op}: a list index holds only ints or bools, got "
                                         f"{k!r}; index several dims with a tuple: x[a, b]")
            if any(isinstance(e, Tensor) for e in flat):
                k = [e.tolist() if isinstance(e, Tensor) else e for e in k]
        try:
            arr = xp.asarray(k)
        except (ValueError, TypeError):
            raise MinigradIndexError(f"{op}: a list used as an index must be rectangular, "
                                     f"got {k!r}") from None
        if arr.size == 0 and arr.dtype.kind == "f":  # x[[]]: an empty integer index
            arr = arr.astype("int64")
        if arr.dtype.kind not in "biu":
            raise MinigradTypeError(f"{op}: index arrays must be integer or bool, got "
                                    f"{arr.dtype}")
    if arr.dtype.kind == "u" and arr.dtype.itemsize == 1:
        arr = arr.astype(bool)  # PyTorch reads a uint8 index as a mask
    if arr.ndim == 0 and arr.dtype.kind != "b":
        return int(arr)  # PyTorch indexes with a 0-d integer tensor as with an int
    return arr


def _flat(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for e in items:
        out.extend(_flat(e) if isinstance(e, list) else [e])
    return out


def _part(x: Tensor, k: Any, op: str) -> Any:
    if k is None or k is Ellipsis:
        return k
    if isinstance(k, bool):
        return x._backend.xp.asarray(k)
    if isinstance(k, int):
        return k
    if isinstance(k, slice):
        start, stop, step = _as_int(k.start, op), _as_int(k.stop, op), _as_int(k.step, op)
        if step is not None and step <= 0:
            raise ValueError(f"{op}: slice step must be positive, got {step} (as in PyTorch; "
                             "use flip() to reverse)")
        return slice(start, stop, step)
    if isinstance(k, (Tensor, list, range)) or (hasattr(k, "dtype") and hasattr(k, "shape")):
        return _array_part(x, k, op)
    if hasattr(k, "__index__"):
        return k.__index__()
    raise MinigradIndexError(
        f"{op}: only integers, slices, ellipsis (...), None, lists and integer or bool "
        f"tensors are valid indices, got {type(k).__name__}"
    )


def normalize_key(x: Tensor, key: Any, op: str = "index") -> tuple[Any, ...]:
    """``key`` checked against ``x.shape`` and turned into a NumPy key (see module doc)."""
    parts = [_part(x, k, op) for k in (key if isinstance(key, tuple) else (key,))]
    if sum(k is Ellipsis for k in parts) > 1:
        raise MinigradIndexError(f"{op}: an index can only have a single ellipsis (...)")
    consumed = sum(
        k.ndim if _is_mask(k) else 1 for k in parts if k is not None and k is not Ellipsis
    )
    if consumed > x.ndim:
        raise MinigradIndexError(f"{op}: too many indices ({consumed}) for a tensor of shape "
                                 f"{x.shape}")
    xp = x._backend.xp
    out, dim, adv_shapes = [], 0, []
    for k in parts:
        if k is Ellipsis:
            dim += x.ndim - consumed
        elif k is None:
            pass
        elif isinstance(k, int):
            size = x.shape[dim]
            if not -size <= k < size:
                raise MinigradIndexError(f"{op}: index {k} is out of bounds for dim {dim} with "
                                         f"size {size} (input shape {x.shape})")
            dim += 1
        elif isinstance(k, slice):
            dim += 1
        elif _is_mask(k):
            if tuple(k.shape) != tuple(x.shape[dim:dim + k.ndim]):
                raise MinigradIndexError(
                    f"{op}: mask of shape {tuple(k.shape)} does not match dims "
                    f"{dim}..{dim + k.ndim - 1} of input shape {x.shape}")
            if k.ndim:
                adv_shapes.append((int(k.sum()),))
            dim += k.ndim
        else:
            size = x.shape[dim]
            if k.size:
                lo, hi = int(k.min()), int(k.max())
                if hi >= size or lo < -size:
                    bad = hi if hi >= size else lo
                    raise MinigradIndexError(
                        f"{op}: index {bad} is out of bounds for dim {dim} with size {size} "
                        f"(an index in [{lo}, {hi}]; input shape {x.shape})")
                if lo < 0:
                    k = xp.where(k < 0, k + size, k)
            k = k.astype("int64", copy=False)
            adv_shapes.append(tuple(k.shape))
            dim += 1
        out.append(k)
    _check_broadcast(adv_shapes, op)
    if adv_shapes and any(isinstance(k, int) for k in out):
        return _split(out)
    return tuple(out)


def _split(key: list[Any]) -> SplitKey:
    """Select with the ints first, then index with the rest (see :class:`SplitKey`)."""
    first, second = [], []
    for k in key:
        if isinstance(k, int):
            first.append(k)
        elif k is Ellipsis:
            first.append(k)
            second.append(k)
        elif k is None:
            second.append(k)
        else:
            first.extend([slice(None)] * (k.ndim if _is_mask(k) else 1))
            second.append(k)
    return SplitKey((tuple(first), tuple(second)))


def _is_mask(k: Any) -> bool:
    return hasattr(k, "dtype") and k.dtype.kind == "b"


def _check_broadcast(shapes: list[tuple[int, ...]], op: str) -> None:
    if len(shapes) < 2:
        return
    ndim = max(len(s) for s in shapes)
    for i in range(1, ndim + 1):
        sizes = {s[-i] for s in shapes if len(s) >= i} - {1}
        if len(sizes) > 1:
            listed = ", ".join(str(list(s)) for s in shapes)
            raise MinigradIndexError(f"{op}: shape mismatch: indexing tensors could not be "
                                     f"broadcast together with shapes {listed}")
