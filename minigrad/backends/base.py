"""The backend contract: an array module (``xp``) plus the few kernels that must differ."""

from __future__ import annotations

import contextlib
from typing import Any

__all__ = ["Backend", "Device", "parse_device", "set_current_cuda"]


_DEVICE_TYPES = ("cpu", "cuda")


class Device:
    """Where a tensor lives, as ``torch.device``: ``mg.device("cuda:1")``,
    ``mg.device("cuda", 1)``, ``mg.device(type="cpu")``; a bare int means that CUDA index.

    ``.type`` is ``"cpu"`` or ``"cuda"``; ``.index`` is None unless one was given.
    Differs from PyTorch on purpose: a device compares equal to its string form and a missing
    index counts as 0, so ``t.device == "cuda"`` holds for a tensor on ``cuda:0``.

    >>> import minigrad as mg
    >>> mg.device("cuda", 1)
    device(type='cuda', index=1)
    >>> str(mg.device("cuda:1")), mg.device("cpu") == "cpu"
    ('cuda:1', True)
    """

    __slots__ = ("index", "type")
    type: str
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:
        if isinstance(type, Device):
            if index is not None:
                raise ValueError(f"device: index given twice ({type} and {index})")
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            if index is not None:
                raise ValueError(f"device: index given twice ({type} and {index})")
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string like 'cpu' or 'cuda:0', got {type!r}")
        kind, colon, text = type.partition(":")
        if colon:
            if index is not None:
                raise ValueError(f"device: the string {type!r} must not include an index "
                                 "because index was passed explicitly")
            if not text.isdigit():
                raise ValueError(f"device: invalid device string {type!r}")
            index = int(text)
        if kind not in _DEVICE_TYPES:
            raise ValueError(f"unknown device {type!r}: expected 'cpu', 'cuda' or 'cuda:N'")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                raise TypeError(f"device: index must be an int, got {index!r}")
            if index < 0:
                raise ValueError(f"device: index must not be negative, got {index}")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"device objects are immutable (cannot set {name!r})")

    def __reduce__(self) -> Any:
        return (Device, (self.type, self.index))

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


_CPU = Device("cpu")
#: the device a bare "cuda" means: cuda:0 until ``mg.cuda.set_device`` picks another
_CURRENT_CUDA = [Device("cuda", 0)]


def set_current_cuda(index: int) -> None:
    """Make a bare ``"cuda"`` mean ``cuda:<index>`` (``mg.cuda.set_device``)."""
    _CURRENT_CUDA[0] = Device("cuda", index)


def parse_device(device: str | int | Device | None) -> Device:
    """Turn ``"cpu"``, ``"cuda"``, ``"cuda:1"``, an int (a CUDA index) or a :class:`Device`
    into a :class:`Device` with its index filled in for CUDA (``"cuda"`` is the current CUDA
    device: ``cuda:0`` unless ``mg.cuda.set_device`` chose another)."""
    if isinstance(device, Device):
        if device.type == "cuda" and device.index is None:
            return _CURRENT_CUDA[0]
        return device
    if device is None or device == "cpu":
        return _CPU
    if device == "cuda":
        return _CURRENT_CUDA[0]
    if not isinstance(device, (str, int)) or isinstance(device, bool):
        raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {device!r}")
    return parse_device(Device(device))


class Backend:
    """A backend: a name, the array module ``xp`` and the kernels that must differ.

    Ops are written once over ``xp``; anything NumPy and CuPy spell differently lives here
    as a named method, so ops never branch on the backend.
    """

    name: str = "abstract"
    xp: Any = None
    array_type: type = object
    #: True where arrays live on one of several devices (GPUs): ops then run inside
    #: :meth:`device_context` of their inputs; False keeps the CPU's hot path free of it
    enters_device: bool = False
    #: False where reading a value back to the host waits for the device (a GPU): checks
    #: that need a value then run only in anomaly mode, and value probes are skipped
    cheap_host_reads: bool = True

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

    #: the backend's out-of-memory exception (none on the CPU: NumPy's MemoryError stays)
    oom_error: Any = ()

    def out_of_memory(self, op: str, error: BaseException, device: Any) -> Exception:
        """The minigrad error for ``error`` (an :attr:`oom_error`) raised by ``op``."""
        return error  # pragma: no cover - only backends with an oom_error are asked

    def device_context(self, array: Any) -> Any:
        """A context manager making ``array``'s device the current one, so that an op on it
        runs and allocates there (``cuda:1`` work on GPU 1); a no-op context on the CPU."""
        return contextlib.nullcontext()

    def on_device(self, device: Device) -> Any:
        """A context manager making ``device`` the current one (arrays created inside land
        there); a no-op context on the CPU."""
        return contextlib.nullcontext()

    def use_device(self, handle: Any) -> None:
        """Make current the device of a :meth:`device_context` handle (kept by GPU nodes
        for their backward)."""

    def use_device_of(self, array: Any) -> None:
        """Make ``array``'s device the current one until :meth:`device_scope` ends (the
        backward engine and optimizers, which visit arrays of several devices in turn)."""

    def device_scope(self) -> Any:
        """A context manager restoring the current device on exit."""
        return contextlib.nullcontext()

    def errstate(self, **kwargs: str) -> Any:
        """A context manager muting floating-point warnings (``numpy.errstate``'s keywords);
        backends that never warn (CuPy) return a no-op context."""
        return contextlib.nullcontext()

    def rng(self, device: Device) -> Any:
        """The seeded random generator of ``device``."""
        raise NotImplementedError  # pragma: no cover - interface

    def seed(self, seed: int) -> None:
        raise NotImplementedError  # pragma: no cover - interface
