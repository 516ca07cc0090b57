"""Joining and splitting: cat, stack, hstack/vstack/column_stack, split, chunk,
tensor_split, unbind, and constant padding.

>>> import minigrad as mg
>>> x = mg.arange(6.0).reshape(2, 3)
>>> mg.cat([x, x], dim=0).shape, [t.shape for t in x.chunk(2, dim=1)]
(Size([4, 3]), [Size([2, 2]), Size([2, 1])])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from minigrad import dtypes
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim
from .shape import astype, unsqueeze

# cat, pad, split and stack are exported by minigrad.ops itself (they predate the families)
__all__ = [
    "chunk", "column_stack", "concat", "concatenate", "hstack", "select", "tensor_split",
    "unbind", "vstack",
]
#: bound onto Tensor by minigrad.tensor_methods.bind_ops (see minigrad/ops/__init__.py)
TENSOR_METHODS = ("chunk", "select", "tensor_split", "unbind")


class Cat(Op):
    save_inputs = False

    def forward(self, xp: Any, *xs: Any, dim: int) -> Any:
        self.dim = dim
        self.sizes = [x.shape[dim] for x in xs]
        return xp.concatenate(xs, axis=dim)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        grads, start = [], 0
        lead = (slice(None),) * self.dim
        for size, need in zip(self.sizes, self.needs_input_grad, strict=True):
            grads.append(m.index(g, key=(*lead, slice(start, start + size))) if need else None)
            start += size
        return tuple(grads)


class Pad(Op):
    """Constant padding; ``widths`` is a (before, after) pair per axis."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, widths: tuple[tuple[int, int], ...], value: float) -> Any:
        self.key = tuple(slice(lo, lo + s) for (lo, _), s in zip(widths, x.shape, strict=True))
        return xp.pad(x, widths, mode="constant", constant_values=value)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.index(g, key=self.key),)


for _name, _cls in [("cat", Cat), ("pad", Pad)]:
    register_math(_name, _cls)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along ``dim``; all other sizes must match.

    >>> import minigrad as mg
    >>> mg.cat([mg.ones(2, 1), mg.zeros(2, 2)], dim=1).shape
    Size([2, 3])
    """
    tensors = [check_tensor(t, "cat", f"tensors[{i}]") for i, t in enumerate(tensors)]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    first = tensors[0]
    d = normalize_dim(dim, first.ndim, "cat")
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != first.ndim or any(
            a != b for k, (a, b) in enumerate(zip(t.shape, first.shape, strict=True)) if k != d
        ):
            raise ShapeError(
                f"cat: sizes must match except in dim {d}: tensors[0] has shape {first.shape} "
                f"but tensors[{i}] has shape {t.shape}"
            )
    dt = dtypes.result_dtype(*tensors)
    tensors = [astype(t, dt) for t in tensors]
    return Cat.apply(*tensors, dim=d)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dim.

    >>> import minigrad as mg
    >>> mg.stack([mg.ones(2), mg.zeros(2)], dim=1).shape
    Size([2, 2])
    """
    tensors = [check_tensor(t, "stack", f"tensors[{i}]") for i, t in enumerate(tensors)]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise ShapeError(
                f"stack: all tensors must have one shape: tensors[0] has {tensors[0].shape}, "
                f"tensors[{i}] has {t.shape}"
            )
    d = normalize_dim(dim, tensors[0].ndim, "stack", allow_end=True)
    return cat([unsqueeze(t, d) for t in tensors], dim=d)


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into chunks of one size (the last may be smaller) or of listed sizes.

    >>> import minigrad as mg
    >>> [t.shape for t in mg.arange(5).split(2)]
    [Size([2]), Size([2]), Size([1])]
    """
    check_tensor(tensor, "split")
    d = normalize_dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sections = [min(size, n - s) for s in range(0, n, size)] or [0]
    else:
        sections = list(split_size_or_sections)
        if sum(sections) != n:
            raise ShapeError(f"split: sections {sections} do not add up to size {n} of dim {d}")
    lead = (slice(None),) * d
    out, start = [], 0
    for s in sections:
        out.append(tensor[(*lead, slice(start, start + s))])
        start += s
    return tuple(out)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding as ``torch.nn.functional.pad``: ``pad`` lists (left, right) pairs
    starting from the last dim.

    >>> import minigrad as mg
    >>> mg.pad(mg.ones(2, 2), (1, 1, 0, 2)).shape
    Size([4, 4])
    """
    check_tensor(input, "pad")
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got {mode!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ShapeError(
            f"pad: `pad` must hold an even number of values, at most 2 per dim; got {len(pad)} "
            f"for a tensor of shape {input.shape}"
        )
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding is not supported, got {pad}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return Pad.apply(input, widths=tuple(widths), value=value)


def concat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Alias of :func:`cat` (``torch.concat``).

    >>> import minigrad as mg
    >>> mg.concat([mg.ones(1), mg.zeros(2)]).tolist()
    [1.0, 0.0, 0.0]
    """
    return cat(tensors, dim)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Alias of :func:`cat` with NumPy's ``axis`` name (``torch.concatenate``).

    >>> import minigrad as mg
    >>> mg.concatenate([mg.ones(1, 1), mg.zeros(1, 2)], axis=1).shape
    Size([1, 3])
    """
    return cat(tensors, axis)


def _tensors(op: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a sequence of tensors, got a single Tensor")
    out = [check_tensor(t, op, f"tensors[{i}]") for i, t in enumerate(tensors)]
    if not out:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return out


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1 (along dim 0 for 1-D tensors), as ``torch.hstack``.

    >>> import minigrad as mg
    >>> mg.hstack([mg.ones(2, 1), mg.zeros(2, 2)]).shape, mg.hstack([mg.ones(2), mg.ones(1)]).shape
    (Size([2, 3]), Size([3]))
    """
    from .broadcasting import atleast_1d

    ts = [atleast_1d(t) for t in _tensors("hstack", tensors)]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 0 after making every tensor at least 2-D (``torch.vstack``).

    >>> import minigrad as mg
    >>> mg.vstack([mg.ones(3), mg.zeros(3)]).shape
    Size([2, 3])
    """
    from .broadcasting import atleast_2d

    return cat([atleast_2d(t) for t in _tensors("vstack", tensors)], 0)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along dim 1, 0-d and 1-D tensors becoming columns (``torch.column_stack``).

    >>> import minigrad as mg
    >>> mg.column_stack([mg.ones(3), mg.zeros(3, 2)]).shape
    Size([3, 3])
    """
    ts = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t
          for t in _tensors("column_stack", tensors)]
    return cat(ts, 1)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of ``ceil(size / chunks)`` (fewer pieces when the sizes
    do not allow more, as ``torch.chunk``).

    >>> import minigrad as mg
    >>> [t.tolist() for t in mg.arange(5).chunk(3)]
    [[0, 1], [2, 3], [4]]
    """
    check_tensor(input, "chunk")
    if isinstance(chunks, bool) or not isinstance(chunks, int) or chunks <= 0:
        raise ValueError(f"chunk: `chunks` must be a positive int, got {chunks!r}")
    d = normalize_dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    return split(input, max(-(-n // chunks), 1), d)


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``n`` nearly equal parts (an int: the first ``size % n`` parts one longer)
    or at the listed indices (``torch.tensor_split``).

    >>> import minigrad as mg
    >>> [t.tolist() for t in mg.arange(7).tensor_split(3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    >>> [t.tolist() for t in mg.arange(5).tensor_split([1, 4])]
    [[0], [1, 2, 3], [4]]
    """
    check_tensor(input, "tensor_split")
    d = normalize_dim(dim, input.ndim, "tensor_split")
    n = input.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.dtype.kind not in "iu" or ios.ndim > 1:
            raise MinigradTypeError("tensor_split: a tensor `indices_or_sections` must be a 0-d "
                                    f"or 1-D integer tensor, got {ios.dtype} {ios.shape}")
        ios = int(ios.item()) if ios.ndim == 0 else [int(i) for i in ios.tolist()]
    if isinstance(ios, int):
        if ios <= 0:
            raise ValueError(f"tensor_split: number of sections must be positive, got {ios}")
        q, r = divmod(n, ios)
        bounds = [0]
        for i in range(ios):
            bounds.append(bounds[-1] + q + (i < r))
    else:
        cuts = [min(max(int(i) + (n if int(i) < 0 else 0), 0), n) for i in ios]
        bounds = [0, *cuts, n]
    lead = (slice(None),) * d
    return tuple(input[(*lead, slice(lo, max(lo, hi)))]
                 for lo, hi in itertools.pairwise(bounds))


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dim removed (``torch.select``).

    >>> import minigrad as mg
    >>> mg.arange(6).reshape(2, 3).select(1, -1).tolist()
    [2, 5]
    """
    check_tensor(input, "select")
    d = normalize_dim(dim, input.ndim, "select")
    return input[(slice(None),) * d + (index,)]


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """Every slice along ``dim``, that dim removed (``torch.unbind``).

    >>> import minigrad as mg
    >>> [t.tolist() for t in mg.arange(4).reshape(2, 2).unbind(1)]
    [[0, 2], [1, 3]]
    """
    check_tensor(input, "unbind")
    d = normalize_dim(dim, input.ndim, "unbind")
    return tuple(select(input, d, i) for i in range(input.shape[d]))
