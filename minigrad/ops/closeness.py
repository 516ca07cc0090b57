"""Comparing whole tensors: ``isclose`` (elementwise), ``allclose`` and ``equal`` (one bool).

None of them records a gradient. ``isclose`` tests ``|input - other| <= atol + rtol * |other|``
(infinities of the same sign are close; NaN only with ``equal_nan=True``), as PyTorch.

>>> import minigrad as mg
>>> mg.isclose(mg.tensor([1.0, 2.0]), mg.tensor([1.0 + 1e-7, 2.1]))
tensor([ True, False], dtype=bool, device='cpu')
>>> mg.allclose(mg.ones(2), mg.ones(2)), mg.equal(mg.ones(2), mg.ones(3))
(True, False)
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import MinigradTypeError
from minigrad.tensor import Tensor

from ._util import broadcast_shapes

__all__ = ["allclose", "equal", "isclose"]


def _pair(op: str, input: Any, other: Any) -> tuple[Any, Any]:
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise MinigradTypeError(f"{op}: `{name}` must be a Tensor, got {type(t).__name__}")
    if input.device != other.device:
        from minigrad.errors import DeviceError

        raise DeviceError(f"{op}: tensors are on {input.device} and {other.device}")
    return input._data, other._data


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """A bool tensor: where ``input`` and ``other`` (broadcast) are close.

    Both must have the same dtype (PyTorch's rule; it raises RuntimeError, minigrad a
    :class:`~minigrad.MinigradTypeError`).

    >>> import minigrad as mg
    >>> nan = float("nan")
    >>> mg.isclose(mg.tensor([nan, 1.0]), mg.tensor([nan, 1.0]), equal_nan=True)
    tensor([ True,  True], dtype=bool, device='cpu')
    """
    a, b = _pair("isclose", input, other)
    if a.dtype != b.dtype:
        raise MinigradTypeError(
            f"isclose: `input` ({a.dtype}) and `other` ({b.dtype}) must have the same dtype"
        )
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: `rtol` (={rtol}) and `atol` (={atol}) must be >= 0")
    broadcast_shapes("isclose", input.shape, other.shape)
    xp = input._backend.xp
    if a.dtype.kind == "b":
        return Tensor._make(xp.asarray(a == b), None)
    with input._backend.errstate(invalid="ignore", over="ignore"):
        out = xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))
    return Tensor._make(xp.asarray(out), None)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every element of ``input`` is close to ``other`` (see :func:`isclose`).

    >>> import minigrad as mg
    >>> mg.allclose(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0001]), rtol=1e-3)
    True
    """
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same values (dtypes may differ).

    >>> import minigrad as mg
    >>> mg.equal(mg.tensor([1, 2]), mg.tensor([1.0, 2.0]))
    True
    """
    a, b = _pair("equal", input, other)
    if a.shape != b.shape:
        return False
    return bool((a == b).all())


TENSOR_METHODS = list(__all__)
