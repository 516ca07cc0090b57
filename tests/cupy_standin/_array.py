"""The stand-in's ``cupy.ndarray``: a NumPy array plus the device it was made on.

Strict where CuPy is strict: NumPy arrays (or lists) mixed into arithmetic raise TypeError,
implicit conversion (``np.asarray(x)``, ``__array__``) raises TypeError, and a kernel on an
array of another device than the current one raises ValueError (GPUs without peer access).
Every read back to the host is counted in ``COUNTERS.d2h``.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ._state import COUNTERS, STATE, OutOfMemoryError, check_device

__all__ = ["METHODS", "DeviceId", "ndarray", "unwrap", "wrap"]

#: array methods the stand-in offers (each one exists on ``cupy.ndarray``)
METHODS = (
    "all", "any", "argmax", "argmin", "argsort", "astype", "clip", "conj", "copy", "cumprod",
    "cumsum", "diagonal", "dot", "fill", "flatten", "get", "item", "max", "mean", "min",
    "nonzero", "prod", "put", "ravel", "repeat", "reshape", "round", "set", "sort", "squeeze",
    "std", "sum", "swapaxes", "take", "tolist", "trace", "transpose", "var", "view",
)
#: methods that only re-describe memory (CuPy launches no kernel, so checks no device)
_VIEWS = frozenset({"reshape", "view", "transpose", "swapaxes", "squeeze", "diagonal"})
#: host reads: each one is a device-to-host copy and a sync
_READS = frozenset({"get", "item", "tolist"})

#: arrays that own their memory, for the memory pool's ``used_bytes`` (id -> weak reference)
LIVE: dict[int, Any] = {}


def used_bytes(dev: int | None = None) -> int:
    """Bytes held by live stand-in arrays (on ``dev``, or all)."""
    arrays = [r() for r in list(LIVE.values())]
    return sum(a.nbytes for a in arrays if a is not None and (dev is None or a._dev == dev))


def _track(a: Any) -> None:
    if STATE.limit:
        total = used_bytes()
        if total + a.nbytes > STATE.limit:
            raise OutOfMemoryError(a.nbytes, total, STATE.limit)
    key = id(a)
    LIVE[key] = weakref.ref(a, lambda _, key=key: LIVE.pop(key, None))


class DeviceId:
    """``ndarray.device``: a ``cupy.cuda.Device``-like object with ``.id``."""

    __slots__ = ("_prev", "id")

    def __init__(self, id: int) -> None:
        self.id = id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DeviceId) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def __enter__(self) -> DeviceId:
        self._prev = STATE.current
        STATE.current = self.id
        return self

    def __exit__(self, *exc: Any) -> None:
        STATE.current = self._prev

    def use(self) -> None:
        STATE.current = self.id

    def synchronize(self) -> None:
        COUNTERS.synchronize += 1

    def __repr__(self) -> str:
        return f"<CUDA Device {self.id}>"


def _reject(obj: Any) -> None:
    raise TypeError(f"Unsupported type {type(obj)}")


def unwrap(obj: Any, check: bool = True, containers: bool = True) -> Any:
    """The NumPy data behind ``obj``; NumPy arrays raise TypeError as in CuPy. With
    ``check``, every stand-in array must live on the current device."""
    if type(obj) is ndarray:
        if check:
            check_device(obj._dev, "array argument")
        return obj._a
    if isinstance(obj, np.ndarray):
        _reject(obj)
    if containers and isinstance(obj, (list, tuple)):
        return type(obj)(unwrap(o, check) for o in obj)
    return obj


def wrap(obj: Any, dev: int | None = None) -> Any:
    """Stand-in arrays for NumPy results (scalars become 0-d arrays, as CuPy returns)."""
    if isinstance(obj, np.ndarray):
        a = ndarray.__new__(ndarray)
        a._a = obj
        a._dev = STATE.current if dev is None else dev
        if obj.base is None:
            _track(a)
        return a
    if isinstance(obj, np.generic):
        return wrap(np.asarray(obj), dev)
    if isinstance(obj, tuple):
        return tuple(wrap(o, dev) for o in obj)
    if isinstance(obj, list):
        return [wrap(o, dev) for o in obj]
    return obj


def _operand(obj: Any) -> Any:
    """An operand of arithmetic: a stand-in array or a Python/NumPy scalar, nothing else."""
    if type(obj) is ndarray:
        check_device(obj._dev, "operand")
        return obj._a
    if isinstance(obj, (bool, int, float, complex, np.generic)):
        return obj
    _reject(obj)
    return None  # unreachable


def _binary(ufunc: Any, reflected: bool = False) -> Any:
    def op(self: ndarray, other: Any) -> Any:
        if not isinstance(other, (ndarray, bool, int, float, complex, np.generic)):
            if isinstance(other, np.ndarray):
                _reject(other)
            return NotImplemented
        a, b = _operand(self), _operand(other)
        return wrap(ufunc(b, a) if reflected else ufunc(a, b))
    return op


def _inplace(ufunc: Any) -> Any:
    def op(self: ndarray, other: Any) -> ndarray:
        ufunc(_operand(self), _operand(other), out=self._a)
        return self
    return op


def _unary(ufunc: Any) -> Any:
    def op(self: ndarray) -> Any:
        return wrap(ufunc(_operand(self)))
    return op


def _read(self: ndarray, kind: type) -> Any:
    COUNTERS.d2h += 1
    return kind(self._a)


class ndarray:
    """A device array of the stand-in (``cupy.ndarray(shape, dtype)`` allocates one)."""

    __slots__ = ("__weakref__", "_a", "_dev")
    __array_priority__ = 100.0
    _a: np.ndarray
    _dev: int

    def __init__(self, shape: Any, dtype: Any = float, memptr: Any = None,
                 strides: Any = None, order: str = "C") -> None:
        self._a = np.empty(shape, dtype=dtype, order=order)
        self._dev = STATE.current
        _track(self)

    # ---------------------------------------------------------------- attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    device = property(lambda self: DeviceId(self._dev))
    T = property(lambda self: wrap(self._a.T, self._dev))
    mT = property(lambda self: wrap(np.swapaxes(self._a, -1, -2), self._dev))
    base = property(lambda self: None if self._a.base is None else wrap(self._a.base, self._dev))

    @property
    def real(self) -> ndarray:
        return wrap(self._a.real, self._dev)

    @property
    def imag(self) -> ndarray:
        return wrap(self._a.imag, self._dev)

    # ---------------------------------------------------------------- strictness
    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use "
                        "`.get()` to construct a NumPy array explicitly.")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        from . import _namespace

        if method != "__call__" or not hasattr(_namespace.MODULE, ufunc.__name__):
            return NotImplemented
        return getattr(_namespace.MODULE, ufunc.__name__)(*inputs, **kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        from . import _namespace

        impl = getattr(_namespace.MODULE, func.__name__, None)
        if impl is None:
            return NotImplemented
        return impl(*args, **kwargs)

    # ---------------------------------------------------------------- host reads
    def __bool__(self) -> bool:
        return _read(self, bool)

    def __float__(self) -> float:
        return _read(self, float)

    def __int__(self) -> int:
        return _read(self, int)

    def __complex__(self) -> complex:
        return _read(self, complex)

    def __index__(self) -> int:
        COUNTERS.d2h += 1
        return self._a.__index__()

    def __repr__(self) -> str:
        COUNTERS.d2h += 1
        return repr(self._a)

    def __str__(self) -> str:
        COUNTERS.d2h += 1
        return str(self._a)

    def __format__(self, spec: str) -> str:
        COUNTERS.d2h += 1
        return format(self._a, spec) if self._a.ndim == 0 else format(str(self._a), spec)

    def get(self, stream: Any = None, order: str = "C", out: Any = None,
            blocking: bool = True) -> np.ndarray:
        """A NumPy copy on the host (one device-to-host read)."""
        COUNTERS.d2h += 1
        if out is not None:
            out[...] = self._a
            return out
        return np.array(self._a, order=order)

    def item(self, *args: Any) -> Any:
        COUNTERS.d2h += 1
        return self._a.item(*args)

    def tolist(self) -> Any:
        COUNTERS.d2h += 1
        return self._a.tolist()

    def set(self, arr: np.ndarray, stream: Any = None) -> None:
        """Copy a NumPy array in (one host-to-device copy)."""
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray, got {type(arr)}")
        COUNTERS.h2d += 1
        self._a[...] = arr

    def __reduce__(self) -> Any:
        COUNTERS.d2h += 1
        return (_rebuild, (np.array(self._a), self._dev))

    # ---------------------------------------------------------------- containers
    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(len(self._a)))

    def __getitem__(self, key: Any) -> ndarray:
        return wrap(self._a[_index(key)], self._dev)

    def __setitem__(self, key: Any, value: Any) -> None:
        check_device(self._dev, "__setitem__")
        if isinstance(value, np.ndarray):  # CuPy copies host data in
            COUNTERS.h2d += 1
        else:
            value = unwrap(value)
        self._a[_index(key)] = value

    def __copy__(self) -> ndarray:
        return self.copy()

    def __deepcopy__(self, memo: Any) -> ndarray:
        with DeviceId(self._dev):
            return self.copy()

    def __dlpack_device__(self) -> tuple[int, int]:
        return (2, self._dev)  # kDLCUDA

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._a.__dlpack__()

    # ---------------------------------------------------------------- methods
    def copy(self, order: str = "C") -> ndarray:
        """A copy on the current device (across devices, as CuPy's peer copy)."""
        return wrap(self._a.copy(order=order))

    def astype(self, dtype: Any, order: str = "K", casting: Any = None, subok: Any = None,
               copy: bool = True) -> ndarray:
        if not copy and np.dtype(dtype) == self._a.dtype:
            return self
        check_device(self._dev, "astype")
        return wrap(self._a.astype(dtype, order=order, copy=True))

    def __getattr__(self, name: str) -> Any:
        if name not in METHODS or name in _READS:
            raise AttributeError(f"'cupy.ndarray' (stand-in) has no attribute {name!r}")
        fn = getattr(self._a, name)

        def method(*args: Any, **kwargs: Any) -> Any:
            if name not in _VIEWS:
                check_device(self._dev, name)
            if name == "nonzero":  # sized by the data: a read back
                COUNTERS.d2h += 1
            out = fn(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()})
            return wrap(out, self._dev if name in _VIEWS else None)

        return method

    __hash__ = None  # type: ignore[assignment]

    __add__, __radd__ = _binary(np.add), _binary(np.add, True)
    __sub__, __rsub__ = _binary(np.subtract), _binary(np.subtract, True)
    __mul__, __rmul__ = _binary(np.multiply), _binary(np.multiply, True)
    __truediv__, __rtruediv__ = _binary(np.true_divide), _binary(np.true_divide, True)
    __floordiv__, __rfloordiv__ = _binary(np.floor_divide), _binary(np.floor_divide, True)
    __mod__, __rmod__ = _binary(np.remainder), _binary(np.remainder, True)
    __pow__, __rpow__ = _binary(np.power), _binary(np.power, True)
    __matmul__, __rmatmul__ = _binary(np.matmul), _binary(np.matmul, True)
    __and__, __rand__ = _binary(np.bitwise_and), _binary(np.bitwise_and, True)
    __or__, __ror__ = _binary(np.bitwise_or), _binary(np.bitwise_or, True)
    __xor__, __rxor__ = _binary(np.bitwise_xor), _binary(np.bitwise_xor, True)
    __lshift__, __rshift__ = _binary(np.left_shift), _binary(np.right_shift)
    __lt__, __le__ = _binary(np.less), _binary(np.less_equal)
    __gt__, __ge__ = _binary(np.greater), _binary(np.greater_equal)
    __eq__, __ne__ = _binary(np.equal), _binary(np.not_equal)  # type: ignore[assignment]
    __iadd__, __isub__ = _inplace(np.add), _inplace(np.subtract)
    __imul__, __itruediv__ = _inplace(np.multiply), _inplace(np.true_divide)
    __ifloordiv__, __imod__ = _inplace(np.floor_divide), _inplace(np.remainder)
    __ipow__, __imatmul__ = _inplace(np.power), _inplace(np.matmul)
    __iand__, __ior__, __ixor__ = (_inplace(np.bitwise_and), _inplace(np.bitwise_or),
                                   _inplace(np.bitwise_xor))
    __neg__, __pos__ = _unary(np.negative), _unary(np.positive)
    __abs__, __invert__ = _unary(np.absolute), _unary(np.invert)


def _index(key: Any) -> Any:
    """An index for the NumPy data: stand-in arrays unwrap (any device: CuPy's indexing
    kernels run on the indexed array's device), host arrays and lists are copied in. A
    boolean mask is a sync in CuPy (it reads the count of True back to size the result)."""
    if type(key) is ndarray:
        if key._a.dtype == bool and key._a.ndim:
            COUNTERS.d2h += 1
        return key._a
    if isinstance(key, np.ndarray):
        COUNTERS.h2d += 1
        return key
    if isinstance(key, tuple):
        return tuple(_index(k) for k in key)
    return key


def _rebuild(data: np.ndarray, dev: int) -> ndarray:
    return wrap(data, dev)
