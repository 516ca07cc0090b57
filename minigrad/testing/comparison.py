"""``assert_close``: PyTorch's ``torch.testing.assert_close`` for minigrad tensors.

Tensors (and NumPy arrays, and Python numbers) are close when
``|actual - expected| <= atol + rtol * |expected|`` elementwise, with PyTorch's default
tolerances for their dtype; sequences and mappings are compared item by item. A failure raises
``AssertionError`` with PyTorch's message: the number of mismatched elements and the greatest
absolute and relative differences with their index.

>>> import minigrad as mg
>>> from minigrad.testing import assert_close
>>> assert_close(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0 + 1e-7]))
>>> try:
...     assert_close(mg.tensor([1.0, 2.0, 3.0]), mg.tensor([1.0, 2.5, 3.0]))
... except AssertionError as e:
...     print(e)
Tensor-likes are not close!
<BLANKLINE>
Mismatched elements: 1 / 3 (33.3%)
Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)
Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["assert_close"]

# PyTorch's default (rtol, atol) per dtype; integers and bools compare exactly
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}


class _Mismatch(Exception):
    """A failed comparison, carrying its message and where in a nested input it was."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message, self.path = message, path


def _default_tols(*dtypes: np.dtype) -> tuple[float, float]:
    tols = [_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(r for r, _ in tols), max(a for _, a in tols)


def _is_number(x: Any) -> bool:
    return isinstance(x, (bool, int, float, complex, np.number, np.bool_))


def _host(t: Any) -> np.ndarray:
    return np.asarray(t._backend.to_numpy(t._data))


def _check_attrs(a: Any, e: Any, check_dtype: bool, check_device: bool, tensor: bool) -> None:
    if tuple(a.shape) != tuple(e.shape):
        raise _Mismatch(f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}.")
    if check_device and tensor and a.device != e.device:
        raise _Mismatch(f"The values for attribute 'device' do not match: {a.device} != "
                        f"{e.device}.")
    if check_dtype and a.dtype != e.dtype:
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {a.dtype} != "
                        f"{e.dtype}.")


def _compare_arrays(a: np.ndarray, e: np.ndarray, rtol: float, atol: float,
                    equal_nan: bool, scalar: bool) -> None:
    kind = "close" if (rtol or atol) else "equal"
    exact = not (rtol or atol)
    if a.dtype.kind == "b" or e.dtype.kind == "b":
        a, e = a.astype(np.int64), e.astype(np.int64)
    common = np.result_type(a, e)  # PyTorch compares (and reports) in the promoted dtype
    a, e = a.astype(common), e.astype(common)
    with np.errstate(all="ignore"):
        if exact:
            matches = a == e
            if equal_nan and common.kind in "fc":
                matches |= np.isnan(a) & np.isnan(e)
        else:
            matches = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
        if bool(np.all(matches)):
            return
        abs_diff = np.abs(a - e)
        rel_diff = abs_diff / np.abs(e)
    allowed_abs = "" if exact else f" (up to {atol} allowed)"
    allowed_rel = "" if exact else f" (up to {rtol} allowed)"
    if scalar:
        raise _Mismatch(
            f"Scalars are not {kind}!\n\nExpected {e.item()} but got {a.item()}.\n"
            f"Absolute difference: {abs_diff.item()}{allowed_abs}\n"
            f"Relative difference: {rel_diff.item()}{allowed_rel}"
        )
    flat_match = matches.ravel()
    abs_flat = np.where(flat_match, 0, abs_diff.ravel())
    rel_flat = np.where(flat_match, 0, rel_diff.ravel())
    ia, ir = int(np.argmax(abs_flat)), int(np.argmax(rel_flat))
    n_bad, n = int(flat_match.size - flat_match.sum()), flat_match.size
    raise _Mismatch(
        f"Tensor-likes are not {kind}!\n\nMismatched elements: {n_bad} / {n} "
        f"({n_bad / n * 100:.1f}%)\n"
        f"Greatest absolute difference: {abs_flat[ia].item()} at index "
        f"{_index(ia, a.shape)}{allowed_abs}\n"
        f"Greatest relative difference: {rel_flat[ir].item()} at index "
        f"{_index(ir, a.shape)}{allowed_rel}"
    )


def _index(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _compare(actual: Any, expected: Any, rtol: float | None, atol: float | None,
             equal_nan: bool, check_dtype: bool, check_device: bool) -> None:
    from minigrad.tensor import Tensor

    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        _check_attrs(actual, expected, check_dtype, check_device, True)
        a, e = _host(actual), _host(expected)
    elif isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
        _check_attrs(actual, expected, check_dtype, False, False)
        a, e = actual, expected
    elif _is_number(actual) and _is_number(expected):
        if check_dtype and type(actual) is not type(expected) and not (
                isinstance(actual, (int, float)) and isinstance(expected, (int, float))):
            raise _Mismatch(f"The values for attribute 'type' do not match: "
                            f"{type(actual)} != {type(expected)}.")
        a, e = np.asarray(actual), np.asarray(expected)
    elif isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise _Mismatch(
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: "
                f"{sorted(map(repr, set(expected) - set(actual)))}\n"
                f"Additional keys in the actual mapping: "
                f"{sorted(map(repr, set(actual) - set(expected)))}"
            )
        for k in expected:
            _nested(actual[k], expected[k], f"[{k!r}]", rtol, atol, equal_nan, check_dtype,
                    check_device)
        return
    elif _is_seq(actual) and _is_seq(expected):
        if len(actual) != len(expected):
            raise _Mismatch(
                f"The length of the sequences mismatch: {len(actual)} != {len(expected)}"
            )
        for i, (x, y) in enumerate(zip(actual, expected, strict=True)):
            _nested(x, y, f"[{i}]", rtol, atol, equal_nan, check_dtype, check_device)
        return
    else:
        raise TypeError(
            f"No comparison pair was able to handle inputs of type {type(actual)} and "
            f"{type(expected)}."
        )
    if rtol is None:
        if _is_number(actual) and isinstance(actual, (float, complex)):
            rtol, atol = _default_tols(np.dtype(np.float64))
        else:
            rtol, atol = _default_tols(a.dtype, e.dtype)
    _compare_arrays(a, e, float(rtol), float(atol), equal_nan, a.ndim == 0)


def _is_seq(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _nested(actual: Any, expected: Any, where: str, *args: Any) -> None:
    try:
        _compare(actual, expected, *args)
    except _Mismatch as m:
        raise _Mismatch(m.message, where + m.path) from None


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close (as PyTorch's).

    Default tolerances per dtype (rtol, atol): float16 (1e-3, 1e-5), float32 (1.3e-6, 1e-5),
    float64 (1e-7, 1e-7), integers and bools exact; give both ``rtol`` and ``atol`` or
    neither. ``check_layout`` and ``check_stride`` are accepted (minigrad tensors have one
    layout). ``msg`` replaces the message (a callable gets the generated one).

    >>> import minigrad as mg
    >>> assert_close([mg.ones(2), 1.0], [mg.ones(2), 1.0])
    >>> assert_close(mg.tensor([1.0]), mg.tensor([1.1]), rtol=0.2, atol=0.0)
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}."
        )
    try:
        _compare(actual, expected, rtol, atol, equal_nan, check_dtype, check_device)
    except _Mismatch as m:
        text = m.message + (f"\n\nThe failure occurred for item {m.path}" if m.path else "")
        if msg is not None:
            text = msg(text) if callable(msg) else msg
        raise AssertionError(text) from None
