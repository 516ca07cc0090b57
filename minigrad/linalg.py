"""``minigrad.linalg``: the names of ``torch.linalg``.

>>> import minigrad as mg
>>> mg.linalg.norm(mg.tensor([3.0, 4.0]))
tensor(5., dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.ops.diagonal import diagonal as _diagonal
from minigrad.ops.linalg import cross as _cross
from minigrad.ops.linalg import matrix_power
from minigrad.ops.linalg_dense import cholesky, det, inv, solve
from minigrad.ops.matmul import matmul
from minigrad.ops.norms import linalg_norm as norm
from minigrad.ops.norms import matrix_norm, vector_norm
from minigrad.tensor import Tensor

__all__ = ["cholesky", "cross", "det", "diagonal", "inv", "matmul", "matrix_norm",
           "matrix_power", "norm", "solve", "vector_norm"]


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Any:
    """Cross product along ``dim`` (default -1, unlike :func:`minigrad.cross`).

    >>> import minigrad as mg
    >>> mg.linalg.cross(mg.tensor([[0.0, 1.0, 0.0]]), mg.tensor([[0.0, 0.0, 1.0]]))
    tensor([[1., 0., 0.]], dtype=float32, device='cpu')
    """
    return _cross(input, other, dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    """The diagonals of the matrices in the last two dims (``torch.linalg.diagonal``).

    >>> import minigrad as mg
    >>> mg.linalg.diagonal(mg.eye(3).reshape(1, 3, 3))
    tensor([[1., 1., 1.]], dtype=float32, device='cpu')
    """
    return _diagonal(A, offset, dim1, dim2)
