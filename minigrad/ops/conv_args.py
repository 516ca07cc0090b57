"""Argument checking shared by the convolution and pooling ops (errors name op and shapes).

>>> normalize_padding("same", (3, 4), (1, 1), (1, 1), "conv2d")
(1, 1, 1, 2)
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.tensor import Tensor

__all__ = ["check_float", "normalize_padding", "pair"]


def pair(value: Any, name: str, op: str, minimum: int, n: int = 2) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, each ``>= minimum``, as a tuple of ``n`` ints."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(items) != n:
        raise ShapeError(f"{op}: `{name}` must be an int or {n} ints, got {value!r}")
    out = []
    for v in items:
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise MinigradTypeError(f"{op}: `{name}` must hold ints, got {value!r}")
        v = v.__index__()
        if v < minimum:
            raise ShapeError(f"{op}: `{name}` must be >= {minimum}, got {value!r}")
        out.append(v)
    return tuple(out)


def normalize_padding(
    padding: Any, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
    op: str,
) -> tuple[int, ...]:
    """int | pair | "valid" | "same" → (lo, hi) per spatial axis, flattened.

    ``"same"`` pads ``d*(k-1)`` in total per axis, the odd one on the high side (as PyTorch),
    and needs stride 1.
    """
    n = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * (2 * n)
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ShapeError(f"{op}: padding='same' needs stride 1, got stride {stride}")
            out: list[int] = []
            for k, d in zip(kernel, dilation, strict=True):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return tuple(out)
        raise ShapeError(f"{op}: `padding` must be an int, a pair, 'valid' or 'same', "
                         f"got {padding!r}")
    p = pair(padding, "padding", op, 0, n)
    out = []
    for v in p:
        out += [v, v]
    return tuple(out)


def check_float(op: str, **tensors: Tensor | None) -> list[Tensor | None]:
    """Check that every given tensor is floating point; promote them to one common dtype."""
    present = []
    for name, t in tensors.items():
        if t is None and name not in ("input", "weight"):  # optional ones, as bias
            continue
        if not isinstance(t, Tensor):
            raise MinigradTypeError(f"{op}: argument `{name}` must be a Tensor, got "
                                    f"{type(t).__name__}")
        if t.dtype.kind != "f":
            raise MinigradTypeError(f"{op}: `{name}` must be a floating-point tensor, got "
                                    f"{t.dtype} of shape {t.shape}")
        present.append(t)
    dt = dtypes.result_dtype(*present) if len(present) > 1 else present[0].dtype
    return [None if t is None else (t if t.dtype == dt else t.astype(dt))
            for t in tensors.values()]

