"""Tensor basics that need more than a forward to an op: conversions, ``new_*``, formatting.

``to`` / ``type`` / ``cpu`` / ``cuda`` move and cast; ``new_zeros`` and friends take this
tensor's dtype and device; ``f"{loss:.3f}"`` formats a 0-d tensor like its Python number.
minigrad has no strided storage: every tensor is contiguous, so ``contiguous()`` returns the
tensor itself.

>>> import minigrad as mg
>>> x = mg.ones(2, 3, dtype=mg.float64)
>>> x.new_zeros(2).dtype, x.type(), f"{x.sum():.1f}"
(dtype('float64'), 'minigrad.DoubleTensor', '6.0')
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.backends import Device, parse_device
from minigrad.errors import ShapeError

__all__ = ["TYPE_NAMES", "TensorBasics", "parse_type_name"]

#: dtype -> the PyTorch legacy type name (``FloatTensor`` …)
TYPE_NAMES = {
    dtypes.float32: "FloatTensor", dtypes.float64: "DoubleTensor", dtypes.float16: "HalfTensor",
    dtypes.int64: "LongTensor", dtypes.int32: "IntTensor", dtypes.int16: "ShortTensor",
    dtypes.int8: "CharTensor", dtypes.uint8: "ByteTensor", dtypes.bool_: "BoolTensor",
}
_BY_NAME = {name: dt for dt, name in TYPE_NAMES.items()}


def parse_type_name(name: str) -> tuple[Any, str]:
    """``"minigrad.cuda.LongTensor"`` (or ``"torch.…"``) -> (int64, "cuda").

    >>> parse_type_name("torch.cuda.FloatTensor")
    (dtype('float32'), 'cuda')
    """
    parts = name.split(".")
    if parts[0] in ("torch", "minigrad"):
        parts = parts[1:]
    device = "cpu"
    if len(parts) == 2 and parts[0] == "cuda":
        device, parts = "cuda", parts[1:]
    if len(parts) != 1 or parts[0] not in _BY_NAME:
        raise ValueError(f"type: invalid type {name!r} (expected e.g. 'minigrad.FloatTensor')")
    return _BY_NAME[parts[0]], device


class TensorBasics:
    """Conversions, factories and formatting of :class:`minigrad.Tensor`."""

    __slots__ = ()

    # ---------------------------------------------------------------- formatting
    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its Python number (``f"{loss:.4f}"``); others only
        with an empty spec, as PyTorch.

        >>> import minigrad as mg
        >>> f"{mg.tensor(2.0) / 3:.3f}", f"{mg.tensor(7):>3}"
        ('0.667', '  7')
        """
        if self.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__ (only "
                            f"0-d tensors take a format spec; this one has shape {self.shape})")
        return str(self)

    # ---------------------------------------------------------------- layout
    def contiguous(self, memory_format: Any = None) -> Any:
        """This tensor: minigrad has no strided storage, every tensor is contiguous."""
        return self

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """True: every minigrad tensor is contiguous."""
        return True

    def t(self) -> Any:
        """The transpose of a matrix; 0-d and 1-d tensors come back as they are.

        >>> import minigrad as mg
        >>> mg.ones(2, 3).t().shape
        Size([3, 2])
        """
        if self.ndim > 2:
            raise ShapeError(f"t: expects a tensor with <= 2 dimensions, got {self.ndim} "
                             f"(shape {self.shape}); use transpose(dim0, dim1) or .mT")
        return self if self.ndim < 2 else _ops().transpose(self, 0, 1)

    # ---------------------------------------------------------------- sizes
    def nelement(self) -> int:
        """The number of elements (``numel()``)."""
        return int(self._data.size)

    def ndimension(self) -> int:
        """The number of dimensions (``dim()``)."""
        return self._data.ndim

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """False: minigrad has no complex dtypes."""
        return False

    @property
    def is_cpu(self) -> bool:
        """True when the tensor lives in host memory (``device.type == "cpu"``).

        >>> import minigrad as mg
        >>> t = mg.ones(2)
        >>> t.is_cpu, t.is_cuda, t.is_mps, t.is_xpu
        (True, False, False, False)
        """
        return self.device.type == "cpu"

    @property
    def is_mps(self) -> bool:
        """False: minigrad has no Apple GPU backend (``backends.mps.is_available()``)."""
        return False

    @property
    def is_xpu(self) -> bool:
        """False: minigrad has no Intel GPU backend."""
        return False

    # ---------------------------------------------------------------- conversions
    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False,
           copy: bool = False, memory_format: Any = None) -> Any:
        """``t.to(mg.float64)``, ``t.to("cuda")``, ``t.to(mg.device("cuda", 1), mg.float16)``,
        ``t.to(other)`` (other's device and dtype); differentiable. Returns ``self`` when
        nothing changes unless ``copy=True``. ``non_blocking`` is accepted and ignored.

        >>> import minigrad as mg
        >>> x = mg.ones(2); x.to(mg.device("cpu")) is x, x.to(x, copy=True) is x
        (True, False)
        """
        for a in args:
            if isinstance(a, TensorBasics):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (str, Device)) or (isinstance(a, int) and not isinstance(
                    a, bool)):
                device = a
            else:
                dtype = a
        out = self
        if device is not None:
            out = _ops().to_device(out, parse_device(device))
        if dtype is not None:
            out = _ops().astype(out, dtypes.to_dtype(dtype))
        if copy and out is self:
            out = _ops().named.clone(self)
        return out

    def astype(self, dtype: Any) -> Any:
        """This tensor cast to ``dtype`` (a new tensor; the cast is differentiable)."""
        return _ops().astype(self, dtypes.to_dtype(dtype))

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """With no argument, the type name (``'minigrad.FloatTensor'``, PyTorch's
        ``'torch.FloatTensor'``); else this tensor cast to ``dtype`` (a dtype, a legacy type
        such as ``mg.LongTensor``, or its name).

        >>> import minigrad as mg
        >>> mg.ones(1).type(), mg.ones(1).type(mg.LongTensor).dtype
        ('minigrad.FloatTensor', dtype('int64'))
        """
        if dtype is None:
            dev = "cuda." if self.device.type == "cuda" else ""
            name = TYPE_NAMES.get(self._data.dtype, f"{self._data.dtype}Tensor")
            return f"minigrad.{dev}{name}"
        device = None
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            dtype, device = parse_type_name(dtype)
        elif hasattr(dtype, "legacy_device"):
            dtype, device = dtype.dtype, dtype.legacy_device
        if device is not None and parse_device(device).type == self.device.type:
            device = None
        return self.to(device=device, dtype=dtype)

    def type_as(self, other: Any) -> Any:
        """This tensor cast to ``other``'s dtype (and moved to its device type).

        >>> import minigrad as mg
        >>> mg.ones(1).type_as(mg.tensor([1])).dtype
        dtype('int64')
        """
        return self.type(other.type())

    def float(self) -> Any:
        """This tensor cast to ``float32``."""
        return self.astype(dtypes.float32)

    def double(self) -> Any:
        """This tensor cast to ``float64``."""
        return self.astype(dtypes.float64)

    def half(self) -> Any:
        """This tensor cast to ``float16``."""
        return self.astype(dtypes.float16)

    def long(self) -> Any:
        """This tensor cast to ``int64``."""
        return self.astype(dtypes.int64)

    def int(self) -> Any:
        """This tensor cast to ``int32``."""
        return self.astype(dtypes.int32)

    def short(self) -> Any:
        """This tensor cast to ``int16``."""
        return self.astype(dtypes.int16)

    def char(self) -> Any:
        """This tensor cast to ``int8``."""
        return self.astype(dtypes.int8)

    def byte(self) -> Any:
        """This tensor cast to ``uint8``."""
        return self.astype(dtypes.uint8)

    def bool(self) -> Any:
        """This tensor cast to ``bool``."""
        return self.astype(dtypes.bool_)

    def cpu(self) -> Any:
        """A copy in host memory (this tensor itself when it is already there)."""
        return self.to("cpu")

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Any:
        """A copy on the GPU (``cuda:0``, or the given index or device)."""
        if device is None:
            device = "cuda"
        elif isinstance(device, Device) and device.type != "cuda":
            raise ValueError(f"cuda: expected a CUDA device, got {device}")
        return self.to(device if not isinstance(device, int) else Device("cuda", device))

    # ---------------------------------------------------------------- random fills
    def random_(self, from_: int = 0, to: int | None = None, *, generator: Any = None) -> Any:
        """Fill with integers drawn uniformly from ``[from_, to)`` (``random_(to)``: from 0;
        no bound: ``[0, 2**mantissa]`` for floats, the dtype's range for integers).

        >>> import minigrad as mg
        >>> x = mg.zeros(100).random_(3, 5); bool(((x == 3) | (x == 4)).all())
        True
        """
        from minigrad.random import rng_of

        if to is None and from_ != 0:
            from_, to = 0, from_
        if to is None:
            dt = self._data.dtype
            to = (2 ** int(np.finfo(dt).nmant + 1) + 1 if dt.kind == "f" else 2 if dt.kind == "b"
                  else int(np.iinfo(dt).max))
        if from_ >= to:
            raise ValueError(f"random_: expects `from` < `to`, got from={from_}, to={to}")
        values = rng_of(generator, self.device).integers(from_, to, size=self._data.shape)
        return self._overwrite("random_", values)

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Any:
        """Fill with 1 (probability ``p``, a number or a tensor broadcasting to this one) or 0.

        >>> import minigrad as mg
        >>> mg.zeros(3).bernoulli_(mg.tensor([0.0, 1.0, 1.0])).tolist()
        [0.0, 1.0, 1.0]
        """
        from minigrad.random import rng_of

        probs = p._data if isinstance(p, TensorBasics) else self._backend.xp.asarray(p)
        if not bool(((probs >= 0) & (probs <= 1)).all()):
            raise ValueError(f"bernoulli_: expects p in [0, 1], got {p}")
        u = rng_of(generator, self.device).random(self._data.shape)
        return self._overwrite("bernoulli_", u < probs)

    def _overwrite(self, op: str, values: Any) -> Any:
        """Write ``values`` into this tensor in place, outside the graph (as ``fill_``)."""
        from minigrad.errors import AutogradError
        from minigrad.grad_mode import STATE

        if STATE.grad_enabled and self._requires_grad and self.grad_fn is None:
            raise AutogradError(
                f"{op}: a leaf tensor that requires grad (shape {self.shape}) is being used in "
                "an in-place operation; do it under `with mg.no_grad():`"
            )
        self._data[...] = values
        self._version += 1
        if self.grad_fn is not None:
            self.grad_fn, self._requires_grad = None, False
        return self

    # ---------------------------------------------------------------- factories
    def _factory_args(self, dtype: Any, device: Any) -> tuple[Any, Any]:
        return (self._data.dtype if dtype is None else dtype,
                self.device if device is None else device)

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Any:
        """A new tensor holding a copy of ``data``, with this tensor's dtype and device
        unless given.

        >>> import minigrad as mg
        >>> mg.ones(1, dtype=mg.float64).new_tensor([1, 2]).dtype
        dtype('float64')
        """
        from minigrad.creation import tensor

        dtype, device = self._factory_args(dtype, device)
        return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        """``fill_value`` in shape ``size``, with this tensor's dtype and device unless given.

        >>> import minigrad as mg
        >>> mg.ones(1).new_full((2,), 3).tolist()
        [3.0, 3.0]
        """
        from minigrad.creation import full

        dtype, device = self._factory_args(dtype, device)
        return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        """Zeros of shape ``size`` (ints or one tuple), this tensor's dtype and device.

        >>> import minigrad as mg
        >>> mg.ones(1, dtype=mg.int32).new_zeros(2, 3).dtype
        dtype('int32')
        """
        from minigrad.creation import zeros

        dtype, device = self._factory_args(dtype, device)
        return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        """Ones of shape ``size``, this tensor's dtype and device unless given.

        >>> import minigrad as mg
        >>> mg.zeros(1).new_ones(2).tolist()
        [1.0, 1.0]
        """
        from minigrad.creation import ones

        dtype, device = self._factory_args(dtype, device)
        return ones(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        """As :meth:`new_zeros` (minigrad never hands out uninitialised memory)."""
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def _ops() -> Any:
    from minigrad import tensor_methods

    return tensor_methods._ops
