"""Single-step recurrent cells ``RNNCell``, ``LSTMCell`` and ``GRUCell``, as ``torch.nn``.

A cell runs one step of the same fused :class:`~minigrad.ops.rnn.Recurrence` op the layers
use, so cells and layers agree to the last bit.

>>> import minigrad as mg
>>> from minigrad import nn
>>> cell = nn.LSTMCell(3, 4)
>>> h, c = cell(mg.randn(2, 3))
>>> h, c = cell(mg.randn(2, 3), (h, c))       # carry the state by hand
>>> tuple(h.shape), tuple(c.shape)
((2, 4), (2, 4))
"""

from __future__ import annotations

import math
from typing import Any

from minigrad import creation, ops
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.ops.rnn import recurrence
from minigrad.tensor import Tensor

__all__ = ["GRUCell", "LSTMCell", "RNNCell", "RNNCellBase"]


class RNNCellBase(Module):
    """Parameters shared by the cells: ``weight_ih (chunks*hidden, input)``, ``weight_hh
    (chunks*hidden, hidden)``, ``bias_ih`` and ``bias_hh``, all ``U(-1/√hidden, 1/√hidden)``.

    >>> from minigrad import nn
    >>> tuple(nn.GRUCell(2, 3).weight_ih.shape)
    (9, 2)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(rows, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(creation.empty(rows, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(creation.empty(rows, dtype=dtype, device=device))
            self.bias_hh = Parameter(creation.empty(rows, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from ``U(-1/√hidden_size, 1/√hidden_size)``."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _step(self, mode: str, input: Any, states: list[Any]) -> tuple[Tensor, bool]:
        """One step from ``states`` (None entries start at zero): the op's output rows."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise MinigradTypeError(f"{name}: expected a Tensor input, got "
                                    f"{type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ShapeError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if x.shape[1] != self.input_size:
            raise ShapeError(f"{name}: input has inconsistent input_size: got {x.shape[1]} "
                             f"expected {self.input_size}")
        if x.dtype != self.weight_ih.dtype:
            raise MinigradTypeError(f"{name}: input dtype ({x.dtype}) does not match weight "
                                    f"dtype ({self.weight_ih.dtype})")
        full = []
        for i, s in enumerate(states):
            if s is None:
                s = creation.zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            elif not isinstance(s, Tensor):
                raise MinigradTypeError(f"{name}: hidden state must be a Tensor, got "
                                        f"{type(s).__name__}")
            elif s.ndim != input.ndim:
                raise ShapeError(f"{name}: Expected hx[{i}] to be {input.ndim}D like the input, "
                                 f"got {s.ndim}D instead")
            else:
                s = s if batched else s.unsqueeze(0)
                if s.shape[0] != x.shape[0]:
                    raise ShapeError(f"{name}: Input batch size {x.shape[0]} doesn't match "
                                     f"hidden{i} batch size {s.shape[0]}")
                if s.shape[1] != self.hidden_size:
                    raise ShapeError(f"{name}: hidden{i} has inconsistent hidden_size: got "
                                     f"{s.shape[1]}, expected {self.hidden_size}")
                if s.dtype != x.dtype:
                    raise MinigradTypeError(f"{name}: hidden{i} dtype ({s.dtype}) does not "
                                            f"match input dtype ({x.dtype})")
            full.append(s)
        xw = ops.linear(x, self.weight_ih, self.bias_ih)
        y = recurrence(mode, xw, full[0], self.weight_hh, self.bias_hh,
                       cx=full[1] if mode == "LSTM" else None)
        return y, batched


class RNNCell(RNNCellBase):
    """One Elman step ``h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`` (or ReLU), as
    ``torch.nn.RNNCell``; input ``(B, input_size)`` or ``(input_size,)``.

    >>> import minigrad as mg
    >>> tuple(RNNCell(3, 2, nonlinearity="relu")(mg.randn(3)).shape)
    (2,)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        h, batched = self._step(mode, input, [hx])
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, as ``torch.nn.LSTMCell``: returns ``(h', c')``.

    >>> import minigrad as mg
    >>> h, c = LSTMCell(3, 2)(mg.randn(3))
    >>> tuple(h.shape), tuple(c.shape)
    ((2,), (2,))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise MinigradTypeError(f"LSTMCell: `hx` must be a tuple (h_0, c_0), got "
                                    f"{type(hx).__name__}")
        y, batched = self._step("LSTM", input, [None, None] if hx is None else list(hx))
        n = self.hidden_size
        h, c = y[:, :n], y[:, n:]
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step, as ``torch.nn.GRUCell``.

    >>> import minigrad as mg
    >>> tuple(GRUCell(3, 2)(mg.randn(4, 3), mg.zeros(4, 2)).shape)
    (4, 2)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        h, batched = self._step("GRU", input, [hx])
        return h if batched else h.squeeze(0)
