"""``minigrad.linalg``: the names of ``torch.linalg``.

>>> import minigrad as mg
>>> mg.linalg.norm(mg.tensor([3.0, 4.0]))
tensor(5., dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.ops.linalg import cross as _cross
from minigrad.ops.linalg_dense import cholesky, det, inv, solve
from minigrad.ops.matmul import matmul
from minigrad.ops.norms import linalg_norm as norm
from minigrad.ops.norms import matrix_norm, vector_norm
from minigrad.tensor import Tensor

__all__ = ["cholesky", "cross", "det", "inv", "matmul", "matrix_norm", "norm", "solve",
           "vector_norm"]


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Any:
    """Cross product along ``dim`` (default -1, unlike :func:`minigrad.cross`).

    >>> import minigrad as mg
    >>> mg.linalg.cross(mg.tensor([[0.0, 1.0, 0.0]]), mg.tensor([[0.0, 0.0, 1.0]]))
    tensor([[1., 0., 0.]], dtype=float32, device='cpu')
    """
    return _cross(input, other, dim)
