"""minigrad.testing.assert_close against torch.testing.assert_close: same verdicts, same
exception types, same messages (up to the type names)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import assert_close

torch = pytest.importorskip("torch")


def _both(data: Any, dtype: str = "float32") -> tuple[Any, Any]:
    return mg.tensor(data, dtype=dtype), torch.tensor(data, dtype=getattr(torch, dtype))


def _run(fn: Any, *args: Any, **kwargs: Any) -> tuple[type | None, str]:
    try:
        fn(*args, **kwargs)
    except (AssertionError, TypeError, ValueError) as e:
        text = str(e).replace("torch.Size", "Size").replace("torch.", "")
        text = text.replace("<class 'minigrad.tensor.Tensor'>", "<class 'Tensor'>")
        return type(e), text
    return None, ""


CASES = [
    ("close", [1.0, 2.0, 3.0], [1.0, 2.000001, 3.0], "float32", {}),
    ("far", [1.0, 2.0, 3.0], [1.0, 2.1, 3.0], "float32", {}),
    ("far64", [[1.0, 5.0], [2.0, 3.0]], [[1.0, 5.0], [2.5, 3.0]], "float64", {}),
    ("half", [1.0, 2.0], [1.0, 2.001], "float16", {}),
    ("ints", [1, 2], [1, 3], "int64", {}),
    ("bools", [True, False], [True, True], "bool", {}),
    ("nan", [math.nan, 1.0], [math.nan, 1.0], "float32", {}),
    ("nan_ok", [math.nan, 1.0], [math.nan, 1.0], "float32", {"equal_nan": True}),
    ("inf", [math.inf, 1.0], [math.inf, 1.0], "float32", {}),
    ("zero_div", [1.0, 0.0], [0.0, 0.0], "float32", {}),
    ("tol", [1.0, 2.0], [1.0, 2.05], "float32", {"rtol": 0.1, "atol": 0.0}),
    ("tol_fail", [1.0, 2.0], [1.0, 2.5], "float32", {"rtol": 0.1, "atol": 0.01}),
    ("msg", [1.0], [2.0], "float32", {"msg": "custom"}),
    ("msg_fn", [1.0], [2.0], "float32", {"msg": lambda m: "wrapped: " + m.splitlines()[0]}),
    ("scalar0d", 1.0, 1.5, "float32", {}),
    ("scalar_zero", 1.0, 0.0, "float64", {}),
    ("scalar_int", 1, 2, "int64", {}),
    ("scalar_exact", 1.0, 2.0, "float32", {"rtol": 0, "atol": 0}),
    ("one_elem", [1.0], [math.nan], "float32", {}),
    ("one_elem_exact", [1.0], [2.0], "float32", {"rtol": 0, "atol": 0}),
]


@pytest.mark.parametrize("name, a, b, dtype, kw", CASES, ids=[c[0] for c in CASES])
def test_tensor_cases_match_torch(name: str, a: Any, b: Any, dtype: str, kw: dict) -> None:
    (x, tx), (y, ty) = _both(a, dtype), _both(b, dtype)
    assert _run(assert_close, x, y, **kw) == _run(torch.testing.assert_close, tx, ty, **kw)


def test_structure_and_type_errors_match_torch() -> None:
    m1, t1 = _both([1.0, 2.0])
    m0, t0 = _both([1.0, 0.0])
    m64, t64 = _both([1.0, 2.0], "float64")
    m3, t3 = _both([1.0, 2.0, 3.0])
    pairs = [
        ((m1, m64), (t1, t64), {}), ((m1, m64), (t1, t64), {"check_dtype": False}),
        ((m1, m3), (t1, t3), {}), ((m1, 1.0), (t1, 1.0), {}), ((1.0, 1.0000001), None, {}),
        ((1, 1.0), None, {}), (([1, 2], (1, 2)), None, {}), (([1, 2], [1, 2, 3]), None, {}),
        ((1.0, 2.0), None, {}), ((True, False), None, {}), ((True, True), None, {}),
        ((3, 4), None, {}), ((2.0, math.nan), None, {}),
        (({"a": m1}, {"a": m0}), ({"a": t1}, {"a": t0}), {}),
        (({"a": m1}, {"b": m1}), ({"a": t1}, {"b": t1}), {}),
        (([m1, [m1, m0]], [m1, [m1, m1]]), ([t1, [t1, t0]], [t1, [t1, t1]]), {}),
        ((m1, np.ones(2)), (t1, np.ones(2)), {}), ((np.ones(2), np.ones(2)), None, {}),
        ((m1, m1), (t1, t1), {"rtol": 1e-3}),
    ]
    for ours, theirs, kw in pairs:
        theirs = ours if theirs is None else theirs
        got = _run(assert_close, *ours, **kw)
        want = _run(torch.testing.assert_close, *theirs, **kw)
        if want[0] is not None and want[1].startswith("The keys"):  # PyTorch prints key lists
            assert got[0] is want[0] and got[1].startswith("The keys"), (ours, got, want)
        else:
            assert got == want, (ours, kw)


def test_grad_and_device_are_handled() -> None:
    x = mg.ones(2, requires_grad=True) * 2
    assert_close(x, mg.full((2,), 2.0))
    with pytest.raises(AssertionError, match="not close"):
        assert_close(x, mg.ones(2))
    assert mg.testing.assert_close is assert_close
