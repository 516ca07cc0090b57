"""``einsum``: Einstein summation over any equation NumPy accepts, differentiable to any order.

The public function first rewrites the equation without ``...`` and without an implicit output
(every label explicit) and broadcasts size-1 dims, so the op sees one plain form. The gradient
of each operand is again an einsum: the output gradient and the other operands contracted to
the operand's labels; labels the operand alone has come in through a vector of ones, and a
label it repeats (a diagonal, as in ``"ii->i"``) through an identity matrix.

>>> import minigrad as mg
>>> a = mg.ones(2, 3, requires_grad=True); b = mg.ones(3, 4)
>>> mg.einsum("ij,jk->ik", a, b).sum().backward(); a.grad
tensor([[4., 4., 4.],
        [4., 4., 4.]], dtype=float32, device='cpu')
"""

from __future__ import annotations

import string
from typing import Any

from minigrad import dtypes
from minigrad.errors import ShapeError
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor
from .shape import broadcast_to

__all__ = ["einsum"]


class Einsum(Op):
    """``xp.einsum(equation, *operands)`` for an explicit equation without ``...``."""

    def forward(self, xp: Any, *arrays: Any, equation: str) -> Any:
        self.equation = equation
        out = xp.einsum(equation, *arrays, optimize=len(arrays) > 1)
        return out.copy() if len(arrays) == 1 else out  # NumPy may hand back a view

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        lhs, out_labels = self.equation.split("->")
        terms = lhs.split(",")
        shapes = [shape for shape, _ in self.in_meta]
        sizes = {c: n for term, shape in zip(terms, shapes, strict=True)
                 for c, n in zip(term, shape, strict=True)}
        free = iter(c for c in string.ascii_letters if c not in self.equation)
        xp, dtype = self.backend.xp, self.out_meta[1]
        grads: list[Any] = []
        for i, term in enumerate(terms):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            ops, subs = [g], [out_labels]
            for j, other in enumerate(terms):
                if j != i:
                    ops.append(inputs[j])
                    subs.append(other)
            seen = set("".join(subs))
            target = []
            for c in term:
                if c in target:  # a repeated label: a diagonal, put back through an identity
                    fresh = next(free)
                    ops.append(_const(g, xp.eye(sizes[c], dtype=dtype)))
                    subs.append(c + fresh)
                    target.append(fresh)
                    continue
                if c not in seen:  # summed over in this operand alone: broadcast back
                    ops.append(_const(g, xp.ones(sizes[c], dtype=dtype)))
                    subs.append(c)
                    seen.add(c)
                target.append(c)
            grads.append(m.einsum(*ops, equation=",".join(subs) + "->" + "".join(target)))
        return tuple(grads)


register_math("einsum", Einsum)


def _const(like: Any, array: Any) -> Any:
    """A constant operand in the form of ``like`` (an array, or a Tensor when recording)."""
    return Tensor._make(array, None) if isinstance(like, Tensor) else array


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """The input terms and output of ``equation`` with ``...`` spelled out and output explicit."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ShapeError(
            f"einsum: the equation {equation!r} names {len(terms)} operand(s), "
            f"got {len(shapes)}"
        )
    letters = set(string.ascii_letters)
    for part in [*terms, rhs] if arrow else terms:
        bad = set(part.replace("...", "", 1)) - letters
        if bad or part.count("...") > 1:
            raise ValueError(
                f"einsum: invalid subscripts {part!r} in {equation!r} (use letters a-z, A-Z "
                "and at most one '...' per operand)"
            )
    spare = [c for c in string.ascii_letters if c not in eq]
    n_ell = 0
    for i, (term, shape) in enumerate(zip(terms, shapes, strict=True)):
        n_lab = len(term.replace("...", ""))
        if ("..." in term and n_lab > len(shape)) or ("..." not in term and
                                                       n_lab != len(shape)):
            raise ShapeError(
                f"einsum: operand {i} has shape {tuple(shape)} ({len(shape)} dims), but its "
                f"subscripts {term!r} need {'at least ' if '...' in term else ''}{n_lab}"
            )
        if "..." in term:
            n_ell = max(n_ell, len(shape) - n_lab)
    ell = "".join(spare[:n_ell])
    explicit = [
        t.replace("...", ell[len(ell) - (len(s) - len(t) + 3):] if len(s) - len(t) + 3 else "")
        if "..." in t else t for t, s in zip(terms, shapes, strict=True)
    ]
    if arrow:
        out = rhs.replace("...", ell)  # without '...' the broadcast dims are summed over
        for c in out:
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} appears twice in {equation!r}")
            if not any(c in t for t in explicit):
                raise ValueError(
                    f"einsum: output subscript {c!r} in {equation!r} is in no operand"
                )
    else:
        joined = "".join(t.replace("...", "") for t in terms)
        out = ell + "".join(sorted((c for c in set(joined) if joined.count(c) == 1),
                                   key=lambda c: (c.islower(), c)))
    return explicit, out


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the labels of ``equation``, as ``torch.einsum``.

    Accepts everything NumPy's einsum does: ``...`` for broadcast batch dims, an implicit
    output (the labels used once, in alphabetical order), repeated labels for diagonals, and
    dims of size 1 broadcast against their label's size. The operands may also come as one
    list. Differentiable to any order.

    >>> import minigrad as mg
    >>> mg.einsum("bij,bjk->bik", mg.ones(5, 2, 3), mg.ones(5, 3, 4)).shape
    Size([5, 2, 4])
    >>> mg.einsum("ii", mg.eye(3))
    tensor(3., dtype=float32, device='cpu')
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum: `equation` must be a string, got {type(equation).__name__}")
    ops = [check_tensor(t, "einsum", f"operands[{i}]") for i, t in enumerate(operands)]
    if not ops:
        raise ValueError("einsum: needs at least one operand")
    terms, out = _parse(equation, [t.shape for t in ops])
    sizes: dict[str, int] = {}
    for i, (term, t) in enumerate(zip(terms, ops, strict=True)):
        for c, n in zip(term, t.shape, strict=True):
            if sizes.get(c, 1) != 1 and n not in (1, sizes[c]):
                listed = ", ".join(str(o.shape) for o in ops)
                raise ShapeError(
                    f"einsum: subscript {c!r} has size {sizes[c]} in one operand and {n} in "
                    f"operand {i} of {equation!r} (shapes {listed})"
                )
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
    for i, (term, t) in enumerate(zip(terms, ops, strict=True)):
        full = tuple(sizes[c] for c in term)
        if full != t.shape and len(set(term)) == len(term):
            ops[i] = broadcast_to(t, full)
    dt = ops[0]._data.dtype
    if any(t._data.dtype != dt for t in ops):
        dt = dtypes.result_dtype(*ops)
        ops = [t if t._data.dtype == dt else t.astype(dt) for t in ops]
    return Einsum.apply(*ops, equation=",".join(terms) + "->" + out)
