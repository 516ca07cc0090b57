"""More reductions (``var_mean``, ``std_mean``, ``aminmax``, ``nansum``, ``nanmean``, ``all``,
``any``) and the Tensor methods of every reduction, bound from one table so that all of them
take PyTorch's keyword spellings (``axis=``, ``keepdims=``, ``unbiased=``, ``dtype=``).

>>> import minigrad as mg
>>> mg.ones(2, 3).sum(axis=0)
tensor([2., 2., 2.], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any, NamedTuple

from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dims
from .binary import where
from .reduce import (
    _correction,
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    prod,
    reduction_args,
    std,
    sum,
    var,
)

__all__ = ["all", "aminmax", "any", "nanmean", "nansum", "std_mean", "var_mean"]


@reduction_args
def var_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: float | None = None) -> tuple[Tensor, Tensor]:
    """``(var(input, dim), mean(input, dim))``, as ``torch.var_mean``.

    >>> import minigrad as mg
    >>> mg.var_mean(mg.tensor([1.0, 3.0]))
    (tensor(2., dtype=float32, device='cpu'), tensor(2., dtype=float32, device='cpu'))
    """
    dim, correction = _correction("var_mean", dim, unbiased, correction)
    return (var(input, dim, keepdim=keepdim, correction=correction),
            mean(input, dim, keepdim))


@reduction_args
def std_mean(input: Tensor, dim: Any = None, unbiased: bool | None = None,
             keepdim: bool = False, *, correction: float | None = None) -> tuple[Tensor, Tensor]:
    """``(std(input, dim), mean(input, dim))``, as ``torch.std_mean``.

    >>> import minigrad as mg
    >>> mg.std_mean(mg.tensor([1.0, 3.0]), unbiased=False)[0]
    tensor(1., dtype=float32, device='cpu')
    """
    dim, correction = _correction("std_mean", dim, unbiased, correction)
    return (std(input, dim, keepdim=keepdim, correction=correction),
            mean(input, dim, keepdim))


class MinMax(NamedTuple):
    """The (min, max) pair of :func:`aminmax`."""

    min: Tensor
    max: Tensor


@reduction_args
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:
    """The smallest and largest values (over ``dim``), as ``torch.aminmax``.

    >>> import minigrad as mg
    >>> mg.aminmax(mg.tensor([3.0, 1.0, 2.0])).max
    tensor(3., dtype=float32, device='cpu')
    """
    return MinMax(amin(input, dim, keepdim), amax(input, dim, keepdim))


@reduction_args
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *,
           dtype: Any = None) -> Tensor:
    """Sum treating NaN as zero (no gradient reaches the NaNs), as ``torch.nansum``.

    >>> import minigrad as mg
    >>> mg.nansum(mg.tensor([1.0, float("nan"), 2.0]))
    tensor(3., dtype=float32, device='cpu')
    """
    check_tensor(input, "nansum")
    if input._data.dtype.kind == "f":
        input = where(input != input, 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype)


@reduction_args
def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *,
            dtype: Any = None) -> Tensor:
    """Mean of the non-NaN elements, as ``torch.nanmean``.

    >>> import minigrad as mg
    >>> mg.nanmean(mg.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5, dtype=float32, device='cpu')
    """
    check_tensor(input, "nanmean")
    if dtype is not None:
        input = input.astype(dtype)
    if input._data.dtype.kind != "f":
        raise TypeError(f"nanmean: input dtype should be floating point, got {input.dtype}")
    count = sum(input == input, dim, keepdim).astype(input.dtype)
    return nansum(input, dim, keepdim) / count


def _logical(name: str, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    check_tensor(input, name)
    xp = input._backend.xp
    axis = None if dim is None else normalize_dims(dim, input.ndim, name)
    out = getattr(xp, name)(input._data, axis=axis, keepdims=bool(keepdim))
    return Tensor._make(xp.asarray(out), None)


@reduction_args
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # PyTorch's name
    """Are all elements non-zero (over ``dim``)? A bool tensor, as ``torch.all``.

    >>> import minigrad as mg
    >>> mg.all(mg.tensor([[1, 0], [1, 1]]), dim=1)
    tensor([False,  True], dtype=bool, device='cpu')
    """
    return _logical("all", input, dim, keepdim)


@reduction_args
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # PyTorch's name
    """Is any element non-zero (over ``dim``)? A bool tensor, as ``torch.any``.

    >>> import minigrad as mg
    >>> mg.tensor([0.0, 2.0]).any()
    tensor(True, dtype=bool, device='cpu')
    """
    return _logical("any", input, dim, keepdim)


#: every reduction is a Tensor method through this table (none is written out by hand)
_REDUCTIONS = (amax, amin, argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var)
TENSOR_METHODS = [*(f.__name__ for f in _REDUCTIONS), "all", "aminmax", "any", "nanmean",
                  "nansum"]
