"""The op table behind tests/test_ops_table.py: infrastructure and input strategies.

An :class:`OpSpec` names an op, how minigrad, NumPy and PyTorch compute it, and a hypothesis
strategy of :class:`Case` (float input arrays plus keyword parameters). The specs themselves
live in ``op_table.py`` (elementwise, binary) and ``op_table_more.py`` (reductions, shape,
indexing, matmul).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from minigrad.testing import strategies as mst

__all__ = ["Case", "OpSpec", "ax", "binary", "distinct", "grid", "unary"]


@dataclass
class Case:
    """One drawn example: the differentiable inputs (float64 arrays) and other parameters."""

    arrays: tuple[np.ndarray, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        shapes = [a.shape for a in self.arrays]
        return f"Case(shapes={shapes}, kwargs={self.kwargs!r}, arrays={list(self.arrays)!r})"


@dataclass(frozen=True)
class OpSpec:
    """An op under test.

    ``fn(*tensors, **kwargs)`` is minigrad's, ``ref(*arrays, **kwargs)`` NumPy's (None: same
    callable as ``fn``, for operator-only ops), ``torch(*torch_tensors, **kwargs)`` PyTorch's
    (None: same as ``fn``). Outputs may be one array or a tuple (integer outputs such as
    indices are compared exactly, never differentiated). ``smooth`` ops are also checked at
    second order.
    """

    name: str
    fn: Callable[..., Any]
    case: st.SearchStrategy[Case]
    ref: Callable[..., Any] | None = None
    torch: Callable[..., Any] | None = None
    smooth: bool = True
    rtol: float = 1e-7  # forward, float64, against NumPy
    atol: float = 1e-9

    def reference(self, *arrays: np.ndarray, **kwargs: Any) -> Any:
        return (self.ref or self.fn)(*arrays, **kwargs)

    def torch_fn(self, *ts: Any, **kwargs: Any) -> Any:
        return (self.torch or self.fn)(*ts, **kwargs)

    def __repr__(self) -> str:  # pytest ids
        return self.name


def ax(dim: Any, ndim: int) -> Any:
    """A minigrad/PyTorch ``dim`` as a NumPy ``axis`` (0-d tensors: dim 0/-1 is no axis)."""
    if ndim == 0 or dim is None:
        return None
    return dim


def unary(lo: float = -3.0, hi: float = 3.0, elements: Any = None,
          shape: Any = None, **kwargs: st.SearchStrategy[Any]) -> st.SearchStrategy[Case]:
    """One input array in [lo, hi] (or from ``elements``), plus drawn keyword parameters."""
    arrays = mst.arrays(shape if shape is not None else mst.shapes(max_dims=3),
                        min_value=lo, max_value=hi, elements=elements)
    return st.builds(lambda a, kw: Case((a,), kw), arrays, st.fixed_dictionaries(kwargs))


@st.composite
def binary(draw: Any, lo: float = -3.0, hi: float = 3.0, lo2: float | None = None,
           hi2: float | None = None, elements2: Any = None) -> Case:
    """Two inputs of mutually broadcastable shapes."""
    sa, sb = draw(mst.broadcastable_shapes(2, max_dims=3, max_side=3))
    a = draw(mst.arrays(sa, min_value=lo, max_value=hi))
    b = draw(mst.arrays(sb, min_value=lo if lo2 is None else lo2,
                        max_value=hi if hi2 is None else hi2, elements=elements2))
    return Case((a, b))


def grid(offset: float = 0.0, step: float = 0.25, n: int = 12) -> st.SearchStrategy[float]:
    """Floats ``k*step + offset`` for |k| <= n: two grids with different offsets never tie."""
    return st.integers(-n, n).map(lambda k: k * step + offset)


@st.composite
def distinct(draw: Any, shape: Any = None, gap: float = 0.3) -> np.ndarray:
    """An array whose elements are pairwise at least ``gap`` apart (no ties for max/sort)."""
    shape = draw(shape if shape is not None else mst.shapes(min_dims=1, max_dims=3))
    n = int(np.prod(shape))
    perm = draw(st.permutations(range(n)))
    return ((np.array(perm, dtype=np.float64) - n / 2) * gap).reshape(shape)


def mask(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """A bool array of ``shape``."""
    return hnp.arrays(np.bool_, shape)
