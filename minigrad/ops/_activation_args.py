"""Argument handling shared by the activation functions: float input, ``inplace=True``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.errors import MinigradTypeError
from minigrad.tensor import Tensor

from ._util import check_tensor

__all__ = ["apply_inplace", "float_input"]


def float_input(input: Any, op: str) -> Tensor:
    """``input`` if it is a floating-point Tensor, else a clear error (as PyTorch's).

    >>> import minigrad as mg
    >>> float_input(mg.tensor([1, 2]), "gelu")
    Traceback (most recent call last):
    ...
    minigrad.errors.MinigradTypeError: gelu: expected a floating-point input, got dtype int64
    """
    check_tensor(input, op)
    if input.dtype.kind != "f":
        raise MinigradTypeError(f"{op}: expected a floating-point input, got dtype {input.dtype}")
    return input


def apply_inplace(fn: Callable[..., Tensor], input: Tensor, op: str, **params: Any) -> Tensor:
    """Write ``fn(input, **params)`` into ``input``'s storage and return ``input`` (version
    bumped, graph taken over), as PyTorch's ``inplace=True`` and ``F.<op>_``.

    A leaf that requires grad is refused, as in PyTorch; an op that saved its input for
    backward keeps the old values (``Tensor._assign`` hands its node a copy).

    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 2.0])
    >>> apply_inplace(mg.relu, x, "relu") is x, x.tolist()
    (True, [0.0, 2.0])
    """
    check_tensor(input, op + "_")
    return input._assign(fn(input, **params), op + "_")
