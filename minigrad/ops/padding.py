"""``pad`` with PyTorch's four modes: constant, reflect, replicate, circular.

Every mode is a composition of differentiable ops, so gradients of any order come for free:
``constant`` crops negative pads by slicing and pads the rest with :func:`minigrad.pad`; the
other modes gather, along each padded dim, the source index of each border position
(``reflect`` mirrors without repeating the edge, ``replicate`` clamps to the edge,
``circular`` wraps) and concatenate the borders with the input; the gathers' gradients add
the copies back up.

>>> import minigrad as mg
>>> pad(mg.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
tensor([[3., 2., 1., 2., 3., 2.]], dtype=float32, device='cpu')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import check_tensor
from .joining import cat
from .joining import pad as _constant_pad

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def source_index(mode: str, size: int, lo: int, hi: int) -> np.ndarray:
    """For each of the ``size + lo + hi`` output positions, the input position it copies."""
    if mode == "circular":  # negative pads crop first; positive ones wrap the cropped range
        start, n = max(-lo, 0), size - max(-lo, 0) - max(-hi, 0)
        return start + np.arange(-max(lo, 0), n + max(hi, 0)) % n
    i = np.arange(-lo, size + hi)
    if mode == "reflect":
        i = np.abs(i)
        i = np.where(i >= size, 2 * (size - 1) - i, i)
    elif mode == "replicate":
        i = np.clip(i, 0, size - 1)
    return i


def _check_sizes(mode: str, input: Tensor, widths: dict[int, tuple[int, int]]) -> None:
    for d, (lo, hi) in widths.items():
        size = input.shape[d]
        if size + lo + hi < 1:
            raise ShapeError(f"pad: padding {(lo, hi)} at dim {d} of input {input.shape} "
                             f"leaves an output size of {size + lo + hi} (must be > 0)")
        if mode == "reflect" and (lo >= size or hi >= size):
            raise ShapeError(f"pad: reflect padding {(lo, hi)} must be less than the size "
                             f"{size} of dim {d} of input {input.shape}")
        if mode == "circular" and (lo > size or hi > size):
            raise ShapeError(f"pad: circular padding {(lo, hi)} wraps around more than once "
                             f"at dim {d} of input {input.shape} (size {size})")
        if mode == "replicate" and size == 0:
            raise ShapeError(f"pad: replicate padding needs a non-empty dim {d}, input "
                             f"{input.shape}")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims, as ``torch.nn.functional.pad``.

    ``pad`` lists (left, right) pairs starting from the last dim. ``mode="constant"`` fills
    with ``value`` (default 0) on any tensor, and a negative pad crops. ``"reflect"``,
    ``"replicate"`` and ``"circular"`` pad the last 1, 2 or 3 dims of a batched or unbatched
    input ((N,) C, W / (N,) C, H, W / (N,) C, D, H, W); reflect pads must be smaller than the
    dim, circular ones at most its size.

    >>> import minigrad as mg
    >>> x = mg.arange(4.0).reshape(1, 2, 2)
    >>> pad(x, (1, 1, 1, 0), mode="replicate")[0].tolist()
    [[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]]
    >>> pad(x, (1, 0), mode="circular")[0].tolist()
    [[1.0, 0.0, 1.0], [3.0, 2.0, 3.0]]
    >>> pad(x, (-1, 1), value=9.0)[0].tolist()
    [[1.0, 9.0], [3.0, 9.0]]
    """
    check_tensor(input, "pad")
    if mode not in _MODES:
        raise ValueError(f"pad: `mode` must be one of {_MODES}, got {mode!r}")
    if isinstance(pad, (str, bytes)) or not isinstance(pad, Sequence):
        raise TypeError(f"pad: `pad` must be a sequence of ints, got {pad!r}")
    if any(isinstance(p, bool) or not hasattr(p, "__index__") for p in pad):
        raise TypeError(f"pad: `pad` must hold ints, got {tuple(pad)!r}")
    pads = tuple(p.__index__() for p in pad)
    npairs = len(pads) // 2
    if len(pads) % 2 or npairs > input.ndim:
        raise ShapeError(f"pad: `pad` must hold an even number of values, at most 2 per dim; "
                         f"got {len(pads)} for a tensor of shape {input.shape}")
    widths = {input.ndim - 1 - i: (pads[2 * i], pads[2 * i + 1]) for i in range(npairs)}
    if mode == "constant":
        return _pad_constant(input, widths, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    if npairs == 0 or input.ndim not in (npairs + 1, npairs + 2):
        raise ShapeError(f"pad: {mode} padding of the last {npairs} dim(s) needs a "
                         f"{npairs + 1}-D or {npairs + 2}-D input, got shape {input.shape}")
    _check_sizes(mode, input, widths)
    xp = input._backend.xp
    out = input
    for d, (lo, hi) in sorted(widths.items()):
        if not (lo or hi):
            continue
        size = input.shape[d]
        idx = source_index(mode, size, lo, hi)
        if lo < 0 or hi < 0:  # cropping: gather every output position
            out = out[(slice(None),) * d + (xp.asarray(idx),)]
            continue
        # only the borders are gathered; the input passes through (cheap gradients)
        parts = [out[(slice(None),) * d + (xp.asarray(part),)]
                 for part in (idx[:lo], idx[lo + size:]) if part.size]
        out = cat([parts[0], out, parts[1]] if lo and hi else
                  [parts[0], out] if lo else [out, parts[0]], d)
    return out


def _pad_constant(input: Tensor, widths: dict[int, tuple[int, int]], value: float) -> Tensor:
    """Crop the negative pads, then pad the positive ones with ``value``."""
    for d, (lo, hi) in widths.items():
        if input.shape[d] + lo + hi < 0:
            raise ShapeError(f"pad: padding {(lo, hi)} at dim {d} of input {input.shape} "
                             f"leaves a negative size {input.shape[d] + lo + hi}")
    if any(lo < 0 or hi < 0 for lo, hi in widths.values()):
        key: list[Any] = [slice(None)] * input.ndim
        for d, (lo, hi) in widths.items():
            key[d] = slice(max(-lo, 0), input.shape[d] - max(-hi, 0))
        input = input[tuple(key)]
    flat: list[int] = []
    for d in range(input.ndim - 1, input.ndim - 1 - len(widths), -1):
        lo, hi = widths[d]
        flat += [max(lo, 0), max(hi, 0)]
    if not any(flat):
        return input
    return _constant_pad(input, flat, value=value)
