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
        top, bottom, left, right = padding
        out = np.zeros((n, c, h + top + bottom, w + left + right), dtype=cols.dtype)
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            for j in range(kw):
                out[:, :, rows, j * dw:j * dw + sw * (ow - 1) + 1:sw] += cols[:, :, i, j]
        if top or bottom or left or right:
            out = np.ascontiguousarray(out[:, :, top:top + h, left:left + w])
        return out

    def rng(self, device: Device) -> np.random.Generator:
        return self._rng

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
