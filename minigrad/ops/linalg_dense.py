"""Dense matrix functions: ``inv``, ``det``, ``solve``, ``cholesky``, each with its gradient.

Batched over leading dims (broadcast for ``solve``). Gradients are written over ``m`` with
these same ops, so they are differentiable again.

>>> import minigrad as mg
>>> a = mg.tensor([[2.0, 0.0], [0.0, 4.0]], requires_grad=True)
>>> mg.linalg.det(a).backward(); a.grad
tensor([[4., 0.],
        [0., 2.]], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import broadcast_shapes, check_tensor

__all__ = ["det", "inverse"]


def _t(m: Any, x: Any) -> Any:
    return m.swapaxes(x)


class Inv(Op):
    save_inputs = False
    save_output = True

    def forward(self, xp: Any, a: Any) -> Any:
        return xp.linalg.inv(a)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        yt = _t(m, out)
        return (-m.matmul(m.matmul(yt, g), yt),)


class Det(Op):
    """The gradient ``g * det(A) * inv(A)^T`` needs an invertible ``A``."""

    save_output = True

    def forward(self, xp: Any, a: Any) -> Any:
        return xp.linalg.det(a)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        a = inputs[0]
        scale = m.reshape(g * out, shape=(*out.shape, 1, 1))
        return (scale * _t(m, m.inv(a)),)


class Solve(Op):
    """``X`` with ``A @ X = B`` for a matrix right-hand side (..., n, k)."""

    save_output = True

    def forward(self, xp: Any, a: Any, b: Any) -> Any:
        batch = broadcast_shapes("solve", a.shape[:-2], b.shape[:-2])
        return xp.linalg.solve(xp.broadcast_to(a, (*batch, *a.shape[-2:])),
                               xp.broadcast_to(b, (*batch, *b.shape[-2:])))

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, Any]:
        a = inputs[0]
        gb = m.solve(_t(m, a), g)
        ga = -m.matmul(gb, _t(m, out)) if self.needs_input_grad[0] else None
        return ga, gb


class Cholesky(Op):
    """Lower ``L`` with ``L @ L^T = A``; gradient after Murray (2016), symmetrised."""

    save_inputs = False
    save_output = True

    def forward(self, xp: Any, a: Any) -> Any:
        return xp.linalg.cholesky(a)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        n = out.shape[-1]
        eye = self.backend.xp.eye(n, dtype=out.dtype)
        eye = Tensor._make(eye, None) if isinstance(g, Tensor) else eye
        inner = m.matmul(_t(m, out), g)
        phi = m.triangle(inner, diagonal=0, upper=False) - inner * eye * 0.5
        l_inv = m.inv(out)
        grad = m.matmul(m.matmul(_t(m, l_inv), phi), l_inv)
        return ((grad + _t(m, grad)) * 0.5,)


for _name, _cls in [("inv", Inv), ("det", Det), ("solve", Solve), ("cholesky", Cholesky)]:
    register_math(_name, _cls)


def _square(A: Any, op: str, arg: str = "A") -> Tensor:
    check_tensor(A, op, arg)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"{op}: expected square matrices (..., n, n) for `{arg}`, got {A.shape}")
    if A._data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got {A.dtype}")
    return A


def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix in ``A``, as ``torch.linalg.inv``.

    A singular matrix raises NumPy's ``LinAlgError``.

    >>> import minigrad as mg
    >>> mg.linalg.inv(mg.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5 , 0.  ],
            [0.  , 0.25]], dtype=float32, device='cpu')
    """
    return Inv.apply(_square(A, "linalg.inv"))


def inverse(input: Tensor) -> Tensor:
    """``torch.inverse``: the same as :func:`minigrad.linalg.inv`.

    >>> import minigrad as mg
    >>> mg.eye(2).inverse().shape
    Size([2, 2])
    """
    return inv(input)


def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix in ``A``, as ``torch.linalg.det``.

    Differs from PyTorch: the gradient at a singular matrix raises (it goes through the
    inverse) instead of being computed through an SVD.

    >>> import minigrad as mg
    >>> mg.det(mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2., dtype=float32, device='cpu')
    """
    return Det.apply(_square(A, "linalg.det"))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The ``X`` with ``A @ X = B`` (``X @ A = B`` for ``left=False``), as ``torch.linalg.solve``.

    ``B`` is a batch of vectors when it is 1-D or has one dim fewer than ``A`` with matching
    leading sizes (PyTorch's rule); otherwise a batch of matrices. Batch dims broadcast.

    >>> import minigrad as mg
    >>> mg.linalg.solve(mg.tensor([[2.0, 0.0], [0.0, 4.0]]), mg.tensor([2.0, 2.0]))
    tensor([1. , 0.5], dtype=float32, device='cpu')
    """
    _square(A, "linalg.solve")
    check_tensor(B, "linalg.solve", "B")
    if A.dtype != B.dtype:
        raise TypeError(f"linalg.solve: A ({A.dtype}) and B ({B.dtype}) differ in dtype")
    if not left:
        return solve(A.transpose(-2, -1), B.transpose(-2, -1)).transpose(-2, -1)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    b = B.unsqueeze(-1) if vector else B
    if b.ndim < 2 or b.shape[-2] != A.shape[-1]:
        raise ShapeError(
            f"linalg.solve: A {A.shape} and B {B.shape} do not fit (B needs {A.shape[-1]} rows)"
        )
    out = Solve.apply(A, b)
    return out.squeeze(-1) if vector else out


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of each symmetric positive-definite matrix, as
    ``torch.linalg.cholesky`` (lower triangular; its transpose with ``upper=True``).

    Only the lower triangle of ``A`` is read; the gradient is symmetrised, as PyTorch's.

    >>> import minigrad as mg
    >>> mg.linalg.cholesky(mg.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]], dtype=float32, device='cpu')
    """
    out = Cholesky.apply(_square(A, "linalg.cholesky"))
    return out.transpose(-2, -1) if upper else out


TENSOR_METHODS = ["det", "inverse"]
