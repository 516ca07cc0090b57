"""The stand-in's ``cupy`` module: NumPy's functions of the names CuPy shares, over stand-in
arrays, plus ``asnumpy``, ``random``, ``linalg``, kernels and memory pools."""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from . import _cuda, _kernels
from ._array import ndarray, unwrap, wrap
from ._state import COUNTERS, STATE, check_device
from .names import CONSTANTS, FUNCTIONS, LINALG, TYPES

__all__ = ["MODULE", "build"]

#: take host data (a NumPy array or a list): one host-to-device copy
_FROM_HOST = frozenset({"array", "asarray", "asanyarray"})
#: output shapes that depend on the data: CuPy reads a count back to size them (a sync)
SYNCING = frozenset({"nonzero", "argwhere", "flatnonzero", "extract", "unique",
                     "unique_all", "unique_counts", "unique_inverse", "unique_values",
                     "compress", "intersect1d", "setdiff1d", "setxor1d", "union1d",
                     "trim_zeros"})
#: allocate a new array shaped like the argument without reading it
_LIKE = frozenset({"empty_like", "zeros_like", "ones_like", "full_like"})


def _delegate(fn: Any, name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        check = name not in _LIKE
        if name in SYNCING:
            COUNTERS.d2h += 1
        out = kwargs.get("out")
        a = unwrap(args, check)
        kw = {k: unwrap(v, check) for k, v in kwargs.items()}
        result = fn(*a, **kw)
        if out is not None and isinstance(result, np.ndarray) and result is out._a:
            return out
        return wrap(result)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"cupy.{name} (stand-in: numpy.{name} on the current device)"
    return call


def _from_host(name: str) -> Any:
    def call(obj: Any, dtype: Any = None, copy: Any = None, order: Any = None,
             **kwargs: Any) -> Any:
        if type(obj) is ndarray:  # CuPy keeps the array (on its own device) unless copying
            if copy is None:  # cupy.array copies by default, asarray does not
                copy = name == "array"
            if not copy and (dtype is None or np.dtype(dtype) == obj.dtype):
                return obj
            if obj._dev == STATE.current:
                return wrap(np.array(obj._a, dtype=dtype, order=order or "K", copy=True))
            return wrap(obj._a.astype(dtype or obj.dtype, copy=True))  # peer copy
        if isinstance(obj, (list, tuple)):
            obj = unwrap(obj, True)
        COUNTERS.h2d += 1
        kw = {} if order is None else {"order": order}
        return wrap(np.array(obj, dtype=dtype, copy=True, **kw))

    call.__name__ = name
    return call


def asnumpy(a: Any, stream: Any = None, order: str = "C", out: Any = None,
            blocking: bool = True) -> np.ndarray:
    """``cupy.asnumpy``: a NumPy copy (a device-to-host read when ``a`` is a device array)."""
    if type(a) is ndarray:
        return a.get(order=order, out=out)
    return np.asarray(a, order=order)


def get_array_module(*args: Any) -> Any:
    """``cupy.get_array_module``: this module when any argument is a stand-in array."""
    return MODULE if any(type(a) is ndarray for a in args) else np


def from_dlpack(obj: Any, **kwargs: Any) -> ndarray:
    """``cupy.from_dlpack`` for stand-in arrays (and objects wrapping one)."""
    dev_type, dev = obj.__dlpack_device__()
    if dev_type != 2:
        raise TypeError(f"from_dlpack: expected a CUDA array, got device type {dev_type}")

    class _Host:
        def __dlpack__(self, **kw: Any) -> Any:
            return obj.__dlpack__(**kw)

        def __dlpack_device__(self) -> tuple[int, int]:
            return (1, 0)

    return wrap(np.from_dlpack(_Host()), dev)


class RandomState:
    """``cupy.random.RandomState`` over NumPy's, making arrays on the current device."""

    def __init__(self, seed: Any = None) -> None:
        self._rs = np.random.RandomState(seed)

    def random_sample(self, size: Any = None, dtype: Any = float) -> ndarray:
        return wrap(np.asarray(self._rs.random_sample(size), dtype=dtype))

    def standard_normal(self, size: Any = None, dtype: Any = float) -> ndarray:
        return wrap(np.asarray(self._rs.standard_normal(size), dtype=dtype))

    def randint(self, low: int, high: int | None = None, size: Any = None,
                dtype: Any = int) -> ndarray:
        return wrap(np.asarray(self._rs.randint(low, high, size=size, dtype=dtype)))

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None,
                dtype: Any = float) -> ndarray:
        return wrap(np.asarray(self._rs.uniform(low, high, size), dtype=dtype))

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None,
               dtype: Any = float) -> ndarray:
        return wrap(np.asarray(self._rs.normal(loc, scale, size), dtype=dtype))

    def permutation(self, num: Any) -> ndarray:
        return wrap(np.asarray(self._rs.permutation(unwrap(num))))

    def seed(self, seed: Any = None) -> None:
        self._rs.seed(seed)


def scatter_add(a: ndarray, slices: Any, value: Any) -> None:
    """``cupyx.scatter_add``: ``a[slices] += value`` with repeated indices accumulated."""
    check_device(a._dev, "scatter_add")
    np.add.at(a._a, unwrap(slices), unwrap(value))


def _module(name: str, doc: str) -> types.ModuleType:
    mod = types.ModuleType(name, doc)
    return mod


def build() -> tuple[types.ModuleType, types.ModuleType]:
    """The ``cupy`` and ``cupyx`` modules of the stand-in (built once)."""
    cp = MODULE
    cp.__version__ = "14.2.0+standin"
    cp.__file__ = __file__
    for name in FUNCTIONS:
        setattr(cp, name, _from_host(name) if name in _FROM_HOST else
                _delegate(getattr(np, name), name))
    for name in TYPES:
        setattr(cp, name, getattr(np, name))
    for name in CONSTANTS:
        setattr(cp, name, getattr(np, name))
    cp.ndarray = ndarray
    cp.asnumpy = asnumpy
    cp.get_array_module = get_array_module
    cp.from_dlpack = from_dlpack
    cp.ElementwiseKernel = _kernels.ElementwiseKernel
    cp.RawKernel = _kernels.RawKernel
    cp.get_default_memory_pool = _cuda.get_default_memory_pool
    cp.get_default_pinned_memory_pool = _cuda.get_default_pinned_memory_pool
    cp.cuda = _cuda.build_module()
    linalg = _module("cupy.linalg", "cupy.linalg (stand-in)")
    for name in LINALG:
        setattr(linalg, name, _delegate(getattr(np.linalg, name), name))
    linalg.LinAlgError = np.linalg.LinAlgError
    cp.linalg = linalg
    rnd = _module("cupy.random", "cupy.random (stand-in)")
    rnd.RandomState = RandomState
    cp.random = rnd
    cupyx = _module("cupyx", "cupyx (stand-in): scatter_add")
    cupyx.scatter_add = scatter_add
    return cp, cupyx


MODULE = _module("cupy", "A NumPy-backed stand-in for CuPy (tests/cupy_standin).")
