"""The NumPy (CPU) backend."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from minigrad.backends.base import Backend, Device

__all__ = ["NumpyBackend"]

_CPU = Device("cpu")


class NumpyBackend(Backend):
    """CPU arrays through NumPy."""

    name = "numpy"
    xp = np
    array_type = np.ndarray

    def __init__(self) -> None:
        self._rng = np.random.default_rng()

    def device_of(self, array: Any) -> Device:
        return _CPU

    def asarray(self, data: Any, dtype: Any = None, device: Device | None = None) -> Any:
        return np.asarray(data, dtype=dtype)

    def to_numpy(self, array: Any) -> Any:
        return array

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        np.add.at(target, index, values)

    def im2col(
        self, x: Any, kernel_size: tuple[int, int], stride: tuple[int, int],
        padding: tuple[int, int, int, int], dilation: tuple[int, int],
    ) -> Any:
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
        top, bottom, left, right = padding
        if top or bottom or left or right:
            xp_ = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
            xp_[:, :, top:top + h, left:left + w] = x
        else:
            xp_ = x
        oh = (xp_.shape[2] - dh * (kh - 1) - 1) // sh + 1
        ow = (xp_.shape[3] - dw * (kw - 1) - 1) // sw + 1
        s0, s1, s2, s3 = xp_.strides
        view = as_strided(xp_, (n, c, kh, kw, oh, ow),
                          (s0, s1, s2 * dh, s3 * dw, s2 * sh, s3 * sw), writeable=False)
        return np.ascontiguousarray(view)

    def col2im(
        self, cols: Any, in_size: tuple[int, int], kernel_size: tuple[int, int],
        stride: tuple[int, int], padding: tuple[int, int, int, int], dilation: tuple[int, int],
    ) -> Any:
        n, c, kh, kw, oh, ow = cols.shape
        (h, w), (sh, sw), (dh, dw) = in_size, stride, dilation
        top, _, left, _ = padding
        out = np.zeros((n, c, h, w), dtype=cols.dtype)
        # add each kernel offset's slab straight into the unpadded image, clipped to it
        spans_h = [_span(i * dh - top, sh, oh, h) for i in range(kh)]
        spans_w = [_span(j * dw - left, sw, ow, w) for j in range(kw)]
        for i, (rows, src_r) in enumerate(spans_h):
            if rows is None:
                continue
            for j, (cols_, src_c) in enumerate(spans_w):
                if cols_ is not None:
                    out[:, :, rows, cols_] += cols[:, :, i, j, src_r, src_c]
        return out

    def errstate(self, **kwargs: str) -> Any:
        return np.errstate(**kwargs)

    def rng(self, device: Device) -> np.random.Generator:
        return self._rng

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)


def _span(offset: int, stride: int, count: int, size: int) -> tuple[slice | None, slice]:
    """Destination and source slices of the positions ``offset + k*stride`` (``k < count``)
    that fall inside ``[0, size)``; ``(None, empty)`` when none do."""
    lo = (-offset + stride - 1) // stride if offset < 0 else 0
    hi = min(count, (size - 1 - offset) // stride + 1) if offset < size else 0
    if hi <= lo:
        return None, slice(0, 0)
    start = offset + lo * stride
    return slice(start, start + (hi - lo - 1) * stride + 1, stride), slice(lo, hi)
