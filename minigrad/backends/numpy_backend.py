"""The NumPy (CPU) backend."""

from __future__ import annotations

from typing import Any

import numpy as np

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

    def rng(self, device: Device) -> np.random.Generator:
        return self._rng

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
