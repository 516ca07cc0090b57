"""Op specs, part 4: linear algebra (products, einsum, tensordot, diagonals, triangles, cross)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, distinct, grid
from op_table import tt

import minigrad as mg
from minigrad.testing import strategies as mst

__all__ = ["LINALG_SPECS"]

n = st.integers(1, 4)


@st.composite
def _shapes_case(draw: Any, *templates: str) -> Case:
    """Arrays whose shapes spell ``templates`` with one drawn size per letter."""
    sizes: dict[str, int] = {}
    shapes = [tuple(sizes.setdefault(c, draw(n)) for c in t) for t in templates]
    return Case(tuple(draw(mst.arrays(s)) for s in shapes))


_EQUATIONS = [
    "ij,jk->ik", "bij,bjk->bik", "ii->i", "ii", "ij->", "i,j", "...ij,...jk", "ij,ij->ij",
    "...j,j", "iij->j", "ij,jk,kl->il", "ba,b", "i...->...", "bhqd,bhkd->bhqk", "ij->ji",
    "i,i->", "ijk,ik->j",
]


@st.composite
def _einsum_case(draw: Any) -> Case:
    eq = draw(st.sampled_from(_EQUATIONS))
    terms = eq.split("->")[0].split(",")
    sizes: dict[str, int] = {}
    batch = draw(mst.broadcastable_shapes(len(terms), max_dims=2, max_side=3))
    arrays = []
    for term, b in zip(terms, batch, strict=True):
        body = tuple(sizes.setdefault(c, draw(n)) for c in term.replace("...", ""))
        shape = (*b, *body) if term.startswith("...") else (*body, *b) if "..." in term else body
        arrays.append(draw(mst.arrays(shape)))
    return Case(tuple(arrays), {"eq": eq})


@st.composite
def _add_case(draw: Any, batched: bool) -> Case:
    b, i, k, j = (draw(n) for _ in range(4))
    lead = (b,) if batched else ()
    out = (*lead, i, j)
    ishape = draw(st.sampled_from([out, out[1:], (1, j), (j,)]))
    kw = {"beta": draw(st.sampled_from([1.0, 0.5, 0.0])), "alpha": draw(st.sampled_from([1.0,
                                                                                        -2.0]))}
    return Case((draw(mst.arrays(ishape)), draw(mst.arrays((*lead, i, k))),
                 draw(mst.arrays((*lead, k, j)))), kw)


_scales = {"beta": st.sampled_from([1.0, 0.5, 0.0]), "alpha": st.sampled_from([1.0, -2.0])}


@st.composite
def _addmv_case(draw: Any) -> Case:
    i, k = draw(n), draw(n)
    a = draw(mst.arrays(draw(st.sampled_from([(i,), (1,), ()]))))
    kw = {name: draw(v) for name, v in _scales.items()}
    return Case((a, draw(mst.arrays((i, k))), draw(mst.arrays((k,)))), kw)


@st.composite
def _addbmm_case(draw: Any) -> Case:
    b, i, k, j = (draw(n) for _ in range(4))
    a = draw(mst.arrays(draw(st.sampled_from([(i, j), (j,), (1, j)]))))
    kw = {name: draw(v) for name, v in _scales.items()}
    return Case((a, draw(mst.arrays((b, i, k))), draw(mst.arrays((b, k, j)))), kw)


def _np_add(a: np.ndarray, x: np.ndarray, y: np.ndarray, beta: float,
            alpha: float) -> np.ndarray:
    return beta * a + alpha * np.matmul(x, y)


@st.composite
def _tensordot_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3)))
    k = draw(st.integers(0, a.ndim))
    if draw(st.booleans()):
        b = draw(mst.arrays((*a.shape[a.ndim - k:], *draw(mst.shapes(max_dims=2)))))
        return Case((a, b), {"dims": k})
    da = draw(st.permutations(range(a.ndim)))[:k]
    extra = draw(mst.shapes(max_dims=2))
    order = draw(st.permutations(range(k + len(extra))))
    sizes = [a.shape[d] for d in da] + list(extra)
    b = draw(mst.arrays(tuple(sizes[i] for i in order)))
    db = [order.index(i) for i in range(k)]
    return Case((a, b), {"dims": (list(da), db)})


@st.composite
def _diagonal_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=2, max_dims=4)))
    d1, d2 = draw(st.permutations(range(-a.ndim, 0)))[:2]
    return Case((a,), {"offset": draw(st.integers(-3, 3)), "dim1": d1, "dim2": d2})


@st.composite
def _diag_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=2)))
    return Case((a,), {"diagonal": draw(st.integers(-3, 3))})


def _np_diag(a: np.ndarray, diagonal: int) -> np.ndarray:
    return np.diag(a, diagonal)


@st.composite
def _diag_embed_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=1, max_dims=3)))
    d1, d2 = draw(st.permutations(range(-a.ndim - 1, 0)))[:2]
    return Case((a,), {"offset": draw(st.integers(-2, 2)), "dim1": d1, "dim2": d2})


def _np_diag_embed(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    n = a.shape[-1] + abs(offset)
    out = np.zeros((*a.shape[:-1], n, n))
    i = np.arange(a.shape[-1]) + max(-offset, 0)
    out[..., i, i + offset] = a
    ndim = a.ndim + 1
    return np.moveaxis(out, (-2, -1), (dim1 % ndim, dim2 % ndim))


@st.composite
def _tri_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=2, max_dims=4)))
    return Case((a,), {"diagonal": draw(st.integers(-3, 3))})


@st.composite
def _cross_case(draw: Any) -> Case:
    sa, sb = draw(mst.broadcastable_shapes(2, max_dims=2, max_side=3))
    k = draw(st.integers(0, min(len(sa), len(sb))))  # the size-3 dim, counted from the right
    sa, sb = (*sa[:len(sa) - k], 3, *sa[len(sa) - k:]), (*sb[:len(sb) - k], 3, *sb[len(sb) - k:])
    return Case((draw(mst.arrays(sa)), draw(mst.arrays(sb))), {"dim": -k - 1})


@st.composite
def _square_case(draw: Any, count: int = 1, rhs: bool = False) -> Case:
    """Well-conditioned square matrices, batched or not: entries in [-0.5, 0.5] plus 3 on the
    diagonal, so strictly diagonally dominant (k <= 4) and never near singular."""
    k = draw(n)
    batch = draw(mst.shapes(max_dims=2, max_side=2))
    mats = [draw(mst.arrays((*batch, k, k), min_value=-0.5, max_value=0.5)) + 3 * np.eye(k)
            for _ in range(count)]
    if rhs:
        kind = draw(st.sampled_from(["matrix", "vector", "1d"]))
        shape = {"matrix": (*batch, k, draw(n)), "vector": (*batch, k), "1d": (k,)}[kind]
        mats.append(draw(mst.arrays(shape)))
    return Case(tuple(mats))


def _spd(a: Any) -> Any:
    """A symmetric positive-definite matrix made of ``a`` (either library)."""
    at = np.swapaxes(a, -2, -1) if isinstance(a, np.ndarray) else a.transpose(-2, -1)
    return a @ at + a.shape[-1] * _eye_like(a)


def _eye_like(a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return np.eye(a.shape[-1])
    if isinstance(a, mg.Tensor):
        return mg.eye(a.shape[-1], dtype=a.dtype, device=a.device)
    return tt().eye(a.shape[-1], dtype=a.dtype)


@st.composite
def _norm_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(max_dims=3), elements=mst.away_from([0.0], 0.2)))
    return Case((a,), {"p": draw(st.sampled_from([2, 1, 3, "fro", 1.5])),
                       "dim": draw(mst.valid_dims(a.ndim)), "keepdim": draw(st.booleans())})


def _np_norm(a: np.ndarray, p: Any, dim: Any, keepdim: bool) -> np.ndarray:
    p = 2 if p == "fro" else p
    axis = tuple(range(a.ndim)) if dim is None else dim
    return np.sum(np.abs(a) ** p, axis=axis, keepdims=keepdim) ** (1 / p)


def _torch_norm(a: Any, p: Any, dim: Any, keepdim: bool) -> Any:
    return tt().norm(a, p=p, dim=dim, keepdim=keepdim)


@st.composite
def _inf_norm_case(draw: Any) -> Case:
    a = draw(distinct())
    return Case((a,), {"ord": draw(st.sampled_from([np.inf, -np.inf])),
                       "dim": draw(st.integers(-a.ndim, a.ndim - 1))})


@st.composite
def _matrix_norm_case(draw: Any) -> Case:
    """Row sums and column sums all distinct (offsets per row and column), no zeros."""
    r, c = draw(n), draw(n)
    a = draw(distinct(st.just((r, c)), gap=0.05))
    a = a + 10 * np.arange(r)[:, None] + 100 * np.arange(c)[None, :] + 1
    a = a * np.where(draw(mst.arrays((r, c), dtype="bool")), -1, 1)
    return Case((a,), {"ord": draw(st.sampled_from(["fro", np.inf, -np.inf, 1, -1]))})


def _np_matrix_norm(a: np.ndarray, ord: Any) -> np.ndarray:
    return np.linalg.norm(a, ord=ord)


@st.composite
def _cdist_case(draw: Any) -> Case:
    batch = draw(mst.shapes(max_dims=1, max_side=2))
    m = draw(n)
    x1 = draw(mst.arrays((*batch, draw(n), m), elements=grid()))
    x2 = draw(mst.arrays((*batch, draw(n), m), elements=grid(offset=0.125)))
    return Case((x1, x2), {"p": draw(st.sampled_from([2.0, 1.0, 1.5, 3.0]))})


def _np_cdist(x1: np.ndarray, x2: np.ndarray, p: float) -> np.ndarray:
    d = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
    return np.sum(d**p, axis=-1) ** (1 / p)


def _np_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    if vector:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


LINALG_SPECS = [
    OpSpec("mm", lambda a, b: a.mm(b), _shapes_case("ij", "jk"), ref=np.matmul,
           torch=lambda a, b: tt().mm(a, b)),
    OpSpec("bmm", lambda a, b: mg.bmm(a, b), _shapes_case("bij", "bjk"), ref=np.matmul,
           torch=lambda a, b: tt().bmm(a, b)),
    OpSpec("mv", lambda a, b: a.mv(b), _shapes_case("ij", "j"), ref=np.matmul,
           torch=lambda a, b: tt().mv(a, b)),
    OpSpec("dot", lambda a, b: mg.dot(a, b), _shapes_case("i", "i"), ref=np.dot,
           torch=lambda a, b: tt().dot(a, b)),
    OpSpec("outer", lambda a, b: a.outer(b), _shapes_case("i", "j"), ref=np.outer,
           torch=lambda a, b: tt().outer(a, b)),
    OpSpec("inner", lambda a, b: mg.inner(a, b), _shapes_case("ijk", "lk"), ref=np.inner,
           torch=lambda a, b: tt().inner(a, b)),
    OpSpec("addmm", lambda a, x, y, beta, alpha: mg.addmm(a, x, y, beta=beta, alpha=alpha),
           _add_case(False), ref=_np_add,
           torch=lambda a, x, y, beta, alpha: tt().addmm(a, x, y, beta=beta, alpha=alpha)),
    OpSpec("baddbmm", lambda a, x, y, beta, alpha: a.baddbmm(x, y, beta=beta, alpha=alpha),
           _add_case(True), ref=_np_add,
           torch=lambda a, x, y, beta, alpha: tt().baddbmm(a, x, y, beta=beta, alpha=alpha)),
    OpSpec("einsum", lambda *xs, eq: mg.einsum(eq, *xs), _einsum_case(),
           ref=lambda *xs, eq: np.einsum(eq, *xs), torch=lambda *xs, eq: tt().einsum(eq, *xs)),
    OpSpec("tensordot", lambda a, b, dims: mg.tensordot(a, b, dims), _tensordot_case(),
           ref=lambda a, b, dims: np.tensordot(a, b, dims),
           torch=lambda a, b, dims: tt().tensordot(a, b, dims)),
    OpSpec("trace", lambda a: a.trace(), _shapes_case("ij"), ref=np.trace,
           torch=lambda a: tt().trace(a)),
    OpSpec("diagonal", lambda a, offset, dim1, dim2: a.diagonal(offset, dim1, dim2),
           _diagonal_case(), ref=lambda a, offset, dim1, dim2: np.diagonal(a, offset, dim1, dim2),
           torch=lambda a, offset, dim1, dim2: tt().diagonal(a, offset, dim1, dim2)),
    OpSpec("diag", lambda a, diagonal: mg.diag(a, diagonal), _diag_case(), ref=_np_diag,
           torch=lambda a, diagonal: tt().diag(a, diagonal)),
    OpSpec("tril", lambda a, diagonal: a.tril(diagonal), _tri_case(),
           ref=lambda a, diagonal: np.tril(a, diagonal)),
    OpSpec("triu", lambda a, diagonal: mg.triu(a, diagonal), _tri_case(),
           ref=lambda a, diagonal: np.triu(a, diagonal),
           torch=lambda a, diagonal: tt().triu(a, diagonal)),
    OpSpec("cross", lambda a, b, dim: mg.cross(a, b, dim), _cross_case(),
           ref=lambda a, b, dim: np.moveaxis(np.cross(np.moveaxis(a, dim, -1),
                                                      np.moveaxis(b, dim, -1)), -1, dim),
           torch=lambda a, b, dim: tt().linalg.cross(*tt().broadcast_tensors(a, b), dim=dim)),
    OpSpec("addmv", lambda a, x, y, beta, alpha: a.addmv(x, y, beta=beta, alpha=alpha),
           _addmv_case(), ref=_np_add, torch=lambda a, x, y, beta, alpha: tt().addmv(
               a, x, y, beta=beta, alpha=alpha)),
    OpSpec("addbmm", lambda a, x, y, beta, alpha: mg.addbmm(a, x, y, beta=beta, alpha=alpha),
           _addbmm_case(),
           ref=lambda a, x, y, beta, alpha: beta * a + alpha * np.matmul(x, y).sum(0),
           torch=lambda a, x, y, beta, alpha: tt().addbmm(a, x, y, beta=beta, alpha=alpha)),
    OpSpec("vdot", lambda a, b: mg.vdot(a, b), _shapes_case("i", "i"), ref=np.vdot,
           torch=lambda a, b: tt().vdot(a, b)),
    OpSpec("matrix_power", lambda a, n: a.matrix_power(n),
           _square_case().map(lambda c: Case(c.arrays, {"n": int(c.arrays[0].size % 5) - 1})),
           ref=lambda a, n: np.linalg.matrix_power(a, n),
           torch=lambda a, n: tt().linalg.matrix_power(a, n)),
    OpSpec("diag_embed", lambda a, offset, dim1, dim2: mg.diag_embed(a, offset, dim1, dim2),
           _diag_embed_case(), ref=_np_diag_embed,
           torch=lambda a, offset, dim1, dim2: tt().diag_embed(a, offset, dim1, dim2)),
    OpSpec("inv", lambda a: mg.linalg.inv(a), _square_case(), ref=np.linalg.inv,
           torch=lambda a: tt().linalg.inv(a)),
    OpSpec("inverse", lambda a: a.inverse(), _square_case(), ref=np.linalg.inv),
    OpSpec("det", lambda a: mg.linalg.det(a), _square_case(), ref=np.linalg.det,
           torch=lambda a: tt().linalg.det(a)),
    OpSpec("solve", lambda a, b: mg.linalg.solve(a, b), _square_case(rhs=True), ref=_np_solve,
           torch=lambda a, b: tt().linalg.solve(a, b)),
    OpSpec("cholesky", lambda a: mg.linalg.cholesky(_spd(a)), _square_case(),
           ref=lambda a: np.linalg.cholesky(_spd(a)),
           torch=lambda a: tt().linalg.cholesky(_spd(a))),
    OpSpec("norm", lambda a, p, dim, keepdim: a.norm(p, dim, keepdim), _norm_case(),
           ref=_np_norm, torch=_torch_norm),
    OpSpec("vector_norm_inf", lambda a, ord, dim: mg.linalg.vector_norm(a, ord, dim),
           _inf_norm_case(), ref=lambda a, ord, dim: np.linalg.norm(a, ord, axis=dim),
           torch=lambda a, ord, dim: tt().linalg.vector_norm(a, ord, dim), smooth=False),
    OpSpec("matrix_norm", lambda a, ord: mg.linalg.matrix_norm(a, ord), _matrix_norm_case(),
           ref=_np_matrix_norm, torch=lambda a, ord: tt().linalg.matrix_norm(a, ord),
           smooth=False),
    OpSpec("cdist", lambda a, b, p: mg.cdist(a, b, p), _cdist_case(), ref=_np_cdist,
           torch=lambda a, b, p: tt().cdist(a, b, p, compute_mode="donot_use_mm_for_euclid_dist"),
           rtol=1e-12),
]
