"""Lazy modules: ``LazyLinear``, ``LazyConv1d``, ``LazyConv2d``, ``LazyBatchNorm1d``,
``LazyBatchNorm2d`` infer their input size from the first input, as PyTorch's.

Until then their weights are :class:`UninitializedParameter` objects (empty; running statistics
are uninitialized buffers). The first call
(or a ``load_state_dict`` holding their shapes) materializes them in place, so an optimizer
built before still holds the same Parameter objects; the first call then draws PyTorch's
default initialisation and turns the module into its eager class (``LazyLinear`` becomes
``Linear``).

>>> import minigrad as mg
>>> from minigrad import nn
>>> fc = nn.LazyLinear(3)
>>> fc
LazyLinear(in_features=0, out_features=3, bias=True)
>>> fc(mg.ones(2, 5)).shape, fc
(Size([2, 3]), Linear(in_features=5, out_features=3, bias=True))
"""

from __future__ import annotations

from typing import Any

from minigrad import creation
from minigrad.grad_mode import no_grad
from minigrad.nn.conv import Conv2d
from minigrad.nn.conv_nd import Conv1d
from minigrad.nn.linear import Linear
from minigrad.nn.normalization import BatchNorm1d, BatchNorm2d
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = [
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyConv1d", "LazyConv2d", "LazyLinear",
    "LazyModuleMixin", "UninitializedBuffer", "UninitializedParameter",
]


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (empty until :meth:`materialize`).

    >>> import minigrad as mg
    >>> p = UninitializedParameter()
    >>> p.materialize((2, 3)); type(p).__name__, p.shape
    ('Parameter', Size([2, 3]))
    """

    __slots__ = ()

    def __init__(self, requires_grad: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(creation.empty(0, dtype=dtype, device=device), requires_grad)

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the parameter ``shape`` (uninitialized values) and make it a Parameter."""
        like = creation.empty(*shape, dtype=dtype or self.dtype, device=device or self.device)
        self._data = like._data
        self._version += 1
        self.__class__ = Parameter  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


class UninitializedBuffer(Tensor):
    """A buffer whose shape is not known yet (empty until :meth:`materialize`).

    >>> b = UninitializedBuffer.empty()
    >>> b.materialize((3,)); type(b).__name__, b.shape
    ('Tensor', Size([3]))
    """

    __slots__ = ()

    @staticmethod
    def empty(device: Any = None, dtype: Any = None) -> UninitializedBuffer:
        """A new uninitialized buffer."""
        t = creation.empty(0, dtype=dtype, device=device)
        t.__class__ = UninitializedBuffer
        return t  # type: ignore[return-value]

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the buffer ``shape`` (uninitialized values) and make it a plain Tensor."""
        like = creation.empty(*shape, dtype=dtype or self.dtype, device=device or self.device)
        self._data = like._data
        self._version += 1
        self.__class__ = Tensor  # type: ignore[assignment]


def is_lazy(param: Any) -> bool:
    """Whether ``param`` (a parameter or buffer) is still uninitialized.

    >>> is_lazy(UninitializedParameter()), is_lazy(Parameter(creation.ones(1)))
    (True, False)
    """
    return isinstance(param, (UninitializedParameter, UninitializedBuffer))


class LazyModuleMixin:
    """Shared machinery: materialize on the first call or from a state_dict, then become
    ``cls_to_become``."""

    cls_to_become: type | None = None
    _parameters: dict[str, Any]
    _buffers: dict[str, Any]

    def has_uninitialized_params(self) -> bool:
        """Whether any own parameter or buffer is still uninitialized."""
        return any(is_lazy(p) for p in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, input: Tensor) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.has_uninitialized_params():
            with no_grad():
                self.initialize_parameters(*args, **kwargs)
        if not self.has_uninitialized_params() and self.cls_to_become is not None:
            self.__class__ = self.cls_to_become
            return self(*args, **kwargs)
        return super().__call__(*args, **kwargs)  # type: ignore[misc]

    def _materialize_from_state(self, state: Any, prefix: str) -> None:
        """Called by ``load_state_dict``: take each uninitialized parameter's shape from the
        state being loaded (PyTorch's lazy load hook)."""
        for name, p in (*self._parameters.items(), *self._buffers.items()):
            if is_lazy(p) and prefix + name in state:
                p.materialize(tuple(state[prefix + name].shape))
        self._infer_sizes_from_weight()

    def _infer_sizes_from_weight(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dim of its first input.

    >>> import minigrad as mg
    >>> fc = LazyLinear(2, bias=False)
    >>> fc(mg.ones(4, 7)).shape, fc.weight.shape
    (Size([4, 2]), Size([2, 7]))
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(0, out_features, False, device, dtype)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        self.in_features = int(input.shape[-1])
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()

    def _infer_sizes_from_weight(self) -> None:
        if not is_lazy(self.weight):
            self.in_features = int(self.weight.shape[1])


class _LazyConvMixin(LazyModuleMixin):
    n: int
    in_channels: int
    out_channels: int
    groups: int
    kernel_size: tuple[int, ...]
    bias: Any
    weight: Any

    def _lazy_init(self, bias: bool, device: Any, dtype: Any) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        batched = input.ndim == self.n + 2
        self.in_channels = int(input.shape[1 if batched else 0])
        if self.in_channels % self.groups:
            raise ValueError(f"{type(self).__name__}: in_channels (={self.in_channels}, from "
                             f"input {input.shape}) must be divisible by groups "
                             f"(={self.groups})")
        self.weight.materialize((self.out_channels, self.in_channels // self.groups,
                                 *self.kernel_size))
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()  # type: ignore[attr-defined]

    def _infer_sizes_from_weight(self) -> None:
        if not is_lazy(self.weight):
            self.in_channels = int(self.weight.shape[1]) * self.groups


class LazyConv1d(_LazyConvMixin, Conv1d):
    """``Conv1d`` whose ``in_channels`` is read from its first input.

    >>> import minigrad as mg
    >>> conv = LazyConv1d(4, 3)
    >>> conv(mg.ones(2, 5, 8)).shape, conv.weight.shape
    (Size([2, 4, 6]), Size([4, 5, 3]))
    """

    cls_to_become = Conv1d
    n = 1

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device, dtype)
        self._lazy_init(bias, device, dtype)


class LazyConv2d(_LazyConvMixin, Conv2d):
    """``Conv2d`` whose ``in_channels`` is read from its first input.

    >>> import minigrad as mg
    >>> conv = LazyConv2d(6, 3, padding=1)
    >>> conv(mg.ones(2, 3, 8, 8)).shape, conv.weight.shape
    (Size([2, 6, 8, 8]), Size([6, 3, 3, 3]))
    """

    cls_to_become = Conv2d
    n = 2

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device, dtype)
        self._lazy_init(bias, device, dtype)


class _LazyNormMixin(LazyModuleMixin):
    num_features: int
    weight: Any
    bias: Any

    def _lazy_init(self, device: Any, dtype: Any) -> None:
        self.num_features = 0
        for name in ("weight", "bias"):
            if self._parameters.get(name) is not None:
                setattr(self, name, UninitializedParameter(device=device, dtype=dtype))
        for name in ("running_mean", "running_var"):
            if self._buffers.get(name) is not None:
                self._buffers[name] = UninitializedBuffer.empty(device=device, dtype=dtype)

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        self.num_features = int(input.shape[1])
        for p in (*self._parameters.values(), *self._buffers.values()):
            if is_lazy(p):
                p.materialize((self.num_features,))
        self.reset_parameters()  # type: ignore[attr-defined]

    def _infer_sizes_from_weight(self) -> None:
        for p in (*self._parameters.values(), *self._buffers.values()):
            if p is not None and not is_lazy(p) and p.ndim == 1:
                self.num_features = int(p.shape[0])
                return


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` is dim 1 of its first input.

    >>> import minigrad as mg
    >>> bn = LazyBatchNorm1d()
    >>> bn(mg.ones(4, 3)).shape, bn.running_mean.shape, type(bn).__name__
    (Size([4, 3]), Size([3]), 'BatchNorm1d')
    """

    cls_to_become = BatchNorm1d

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(1, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self._lazy_init(device, dtype)


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` is dim 1 of its first input.

    >>> LazyBatchNorm2d()
    LazyBatchNorm2d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    cls_to_become = BatchNorm2d

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(1, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self._lazy_init(device, dtype)
