"""Fuzz the public API with wrong shapes, dtypes, sizes and types: every call either works or
raises a minigrad error (or a builtin TypeError/ValueError/IndexError/RuntimeError raised by
minigrad's own code). A NumPy traceback, an AttributeError, KeyError, AssertionError,
ZeroDivisionError... from anywhere fails the test.

Deterministic under the CI profile (``derandomize``); a few examples per function keep it to
seconds. ``HYPOTHESIS_PROFILE=thorough`` explores longer.
"""

from __future__ import annotations

import os
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

PACKAGE = os.path.dirname(os.path.abspath(mg.__file__))
HERE = os.path.abspath(__file__)
ALLOWED = (TypeError, ValueError, IndexError, RuntimeError)
EXAMPLES = int(os.environ.get("MINIGRAD_FUZZ_EXAMPLES", "12"))

# ----------------------------------------------------------------------------- arguments
_DTYPES = [np.float32, np.float64, np.int64, np.bool_]


@st.composite
def _tensors(draw: Any) -> mg.Tensor:
    shape = tuple(draw(st.lists(st.integers(0, 4), max_size=4)))
    dtype = draw(st.sampled_from(_DTYPES))
    seed = draw(st.integers(0, 2**16))
    values = np.random.default_rng(seed).standard_normal(shape) * 3
    t = mg.tensor(values.astype(dtype))
    if dtype in (np.float32, np.float64) and draw(st.booleans()):
        t.requires_grad_()
    return t


_SCALARS = st.one_of(
    st.integers(-3, 6),
    st.sampled_from([0.5, -1.5, 2.5, float("nan"), float("inf"), True, False, None, "a", "mean",
                     b"x", 1 + 2j, (), [], {}, mg.float32, mg.int64, np.float64(1.5),
                     np.int64(2), slice(None, 2), Ellipsis]),
)
_SHAPES = st.lists(st.integers(-2, 4), max_size=4).map(tuple)
ARGS = st.one_of(_SCALARS, _SHAPES, _tensors(), st.lists(_tensors(), max_size=3),
                 st.lists(st.one_of(st.integers(-2, 4), st.floats(-2, 2)), max_size=3))

# ----------------------------------------------------------------------------- the surface
TOP_LEVEL = [
    "tensor", "zeros", "ones", "empty", "full", "arange", "linspace", "logspace", "eye", "rand",
    "randn", "randint", "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
    "reshape", "permute", "transpose", "squeeze", "unsqueeze", "flatten", "cat", "stack",
    "split", "chunk", "flip", "roll", "narrow", "broadcast_to", "sum", "mean", "var", "std",
    "max", "min", "amax", "amin", "argmax", "argmin", "prod", "logsumexp", "cumsum", "norm",
    "add", "sub", "mul", "div", "pow", "matmul", "maximum", "minimum", "where", "eq", "lt",
    "gather", "index_select", "masked_fill", "clamp", "tril", "topk", "sort", "diag", "outer",
    "take", "exp", "log", "sqrt", "tanh", "sigmoid", "abs", "einsum", "allclose", "isclose",
]
METHODS = [
    "__getitem__", "__setitem__", "__add__", "__mul__", "__truediv__", "__pow__", "__matmul__",
    "__rsub__", "view", "expand", "repeat", "reshape", "permute", "transpose", "sum", "mean",
    "std", "max", "softmax", "log_softmax", "item", "tolist", "to", "type", "float", "long",
    "backward", "fill_", "add_", "mul_", "zero_", "clamp_", "index_put", "scatter", "unfold",
    "masked_fill", "size", "numel", "dim", "squeeze", "unsqueeze", "t", "detach", "astype",
    "new_zeros", "new_full", "split", "chunk", "flip", "requires_grad_",
]
FUNCTIONAL = [
    "relu", "gelu", "softmax", "log_softmax", "linear", "conv1d", "conv2d", "max_pool2d",
    "avg_pool2d", "adaptive_avg_pool2d", "cross_entropy", "mse_loss", "nll_loss",
    "binary_cross_entropy", "dropout", "layer_norm", "batch_norm", "group_norm", "embedding",
    "pad", "one_hot", "normalize", "interpolate", "unfold", "scaled_dot_product_attention",
]
MODULES: dict[str, Callable[[], nn.Module]] = {
    "Linear": lambda: nn.Linear(3, 4), "Conv2d": lambda: nn.Conv2d(1, 2, 3),
    "Conv1d": lambda: nn.Conv1d(2, 2, 2), "BatchNorm1d": lambda: nn.BatchNorm1d(3),
    "BatchNorm2d": lambda: nn.BatchNorm2d(2), "LayerNorm": lambda: nn.LayerNorm(3),
    "Embedding": lambda: nn.Embedding(5, 3), "MaxPool2d": lambda: nn.MaxPool2d(2),
    "LSTM": lambda: nn.LSTM(3, 4), "GRU": lambda: nn.GRU(3, 2, batch_first=True),
    "MultiheadAttention": lambda: nn.MultiheadAttention(4, 2), "Dropout": lambda: nn.Dropout(),
    "Sequential": lambda: nn.Sequential(nn.Flatten(), nn.Linear(4, 2), nn.ReLU()),
    "CrossEntropyLoss": lambda: nn.CrossEntropyLoss(), "Softmax": lambda: nn.Softmax(dim=1),
}


# ----------------------------------------------------------------------------- the oracle
def _call(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> None:
    """Call ``fn``; fail on an exception that is not minigrad's own, named error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # NumPy's overflow/NaN warnings are not the point
            out = fn(*args, **kwargs)
            if isinstance(out, mg.Tensor) and out.requires_grad and out.numel() and out.dtype \
                    in (mg.float32, mg.float64):
                out.sum().backward()
    except mg.MinigradError:
        return
    except ALLOWED as e:
        frame = traceback.extract_tb(e.__traceback__)[-1]
        last = os.path.abspath(frame.filename)
        if last.startswith(PACKAGE) or (last == HERE and frame.name == "_call"):
            return  # raised by minigrad's code, or by Python for a call that does not fit
        raise AssertionError(
            f"{fn!r} raised {type(e).__name__} from outside minigrad ({last}): {e}\n"
            f"args={args!r} kwargs={kwargs!r}"
        ) from e
    except Exception as e:
        raise AssertionError(
            f"{fn!r} raised {type(e).__name__}: {e}\nargs={args!r} kwargs={kwargs!r}"
        ) from e


_KWARGS = st.dictionaries(st.sampled_from(["dim", "keepdim", "dtype", "weight", "p"]),
                          ARGS, max_size=1)
_FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                 suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name", TOP_LEVEL)
@_FUZZ
@given(args=st.lists(ARGS, max_size=3), kwargs=_KWARGS)
def test_top_level_functions(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    _call(getattr(mg, name), args, kwargs)


@pytest.mark.parametrize("name", METHODS)
@_FUZZ
@given(self=_tensors(), args=st.lists(ARGS, max_size=3), kwargs=_KWARGS)
def test_tensor_methods(name: str, self: mg.Tensor, args: list[Any],
                        kwargs: dict[str, Any]) -> None:
    _call(getattr(self, name), args, kwargs)


@pytest.mark.parametrize("name", FUNCTIONAL)
@_FUZZ
@given(args=st.lists(ARGS, min_size=1, max_size=3), kwargs=_KWARGS)
def test_functional(name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    _call(getattr(F, name), args, kwargs)


@pytest.mark.parametrize("name", sorted(MODULES))
@_FUZZ
@given(args=st.lists(st.one_of(_tensors(), ARGS), min_size=1, max_size=3))
def test_module_forward(name: str, args: list[Any]) -> None:
    _call(MODULES[name](), args, {})


def test_the_oracle_catches_numpy_and_internal_errors() -> None:
    def numpy_error() -> None:
        np.linspace(0, None, 3)  # a TypeError raised inside NumPy's Python code

    def key_error() -> None:
        {}["x"]

    for bad in (numpy_error, key_error):
        with pytest.raises(AssertionError, match="raised"):
            _call(bad, [], {})
    _call(mg.zeros, ["a"], {})  # a named minigrad error passes
