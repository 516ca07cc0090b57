"""Weight initialisation, as ``torch.nn.init`` (in place, without recording, seeded by
``mg.manual_seed``).

>>> import minigrad as mg
>>> from minigrad.nn import init
>>> w = mg.empty(64, 32)
>>> _ = mg.manual_seed(0); _ = init.kaiming_uniform_(w, nonlinearity="relu")
>>> bound = init.calculate_gain("relu") * (3 / 32) ** 0.5
>>> bool(w.abs().max() <= bound)
True
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.backends import backend_of
from minigrad.creation import randn
from minigrad.errors import ShapeError
from minigrad.grad_mode import no_grad
from minigrad.tensor import Tensor

__all__ = [
    "calculate_gain", "constant_", "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_",
    "orthogonal_", "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_",
]

_LINEAR = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid"}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity`` (PyTorch's table).

    >>> calculate_gain("tanh"), round(calculate_gain("relu"), 4)
    (1.6666666666666667, 1.4142)
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight ``(out, in, *kernel)``.

    >>> import minigrad as mg
    >>> _calculate_fan_in_and_fan_out(mg.empty(6, 3, 5, 5))
    (75, 150)
    """
    if tensor.ndim < 2:
        raise ShapeError(
            "fan in and fan out can not be computed for a tensor with fewer than 2 dimensions "
            f"(got shape {tensor.shape})"
        )
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str, op: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ShapeError(f"{op}: cannot initialise a tensor with a zero {mode} (shape "
                         f"{tensor.shape})")
    return fan


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b).

    >>> import minigrad as mg
    >>> t = uniform_(mg.empty(100), -1.0, 1.0)
    >>> bool((t.abs() <= 1).all())
    True
    """
    with no_grad():
        return tensor.uniform_(a, b)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std²).

    >>> import minigrad as mg
    >>> normal_(mg.empty(3), std=0.0).tolist()
    [0.0, 0.0, 0.0]
    """
    with no_grad():
        return tensor.normal_(mean, std)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    >>> import minigrad as mg
    >>> constant_(mg.empty(2), 0.5).tolist()
    [0.5, 0.5]
    """
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0.

    >>> import minigrad as mg
    >>> zeros_(mg.ones(2)).tolist()
    [0.0, 0.0]
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1.

    >>> import minigrad as mg
    >>> ones_(mg.zeros(2)).tolist()
    [1.0, 1.0]
    """
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot & Bengio (2010): U(-a, a) with ``a = gain·sqrt(6 / (fan_in + fan_out))``.

    >>> import minigrad as mg
    >>> w = xavier_uniform_(mg.empty(30, 20))
    >>> bool(w.abs().max() <= (6 / 50) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std²) with ``std = gain·sqrt(2 / (fan_in + fan_out))``.

    >>> import minigrad as mg
    >>> xavier_normal_(mg.empty(4, 4)).shape
    Size([4, 4])
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He et al. (2015): U(-b, b) with ``b = gain·sqrt(3 / fan)``, ``gain`` from
    :func:`calculate_gain` (``a`` is the leaky-ReLU slope).

    >>> import minigrad as mg
    >>> w = kaiming_uniform_(mg.empty(8, 25), a=5 ** 0.5)   # PyTorch's Linear default
    >>> bool(w.abs().max() <= 1 / 25 ** 0.5)
    True
    """
    fan = _fan(tensor, mode, "kaiming_uniform_")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, std²) with ``std = gain / sqrt(fan)``.

    >>> import minigrad as mg
    >>> kaiming_normal_(mg.empty(4, 3), mode="fan_out", nonlinearity="relu").shape
    Size([4, 3])
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode, "kaiming_normal_"))
    return normal_(tensor, 0.0, std)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Saxe et al. (2013): a (semi-)orthogonal matrix times ``gain``, from the QR
    decomposition of a standard normal ``(size(0), numel // size(0))`` matrix with R's
    diagonal made positive, as PyTorch; dims past the first are flattened.

    >>> import minigrad as mg
    >>> w = orthogonal_(mg.empty(3, 5))
    >>> bool(((w @ w.t()) - mg.eye(3)).abs().max() < 1e-5)
    True
    """
    if tensor.dim() < 2:
        raise ShapeError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with no_grad():
        flat = randn(rows, cols, dtype=tensor.dtype, device=tensor.device,
                     generator=generator)._data
        xp = backend_of(flat).xp
        a = flat.T if rows < cols else flat
        q, r = xp.linalg.qr(a.astype(xp.float64))
        q = q * xp.sign(xp.diagonal(r))
        if rows < cols:
            q = q.T
        tensor.copy_(Tensor._make(q.reshape(tensor.shape).astype(flat.dtype), None))
        return tensor.mul_(gain)
