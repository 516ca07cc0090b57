"""The backend contract: an array module (``xp``) plus the few kernels that must differ."""

from __future__ import annotations

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

    def rng(self, device: Device) -> Any:
        """The seeded random generator of ``device``."""
        raise NotImplementedError  # pragma: no cover - interface

    def seed(self, seed: int) -> None:
        raise NotImplementedError  # pragma: no cover - interface
