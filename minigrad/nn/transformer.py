"""``TransformerEncoder``, ``TransformerDecoder`` and ``Transformer`` as PyTorch's: stacks of
deep copies of one layer (``layers.0``, ``layers.1``, …) and an optional final norm, so a
PyTorch state_dict loads unchanged.

``enable_nested_tensor`` and ``mask_check`` are accepted and have no effect: minigrad has no
nested tensors. PyTorch takes its nested-tensor path only in eval mode without autograd, where
it returns zeros at padded positions of ``src_key_padding_mask``; minigrad computes those
positions as PyTorch does everywhere else (training, autograd, or enable_nested_tensor=False).

>>> import minigrad as mg
>>> from minigrad import nn
>>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
...                        dim_feedforward=16, batch_first=True)
>>> tgt_mask = nn.Transformer.generate_square_subsequent_mask(4)
>>> model(mg.ones(2, 5, 8), mg.ones(2, 4, 8), tgt_mask=tgt_mask).shape
Size([2, 4, 8])
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

from minigrad import creation
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.containers import ModuleList
from minigrad.nn.layer_norm import LayerNorm
from minigrad.nn.module import Module
from minigrad.nn.transformer_layers import TransformerDecoderLayer, TransformerEncoderLayer
from minigrad.ops.diagonal import triu
from minigrad.tensor import Tensor

__all__ = [
    "Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
    "TransformerEncoderLayer",
]


def _clones(op: str, layer: Module, num_layers: int) -> ModuleList:
    if not isinstance(layer, Module):
        raise MinigradTypeError(f"{op}: the layer must be a Module, got {type(layer).__name__}")
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 0:
        raise ValueError(f"{op}: `num_layers` must be a non-negative int, got {num_layers!r}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


def _seq_len(x: Tensor, batch_first: bool) -> int:
    return x.shape[0] if x.ndim == 2 else x.shape[1 if batch_first else 0]


def _is_causal(mask: Tensor | None, is_causal: bool | None, size: int) -> bool:
    """PyTorch's rule: an explicit flag wins; else a square mask equal to the causal one."""
    if is_causal is not None or mask is None:
        return bool(is_causal)
    if tuple(mask.shape) != (size, size):
        return False
    causal = _square_subsequent(size, mask.device, mask.dtype)
    return bool((mask._data == causal._data).all())


def _square_subsequent(sz: int, device: Any, dtype: Any) -> Tensor:
    return triu(creation.full((sz, sz), -math.inf, dtype=dtype, device=device), diagonal=1)


def _batch_first(layers: ModuleList) -> bool:
    first = layers[0] if len(layers) else None
    return bool(getattr(getattr(first, "self_attn", None), "batch_first", False))


class TransformerEncoder(Module):
    """``num_layers`` deep copies of ``encoder_layer`` run in turn, then ``norm`` if given.

    >>> import minigrad as mg
    >>> layer = TransformerEncoderLayer(8, 2, 16)
    >>> enc = TransformerEncoder(layer, num_layers=2)
    >>> enc(mg.ones(5, 3, 8)).shape, enc.layers[0] is layer
    (Size([5, 3, 8]), False)
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _clones("TransformerEncoder", encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor  # accepted; no nested tensors
        self.use_nested_tensor = False
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        is_causal = _is_causal(mask, is_causal, _seq_len(src, _batch_first(self.layers)))
        output = src
        for mod in self.layers:
            output = mod(output, src_mask=mask, is_causal=is_causal,
                         src_key_padding_mask=src_key_padding_mask)
        return self.norm(output) if self.norm is not None else output


class TransformerDecoder(Module):
    """``num_layers`` deep copies of ``decoder_layer`` run in turn, then ``norm`` if given.

    >>> import minigrad as mg
    >>> dec = TransformerDecoder(TransformerDecoderLayer(8, 2, 16), num_layers=2)
    >>> dec(mg.ones(4, 3, 8), mg.ones(6, 3, 8)).shape
    Size([4, 3, 8])
    """

    def __init__(self, decoder_layer: Module, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _clones("TransformerDecoder", decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        tgt_is_causal = _is_causal(tgt_mask, tgt_is_causal,
                                   _seq_len(tgt, _batch_first(self.layers)))
        output = tgt
        for mod in self.layers:
            output = mod(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                         tgt_key_padding_mask=tgt_key_padding_mask,
                         memory_key_padding_mask=memory_key_padding_mask,
                         tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return self.norm(output) if self.norm is not None else output


class Transformer(Module):
    """The encoder–decoder model of "Attention Is All You Need", as ``torch.nn.Transformer``.

    Submodules ``encoder`` (a :class:`TransformerEncoder` with a final LayerNorm, or
    ``custom_encoder``) and ``decoder`` likewise; every parameter with more than one dim is
    re-initialised with ``xavier_uniform_`` as PyTorch does.

    >>> import minigrad as mg
    >>> Transformer.generate_square_subsequent_mask(3)
    tensor([[  0., -inf, -inf],
            [  0.,   0., -inf],
            [  0.,   0.,   0.]], dtype=float32, device='cpu')
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable[[Tensor], Tensor] = F.relu,
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                batch_first, norm_first, bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(*args, **factory), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(*args, **factory), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        """``src`` (S, N, E) and ``tgt`` (T, N, E) — (N, S, E), (N, T, E) with
        ``batch_first``, or unbatched (S, E), (T, E) — to the decoder's output (T, N, E)."""
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch_dim] != tgt.shape[batch_dim]):
            raise ShapeError(f"Transformer: the batch number of src and tgt must be equal, got "
                             f"shapes {src.shape} and {tgt.shape} (batch_first="
                             f"{self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ShapeError(f"Transformer: the feature number of src and tgt must be equal to "
                             f"d_model={self.d_model}, got shapes {src.shape} and {tgt.shape}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None,
                                        dtype: Any = None) -> Tensor:
        """A float (sz, sz) mask: ``-inf`` above the diagonal, 0 elsewhere (as PyTorch)."""
        return _square_subsequent(sz, device, dtype)
