"""Norms and distances: ``vector_norm``, ``matrix_norm``, ``torch.norm``'s ``norm``, ``cdist``.

A p-norm is one op whose gradient is 0 where the norm is 0 (as PyTorch's), not the NaN a
composite ``sqrt(sum(x * x))`` would give; the max/min norms and the matrix norms are
compositions of ``abs``, ``sum``, ``amax`` and ``amin``, so ties share the gradient.

>>> import minigrad as mg
>>> x = mg.zeros(3, requires_grad=True)
>>> mg.norm(x).backward(); x.grad
tensor([0., 0., 0.], dtype=float32, device='cpu')
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.tensor import Tensor

from ._activation_args import float_input
from ._util import check_tensor, normalize_dim, normalize_dims
from .reduce import _Reduction, amax, amin

__all__ = ["cdist", "norm"]

_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                "donot_use_mm_for_euclid_dist")


class VectorNorm(_Reduction):
    """``sum(|x| ** p) ** (1 / p)`` over ``dim`` for a finite ``p`` other than 0."""

    save_output = True

    def forward(self, xp: Any, x: Any, ord: float, dim: tuple[int, ...], keepdim: bool) -> Any:
        self._setup(x, dim, keepdim)
        self.ord = ord
        a = xp.abs(x)
        if ord == 1:
            return xp.sum(a, axis=dim, keepdims=keepdim)
        if ord == 2:
            return xp.sqrt(xp.sum(a * a, axis=dim, keepdims=keepdim))
        return xp.sum(a**ord, axis=dim, keepdims=keepdim) ** (1.0 / ord)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        x, p = inputs[0], self.ord
        g = self._expand(m, g)
        if p == 1:
            return (g * m.sign(x),)
        n = self._expand(m, out)
        safe = n + (n == 0)  # where the norm is 0, x is 0 too and the gradient is 0
        if p == 2:
            return (g * x / safe,)
        return (g * m.sign(x) * m.abs(x) ** (p - 1) / safe ** (p - 1),)


register_math("vector_norm", VectorNorm)


def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when None), as
    ``torch.linalg.vector_norm``: ``inf``/``-inf`` are the largest/smallest ``|x|``, 0 counts
    the non-zeros, any other ``ord`` is ``sum(|x|**ord) ** (1/ord)``.

    >>> import minigrad as mg
    >>> mg.linalg.vector_norm(mg.tensor([3.0, -4.0]))
    tensor(5., dtype=float32, device='cpu')
    >>> mg.linalg.vector_norm(mg.tensor([3.0, -4.0]), ord=float("inf"))
    tensor(4., dtype=float32, device='cpu')
    """
    float_input(x, "vector_norm")
    if dtype is not None:
        x = x.astype(dtype)
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"vector_norm: `ord` must be a number, got {ord!r}")
    dims = normalize_dims(dim, x.ndim, "vector_norm")
    if math.isinf(ord):
        if x.numel() == 0:
            raise ShapeError(f"vector_norm: ord={ord} needs a non-empty tensor, got {x.shape}")
        return (amax if ord > 0 else amin)(x.abs(), dims, keepdim)
    if ord == 0:
        return (x != 0).sum(dims, keepdim).astype(x.dtype)
    return VectorNorm.apply(x, ord=float(ord), dim=dims, keepdim=bool(keepdim))


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1),
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """A matrix norm over the two dims ``dim``, as ``torch.linalg.matrix_norm``.

    ``ord``: ``"fro"`` (Frobenius), ``inf``/``-inf`` (largest/smallest absolute row sum),
    ``1``/``-1`` (largest/smallest absolute column sum). The spectral and nuclear norms
    (``2``, ``-2``, ``"nuc"``) need an SVD gradient and are not supported.

    >>> import minigrad as mg
    >>> mg.linalg.matrix_norm(mg.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6., dtype=float32, device='cpu')
    """
    float_input(A, "matrix_norm")
    if dtype is not None:
        A = A.astype(dtype)
    if A.ndim < 2:
        raise ShapeError(f"matrix_norm: expected a tensor of at least 2 dims, got {A.shape}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ShapeError(f"matrix_norm: `dim` must be a pair of dims, got {dim!r}")
    d0, d1 = (normalize_dim(d, A.ndim, "matrix_norm") for d in dim)
    if d0 == d1:
        raise ShapeError(f"matrix_norm: `dim` names one dim twice: {tuple(dim)}")
    if ord == "fro":
        return VectorNorm.apply(A, ord=2.0, dim=tuple(sorted((d0, d1))), keepdim=bool(keepdim))
    if ord in (math.inf, -math.inf, 1, -1) and not isinstance(ord, bool):
        summed, kept = (d1, d0) if abs(ord) == math.inf else (d0, d1)
        pick = amax if ord > 0 else amin
        out = pick(A.abs().sum(summed, keepdim=True), kept, True)
        return out if keepdim else out.squeeze((d0, d1)) if A.ndim else out
    raise ValueError(
        f"matrix_norm: unsupported `ord` {ord!r} (supported: 'fro', inf, -inf, 1, -1; the "
        "spectral and nuclear norms are not implemented)"
    )


def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm for 1-D input or one ``dim``, a matrix norm for
    2-D input or two dims; with ``ord=None`` the 2-norm of all elements.

    >>> import minigrad as mg
    >>> mg.linalg.norm(mg.ones(2, 2), ord="fro")
    tensor(2., dtype=float32, device='cpu')
    """
    float_input(A, "linalg.norm")
    if isinstance(dim, int):
        dim = (dim,)
    if (dim is not None and len(dim) == 2) or (dim is None and ord is not None and A.ndim == 2):
        return matrix_norm(A, "fro" if ord is None else ord, tuple(dim or (-2, -1)), keepdim,
                           dtype=dtype)
    if dim is None and ord is not None and A.ndim != 1:
        raise ShapeError(
            f"linalg.norm: with `ord` and no `dim` the input must be 1-D or 2-D, got {A.shape}"
        )
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """``torch.norm``: ``p="fro"`` and any number ``p`` are vector norms over ``dim`` (all
    elements when None), as PyTorch computes them.

    >>> import minigrad as mg
    >>> mg.norm(mg.tensor([[3.0, 4.0], [0.0, 0.0]]), dim=1)
    tensor([5., 0.], dtype=float32, device='cpu')
    >>> mg.tensor([1.0, -2.0]).norm(p=1)
    tensor(3., dtype=float32, device='cpu')
    """
    float_input(input, "norm")
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: unsupported `p` {p!r} (supported: 'fro' and numbers)")
        p = 2
    if isinstance(dim, list):
        dim = tuple(dim)
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (..., P, M) and of ``x2`` (..., R, M).

    As ``torch.cdist`` (batch dims broadcast; the gradient is 0 at zero distance).
    ``compute_mode`` is accepted for compatibility: the distances are always computed
    directly, never through the matrix-product expansion PyTorch may use, so they can
    differ from PyTorch's in the last bits.

    >>> import minigrad as mg
    >>> mg.cdist(mg.tensor([[0.0, 0.0]]), mg.tensor([[3.0, 4.0], [1.0, 0.0]]))
    tensor([[5., 1.]], dtype=float32, device='cpu')
    """
    check_tensor(x1, "cdist", "x1")
    check_tensor(x2, "cdist", "x2")
    if x1.ndim < 2 or x2.ndim < 2:
        raise ShapeError(f"cdist: expected tensors of at least 2 dims, got x1 {x1.shape} and "
                         f"x2 {x2.shape}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(f"cdist: x1 {x1.shape} and x2 {x2.shape} differ in the size of their "
                         f"last dim ({x1.shape[-1]} != {x2.shape[-1]})")
    if not p >= 0:
        raise ValueError(f"cdist: `p` must be non-negative, got {p}")
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"cdist: unknown compute_mode {compute_mode!r} (one of {_CDIST_MODES})")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return vector_norm(diff, p, -1)


TENSOR_METHODS = ["norm"]
