"""Op specs, named operator forms: add/sub with ``alpha``, div with ``rounding_mode``, clone.

The rounded quotients have a zero gradient (as PyTorch); their inputs sit on grids whose
quotients never come near an integer, where finite differences would see the jumps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, binary, grid, unary
from op_table import tt

import minigrad as mg
from minigrad.testing import strategies as mst

__all__ = ["NAMED_SPECS"]

alphas = st.sampled_from([2, -1, 0.5, -1.75])


@st.composite
def _rounded_case(draw: Any) -> Case:
    """``a`` on the grid k/4 + 1/8, ``b`` in {±2, ±4}: a/b is never within 1/32 of an integer."""
    sa, sb = draw(mst.broadcastable_shapes(2, max_dims=3, max_side=3))
    a = draw(mst.arrays(sa, elements=grid(offset=0.125)))
    b = draw(mst.arrays(sb, elements=st.sampled_from([2.0, -2.0, 4.0, -4.0])))
    return Case((a, b))


def _div(mode: str) -> OpSpec:
    ref = np.floor_divide if mode == "floor" else (lambda a, b: np.trunc(a / b))
    return OpSpec(f"div_{mode}", lambda a, b: mg.div(a, b, rounding_mode=mode), _rounded_case(),
                  ref=ref, torch=lambda a, b: tt().div(a, b, rounding_mode=mode), smooth=False)


NAMED_SPECS = [
    OpSpec("add_alpha", lambda a, b, alpha: mg.add(a, b, alpha=alpha),
           st.builds(lambda c, al: Case(c.arrays, {"alpha": al}), binary(), alphas),
           ref=lambda a, b, alpha: a + alpha * b,
           torch=lambda a, b, alpha: tt().add(a, b, alpha=alpha)),
    OpSpec("sub_alpha", lambda a, b, alpha: a.sub(b, alpha=alpha),
           st.builds(lambda c, al: Case(c.arrays, {"alpha": al}), binary(), alphas),
           ref=lambda a, b, alpha: a - alpha * b),
    OpSpec("clone", lambda a: a.clone(), unary(), ref=lambda a: a.copy()),
    _div("floor"),
    _div("trunc"),
]
