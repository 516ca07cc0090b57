"""Joining and splitting: cat, stack, hstack/vstack/column_stack, split, chunk,
tensor_split, unbind, and constant padding.

>>> import minigrad as mg
>>> x = mg.arange(6.0).reshape(2, 3)
>>> mg.cat([x, x], dim=0).shape, [t.shape for t in x.chunk(2, dim=1)]
((4, 3), [(2, 2), (2, 1)])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import dtypes
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim
from .shape import astype, unsqueeze

__all__ = ["cat", "pad", "split", "stack"]


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
    (2, 3)
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
    (2, 2)
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
    [(2,), (2,), (1,)]
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
    (4, 4)
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
