"""Loss modules and functions against PyTorch: values and every gradient (float64), reprs,
PyTorch's exact signatures, and the deprecated ``size_average``/``reduce`` arguments."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from attention_torch import compare_with_torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

torch = pytest.importorskip("torch")


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _pair(name: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """The minigrad module and its PyTorch twin, both float64."""
    return (getattr(nn, name)(*args, **kwargs).double(),
            getattr(torch.nn, name)(*args, **kwargs).double())


def _call(mod: Any, ts: list[Any], lib: Any) -> Any:
    return mod(*ts)


LOSSES = [
    ("L1Loss", {}), ("L1Loss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}),
    ("SmoothL1Loss", {"reduction": "none"}), ("HuberLoss", {"delta": 0.7}),
    ("HuberLoss", {"reduction": "sum"}), ("MSELoss", {"reduction": "none"}),
]


@pytest.mark.parametrize(("name", "kw"), LOSSES, ids=lambda v: str(v))
def test_regression_loss_modules(name: str, kw: dict[str, Any]) -> None:
    ours, theirs = _pair(name, **kw)
    assert repr(ours) == repr(theirs)  # torch shows no arguments of a loss
    compare_with_torch(ours, theirs, [_rand(3, 4), _rand(3, 4, seed=1)], _call)


@pytest.mark.parametrize("reduction", ["sum", "batchmean", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kldiv_loss(reduction: str, log_target: bool) -> None:
    ours, theirs = _pair("KLDivLoss", reduction=reduction, log_target=log_target)
    logp = np.log(np.random.default_rng(2).dirichlet(np.ones(5), size=3))
    target = np.random.default_rng(3).dirichlet(np.ones(5), size=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if reduction == "mean" else "error")
        compare_with_torch(ours, theirs, [logp, np.log(target) if log_target else target], _call)
    if reduction == "mean":
        with pytest.warns(UserWarning, match="batchmean"):
            ours(mg.tensor(logp), mg.tensor(target))


def test_weighted_losses_forward_their_arguments() -> None:
    w = _rand(4, seed=5) ** 2
    target = np.array([0, 3, 1, -100, 2])
    for kw in ({"ignore_index": -100, "label_smoothing": 0.2}, {"reduction": "sum"}):
        ours = nn.CrossEntropyLoss(mg.tensor(w), **kw)
        theirs = torch.nn.CrossEntropyLoss(torch.tensor(w), **kw)
        compare_with_torch(ours, theirs, [_rand(5, 4), target], _call)
    ours = nn.NLLLoss(mg.tensor(w), ignore_index=1)
    compare_with_torch(ours, torch.nn.NLLLoss(torch.tensor(w), ignore_index=1),
                       [_rand(5, 4), np.array([0, 1, 1, 3, 2])], _call)


LOSS_NAMES = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss",
              "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss"]


def _params(fn: Any) -> list[tuple[str, Any]]:
    import inspect

    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
            if p.name != "self"]


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_loss_module_signatures_are_torch(name: str) -> None:
    assert _params(getattr(nn, name).__init__) == _params(getattr(torch.nn, name).__init__)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "cross_entropy", "kl_div", "l1_loss", "mse_loss", "nll_loss",
                                  "smooth_l1_loss"])
def test_loss_function_signatures_are_torch_up_to_weight(name: str) -> None:
    """Same parameters in the same order (torch 2.13 appends a `weight` to some)."""
    theirs = [p for p in _params(getattr(torch.nn.functional, name))
              if not (p[0] == "weight" and name in ("l1_loss", "mse_loss"))]
    assert _params(getattr(F, name)) == theirs


def _legacy(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; it must warn about the deprecated arguments (other warnings allowed)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    assert any("deprecated" in str(w.message) for w in seen), [str(w.message) for w in seen]
    return out


@pytest.mark.parametrize(("size_average", "reduce"), [(False, None), (None, False),
                                                      (True, True), (False, True)])
def test_legacy_size_average_and_reduce_as_torch(size_average: Any, reduce: Any) -> None:
    a, b = _rand(3, 4), np.abs(_rand(3, 4, seed=1))
    p = 1 / (1 + np.exp(-a))
    cases = [("mse_loss", a, b), ("l1_loss", a, b), ("smooth_l1_loss", a, b),
             ("binary_cross_entropy", p, b / b.max()),
             ("binary_cross_entropy_with_logits", a, b / b.max()),
             ("kl_div", np.log(p), b)]
    kw = {"size_average": size_average, "reduce": reduce}
    for name, x, y in cases:
        got = _legacy(getattr(F, name), mg.tensor(x), mg.tensor(y), **kw)
        want = _legacy(getattr(torch.nn.functional, name), torch.tensor(x), torch.tensor(y),
                       **kw)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, err_msg=name)
    target = np.array([0, 2, 3])
    for name, x in (("cross_entropy", a), ("nll_loss", np.log(p))):
        got = _legacy(getattr(F, name), mg.tensor(x), mg.tensor(target), None, size_average,
                      reduce=reduce)
        want = _legacy(getattr(torch.nn.functional, name), torch.tensor(x),
                       torch.tensor(target), None, size_average, reduce=reduce)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, err_msg=name)
    module = _legacy(nn.MSELoss, size_average, reduce)
    assert module.reduction == _legacy(torch.nn.MSELoss, size_average, reduce).reduction
