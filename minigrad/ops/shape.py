"""Shape ops: reshape, permute, broadcast, dtype and device casts (joining and splitting
live in :mod:`minigrad.ops.joining`).

>>> import minigrad as mg
>>> x = mg.arange(6.0).reshape(2, 3)
>>> x.permute(1, 0).shape, x.unsqueeze(0).shape
(Size([3, 2]), Size([1, 2, 3]))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad import dtypes
from minigrad.backends import backend_for
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.size import as_sizes
from minigrad.tensor import Tensor

from ._util import broadcast_shapes, check_tensor, normalize_dim

__all__ = [
    "astype", "broadcast_to", "expand", "flatten", "permute", "reshape", "squeeze", "to_device",
    "transpose", "unsqueeze",
]


class Reshape(Op):
    save_inputs = False

    def forward(self, xp: Any, x: Any, shape: tuple[int, ...]) -> Any:
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.reshape(g, shape=self.in_shape),)


class Permute(Op):
    save_inputs = False

    def forward(self, xp: Any, x: Any, axes: tuple[int, ...]) -> Any:
        self.axes = axes
        return xp.transpose(x, axes)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        inverse = [0] * len(self.axes)
        for i, a in enumerate(self.axes):
            inverse[a] = i
        return (m.permute(g, axes=tuple(inverse)),)


class BroadcastTo(Op):
    """Broadcast to ``shape``; backward hands the engine the full gradient to sum back."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, shape: tuple[int, ...]) -> Any:
        return xp.broadcast_to(x, shape)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (g,)


class Cast(Op):
    """Change dtype; the engine casts the gradient back to the input dtype."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, dtype: Any) -> Any:
        return x.astype(dtype)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (g,)


class ToDevice(Op):
    """Copy to another device; the gradient is copied back."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, device: Any) -> Any:
        from minigrad.backends import backend_of

        self.source = backend_of(x).device_of(x)
        target = backend_for(device)
        return target.asarray(backend_of(x).to_numpy(x) if target.name == "numpy" else x,
                              device=device)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        if isinstance(g, Tensor):
            return (ToDevice.apply(g, device=self.source),)
        return (self.forward(None, g, self.source),)

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        """As Op.apply, but the result lives on another backend than the input."""
        from minigrad.grad_mode import STATE

        (x,) = inputs
        node = cls.__new__(cls)
        out = node.forward(None, x._data, **params)
        if not (x.requires_grad and STATE.grad_enabled):
            return Tensor._make(out, None)
        node._record(inputs, out, backend_for(params["device"]))  # m works on the output side
        return Tensor._make(out, node)


for _name, _cls in [("reshape", Reshape), ("permute", Permute), ("broadcast_to", BroadcastTo),
                    ("astype", Cast)]:
    register_math(_name, _cls)


def _sizes(op: str, shape: Any, arg: str = "shape") -> tuple[int, ...]:
    return as_sizes(op, shape, arg)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """Same data, new shape; one size may be -1. ``view`` is the same function (minigrad
    has no strided storage, so there is no non-contiguous case to refuse).

    >>> import minigrad as mg
    >>> mg.arange(6).reshape(2, -1).shape
    Size([2, 3])
    """
    check_tensor(input, "reshape")
    sizes = _sizes("reshape", shape)
    n = input.numel()
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    if sizes.count(-1) > 1 or any(s < -1 for s in sizes) or (
        -1 in sizes and (known == 0 or n % known)
    ) or (-1 not in sizes and known != n):
        raise ShapeError(
            f"reshape: shape {sizes} is invalid for input of shape {input.shape} ({n} elements)"
        )
    if -1 in sizes:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    if sizes == input.shape:
        return input
    return Reshape.apply(input, shape=sizes)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one.

    >>> import minigrad as mg
    >>> mg.zeros(2, 3, 4).flatten(1).shape
    Size([2, 12])
    """
    check_tensor(input, "flatten")
    if input.ndim == 0:
        return reshape(input, 1)
    s = normalize_dim(start_dim, input.ndim, "flatten")
    e = normalize_dim(end_dim, input.ndim, "flatten")
    if s > e:
        raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(input, *input.shape[:s], -1, *input.shape[e + 1:])


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Drop dims of size 1 (only ``dim`` when given; a dim of other size is left alone).

    >>> import minigrad as mg
    >>> mg.zeros(1, 3, 1).squeeze().shape, mg.zeros(1, 3, 1).squeeze(0).shape
    (Size([3]), Size([3, 1]))
    """
    check_tensor(input, "squeeze")
    if dim is None:
        dims = {i for i, s in enumerate(input.shape) if s == 1}
    else:
        ds = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = {d for d in (normalize_dim(d, input.ndim, "squeeze") for d in ds)
                if input.shape[d] == 1}
    return reshape(input, *(s for i, s in enumerate(input.shape) if i not in dims))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim`` (which may be ``ndim``).

    >>> import minigrad as mg
    >>> mg.zeros(3).unsqueeze(-1).shape
    Size([3, 1])
    """
    check_tensor(input, "unsqueeze")
    d = normalize_dim(dim, input.ndim, "unsqueeze", allow_end=True)
    return reshape(input, *input.shape[:d], 1, *input.shape[d:])


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dims: ``x.permute(2, 0, 1)``.

    >>> import minigrad as mg
    >>> mg.zeros(2, 3, 4).permute(2, 0, 1).shape
    Size([4, 2, 3])
    """
    check_tensor(input, "permute")
    axes = tuple(normalize_dim(d, input.ndim, "permute")
                 for d in _sizes("permute", dims, "dims"))
    if sorted(axes) != list(range(input.ndim)):
        raise ShapeError(f"permute: dims {dims} are not a permutation of {input.ndim} dims")
    return Permute.apply(input, axes=axes)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims.

    >>> import minigrad as mg
    >>> mg.zeros(2, 3).transpose(0, 1).shape
    Size([3, 2])
    """
    check_tensor(input, "transpose")
    axes = list(range(input.ndim))
    a, b = normalize_dim(dim0, input.ndim, "transpose"), normalize_dim(dim1, input.ndim,
                                                                        "transpose")
    if input.ndim:  # a 0-d tensor takes dims 0 and -1, as PyTorch, and stays as it is
        axes[a], axes[b] = axes[b], axes[a]
    return Permute.apply(input, axes=tuple(axes))


def broadcast_to(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Broadcast to ``shape`` (NumPy rules).

    >>> import minigrad as mg
    >>> mg.broadcast_to(mg.ones(3), (2, 3)).shape
    Size([2, 3])
    """
    check_tensor(input, "broadcast_to")
    shape = as_sizes("broadcast_to", (shape,) if isinstance(shape, int) else tuple(shape))
    if any(s < 0 for s in shape):
        raise ShapeError(f"broadcast_to: sizes must be non-negative, got {shape} for input of "
                         f"shape {input.shape}")
    if broadcast_shapes("broadcast_to", input.shape, shape) != shape:
        raise ShapeError(f"broadcast_to: cannot broadcast shape {input.shape} to {shape}")
    return input if shape == input.shape else BroadcastTo.apply(input, shape=shape)


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """``torch.Tensor.expand``: -1 keeps a size; new leading dims may be added.

    >>> import minigrad as mg
    >>> mg.ones(3, 1).expand(-1, 4).shape
    Size([3, 4])
    """
    sizes = _sizes("expand", sizes, "size")
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise ShapeError(f"expand: {len(sizes)} sizes given for a tensor of {input.ndim} dims")
    shape = tuple(input.shape[i - lead] if s == -1 and i >= lead else s
                  for i, s in enumerate(sizes))
    if any(s < 0 for s in shape):
        raise ShapeError(f"expand: the expanded size -1 (or a negative size) is not allowed in a "
                         f"new leading dim: sizes {sizes} for input of shape {input.shape}")
    return broadcast_to(input, shape)


def astype(input: Tensor, dtype: Any) -> Tensor:
    """Cast to ``dtype`` (differentiable between float dtypes)."""
    dt = dtypes.to_dtype(dtype)
    if input._data.dtype == dt:
        return input
    return Cast.apply(input, dtype=dt)


def to_device(input: Tensor, device: Any) -> Tensor:
    """Copy to ``device`` ("cpu", "cuda", "cuda:1"); differentiable."""
    from minigrad.backends import parse_device

    dev = parse_device(device)
    if input.device == dev:
        return input
    return ToDevice.apply(input, device=dev)
