"""Linear algebra on tensors: fixed-rank products, ``tensordot``, ``cross``.

The products check their ranks and sizes up front (naming the op, the arguments and their
shapes) and then call :func:`~minigrad.matmul` or :func:`~minigrad.einsum`, so their gradients
are those ops' (differentiable twice).

>>> import minigrad as mg
>>> mg.mm(mg.ones(2, 3), mg.ones(3, 4)).shape
Size([2, 4])
"""

from __future__ import annotations

import string
from typing import Any

from minigrad import dtypes
from minigrad.amp.policy import LOW, PROMOTE, autocast_function
from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import broadcast_shapes, check_tensor, normalize_dim
from .einsum import einsum
from .joining import stack
from .matmul import matmul

__all__ = [
    "addbmm", "addmm", "addmv", "baddbmm", "bmm", "cross", "dot", "ger", "inner", "matrix_power",
    "mm", "mv", "outer", "tensordot", "vdot",
]


def _ranks(op: str, want: tuple[int, ...], names: tuple[str, ...], *ts: Tensor) -> None:
    for t, name in zip(ts, names, strict=True):
        check_tensor(t, op, name)
    if tuple(t.ndim for t in ts) != want:
        kinds = " and ".join(f"{n}-D" for n in dict.fromkeys(want))
        got = " and ".join(f"{name} {t.shape}" for t, name in zip(ts, names, strict=True))
        raise ShapeError(f"{op}: expected {kinds} tensors, got {got}")


def _inner(op: str, a: Tensor, b: Tensor, na: str, nb: str, ka: int, kb: int) -> None:
    if a.shape[ka] != b.shape[kb]:
        raise ShapeError(
            f"{op}: {na} {a.shape} and {nb} {b.shape} cannot be multiplied "
            f"({a.shape[ka]} != {b.shape[kb]})"
        )


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors, as ``torch.mm``.

    >>> import minigrad as mg
    >>> mg.mm(mg.eye(2), mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[1., 2.],
            [3., 4.]], dtype=float32, device='cpu')
    """
    _ranks("mm", (2, 2), ("input", "mat2"), input, mat2)
    _inner("mm", input, mat2, "input", "mat2", 1, 0)
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of (b, n, m) and (b, m, p) tensors, as ``torch.bmm``.

    >>> import minigrad as mg
    >>> mg.bmm(mg.ones(5, 2, 3), mg.ones(5, 3, 4)).shape
    Size([5, 2, 4])
    """
    _ranks("bmm", (3, 3), ("input", "mat2"), input, mat2)
    if input.shape[0] != mat2.shape[0]:
        raise ShapeError(
            f"bmm: batch sizes differ: input {input.shape} and mat2 {mat2.shape} "
            f"({input.shape[0]} != {mat2.shape[0]})"
        )
    _inner("bmm", input, mat2, "input", "mat2", 2, 1)
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix-vector product of a 2-D and a 1-D tensor, as ``torch.mv``.

    >>> import minigrad as mg
    >>> mg.mv(mg.ones(2, 3), mg.tensor([1.0, 2.0, 3.0]))
    tensor([6., 6.], dtype=float32, device='cpu')
    """
    _ranks("mv", (2, 1), ("input", "vec"), input, vec)
    _inner("mv", input, vec, "input", "vec", 1, 0)
    return matmul(input, vec)


@autocast_function(PROMOTE)
def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of one dtype, as ``torch.dot``.

    >>> import minigrad as mg
    >>> mg.dot(mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0]))
    tensor(11., dtype=float32, device='cpu')
    """
    _ranks("dot", (1, 1), ("input", "tensor"), input, tensor)
    if input.shape != tensor.shape:
        raise ShapeError(
            f"dot: expected 1-D tensors of one size, got input {input.shape} and tensor "
            f"{tensor.shape}"
        )
    if input.dtype != tensor.dtype:
        raise TypeError(
            f"dot: expected both vectors to have the same dtype, got {input.dtype} and "
            f"{tensor.dtype}"
        )
    return matmul(input, tensor)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """``dot`` with the first argument conjugated: for real tensors the same as ``dot``.

    >>> import minigrad as mg
    >>> mg.vdot(mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0]))
    tensor(11., dtype=float32, device='cpu')
    """
    _ranks("vdot", (1, 1), ("input", "other"), input, other)
    if input.shape != other.shape:
        raise ShapeError(
            f"vdot: expected 1-D tensors of one size, got input {input.shape} and other "
            f"{other.shape}"
        )
    return dot(input, other)


def matrix_power(A: Tensor, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times (the identity for 0, powers of the inverse for
    negative ``n``), batched, as ``torch.linalg.matrix_power``; differentiable.

    >>> import minigrad as mg
    >>> mg.matrix_power(mg.tensor([[1.0, 1.0], [0.0, 1.0]]), 3)
    tensor([[1., 3.],
            [0., 1.]], dtype=float32, device='cpu')
    """
    check_tensor(A, "matrix_power", "A")
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ShapeError(f"matrix_power: expected square matrices (..., n, n), got {A.shape}")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"matrix_power: `n` must be an int, got {type(n).__name__}")
    if n == 0:
        xp = A._backend.xp
        eye = xp.eye(A.shape[-1], dtype=A._data.dtype)
        return Tensor._make(xp.broadcast_to(eye, A.shape).copy(), None)
    if n < 0:
        from minigrad.ops.linalg_dense import inv

        A, n = inv(A), -n
    result, base = None, A
    while n:  # binary powering: log2(n) products
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum of products over the last dims, as ``torch.inner`` (a scalar factor if 0-D).

    >>> import minigrad as mg
    >>> mg.inner(mg.ones(2, 3), mg.ones(4, 3)).shape
    Size([2, 4])
    """
    check_tensor(input, "inner", "input")
    check_tensor(other, "inner", "other")
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    _inner("inner", input, other, "input", "other", -1, -1)
    return tensordot(input, other, ([input.ndim - 1], [other.ndim - 1]))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors, as ``torch.outer`` (alias ``ger``).

    >>> import minigrad as mg
    >>> mg.outer(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]], dtype=float32, device='cpu')
    """
    _ranks("outer", (1, 1), ("input", "vec2"), input, vec2)
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


ger = outer


def _add_scaled(op: str, input: Tensor, product: Tensor, beta: float, alpha: float) -> Tensor:
    """``beta * input + alpha * product``; with ``beta == 0`` input is ignored (NaN too)."""
    if broadcast_shapes(op, input.shape, product.shape) != product.shape:
        raise ShapeError(
            f"{op}: input {input.shape} does not broadcast to the product's shape "
            f"{product.shape}"
        )
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)


@autocast_function(LOW)
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: float = 1,
          alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)``, input broadcast, as ``torch.addmm``.

    >>> import minigrad as mg
    >>> mg.addmm(mg.ones(3), mg.ones(2, 4), mg.ones(4, 3), beta=0.5).shape
    Size([2, 3])
    """
    check_tensor(input, "addmm", "input")
    _ranks("addmm", (2, 2), ("mat1", "mat2"), mat1, mat2)
    _inner("addmm", mat1, mat2, "mat1", "mat2", 1, 0)
    return _add_scaled("addmm", input, matmul(mat1, mat2), beta, alpha)


@autocast_function(LOW)
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: float = 1,
          alpha: float = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``, as ``torch.addmv``.

    >>> import minigrad as mg
    >>> mg.addmv(mg.ones(2), mg.ones(2, 3), mg.ones(3), alpha=2)
    tensor([7., 7.], dtype=float32, device='cpu')
    """
    check_tensor(input, "addmv", "input")
    _ranks("addmv", (2, 1), ("mat", "vec"), mat, vec)
    _inner("addmv", mat, vec, "mat", "vec", 1, 0)
    return _add_scaled("addmv", input, matmul(mat, vec), beta, alpha)


@autocast_function(LOW)
def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
           alpha: float = 1) -> Tensor:
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``, as ``torch.addbmm``.

    >>> import minigrad as mg
    >>> mg.addbmm(mg.zeros(2, 4), mg.ones(5, 2, 3), mg.ones(5, 3, 4))[0, 0]
    tensor(15., dtype=float32, device='cpu')
    """
    check_tensor(input, "addbmm", "input")
    _ranks("addbmm", (3, 3), ("batch1", "batch2"), batch1, batch2)
    if batch1.shape[0] != batch2.shape[0]:
        raise ShapeError(
            f"addbmm: batch sizes differ: batch1 {batch1.shape} and batch2 {batch2.shape}"
        )
    _inner("addbmm", batch1, batch2, "batch1", "batch2", 2, 1)
    return _add_scaled("addbmm", input, einsum("bij,bjk->ik", batch1, batch2), beta, alpha)


@autocast_function(LOW)
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
            alpha: float = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``, as ``torch.baddbmm``.

    >>> import minigrad as mg
    >>> mg.baddbmm(mg.zeros(5, 2, 4), mg.ones(5, 2, 3), mg.ones(5, 3, 4), alpha=2).sum()
    tensor(240., dtype=float32, device='cpu')
    """
    check_tensor(input, "baddbmm", "input")
    _ranks("baddbmm", (3, 3), ("batch1", "batch2"), batch1, batch2)
    if batch1.shape[0] != batch2.shape[0]:
        raise ShapeError(
            f"baddbmm: batch sizes differ: batch1 {batch1.shape} and batch2 {batch2.shape}"
        )
    _inner("baddbmm", batch1, batch2, "batch1", "batch2", 2, 1)
    return _add_scaled("baddbmm", input, matmul(batch1, batch2), beta, alpha)


@autocast_function(PROMOTE)
def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract the last ``dims`` dims of ``a`` with the first of ``b``, or the listed pairs.

    ``dims`` is an int or a pair of dim lists, as ``torch.tensordot``.

    >>> import minigrad as mg
    >>> mg.tensordot(mg.ones(2, 3, 4), mg.ones(3, 4, 5)).shape
    Size([2, 5])
    >>> mg.tensordot(mg.ones(2, 3), mg.ones(4, 2), dims=([0], [1])).shape
    Size([3, 4])
    """
    check_tensor(a, "tensordot", "a")
    check_tensor(b, "tensordot", "b")
    if isinstance(dims, int):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise ShapeError(
                f"tensordot: `dims` (={dims}) must be in [0, {min(a.ndim, b.ndim)}] for a "
                f"{a.shape} and b {b.shape}"
            )
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise ShapeError(f"tensordot: `dims` lists differ in length: {da} and {db}")
        da = [normalize_dim(d, a.ndim, "tensordot") for d in da]
        db = [normalize_dim(d, b.ndim, "tensordot") for d in db]
    for x, y in zip(da, db, strict=True):
        if a.shape[x] != b.shape[y]:
            raise ShapeError(
                f"tensordot: contracted dims differ: a {a.shape} dim {x} ({a.shape[x]}) vs "
                f"b {b.shape} dim {y} ({b.shape[y]})"
            )
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(a.ndim)]
    lb = [next(letters) for _ in range(b.ndim)]
    for x, y in zip(da, db, strict=True):
        lb[y] = la[x]
    out = [c for i, c in enumerate(la) if i not in da] + [c for i, c in enumerate(lb)
                                                          if i not in db]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)


@autocast_function(PROMOTE)
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (inputs broadcast), as ``torch.cross``.

    ``dim=None`` takes the first dim of size 3 (as ``torch.cross``; ``torch.linalg.cross``
    defaults to -1).

    >>> import minigrad as mg
    >>> mg.cross(mg.tensor([1.0, 0.0, 0.0]), mg.tensor([0.0, 1.0, 0.0]))
    tensor([0., 0., 1.], dtype=float32, device='cpu')
    """
    check_tensor(input, "cross", "input")
    check_tensor(other, "cross", "other")
    shape = broadcast_shapes("cross", input.shape, other.shape)
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise ShapeError(f"cross: no dim of size 3 in input {input.shape} and other "
                             f"{other.shape}")
    d = normalize_dim(dim, len(shape), "cross")
    full_a = (1,) * (len(shape) - input.ndim) + input.shape
    full_b = (1,) * (len(shape) - other.ndim) + other.shape
    if full_a[d] != 3 or full_b[d] != 3:
        raise ShapeError(
            f"cross: dim {dim} must have size 3 in both inputs, got input {input.shape} and "
            f"other {other.shape}"
        )
    if input.dtype != other.dtype:
        dt = dtypes.result_dtype(input, other)
        input, other = input.astype(dt), other.astype(dt)
    a = input.broadcast_to(shape).transpose(d, -1)
    b = other.broadcast_to(shape).transpose(d, -1)
    parts = [a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
             a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
             a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]]
    return stack(parts, -1).transpose(d, -1)


TENSOR_METHODS = ["addbmm", "addmm", "addmv", "baddbmm", "bmm", "cross", "dot", "ger", "inner",
                  "matrix_power", "mm", "mv", "outer", "vdot"]
INPLACE_METHODS = ["addbmm", "addmm", "addmv", "baddbmm"]
