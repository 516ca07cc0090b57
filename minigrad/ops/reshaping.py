"""Rearranging ops built from reshape, permute, broadcast, indexing and cat: movedim,
swapaxes, unflatten, narrow, flip, roll, repeat, repeat_interleave, tile, unfold. All
differentiable (gradients flow through the primitives).

>>> import minigrad as mg
>>> x = mg.arange(6).reshape(2, 3)
>>> x.flip(1).tolist(), x.roll(1, 1).tolist(), x.repeat(1, 2).shape
([[2, 1, 0], [5, 4, 3]], [[2, 0, 1], [5, 3, 4]], Size([2, 6]))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.errors import MinigradIndexError, MinigradTypeError, ShapeError
from minigrad.size import as_sizes
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim
from .index import Index
from .joining import cat
from .shape import broadcast_to, permute, reshape

__all__ = [
    "flip", "fliplr", "flipud", "moveaxis", "movedim", "narrow", "repeat_interleave", "roll",
    "swapaxes", "swapdims", "tile", "unflatten",
]
#: bound onto Tensor by minigrad.tensor_methods.bind_ops (see minigrad/ops/__init__.py)
TENSOR_METHODS = (
    "flip", "fliplr", "flipud", "moveaxis", "movedim", "narrow", "repeat", "repeat_interleave",
    "roll", "swapaxes", "swapdims", "tile", "unflatten", "unfold",
)


def _ints(op: str, arg: str, value: Any) -> tuple[int, ...]:
    if isinstance(value, Tensor):
        value = value.tolist()
    if isinstance(value, int):
        return (value,)
    if not isinstance(value, (tuple, list)):
        raise MinigradTypeError(f"{op}: `{arg}` must be an int or a sequence of ints, got "
                                f"{value!r}")
    return as_sizes(op, tuple(value), arg)


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dims ``source`` to positions ``destination`` (ints or sequences), keeping the
    order of the others.

    >>> import minigrad as mg
    >>> mg.zeros(2, 3, 4).movedim(0, -1).shape
    Size([3, 4, 2])
    """
    check_tensor(input, "movedim")
    src = [normalize_dim(d, input.ndim, "movedim") for d in _ints("movedim", "source", source)]
    dst = [normalize_dim(d, input.ndim, "movedim")
           for d in _ints("movedim", "destination", destination)]
    if len(src) != len(dst):
        raise ShapeError(f"movedim: `source` {source} and `destination` {destination} must "
                         "have the same number of dims")
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ShapeError(f"movedim: repeated dim in `source` {source} or `destination` "
                         f"{destination}")
    order = [None] * input.ndim
    for s, d in zip(src, dst, strict=True):
        order[d] = s
    rest = iter(d for d in range(input.ndim) if d not in src)
    axes = tuple(next(rest) if o is None else o for o in order)
    return input if axes == tuple(range(input.ndim)) else permute(input, *axes)


def moveaxis(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Alias of :func:`movedim` (NumPy's name).

    >>> import minigrad as mg
    >>> mg.zeros(2, 3).moveaxis(1, 0).shape
    Size([3, 2])
    """
    return movedim(input, source, destination)


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """Alias of ``transpose`` (NumPy's name).

    >>> import minigrad as mg
    >>> mg.zeros(2, 3).swapaxes(0, 1).shape
    Size([3, 2])
    """
    return input.transpose(axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Alias of ``transpose``.

    >>> import minigrad as mg
    >>> mg.zeros(2, 3, 1).swapdims(0, 2).shape
    Size([1, 3, 2])
    """
    return input.transpose(dim0, dim1)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Expand dim ``dim`` into ``sizes`` (one of which may be -1).

    >>> import minigrad as mg
    >>> mg.zeros(2, 12).unflatten(1, (3, -1)).shape
    Size([2, 3, 4])
    """
    check_tensor(input, "unflatten")
    d = normalize_dim(dim, input.ndim, "unflatten")
    sizes = _ints("unflatten", "sizes", sizes)
    if not sizes:
        raise ShapeError("unflatten: `sizes` must be non-empty")
    n, known = input.shape[d], 1
    for s in sizes:
        known *= s if s != -1 else 1
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or (
            -1 in sizes and (known == 0 or n % known)):
        raise ShapeError(f"unflatten: sizes {sizes} do not multiply to size {n} of dim {d} "
                         f"(input shape {input.shape})")
    return reshape(input, *input.shape[:d], *sizes, *input.shape[d + 1:])


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements of dim ``dim`` from ``start`` (which may be negative).

    >>> import minigrad as mg
    >>> mg.arange(5).narrow(0, -3, 2).tolist()
    [2, 3]
    """
    check_tensor(input, "narrow")
    d = normalize_dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    start = int(start.item()) if isinstance(start, Tensor) else int(start)
    if not -n <= start <= n:
        raise MinigradIndexError(f"narrow: start {start} is out of range for dim {d} of size "
                                 f"{n} (input shape {input.shape})")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise ShapeError(f"narrow: start ({start}) + length ({length}) exceeds size {n} of dim "
                         f"{d} (input shape {input.shape})")
    return input[(slice(None),) * d + (slice(start, start + length),)]


def flip(input: Tensor, dims: Any) -> Tensor:
    """Reverse the order of elements along ``dims`` (an int or a sequence).

    >>> import minigrad as mg
    >>> mg.arange(3).flip(0).tolist()
    [2, 1, 0]
    """
    check_tensor(input, "flip")
    ds = {normalize_dim(d, input.ndim, "flip") for d in _ints("flip", "dims", dims)}
    if not ds or not input.ndim:
        return input
    key = tuple(slice(None, None, -1) if i in ds else slice(None) for i in range(input.ndim))
    return Index.apply(input, key=key)


def fliplr(input: Tensor) -> Tensor:
    """Flip dim 1 (left-right); the input must be at least 2-D.

    >>> import minigrad as mg
    >>> mg.arange(4).reshape(2, 2).fliplr().tolist()
    [[1, 0], [3, 2]]
    """
    if check_tensor(input, "fliplr").ndim < 2:
        raise ShapeError(f"fliplr: input must be at least 2-D, got shape {input.shape}")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    """Flip dim 0 (up-down); the input must be at least 1-D.

    >>> import minigrad as mg
    >>> mg.arange(4).reshape(2, 2).flipud().tolist()
    [[2, 3], [0, 1]]
    """
    if check_tensor(input, "flipud").ndim < 1:
        raise ShapeError(f"flipud: input must be at least 1-D, got shape {input.shape}")
    return flip(input, 0)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Rotate elements by ``shifts`` along ``dims`` (ints or matching sequences); without
    ``dims`` the flattened tensor rolls and keeps its shape.

    >>> import minigrad as mg
    >>> mg.arange(4).roll(1).tolist(), mg.arange(4).reshape(2, 2).roll((1, 1), (0, 1)).tolist()
    ([3, 0, 1, 2], [[3, 2], [1, 0]])
    """
    check_tensor(input, "roll")
    sh = _ints("roll", "shifts", shifts)
    if dims is None:
        if len(sh) != 1:
            raise ShapeError(f"roll: `shifts` {shifts} must be one int when `dims` is None")
        return roll(input.reshape(-1), sh, 0).reshape(input.shape)
    ds = _ints("roll", "dims", dims)
    if len(sh) != len(ds):
        raise ShapeError(f"roll: `shifts` {shifts} and `dims` {dims} must have one length")
    out = input
    for s, d in zip(sh, ds, strict=True):
        d = normalize_dim(d, input.ndim, "roll")
        n = input.shape[d]
        s = s % n if n else 0
        if s:
            lead = (slice(None),) * d
            out = cat([out[(*lead, slice(n - s, n))], out[(*lead, slice(0, n - s))]], d)
    return out


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``Tensor.unfold``: every window of ``size`` elements along ``dimension``, ``step``
    apart; the windows replace that dim and their elements form a new last dim.

    >>> import minigrad as mg
    >>> mg.arange(5).unfold(0, 2, 2).tolist()
    [[0, 1], [2, 3]]
    """
    check_tensor(input, "unfold")
    d = normalize_dim(dimension, input.ndim, "unfold")
    n = input.shape[d] if input.ndim else 1
    if size < 0 or size > n:
        raise ShapeError(f"unfold: size {size} must be in [0, {n}] (size of dim {d}, input "
                         f"shape {input.shape})")
    if step <= 0:
        raise ValueError(f"unfold: step must be positive, got {step}")
    if not input.ndim:
        return input.reshape(1)
    xp = input._backend.xp
    windows = (n - size) // step + 1
    idx = (xp.arange(windows) * step)[:, None] + xp.arange(size)[None, :]
    out = Index.apply(input, key=(slice(None),) * d + (idx,))
    return movedim(out, d + 1, -1)


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Tile ``input`` ``sizes[i]`` times along each dim (``Tensor.repeat``); extra leading
    sizes add dims.

    >>> import minigrad as mg
    >>> mg.tensor([1, 2]).repeat(2, 2).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    check_tensor(input, "repeat")
    reps = _ints("repeat", "sizes", sizes[0] if len(sizes) == 1 else sizes)
    if len(reps) < input.ndim:
        raise ShapeError(f"repeat: {len(reps)} repeat sizes given for a tensor of "
                         f"{input.ndim} dims (need at least as many)")
    if any(r < 0 for r in reps):
        raise ValueError(f"repeat: repeat sizes must be non-negative, got {reps}")
    shape = (1,) * (len(reps) - input.ndim) + tuple(input.shape)
    inter = tuple(v for s in shape for v in (1, s))
    target = tuple(v for r, s in zip(reps, shape, strict=True) for v in (r, s))
    out = broadcast_to(reshape(input, *inter), target)
    return reshape(out, *(r * s for r, s in zip(reps, shape, strict=True)))


def tile(input: Tensor, dims: Any) -> Tensor:
    """As :func:`repeat`, but fewer ``dims`` than the tensor has are padded with leading 1s.

    >>> import minigrad as mg
    >>> mg.ones(2, 3).tile((2,)).shape
    Size([2, 6])
    """
    check_tensor(input, "tile")
    reps = _ints("tile", "dims", dims)
    return repeat(input, (1,) * (input.ndim - len(reps)) + reps)


def repeat_interleave(input: Tensor, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times (an int, or a 1-D tensor with one count per
    element) along ``dim`` (the flattened tensor when None). ``repeat_interleave(counts)``
    alone repeats ``arange(len(counts))``.

    >>> import minigrad as mg
    >>> mg.tensor([1, 2]).repeat_interleave(2).tolist()
    [1, 1, 2, 2]
    >>> mg.repeat_interleave(mg.tensor([1, 0, 2])).tolist()
    [0, 2, 2]
    """
    check_tensor(input, "repeat_interleave")
    if repeats is None:  # repeat_interleave(repeats)
        repeats, input = input, Tensor._make(input._backend.xp.arange(input.numel()), None)
    if dim is None:
        input, d = input.reshape(-1), 0
    else:
        d = normalize_dim(dim, input.ndim, "repeat_interleave")
    n = input.shape[d] if input.ndim else 1
    if isinstance(repeats, Tensor) and repeats.numel() == 1 and repeats.ndim <= 1:
        repeats = int(repeats.item())
    if isinstance(repeats, int):
        if repeats < 0:
            raise ValueError(f"repeat_interleave: repeats must be non-negative, got {repeats}")
        x = input.unsqueeze(d + 1)
        x = x.expand(*x.shape[:d + 1], repeats, *x.shape[d + 2:])
        return x.flatten(d, d + 1)
    if not isinstance(repeats, Tensor):
        raise MinigradTypeError("repeat_interleave: `repeats` must be an int or an integer "
                                f"tensor, got {type(repeats).__name__}")
    if repeats.dtype.kind not in "iu" or repeats.ndim != 1 or repeats.shape[0] != n:
        raise ShapeError(f"repeat_interleave: `repeats` must be a 1-D integer tensor of "
                         f"{n} counts (size of dim {d}), got {repeats.dtype} {repeats.shape}")
    if repeats.device != input.device:  # counts from the host serve a GPU input too
        repeats = repeats.to(input.device)
    xp = input._backend.xp
    counts = repeats._data
    if counts.size and int(counts.min()) < 0:
        raise ValueError("repeat_interleave: repeats must be non-negative")
    idx = xp.repeat(xp.arange(n), counts)
    if output_size is not None and idx.size != output_size:
        raise ShapeError(f"repeat_interleave: output_size {output_size} does not match the "
                         f"{idx.size} repeated elements")
    return Index.apply(input, key=(slice(None),) * d + (idx,))
