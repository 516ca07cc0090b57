"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU``, as ``torch.nn`` (names, shapes, gate order,
initialisation), so a ``state_dict`` moves between PyTorch and minigrad unchanged.

Per layer and direction the input projection of every time step is one GEMM, then one
:class:`~minigrad.ops.rnn.Recurrence` node runs the loop (one ``h @ W_hhᵀ`` GEMM per step).
Padded and packed input share one code path: a padded batch is a packed one whose sequences
all have the full length.

>>> import minigrad as mg
>>> from minigrad import nn
>>> lstm = nn.LSTM(4, 8, num_layers=2, bidirectional=True)
>>> out, (h_n, c_n) = lstm(mg.randn(5, 3, 4))          # (T, B, input_size)
>>> tuple(out.shape), tuple(h_n.shape), tuple(c_n.shape)
((5, 3, 16), (4, 3, 8), (4, 3, 8))
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from minigrad import creation, dtypes, ops
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.nn.utils.rnn import PackedSequence, packed_layout
from minigrad.ops.rnn import GATES, permute_rows, recurrence
from minigrad.tensor import Tensor

__all__ = ["GRU", "LSTM", "RNN", "RNNBase"]


def _check_int(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be greater than zero" if minimum else
                         f"{name} should be a positive integer or zero to disable projections")
    return value


class _Layout:
    """Row bookkeeping of one batch in packed layout (see :mod:`minigrad.ops.rnn`): index
    arrays on the input's device."""

    def __init__(self, batch_sizes: list[int], device: Any) -> None:
        self.batch_sizes = tuple(batch_sizes)
        steps, seq = packed_layout(batch_sizes)
        starts = np.cumsum(batch_sizes) - np.asarray(batch_sizes)
        lengths = np.bincount(seq, minlength=batch_sizes[0])

        def on_device(rows: np.ndarray) -> Any:
            return creation.tensor(rows, dtype=dtypes.int64, device=device)._data

        #: the row of each sequence's last step
        self.last = on_device(starts[lengths - 1] + np.arange(batch_sizes[0]))
        #: the row permutation that reverses every sequence in time (its own inverse)
        self.reverse = on_device(starts[lengths[seq] - 1 - steps] + seq)


class RNNBase(Module):
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU` (``mode`` is one of
    "RNN_TANH", "RNN_RELU", "LSTM", "GRU", as in PyTorch).

    ``flatten_parameters()`` is accepted and does nothing: minigrad keeps no fused weight
    buffer to compact (PyTorch's is a cuDNN detail).

    >>> from minigrad import nn
    >>> gru = nn.GRU(3, 5, bias=False)
    >>> [name for name, _ in gru.named_parameters()]
    ['weight_ih_l0', 'weight_hh_l0']
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        if mode not in GATES:
            raise ValueError("Unrecognized RNN mode: " + str(mode))
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}", stacklevel=2,
            )
        for name, flag in (("bias", bias), ("batch_first", batch_first),
                           ("bidirectional", bidirectional)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(flag).__name__}")
        _check_int("input_size", input_size, 1)
        _check_int("hidden_size", hidden_size, 1)
        _check_int("num_layers", num_layers, 1)
        _check_int("proj_size", proj_size, 0)
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gates = GATES[mode] * hidden_size
        width = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                fan_in = input_size if layer == 0 else width * directions
                shapes = [("weight_ih", (gates, fan_in)), ("weight_hh", (gates, width))]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for kind, shape in shapes:
                    setattr(self, kind + suffix,
                            Parameter(creation.empty(*shape, dtype=dtype, device=device)))
                    names.append(kind + suffix)
                self._flat_weights_names += names
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from ``U(-1/√hidden_size, 1/√hidden_size)``."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """A no-op kept for PyTorch compatibility (there is no cuDNN weight buffer)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters per layer and direction, in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ forward
    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        name = type(self).__name__
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            bsz = [int(b) for b in batch_sizes.tolist()]
            batched = True
        else:
            if not isinstance(input, Tensor):
                raise MinigradTypeError(f"{name}: expected a Tensor or a PackedSequence, got "
                                        f"{type(input).__name__}")
            if input.ndim not in (2, 3):
                raise ShapeError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D "
                                 f"instead")
            batched = input.ndim == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.transpose(0, 1)
            steps, batch = x.shape[0], x.shape[1]
            data = x.reshape(steps * batch, x.shape[2])
            bsz = [batch] * steps
            sorted_indices = unsorted_indices = None
        self._check_input(data)
        if not bsz or bsz[0] == 0:
            raise ShapeError(f"{name}: got an empty batch or sequence (input shape "
                             f"{input.data.shape if packed else input.shape})")
        h0, c0 = self._initial_state(hx, data, bsz[0], batched, sorted_indices)
        layout = _Layout(bsz, data.device)
        width = self.proj_size or self.hidden_size
        directions = 2 if self.bidirectional else 1
        h_n, c_n = [], []
        layer_input = data
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                w = self.all_weights[k]
                w_ih, w_hh = w[0], w[1]
                b_ih, b_hh = (w[2], w[3]) if self.bias else (None, None)
                w_hr = w[-1] if self.proj_size else None
                xw = ops.linear(layer_input, w_ih, b_ih)  # every step's projection: one GEMM
                if direction:
                    xw = permute_rows(xw, layout.reverse)
                y = recurrence(self.mode, xw, h0[k], w_hh, b_hh, weight_hr=w_hr,
                               cx=c0[k] if lstm else None, batch_sizes=layout.batch_sizes)
                last = y[layout.last]
                h_n.append(last[:, :width] if lstm else last)
                if lstm:
                    c_n.append(last[:, width:])
                    y = y[:, :width]
                outs.append(permute_rows(y, layout.reverse) if direction else y)
            layer_input = outs[0] if directions == 1 else ops.cat(outs, dim=1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        h_n = self._final(h_n, unsorted_indices, batched)
        if lstm:
            hidden: Any = (h_n, self._final(c_n, unsorted_indices, batched))
        else:
            hidden = h_n
        if packed:
            return PackedSequence(layer_input, batch_sizes, sorted_indices,
                                  unsorted_indices), hidden
        out = layer_input.reshape(len(bsz), bsz[0], layer_input.shape[1])
        if not batched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, hidden

    def _check_input(self, data: Tensor) -> None:
        name = type(self).__name__
        weight = self.weight_ih_l0
        if data.dtype != weight.dtype:
            raise MinigradTypeError(
                f"{name}: input dtype ({data.dtype}) does not match weight dtype "
                f"({weight.dtype}). Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({data.dtype})"
            )
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise ShapeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                             f"{self.input_size}, got {data.shape[-1] if data.ndim else None}")

    def _initial_state(self, hx: Any, data: Tensor, batch: int, batched: bool,
                       sorted_indices: Tensor | None) -> tuple[Tensor, Tensor | None]:
        name = type(self).__name__
        lstm = self.mode == "LSTM"
        n = self.num_layers * (2 if self.bidirectional else 1)
        shapes = [(n, batch, self.proj_size or self.hidden_size)]
        if lstm:
            shapes.append((n, batch, self.hidden_size))
        if hx is None:
            states = [creation.zeros(*s, dtype=data.dtype, device=data.device) for s in shapes]
            return states[0], (states[1] if lstm else None)
        if lstm:
            if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise MinigradTypeError(f"{name}: `hx` must be a tuple (h_0, c_0), got "
                                        f"{type(hx).__name__}")
            states = list(hx)
        else:
            states = [hx]
        for i, s in enumerate(states):
            if not isinstance(s, Tensor):
                raise MinigradTypeError(f"{name}: the initial state must be a Tensor, got "
                                        f"{type(s).__name__}")
            dims = 3 if batched else 2
            if s.ndim != dims:
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise ShapeError(f"{name}: For {kind} input, hx should also be {dims}-D but got "
                                 f"{s.ndim}-D tensor")
            if s.dtype != data.dtype:
                raise MinigradTypeError(f"{name}: input and hidden tensors are not the same "
                                        f"dtype, found input {data.dtype} and hidden {s.dtype}")
            if not batched:
                states[i] = s = s.unsqueeze(1)
            if s.shape != shapes[i]:
                which = f"hidden[{i}]" if lstm else "hidden"
                raise ShapeError(f"{name}: Expected {which} size {shapes[i]}, got "
                                 f"{list(s.shape)}")
            if sorted_indices is not None:  # the states follow their sequences
                states[i] = s[:, sorted_indices]
        return states[0], (states[1] if lstm else None)

    @staticmethod
    def _final(states: list[Tensor], unsorted: Tensor | None, batched: bool) -> Tensor:
        out = ops.stack(states, dim=0)
        if unsorted is not None:
            out = out[:, unsorted]
        return out if batched else out.squeeze(1)


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh)`` (or ReLU), as
    ``torch.nn.RNN``. Returns ``(output, h_n)``; input ``(T, B, input_size)`` (``(B, T, …)``
    with ``batch_first``), ``(T, input_size)`` unbatched, or a ``PackedSequence``.

    >>> import minigrad as mg
    >>> rnn = RNN(3, 5, num_layers=2, nonlinearity="relu", batch_first=True)
    >>> out, h_n = rnn(mg.randn(2, 7, 3))
    >>> tuple(out.shape), tuple(h_n.shape)
    ((2, 7, 5), (2, 2, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory, as ``torch.nn.LSTM`` (gates i, f, g, o in that order; with
    ``proj_size > 0`` the hidden state is projected by ``weight_hr``). Returns
    ``(output, (h_n, c_n))``.

    >>> import minigrad as mg
    >>> lstm = LSTM(3, 6, proj_size=2)
    >>> out, (h_n, c_n) = lstm(mg.randn(4, 3))           # unbatched (T, input_size)
    >>> tuple(out.shape), tuple(h_n.shape), tuple(c_n.shape)
    ((4, 2), (1, 2), (1, 6))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, as ``torch.nn.GRU`` (gates r, z, n with
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``).
    Returns ``(output, h_n)``.

    >>> import minigrad as mg
    >>> out, h_n = GRU(3, 4, bidirectional=True)(mg.randn(5, 2, 3))
    >>> tuple(out.shape), tuple(h_n.shape)
    ((5, 2, 8), (2, 2, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)
