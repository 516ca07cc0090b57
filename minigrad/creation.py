"""Creating tensors: from data, filled, ranges, and random, as in PyTorch.

Sizes are given as separate ints or one tuple (``mg.zeros(2, 3)`` or ``mg.zeros((2, 3))``);
floating results use the default dtype (float32) unless ``dtype`` says otherwise.

>>> import minigrad as mg
>>> mg.zeros(2, 3).shape, mg.arange(5).dtype, mg.linspace(0, 1, 5)[1].item()
(Size([2, 3]), dtype('int64'), 0.25)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.backends import backend_for, parse_device
from minigrad.errors import MinigradTypeError
from minigrad.random import rng_of
from minigrad.size import as_count, as_int, as_sizes
from minigrad.tensor import Tensor

__all__ = [
    "arange", "as_tensor", "empty", "empty_like", "eye", "from_dlpack", "from_numpy", "full",
    "full_like", "linspace", "logspace", "ones", "ones_like", "rand", "rand_like", "randint",
    "randn", "randn_like", "tensor", "zeros", "zeros_like",
]


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (lists, scalars, NumPy arrays, Tensors).

    Python floats give the default dtype (float32), ints int64, bools bool; NumPy arrays keep
    their dtype.

    >>> import minigrad as mg
    >>> mg.tensor([[1, 2], [3, 4]]).dtype, mg.tensor(2.5).dtype
    (dtype('int64'), dtype('float32'))
    """
    if isinstance(data, Tensor):
        data = data._data.copy()
    elif isinstance(data, np.ndarray):
        data = data.copy()
    return _new(Tensor._from_data(data, dtype, device)._data, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory where it can: a Tensor of that dtype and device
    comes back as it is, a NumPy array of that dtype on the CPU is wrapped without a copy;
    anything else is converted as by :func:`tensor` (the result keeps the graph of a Tensor
    input, as in PyTorch).

    >>> import minigrad as mg
    >>> import numpy as np
    >>> a = np.zeros(2); t = mg.as_tensor(a); a[0] = 5; t.tolist()
    [5.0, 0.0]
    """
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    return Tensor._from_data(data, dtype, device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other).

    >>> import minigrad as mg
    >>> import numpy as np
    >>> a = np.zeros(2); t = mg.from_numpy(a); a[0] = 5; t.tolist()
    [5.0, 0.0]
    """
    if not isinstance(array, np.ndarray):
        raise MinigradTypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array, None)


def from_dlpack(obj: Any) -> Tensor:
    """A tensor sharing memory with any DLPack producer (NumPy, CuPy, PyTorch arrays).

    >>> import minigrad as mg
    >>> import numpy as np
    >>> mg.from_dlpack(np.arange(3.0)).tolist()
    [0.0, 1.0, 2.0]
    """
    device_type, _ = obj.__dlpack_device__()
    if device_type == 1:  # kDLCPU
        return Tensor._make(np.from_dlpack(obj), None)
    backend = backend_for("cuda")
    return Tensor._make(backend.xp.from_dlpack(obj), None)


def _shape(size: tuple[Any, ...], op: str) -> tuple[int, ...]:
    shape = as_sizes(op, size)
    if any(s < 0 for s in shape):
        raise ValueError(f"{op}: sizes must be non-negative, got {shape}")
    return shape


def _check_numbers(op: str, **values: Any) -> None:
    """Raise a ``TypeError`` naming ``op`` and the argument unless each value is a real number
    (or a one-element tensor)."""
    for name, v in values.items():
        if isinstance(v, Tensor) and v.numel() == 1:
            v = v.item()
        if not isinstance(v, (int, float, np.number)):
            raise MinigradTypeError(
                f"{op}: argument '{name}' must be a number, got {type(v).__name__}"
            )


def _float(dtype: Any) -> np.dtype:
    return dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)


def _sample_dtype(op: str, dtype: Any) -> np.dtype:
    """The dtype of ``rand``/``randn`` samples: floating point only (PyTorch raises too)."""
    dt = _float(dtype)
    if dt.kind != "f":
        raise MinigradTypeError(
            f"{op}: dtype must be a floating-point dtype, got {dt}; use randint for integers"
        )
    return dt


def _place(array: Any, device: Any, dtype: Any = None) -> Any:
    """``array`` (from a random generator) as an array of ``device``'s backend, on it."""
    dev = parse_device(device)
    return backend_for(dev).asarray(array, dtype=dtype, device=dev)


def _new(array: Any, requires_grad: bool) -> Tensor:
    t = Tensor._make(array, None)
    if requires_grad:
        t.requires_grad = True
    return t


def _filled(op: str, size: tuple[Any, ...], value: Any, dtype: Any, device: Any,
            requires_grad: bool) -> Tensor:
    if hasattr(value, "shape") and math.prod(value.shape) != 1:
        raise ValueError(
            f"{op}: fill_value must be a number or a one-element tensor, got shape "
            f"{tuple(value.shape)}"
        )
    if hasattr(value, "item"):
        value = value.item()
    if not isinstance(value, (int, float, complex)):
        raise MinigradTypeError(
            f"{op}: fill_value must be a number, got {type(value).__name__}"
        )
    dev = parse_device(device)
    backend = backend_for(dev)
    with backend.on_device(dev):
        return _new(backend.xp.full(_shape(size, op), value, dtype=dtype), requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros.

    >>> import minigrad as mg
    >>> mg.zeros(2, 3).shape
    Size([2, 3])
    """
    return _filled("zeros", size, 0, _float(dtype), device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones.

    >>> import minigrad as mg
    >>> mg.ones(2)
    tensor([1., 1.], dtype=float32, device='cpu')
    """
    return _filled("ones", size, 1, _float(dtype), device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (minigrad fills it with zeros: NumPy's empty gives garbage).

    >>> import minigrad as mg
    >>> mg.empty(3).tolist()
    [0.0, 0.0, 0.0]
    """
    return _filled("empty", size, 0, _float(dtype), device, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value as in PyTorch.

    >>> import minigrad as mg
    >>> mg.full((2,), 7).dtype, mg.full((2,), 0.5).dtype
    (dtype('int64'), dtype('float32'))
    """
    if dtype is None:
        dtype = dtypes.result_dtype(fill_value)
    size = size if isinstance(size, (tuple, list)) else (size,)
    return _filled("full", tuple(size), fill_value, dtypes.to_dtype(dtype), device, requires_grad)


def _like(t: Tensor, dtype: Any, device: Any, op: str) -> tuple[tuple[int, ...], Any, Any]:
    if not isinstance(t, Tensor):
        raise MinigradTypeError(f"{op}: argument 'input' must be a Tensor, got {type(t).__name__}")
    return t.shape, (t.dtype if dtype is None else dtypes.to_dtype(dtype)), (
        t.device if device is None else device)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros of ``input``'s shape, dtype and device.

    >>> import minigrad as mg
    >>> mg.zeros_like(mg.ones(2, dtype=mg.float64)).dtype
    dtype('float64')
    """
    shape, dt, dev = _like(input, dtype, device, "zeros_like")
    return _filled("zeros_like", shape, 0, dt, dev, requires_grad)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Ones of ``input``'s shape, dtype and device.

    >>> import minigrad as mg
    >>> mg.ones_like(mg.zeros(1, 2)).tolist()
    [[1.0, 1.0]]
    """
    shape, dt, dev = _like(input, dtype, device, "ones_like")
    return _filled("ones_like", shape, 1, dt, dev, requires_grad)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """As :func:`zeros_like` (minigrad never hands out uninitialised memory).

    >>> import minigrad as mg
    >>> mg.empty_like(mg.ones(2)).tolist()
    [0.0, 0.0]
    """
    return zeros_like(input, dtype, device, requires_grad)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` in ``input``'s shape, dtype and device.

    >>> import minigrad as mg
    >>> mg.full_like(mg.zeros(2), 3).tolist()
    [3.0, 3.0]
    """
    shape, dt, dev = _like(input, dtype, device, "full_like")
    return _filled("full_like", shape, fill_value, dt, dev, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive); int64 unless an argument is a float.

    >>> import minigrad as mg
    >>> mg.arange(1, 2, 0.25)
    tensor([1.  , 1.25, 1.5 , 1.75], dtype=float32, device='cpu')
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        dtype = dtypes.result_dtype(start, end, step)
    dev = parse_device(device)
    backend = backend_for(dev)
    with backend.on_device(dev):
        arr = backend.xp.arange(start, end, step).astype(dtypes.to_dtype(dtype))
    return _new(arr, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    >>> import minigrad as mg
    >>> mg.linspace(0, 1, 3)
    tensor([0. , 0.5, 1. ], dtype=float32, device='cpu')
    """
    steps = as_count("linspace", "steps", steps)
    _check_numbers("linspace", start=start, end=end)
    dev = parse_device(device)
    backend = backend_for(dev)
    with backend.on_device(dev):
        return _new(backend.xp.linspace(start, end, steps).astype(_float(dtype)), requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in log.

    >>> import minigrad as mg
    >>> mg.logspace(0, 2, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    steps = as_count("logspace", "steps", steps)
    _check_numbers("logspace", start=start, end=end, base=base)
    dev = parse_device(device)
    backend = backend_for(dev)
    with backend.on_device(dev):
        arr = backend.xp.logspace(start, end, steps, base=base).astype(_float(dtype))
    return _new(arr, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The ``n × m`` identity matrix.

    >>> import minigrad as mg
    >>> mg.eye(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    n = as_count("eye", "n", n)
    m = n if m is None else as_count("eye", "m", m)
    dev = parse_device(device)
    backend = backend_for(dev)
    with backend.on_device(dev):
        return _new(backend.xp.eye(n, m, dtype=_float(dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
         generator: Any = None) -> Tensor:
    """Uniform samples from [0, 1), from the seeded generator (see ``manual_seed``).

    >>> import minigrad as mg
    >>> x = mg.rand(1000); bool((x >= 0).all() and (x < 1).all())
    True
    """
    rng = rng_of(generator, device)
    dt = _sample_dtype("rand", dtype)
    arr = rng.random(_shape(size, "rand"))
    return _new(_place(arr, device, dt), requires_grad)  # cast on the device


def randn(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
          generator: Any = None) -> Tensor:
    """Standard normal samples, from the seeded generator.

    >>> import minigrad as mg
    >>> mg.randn(2, 3).shape
    Size([2, 3])
    """
    rng = rng_of(generator, device)
    dt = _sample_dtype("randn", dtype)
    arr = rng.standard_normal(_shape(size, "randn"))
    return _new(_place(arr, device, dt), requires_grad)  # cast on the device


def randint(low: int, high: Any = None, size: Any = (), dtype: Any = None,
            device: Any = None, generator: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high), int64 by default; ``randint(high, size)`` starts at 0
    (as ``torch.randint(10, (3,))``).

    >>> import minigrad as mg
    >>> t = mg.randint(0, 5, size=(10,)); t.dtype, bool((t < 5).all())
    (dtype('int64'), True)
    >>> mg.randint(3, (2, 2)).shape
    Size([2, 2])
    """
    if isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    low, high = as_int("randint", "low", low), as_int("randint", "high", high)
    if low >= high:
        raise ValueError(f"randint: expects low < high, got low={low}, high={high}")
    rng = rng_of(generator, device)
    size = size if isinstance(size, (tuple, list)) else (size,)
    arr = rng.integers(low, high, size=_shape(tuple(size), "randint"))
    return _new(_place(arr, device, dtypes.to_dtype(dtype or "int64")), requires_grad)


def rand_like(input: Tensor, dtype: Any = None, device: Any = None) -> Tensor:
    """Uniform samples in ``input``'s shape, dtype and device.

    >>> import minigrad as mg
    >>> mg.rand_like(mg.zeros(4, dtype=mg.float64)).dtype
    dtype('float64')
    """
    shape, dt, dev = _like(input, dtype, device, "rand_like")
    return rand(shape, dtype=dt, device=dev)


def randn_like(input: Tensor, dtype: Any = None, device: Any = None) -> Tensor:
    """Normal samples in ``input``'s shape, dtype and device.

    >>> import minigrad as mg
    >>> mg.randn_like(mg.zeros(2, 2)).shape
    Size([2, 2])
    """
    shape, dt, dev = _like(input, dtype, device, "randn_like")
    return randn(shape, dtype=dt, device=dev)
