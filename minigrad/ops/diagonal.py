"""Diagonals and triangles: ``diagonal``, ``diag``, ``trace``, ``tril``, ``triu``.

``diagonal`` and its adjoint (writing a diagonal into zeros) are ops of their own, each the
other's gradient; ``tril``/``triu`` keep the same triangle of the gradient.

>>> import minigrad as mg
>>> x = mg.ones(3, 3, requires_grad=True)
>>> mg.trace(x).backward(); x.grad
tensor([[1., 0., 0.],
        [0., 1., 0.],
        [0., 0., 1.]], dtype=float32, device='cpu')
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor, normalize_dim

__all__ = ["diag", "diag_embed", "diagonal", "trace", "tril", "triu"]


def trace(input: Tensor) -> Tensor:
    """Sum of the main diagonal of a 2-D tensor, as ``torch.trace``.

    >>> import minigrad as mg
    >>> mg.trace(mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5., dtype=float32, device='cpu')
    """
    check_tensor(input, "trace")
    if input.ndim != 2:
        raise ShapeError(f"trace: expected a 2-D tensor, got input {input.shape}")
    return Diagonal.apply(input, offset=0, dim1=0, dim2=1).sum()


class Diagonal(Op):
    """The diagonal ``offset`` of the plane (dim1, dim2), moved to the last dim."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, offset: int, dim1: int, dim2: int) -> Any:
        self.in_shape, self.args = x.shape, (offset, dim1, dim2)
        return xp.diagonal(x, offset, dim1, dim2).copy()

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        offset, dim1, dim2 = self.args
        return (m.diagonal_scatter(g, shape=self.in_shape, offset=offset, dim1=dim1, dim2=dim2),)


class DiagonalScatter(Op):
    """Zeros of ``shape`` with the diagonal (offset, dim1, dim2) set to ``x`` (its adjoint)."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, shape: tuple[int, ...], offset: int, dim1: int,
                dim2: int) -> Any:
        self.args = (offset, dim1, dim2)
        out = xp.zeros(shape, dtype=x.dtype)
        plane = xp.moveaxis(out, (dim1, dim2), (-2, -1))  # a view: writes land in ``out``
        n = x.shape[-1]
        i = xp.arange(n) + max(-offset, 0)
        plane[..., i, i + offset] = x
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        offset, dim1, dim2 = self.args
        return (m.diagonal(g, offset=offset, dim1=dim1, dim2=dim2),)


class Triangle(Op):
    """``tril``/``triu`` of the last two dims; the gradient keeps the same triangle."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, diagonal: int, upper: bool) -> Any:
        self.diagonal, self.upper = diagonal, upper
        return (xp.triu if upper else xp.tril)(x, diagonal)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.triangle(g, diagonal=self.diagonal, upper=self.upper),)


for _name, _cls in [("diagonal", Diagonal), ("diagonal_scatter", DiagonalScatter),
                    ("triangle", Triangle)]:
    register_math(_name, _cls)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` of the (dim1, dim2) planes, appended as the last dim.

    As ``torch.diagonal``, but a copy rather than a view (writes do not reach ``input``).

    >>> import minigrad as mg
    >>> mg.diagonal(mg.arange(9.0).reshape(3, 3), offset=1)
    tensor([1., 5.], dtype=float32, device='cpu')
    """
    check_tensor(input, "diagonal")
    if input.ndim < 2:
        raise ShapeError(f"diagonal: expected a tensor of at least 2 dims, got {input.shape}")
    d1 = normalize_dim(dim1, input.ndim, "diagonal")
    d2 = normalize_dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise ShapeError(f"diagonal: dim1 and dim2 name one dim ({dim1}, {dim2})")
    return Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D input: a square matrix with it on diagonal ``diagonal``; 2-D: that diagonal.

    >>> import minigrad as mg
    >>> mg.diag(mg.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]], dtype=float32, device='cpu')
    >>> mg.diag(mg.tensor([[1.0, 2.0], [3.0, 4.0]]), 1)
    tensor([2.], dtype=float32, device='cpu')
    """
    check_tensor(input, "diag")
    k = int(diagonal)
    if input.ndim == 1:
        n = input.shape[0] + abs(k)
        return DiagonalScatter.apply(input, shape=(n, n), offset=k, dim1=0, dim2=1)
    if input.ndim == 2:
        return Diagonal.apply(input, offset=k, dim1=0, dim2=1)
    raise ShapeError(f"diag: expected a 1-D or 2-D tensor, got input {input.shape}")


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices whose diagonal ``offset`` (in the plane of output dims ``dim1``, ``dim2``)
    holds the last dim of ``input``, zeros elsewhere, as ``torch.diag_embed``.

    >>> import minigrad as mg
    >>> mg.diag_embed(mg.tensor([[1.0, 2.0]]))
    tensor([[[1., 0.],
             [0., 2.]]], dtype=float32, device='cpu')
    """
    check_tensor(input, "diag_embed")
    if input.ndim < 1:
        raise ShapeError("diag_embed: expected a tensor of at least 1 dim, got a 0-d tensor")
    ndim = input.ndim + 1
    d1 = normalize_dim(dim1, ndim, "diag_embed")
    d2 = normalize_dim(dim2, ndim, "diag_embed")
    if d1 == d2:
        raise ShapeError(f"diag_embed: dim1 and dim2 name one dim ({dim1}, {dim2})")
    n = input.shape[-1] + abs(int(offset))
    rest = iter(input.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(ndim))
    return DiagonalScatter.apply(input, shape=shape, offset=int(offset), dim1=d1, dim2=d2)


def _triangle(input: Tensor, diagonal: int, upper: bool) -> Tensor:
    op = "triu" if upper else "tril"
    check_tensor(input, op)
    if input.ndim < 2:
        raise ShapeError(f"{op}: expected a tensor of at least 2 dims, got input {input.shape}")
    return Triangle.apply(input, diagonal=int(diagonal), upper=upper)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below diagonal ``diagonal``) of the last two dims; zeros above.

    >>> import minigrad as mg
    >>> mg.tril(mg.ones(3, 3, dtype=mg.int64))
    tensor([[1, 0, 0],
            [1, 1, 0],
            [1, 1, 1]], dtype=int64, device='cpu')
    """
    return _triangle(input, diagonal, False)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above diagonal ``diagonal``) of the last two dims.

    >>> import minigrad as mg
    >>> mg.triu(mg.ones(2, 3), diagonal=1)
    tensor([[0., 1., 1.],
            [0., 0., 1.]], dtype=float32, device='cpu')
    """
    return _triangle(input, diagonal, True)


TENSOR_METHODS = list(__all__)
INPLACE_METHODS = ["tril", "triu"]
