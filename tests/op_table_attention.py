"""Op specs, attention: scaled_dot_product_attention (see op_specs.py for the fields).

Cases draw batch/head dims that broadcast, a mask that is absent, bool (some rows fully
masked), float (differentiable, broadcast) or causal, an explicit or default scale, and
grouped-query heads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from op_specs import Case, OpSpec, mask
from op_table import tt

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.testing import strategies as mst

__all__ = ["ATTENTION_SPECS", "np_attention"]


def np_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, attn_mask: Any = None,
                 is_causal: bool = False, scale: float | None = None,
                 enable_gqa: bool = False) -> np.ndarray:
    """NumPy reference; fully masked rows give zeros (PyTorch 2.13's safe softmax)."""
    if enable_gqa:
        k = np.repeat(k, q.shape[-3] // k.shape[-3], axis=-3)
        v = np.repeat(v, q.shape[-3] // v.shape[-3], axis=-3)
    L, S = q.shape[-2], k.shape[-2]
    if is_causal:
        attn_mask = np.tril(np.ones((L, S), dtype=bool))
    if attn_mask is not None and attn_mask.dtype == bool:
        attn_mask = np.where(attn_mask, 0.0, -np.inf)
    s = q @ np.swapaxes(k, -1, -2) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale)
    if attn_mask is not None:
        s = s + attn_mask
    top = s.max(axis=-1, keepdims=True)
    dead = np.isneginf(top)
    e = np.exp(s - np.where(dead, 0.0, top))
    p = e / np.where(dead, 1.0, e.sum(axis=-1, keepdims=True))
    return p @ v


@st.composite
def _sdpa_case(draw: Any) -> Case:
    L, S, E, Ev = (draw(st.integers(1, 3)) for _ in range(4))
    kind = draw(st.sampled_from(["none", "bool", "float", "causal", "gqa"]))
    kw: dict[str, Any] = {}
    if draw(st.booleans()):
        kw["scale"] = draw(st.sampled_from([0.3, 1.0, 1.7]))
    if kind == "gqa":
        hk = draw(st.integers(1, 2))
        hq = hk * draw(st.integers(1, 3))
        lead = draw(mst.shapes(min_dims=0, max_dims=1, max_side=2))
        sq, sk, sv = (*lead, hq, L, E), (*lead, hk, S, E), (*lead, hk, S, Ev)
        kw["enable_gqa"] = True
    else:
        bq, bk, bv = draw(mst.broadcastable_shapes(3, min_dims=0, max_dims=2, max_side=2))
        sq, sk, sv = (*bq, L, E), (*bk, S, E), (*bv, S, Ev)
    arrays = [draw(mst.arrays(s)) for s in (sq, sk, sv)]
    mshape = draw(st.sampled_from([(L, S), (1, S), (L, 1), (*sq[:-2][-1:], L, S)]))
    if kind == "bool":
        kw["bool_mask"] = draw(mask(mshape))
    elif kind == "float":
        arrays.append(draw(mst.arrays(mshape)))
    elif kind == "causal":
        kw["is_causal"] = True
    return Case(tuple(arrays), kw)


def _mg_sdpa(q: Any, k: Any, v: Any, *m: Any, bool_mask: Any = None, **kw: Any) -> Any:
    if bool_mask is not None:
        m = (mg.tensor(bool_mask, device=q.device),)
    return F.scaled_dot_product_attention(q, k, v, *m, **kw)


def _np_sdpa(q: Any, k: Any, v: Any, *m: Any, bool_mask: Any = None, **kw: Any) -> Any:
    return np_attention(q, k, v, bool_mask if bool_mask is not None else
                        (m[0] if m else None), **kw)


def _torch_sdpa(q: Any, k: Any, v: Any, *m: Any, bool_mask: Any = None, **kw: Any) -> Any:
    if bool_mask is not None:
        m = (tt().as_tensor(bool_mask),)
    return tt().nn.functional.scaled_dot_product_attention(q, k, v, *m, **kw)


ATTENTION_SPECS = [
    OpSpec("scaled_dot_product_attention", _mg_sdpa, _sdpa_case(), ref=_np_sdpa,
           torch=_torch_sdpa, rtol=1e-7, atol=1e-9),
]
