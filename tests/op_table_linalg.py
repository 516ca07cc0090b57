"""Op specs, part 4: linear algebra (products, einsum, tensordot, diagonals, triangles, cross)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec
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
def _tri_case(draw: Any) -> Case:
    a = draw(mst.arrays(mst.shapes(min_dims=2, max_dims=4)))
    return Case((a,), {"diagonal": draw(st.integers(-3, 3))})


@st.composite
def _cross_case(draw: Any) -> Case:
    sa, sb = draw(mst.broadcastable_shapes(2, max_dims=2, max_side=3))
    k = draw(st.integers(0, min(len(sa), len(sb))))  # the size-3 dim, counted from the right
    sa, sb = (*sa[:len(sa) - k], 3, *sa[len(sa) - k:]), (*sb[:len(sb) - k], 3, *sb[len(sb) - k:])
    return Case((draw(mst.arrays(sa)), draw(mst.arrays(sb))), {"dim": -k - 1})


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
]
