"""``assert_close``: PyTorch's ``torch.testing.assert_close`` for minigrad tensors.

Tensors (or NumPy arrays, or Python numbers) must match in shape, device and dtype, then be
close: ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with PyTorch's default
tolerances per dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7 both; float16: 1e-3 and
1e-5; integers and bools exactly). Sequences and mappings are compared item by item.

>>> import minigrad as mg
>>> from minigrad.testing import assert_close
>>> assert_close(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.000001]))
>>> try:
...     assert_close(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.5]))
... except AssertionError as e:
...     print(str(e).splitlines()[0])
Tensor-likes are not close!
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.tensor import Tensor

__all__ = ["assert_close"]

#: dtype -> (rtol, atol), PyTorch's defaults
_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False, msg: str | Callable[[str], str] | None = None
                 ) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close (see the module).

    ``rtol`` and ``atol`` go together; ``check_dtype=False`` compares in the promoted dtype;
    ``msg`` replaces the message (a callable gets the generated one). ``allow_subclasses``,
    ``check_layout`` and ``check_stride`` are accepted for PyTorch's signature (minigrad has
    one layout and no strides).

    >>> import minigrad as mg
    >>> from minigrad.testing import assert_close
    >>> assert_close({"w": mg.ones(2)}, {"w": mg.ones(2)}, rtol=0, atol=0)
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {missing}.")
    try:
        _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype)
    except AssertionError as e:
        text = str(e)
        if msg is not None:
            text = msg if isinstance(msg, str) else msg(text)
        raise AssertionError(text) from None


def _compare(actual: Any, expected: Any, rtol: float | None, atol: float | None,
             equal_nan: bool, check_device: bool, check_dtype: bool) -> None:
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise AssertionError("The keys of the mappings do not match: "
                                 f"{sorted(map(str, actual))} != {sorted(map(str, expected))}.")
        for key in actual:
            _item(actual[key], expected[key], f"[{key!r}]", rtol, atol, equal_nan, check_device,
                  check_dtype)
        return
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise AssertionError(
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (a, b) in enumerate(zip(actual, expected, strict=True)):
            _item(a, b, f"[{i}]", rtol, atol, equal_nan, check_device, check_dtype)
        return
    _compare_leaf(actual, expected, rtol, atol, equal_nan, check_device, check_dtype)


def _item(a: Any, b: Any, where: str, *args: Any) -> None:
    try:
        _compare(a, b, *args)
    except AssertionError as e:
        text = str(e)
        note = "\n\nThe failure occurred for item "
        text = text.replace(note, note + where, 1) if note in text else text + note + where
        raise AssertionError(text) from None


def _leaf(x: Any) -> tuple[np.ndarray, Any] | None:
    """(host array, device) of a tensor, array or Python number; None for anything else."""
    if isinstance(x, Tensor):
        return x._backend.to_numpy(x.detach()._data), x.device
    if isinstance(x, np.ndarray):
        return x, "cpu"
    if isinstance(x, (bool, int, float)):
        return np.asarray(x, dtype=np.bool_ if isinstance(x, bool) else np.int64 if isinstance(
            x, int) else np.float64), "cpu"
    return None


def _compare_leaf(actual: Any, expected: Any, rtol: float | None, atol: float | None,
                  equal_nan: bool, check_device: bool, check_dtype: bool) -> None:
    pair = _leaf(actual), _leaf(expected)
    kinds = (Tensor, np.ndarray)
    same_kind = any(isinstance(actual, k) and isinstance(expected, k) for k in kinds) or (
        not isinstance(actual, kinds) and not isinstance(expected, kinds))
    if pair[0] is None or pair[1] is None or not same_kind:
        raise TypeError(f"No comparison pair was able to handle inputs of type "
                        f"{type(actual)} and {type(expected)}.")
    (a, dev_a), (b, dev_b) = pair  # type: ignore[misc]
    if not isinstance(actual, kinds) and type(actual) is not type(expected):
        raise AssertionError(
            f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    if isinstance(actual, bool):
        if actual is not expected:
            raise AssertionError(f"Booleans mismatch: {actual} is not {expected}")
        return
    if a.shape != b.shape:
        from minigrad.size import Size

        raise AssertionError(f"The values for attribute 'shape' do not match: {Size(a.shape)!r}"
                             f" != {Size(b.shape)!r}.")
    if check_device and dev_a != dev_b:
        raise AssertionError(f"The values for attribute 'device' do not match: {dev_a} != "
                             f"{dev_b}.")
    if a.dtype != b.dtype:
        if check_dtype:
            raise AssertionError(f"The values for attribute 'dtype' do not match: {a.dtype} != "
                                 f"{b.dtype}.")
        common = np.promote_types(a.dtype, b.dtype)
        a, b = a.astype(common), b.astype(common)
    if rtol is None:
        rtol, atol = _TOLERANCES.get(str(a.dtype), (0.0, 0.0))
    _check_values(a, b, float(rtol), float(atol), equal_nan)


def _check_values(a: np.ndarray, b: np.ndarray, rtol: float, atol: float,
                  equal_nan: bool) -> None:
    exact = a.dtype.kind in "biu" or (rtol == 0 and atol == 0)
    # floats are compared in their own dtype (as PyTorch), integers and bools in float64
    x, y = (a, b) if a.dtype.kind == "f" else (a.astype(np.float64), b.astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = np.abs(x - y)
        ok = (x == y) | ((diff <= atol + rtol * np.abs(y)) & np.isfinite(y))  # inf: exact
        if equal_nan:
            ok |= np.isnan(x) & np.isnan(y)
        if ok.all():
            return
        rel = diff / np.abs(y)
    if a.dtype.kind in "biu":  # PyTorch divides integer differences in the default float dtype
        rel = rel.astype(np.float32)
    kind = "equal" if exact else "close"
    if a.ndim == 0:  # PyTorch's message for scalars
        got, want = a.item(), b.item()
        abs_diff = abs(got - want)
        rel_diff = abs_diff / abs(want) if want != 0 else (math.nan if abs_diff != abs_diff
                                                          or abs_diff == 0 else math.inf)
        up = ("", "") if exact else (f" (up to {atol:g} allowed)", f" (up to {rtol:g} allowed)")
        raise AssertionError(f"Scalars are not {kind}!\n\nExpected {want} but got {got}.\n"
                             f"Absolute difference: {abs_diff}{up[0]}\n"
                             f"Relative difference: {rel_diff}{up[1]}")
    bad = int((~ok).sum())
    lines = [f"Tensor-likes are not {kind}!", "",
             f"Mismatched elements: {bad} / {a.size} ({100 * bad / a.size:.1f}%)"]
    for name, values, tol in (("absolute", diff, atol), ("relative", rel, rtol)):
        candidates = np.where(ok, -np.inf, values).ravel()  # NaN counts as the largest
        nans = np.flatnonzero(np.isnan(candidates))
        flat = int(nans[0]) if nans.size else int(np.argmax(candidates))
        index = tuple(int(i) for i in np.unravel_index(flat, a.shape)) if a.ndim else ()
        value = float(values.ravel()[flat])
        shown: Any = int(value) if a.dtype.kind in "biu" and name == "absolute" else value
        limit = "" if exact else f" (up to {tol:g} allowed)"
        lines.append(f"Greatest {name} difference: {shown} at index {index}{limit}")
    raise AssertionError("\n".join(lines))
