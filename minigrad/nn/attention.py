"""``MultiheadAttention`` as ``torch.nn.MultiheadAttention``: same parameter names, shapes,
initialisation and forward semantics, so state_dicts move between the two unchanged.

With ``need_weights=False`` the heads go through one fused
:func:`~minigrad.nn.functional.scaled_dot_product_attention`; with ``need_weights=True`` (the
default) the weights are computed by matmul + softmax as PyTorch does, so a query row whose
every key is masked gives NaN there and zeros on the fused path — exactly as PyTorch 2.13.

>>> import minigrad as mg
>>> from minigrad import nn
>>> mha = nn.MultiheadAttention(8, 2, batch_first=True)
>>> out, weights = mha(mg.ones(3, 5, 8), mg.ones(3, 4, 8), mg.ones(3, 4, 8))
>>> out.shape, weights.shape
(Size([3, 5, 8]), Size([3, 5, 4]))
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from minigrad import creation, ops
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.linear import Linear
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["MultiheadAttention", "multi_head_attention_forward"]

_OP = "MultiheadAttention"


def _canonical_mask(mask: Any, name: str, dtype: Any) -> Tensor | None:
    """A bool mask (True = masked out) as a float mask of ``-inf``/0; float masks pass."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise MinigradTypeError(f"{_OP}: `{name}` must be a Tensor, got {type(mask).__name__}")
    if mask.dtype.kind == "b":
        xp = mask._backend.xp
        return Tensor._make(xp.where(mask._data, -math.inf, 0.0).astype(dtype), None)
    if mask.dtype.kind != "f":
        raise MinigradTypeError(f"{_OP}: only bool and floating types of `{name}` are "
                                f"supported, got {mask.dtype}")
    return mask if mask.dtype == dtype else mask.astype(dtype)


def _check_shapes(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Any,
                  attn_mask: Any, num_heads: int) -> bool:
    """True for batched (3-D) input, False for unbatched (2-D); else a ShapeError."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise MinigradTypeError(f"{_OP}: `{name}` must be a Tensor, got {type(t).__name__}")
    if query.ndim not in (2, 3):
        raise ShapeError(f"{_OP}: `query` should be unbatched 2-D or batched 3-D, got shape "
                         f"{query.shape}")
    batched = query.ndim == 3
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise ShapeError(f"{_OP}: for {query.ndim}-D `query`, `key` and `value` must be "
                         f"{query.ndim}-D too, got shapes {key.shape} and {value.shape}")
    for name, m in (("key_padding_mask", key_padding_mask), ("attn_mask", attn_mask)):
        if m is not None and not isinstance(m, Tensor):
            raise MinigradTypeError(f"{_OP}: `{name}` must be a Tensor, got {type(m).__name__}")
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise ShapeError(f"{_OP}: for {query.ndim}-D `query`, `key_padding_mask` must be "
                         f"{query.ndim - 1}-D, got shape {key_padding_mask.shape}")
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise ShapeError(f"{_OP}: `attn_mask` must be 2-D or 3-D, got shape "
                             f"{attn_mask.shape}")
        if not batched and attn_mask.ndim == 3 and attn_mask.shape[0] != num_heads:
            raise ShapeError(f"{_OP}: for unbatched `query`, a 3-D `attn_mask` must have "
                             f"num_heads={num_heads} rows in dim 0, got shape {attn_mask.shape}")
    return batched


class MultiheadAttention(Module):
    """Multi-head attention ``Concat(head_1..head_h) W_o`` as ``torch.nn.MultiheadAttention``.

    Parameters: ``in_proj_weight`` (3E, E) when ``kdim == vdim == embed_dim``, else
    ``q_proj_weight`` (E, E), ``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim);
    ``in_proj_bias`` (3E,), ``out_proj`` (a Linear E→E), ``bias_k``/``bias_v`` (1, 1, E) with
    ``add_bias_kv``. Initialised as PyTorch: ``xavier_uniform_`` projections, zero biases,
    ``xavier_normal_`` ``bias_k``/``bias_v``. Inputs are (L, N, E) — (N, L, E) with
    ``batch_first`` — or unbatched (L, E). Bool masks mark positions NOT to attend (True =
    masked out), as PyTorch's MultiheadAttention; ``is_causal`` is only a hint and needs
    ``attn_mask``; a bool mask beside a float one warns, as PyTorch (a deprecated mix).
    PyTorch's inference fast path is not reproduced (it computes the same).

    >>> import minigrad as mg
    >>> mha = MultiheadAttention(6, 3, kdim=4, vdim=2)
    >>> [n for n, _ in mha.named_parameters()][:4]
    ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias']
    >>> out, w = mha(mg.ones(5, 6), mg.ones(7, 4), mg.ones(7, 2), need_weights=False)
    >>> out.shape, w
    (Size([5, 6]), None)
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for arg, value in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{_OP}: `{arg}` must be a positive int, got {value!r}")
        if embed_dim % num_heads:
            raise ValueError(f"{_OP}: embed_dim (={embed_dim}) must be divisible by num_heads "
                             f"(={num_heads})")
        if isinstance(dropout, bool) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{_OP}: `dropout` must be in [0, 1], got {dropout!r}")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads, self.dropout, self.batch_first = num_heads, float(dropout), batch_first
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn

        def param(*shape: int) -> Parameter:
            return Parameter(creation.empty(*shape, dtype=dtype, device=device))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = param(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = param(embed_dim, embed_dim)
            self.k_proj_weight = param(embed_dim, self.kdim)
            self.v_proj_weight = param(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = param(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k, self.bias_v = param(1, 1, embed_dim), param(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        """``(attn_output, attn_weights)``; weights (N, L, S) averaged over heads, or
        (N, num_heads, L, S), or None when ``need_weights=False``."""
        batched = isinstance(query, Tensor) and query.ndim == 3
        if batched and self.batch_first:
            for name, t in (("key", key), ("value", value)):
                if not isinstance(t, Tensor) or t.ndim != 3:
                    raise ShapeError(f"{_OP}: for 3-D `query`, `{name}` must be 3-D too, got "
                                     f"{getattr(t, 'shape', type(t).__name__)}")
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        separate = not self._qkv_same_embed_dim
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=separate, q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        if batched and self.batch_first:
            out = out.transpose(0, 1)
        return out, weights


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on seq-first (L, N, embed_dim) or unbatched (L, embed_dim) inputs, as
    ``torch.nn.functional.multi_head_attention_forward`` (what MultiheadAttention runs).

    >>> import minigrad as mg
    >>> import minigrad.nn.functional as F
    >>> w, b = mg.randn(12, 4), mg.zeros(12)
    >>> out, weights = F.multi_head_attention_forward(
    ...     mg.ones(3, 2, 4), mg.ones(5, 2, 4), mg.ones(5, 2, 4), 4, 2, w, b, None, None,
    ...     False, 0.0, mg.randn(4, 4), None)
    >>> out.shape, weights.shape
    (Size([3, 2, 4]), Size([2, 3, 5]))
    """
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    dtype = query.dtype
    if (key_padding_mask is not None and attn_mask is not None
            and key_padding_mask.dtype != attn_mask.dtype):
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. "
                      "Use same type for both instead.", UserWarning, stacklevel=3)
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", dtype)
    if is_causal and attn_mask is None:
        raise ValueError(f"{_OP}: is_causal is a hint that `attn_mask` is the causal mask; "
                         "pass attn_mask too")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the fused op builds the causal mask itself
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", dtype)
        if key_padding_mask is not None:
            is_causal = False
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    embed_dim = query.shape[-1]
    if embed_dim != embed_dim_to_check:
        raise ShapeError(f"{_OP}: was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but got `query` of shape {query.shape}")
    if embed_dim % num_heads:
        raise ValueError(f"{_OP}: embed_dim (={embed_dim}) must be divisible by num_heads "
                         f"(={num_heads})")
    same = key.shape[:2] == value.shape[:2] if use_separate_proj_weight else (
        key.shape == value.shape)
    if not same or key.shape[1] != query.shape[1]:
        raise ShapeError(f"{_OP}: `key` and `value` must share (S, N) (and, with one packed "
                         f"projection, E) and N must match `query`; got shapes {query.shape}, "
                         f"{key.shape} and {value.shape}")
    thirds = (slice(0, embed_dim), slice(embed_dim, 2 * embed_dim), slice(2 * embed_dim, None))
    if use_separate_proj_weight:
        ws = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        ws = tuple(in_proj_weight[third] for third in thirds)
    b = in_proj_bias
    bs = (None, None, None) if b is None else tuple(b[third] for third in thirds)
    for name, t, w in zip(("query", "key", "value"), (query, key, value), ws, strict=True):
        if w is None or t.shape[-1] != w.shape[-1]:
            raise ShapeError(f"{_OP}: `{name}` of shape {t.shape} does not match its "
                             f"projection weight ({None if w is None else w.shape})")
    q, k, v = (ops.linear(t, w, bias) for t, w, bias in zip((query, key, value), ws, bs,
                                                              strict=True))
    out, weights = _attend(q, k, v, num_heads, key_padding_mask, attn_mask, bias_k, bias_v,
                           add_zero_attn, static_k, static_v, dropout_p if training else 0.0,
                           out_proj_weight, out_proj_bias, need_weights, is_causal)
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    if not batched:
        return out.squeeze(1), (weights.squeeze(0) if weights is not None else None)
    return out, weights


def _attend(q: Tensor, k: Tensor, v: Tensor, H: int, kpm: Tensor | None,
            attn_mask: Tensor | None, bias_k: Tensor | None, bias_v: Tensor | None,
            add_zero_attn: bool, static_k: Tensor | None, static_v: Tensor | None, p: float,
            w_out: Tensor, b_out: Tensor | None, need_weights: bool,
            is_causal: bool) -> tuple[Tensor, Tensor | None]:
    """The heads of projected seq-first q (L, N, E), k and v (S, N, E); weights per head."""
    L, N, E = q.shape
    hd = E // H
    S = k.shape[0]
    if attn_mask is not None:
        want = (L, S) if attn_mask.ndim == 2 else (N * H, L, S)
        if attn_mask.shape != want:
            raise ShapeError(f"{_OP}: `attn_mask` should have shape {want}, got "
                             f"{attn_mask.shape}")
        if attn_mask.ndim == 2:
            attn_mask = attn_mask.unsqueeze(0)
    if kpm is not None and kpm.shape != (N, S):
        raise ShapeError(f"{_OP}: `key_padding_mask` should have shape {(N, S)}, got "
                         f"{kpm.shape}")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{_OP}: bias cannot be added to static key or value")
        k = ops.cat([k, bias_k.expand(1, N, E)])
        v = ops.cat([v, bias_v.expand(1, N, E)])
        attn_mask = ops.pad(attn_mask, (0, 1)) if attn_mask is not None else None
        kpm = ops.pad(kpm, (0, 1)) if kpm is not None else None
    elif bias_k is not None or bias_v is not None:
        raise ValueError(f"{_OP}: pass both `bias_k` and `bias_v`, or neither")
    q = q.reshape(L, N * H, hd).transpose(0, 1)
    k = _heads(k, static_k, "static_k", N * H, hd)
    v = _heads(v, static_v, "static_v", N * H, hd)
    if add_zero_attn:
        zeros = creation.zeros(N * H, 1, hd, dtype=k.dtype, device=k.device)
        k, v = ops.cat([k, zeros], dim=1), ops.cat([v, zeros], dim=1)
        attn_mask = ops.pad(attn_mask, (0, 1)) if attn_mask is not None else None
        kpm = ops.pad(kpm, (0, 1)) if kpm is not None else None
    S = k.shape[1]
    if kpm is not None:
        if kpm.shape[-1] != S:
            raise ShapeError(f"{_OP}: `key_padding_mask` covers {kpm.shape[-1]} keys, the "
                             f"static keys are {S}")
        kpm = kpm.reshape(N, 1, 1, S).expand(N, H, 1, S).reshape(N * H, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if need_weights:
        scores = (q * math.sqrt(1.0 / hd)) @ k.transpose(-2, -1)
        if attn_mask is not None:
            scores = attn_mask + scores
        with q._backend.errstate(invalid="ignore"):  # a row with no key: NaN, as PyTorch
            weights = F.softmax(scores, dim=-1)
        if p > 0.0:
            weights = F.dropout(weights, p)
        out = (weights @ v).transpose(0, 1).reshape(L * N, E)
        out = ops.linear(out, w_out, b_out).reshape(L, N, E)
        return out, weights.reshape(N, H, L, S)
    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1
                     else attn_mask.reshape(N, H, -1, S))
    q, k, v = q.reshape(N, H, L, hd), k.reshape(N, H, S, hd), v.reshape(N, H, S, v.shape[-1])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask, p, is_causal)
    out = ops.linear(out.permute(2, 0, 1, 3).reshape(L * N, E), w_out, b_out)
    return out.reshape(L, N, E), None


def _heads(x: Tensor, static: Tensor | None, name: str, NH: int, hd: int) -> Tensor:
    """(S, N, E) as (N·H, S, hd), or ``static`` (N·H, S', hd) in its place."""
    if static is None:
        return x.reshape(x.shape[0], NH, hd).transpose(0, 1)
    if static.ndim != 3 or static.shape[0] != NH or static.shape[2] != hd:
        raise ShapeError(f"{_OP}: `{name}` should have shape ({NH}, S, {hd}), got "
                         f"{static.shape}")
    return static
