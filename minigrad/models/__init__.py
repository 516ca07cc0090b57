"""The models of ``minigrad train``, by name.

Image classifiers (logreg, mlp, lenet5, lenet5-classic, lstm) take images of shape
(N, 1, H, W) and return class scores (logits) of shape (N, 10), so one loss (cross-entropy)
and one accuracy (argmax) serve them all; :func:`input_options` says how a model wants its
images prepared (LeNet-5-classic wants MNIST's 28×28 padded to 32×32, as in the paper).
Language models (char-gpt) take token ids (N, T) and return next-token logits (N, T, V);
:func:`model_kind` tells the two apart.

>>> import minigrad as mg
>>> model = build_model("mlp")
>>> model(mg.zeros(2, 1, 28, 28)).shape
Size([2, 10])
>>> sorted(MODELS)
['char-gpt', 'lenet5', 'lenet5-classic', 'logreg', 'lstm', 'mlp']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad import nn
from minigrad.models.gpt import CharGPT, GPTConfig
from minigrad.models.mnist import (
    C3_CONNECTIONS,
    LeNet5,
    LeNet5Classic,
    ScaledTanh,
    c3_table,
    logistic_regression,
    mlp,
)
from minigrad.models.sequence import RowLSTM

__all__ = [
    "C3_CONNECTIONS", "MODELS", "CharGPT", "GPTConfig", "LeNet5", "LeNet5Classic", "RowLSTM",
    "ScaledTanh", "build_model", "c3_table", "input_options", "logistic_regression", "mlp",
    "model_kind",
]

MODELS: dict[str, Callable[..., nn.Module]] = {
    "logreg": logistic_regression,
    "mlp": mlp,
    "lenet5": LeNet5,
    "lenet5-classic": LeNet5Classic,
    "lstm": RowLSTM,
    "char-gpt": CharGPT,
}

_INPUT_OPTIONS: dict[str, dict[str, Any]] = {"lenet5-classic": {"pad": 2}}
_LANGUAGE_MODELS = frozenset({"char-gpt"})


def _check(name: str, where: str) -> None:
    if name not in MODELS:
        raise ValueError(f"{where}: unknown model {name!r}; choose one of {sorted(MODELS)}")


def build_model(name: str, **kwargs: Any) -> nn.Module:
    """A fresh model by name (see :data:`MODELS`); ``kwargs`` go to its constructor.

    >>> build_model("logreg", num_classes=3)[1].out_features
    3
    """
    _check(name, "build_model")
    return MODELS[name](**kwargs)


def input_options(name: str) -> dict[str, Any]:
    """Keyword arguments for ``ImageDataset.tensors`` that model ``name`` needs.

    >>> input_options("lenet5-classic"), input_options("mlp")
    ({'pad': 2}, {})
    """
    _check(name, "input_options")
    return dict(_INPUT_OPTIONS.get(name, {}))


def model_kind(name: str) -> str:
    """``"image"`` for the classifiers of (N, 1, H, W) images, ``"language"`` for the models of
    token ids (N, T).

    >>> model_kind("lstm"), model_kind("char-gpt")
    ('image', 'language')
    """
    _check(name, "model_kind")
    return "language" if name in _LANGUAGE_MODELS else "image"
