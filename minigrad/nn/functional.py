"""The functional API (``import minigrad.nn.functional as F``), with PyTorch's names.

Convolution, pooling, softmax and the losses live in ``minigrad.ops`` (conv, pool, softmax,
loss, loss_regression); this module gathers them under PyTorch's names and signatures.
``F.batch_norm`` is re-exported lazily from ``minigrad.nn.normalization``.

>>> import minigrad as mg
>>> import minigrad.nn.functional as F
>>> F.relu(mg.tensor([-1.0, 2.0]))
tensor([0., 2.], dtype=float32, device='cpu')
"""

from __future__ import annotations

import importlib
from typing import Any

from minigrad.errors import ShapeError
from minigrad.ops import sigmoid, tanh
from minigrad.ops._util import check_tensor
from minigrad.ops.activation import (
    celu,
    celu_,
    elu,
    elu_,
    gelu,
    logsigmoid,
    mish,
    selu,
    selu_,
    silu,
    softmin,
    softplus,
    softsign,
    tanhshrink,
)
from minigrad.ops.activation_piecewise import (
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    prelu,
    relu,
    relu6,
    relu_,
    rrelu,
    rrelu_,
    softshrink,
    threshold,
    threshold_,
)
from minigrad.ops.attention import scaled_dot_product_attention
from minigrad.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from minigrad.ops.conv3d import conv3d
from minigrad.ops.distance import cosine_similarity, normalize, pairwise_distance
from minigrad.ops.dropout import dropout1d, dropout2d, dropout3d, feature_dropout
from minigrad.ops.embedding import embedding
from minigrad.ops.fold import fold, pixel_shuffle, pixel_unshuffle, unfold
from minigrad.ops.grid_sample import affine_grid, grid_sample
from minigrad.ops.interpolate import interpolate, upsample, upsample_bilinear, upsample_nearest
from minigrad.ops.linear import linear
from minigrad.ops.loss import cross_entropy, nll_loss
from minigrad.ops.loss_kl import kl_div
from minigrad.ops.loss_regression import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    l1_loss,
    mse_loss,
    rbf,
    smooth_l1_loss,
)
from minigrad.ops.normalization import group_norm, instance_norm, layer_norm, rms_norm
from minigrad.ops.padding import pad
from minigrad.ops.pool import (
    adaptive_avg_pool2d,
    avg_pool2d,
    max_pool2d,
    subsample,
    subsampling2d,
)
from minigrad.ops.pool_more import (
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    max_pool1d,
)
from minigrad.ops.select import one_hot
from minigrad.ops.softmax import log_softmax, softmax
from minigrad.tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv1d", "conv2d", "conv_transpose2d", "cross_entropy",
    "dropout", "huber_loss", "l1_loss", "leaky_relu", "linear", "log_softmax", "max_pool2d",
    "mse_loss", "nll_loss", "pad", "rbf", "relu", "scaled_dot_product_attention", "sigmoid",
    "smooth_l1_loss", "softmax", "subsample", "subsampling2d", "tanh",
]
__all__ += ["rrelu", "rrelu_", "softmin"]  # minigrad.ops.activation*
__all__ += ["embedding"]  # minigrad.ops.embedding
__all__ += ["one_hot"]  # minigrad.ops.select
__all__ += [  # the nn surface: distances, padding, resampling, blocks, channel dropout
    "cosine_similarity", "dropout1d", "dropout2d", "dropout3d", "feature_dropout", "fold",
    "interpolate", "kl_div", "normalize", "pairwise_distance", "pixel_shuffle",
    "pixel_unshuffle", "unfold", "upsample", "upsample_bilinear", "upsample_nearest",
]
__all__ += ["affine_grid", "grid_sample"]  # minigrad.ops.grid_sample
__all__ += ["conv3d", "conv_transpose1d"]  # minigrad.ops.conv3d, .conv
__all__ += [  # minigrad.ops.pool_more
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "avg_pool1d",
    "max_pool1d",
]
__all__ += [  # activations and normalisation (minigrad.ops.activation*, .normalization)
    "celu", "celu_", "elu", "elu_", "gelu", "glu", "group_norm", "hardshrink", "hardsigmoid",
    "hardswish", "hardtanh", "hardtanh_", "instance_norm", "layer_norm", "leaky_relu_",
    "logsigmoid", "mish", "prelu", "relu6", "relu_", "rms_norm", "selu", "selu_", "silu",
    "softplus", "softshrink", "softsign", "tanhshrink", "threshold", "threshold_",
]


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (training).

    ``inplace`` is accepted for PyTorch compatibility; a new tensor is always returned.

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> x = mg.ones(1000)
    >>> F.dropout(x, 0.5, training=False) is x, set(F.dropout(x, 0.5).tolist()) <= {0.0, 2.0}
    (True, True)
    """
    check_tensor(input, "dropout")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ShapeError(f"dropout: probability `p` must be in [0, 1], got {p!r}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    xp = input._backend.xp
    rng = input._backend.rng(input.device)
    keep = xp.asarray(rng.random(input.shape) >= p)
    scale = (keep / (1.0 - p)).astype(input.dtype)
    return input * Tensor._make(scale, None)


def __getattr__(name: str) -> Any:
    if name == "batch_norm":  # lazy: minigrad.nn.normalization imports this module
        return importlib.import_module("minigrad.nn.normalization").batch_norm
    if name == "multi_head_attention_forward":  # lazy: minigrad.nn.attention imports this
        return importlib.import_module("minigrad.nn.attention").multi_head_attention_forward
    raise AttributeError(f"module 'minigrad.nn.functional' has no attribute {name!r}")
