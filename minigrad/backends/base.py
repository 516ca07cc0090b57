"""The backend contract: an array module (``xp``) plus the few kernels that must differ."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

__all__ = ["Backend", "Device"]


@dataclass(frozen=True)
class Device:
    """Where a tensor lives: ``Device("cpu")`` or ``Device("cuda", 0)``.

    Compares equal to its string form, so ``t.device == "cpu"`` reads naturally.

    >>> Device("cuda", 1)
    device(type='cuda', index=1)
    >>> Device("cpu") == "cpu"
    True
    """

    type: str
    index: int | None = None

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = parse_device(other)
            except ValueError:
                return False
        if not isinstance(other, Device):
            return NotImplemented
        if self.type != other.type:
            return False
        return (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))


def parse_device(device: str | Device | None) -> Device:
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or a :class:`Device` into a :class:`Device`."""
    if device is None:
        return Device("cpu")
    if isinstance(device, Device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {device!r}")
    kind, _, index = device.partition(":")
    if kind == "cpu" and not index:
        return Device("cpu")
    if kind == "cuda":
        if not index:
            return Device("cuda", 0)
        if index.isdigit():
            return Device("cuda", int(index))
    raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'cuda:N'")


class Backend:
    """A backend: a name, the array module ``xp`` and the kernels that must differ.

    Ops are written once over ``xp``; anything NumPy and CuPy spell differently lives here
    as a named method, so ops never branch on the backend.
    """

    name: str = "abstract"
    xp: Any = None
    array_type: type = object

    def device_of(self, array: Any) -> Device:  # pragma: no cover - interface
        raise NotImplementedError

    def asarray(self, data: Any, dtype: Any = None, device: Device | None = None) -> Any:
        raise NotImplementedError  # pragma: no cover - interface

    def to_numpy(self, array: Any) -> Any:
        raise NotImplementedError  # pragma: no cover - interface

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        """``target[index] += values`` with repeated indices accumulated (in place)."""
        raise NotImplementedError  # pragma: no cover - interface

    # ------------------------------------------------------------------ conv kernels
    def im2col(
        self, x: Any, kernel_size: tuple[int, int], stride: tuple[int, int],
        padding: tuple[int, int, int, int], dilation: tuple[int, int],
    ) -> Any:
        """Unfold the sliding windows of a zero-padded batch of images into columns.

        ``x``: array (N, C, H, W), any strides. ``padding`` = (top, bottom, left, right) zeros.
        Returns a NEW C-contiguous array ``cols`` of shape (N, C, kH, kW, OH, OW), dtype of
        ``x``, with ``OH = (H + top + bottom - dH*(kH-1) - 1) // sH + 1`` (OW likewise) and

            cols[n, c, i, j, oh, ow] = xpad[n, c, oh*sH + i*dH, ow*sW + j*dW]

        where ``xpad`` is ``x`` padded with zeros. The caller guarantees OH, OW >= 1 and
        that all ints are >= 0 (stride, dilation >= 1). ``cols.reshape(N, C*kH*kW, OH*OW)``
        is therefore free, which the convolution's matmul relies on.
        """
        raise NotImplementedError  # pragma: no cover - interface

    def col2im(
        self, cols: Any, in_size: tuple[int, int], kernel_size: tuple[int, int],
        stride: tuple[int, int], padding: tuple[int, int, int, int], dilation: tuple[int, int],
    ) -> Any:
        """The adjoint of :meth:`im2col`: fold columns back, summing where windows overlap.

        ``cols``: array (N, C, kH, kW, OH, OW), ANY strides (it is often a transposed view of
        a matmul result). ``in_size`` = (H, W) of the unpadded image. Returns a NEW
        C-contiguous array ``x`` (N, C, H, W), dtype of ``cols``, with

            x[n, c, h, w] = sum of cols[n, c, i, j, oh, ow]
                            over oh*sH + i*dH - top == h and ow*sW + j*dW - left == w

        (terms landing in the padding are dropped; pixels no window reaches get 0). For any
        ``x`` and ``cols``: ``(im2col(x) * cols).sum() == (x * col2im(cols)).sum()``.
        """
        raise NotImplementedError  # pragma: no cover - interface

    def errstate(self, **kwargs: str) -> Any:
        """A context manager muting floating-point warnings (``numpy.errstate``'s keywords);
        backends that never warn (CuPy) return a no-op context."""
        return contextlib.nullcontext()

    def rng(self, device: Device) -> Any:
        """The seeded random generator of ``device``."""
        raise NotImplementedError  # pragma: no cover - interface

    def seed(self, seed: int) -> None:
        raise NotImplementedError  # pragma: no cover - interface
