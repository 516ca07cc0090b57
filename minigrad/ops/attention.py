"""Scaled dot-product attention, ``softmax(q kᵀ · scale + mask) v``, as one op.

The op saves the softmax probabilities (``B·H·L·S`` numbers: 32 MiB in float32 for 8 heads of
1,024 tokens) and states its own backward for ``q``, ``k``, ``v`` and a float ``attn_mask``.
Scores become probabilities in place, and the first-order backward builds the gradient of the
scores a few heads at a time (at most ``DS_CHUNK_BYTES``), with its row sums taken from
``g ∘ out`` rather than from two (L, S) arrays: at 1×8×1,024×1,024 float32 (head dim 64)
forward peaks at 34 MiB and forward + backward at 52 MiB, against 128 and 136 MiB for
matmul + softmax + matmul (measured with tracemalloc).
Under ``create_graph=True`` the backward recomputes the probabilities from the inputs with
registered ops, so second derivatives are exact. Rows whose every key is masked out give a
zero output and zero gradients, as PyTorch 2.13 does (its "safe softmax"), not NaN.

>>> import minigrad as mg
>>> q = k = v = mg.ones(2, 3, 4)
>>> scaled_dot_product_attention(q, k, v, is_causal=True).shape
Size([2, 3, 4])
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import broadcast_shapes, check_tensor

__all__ = ["scaled_dot_product_attention"]

_OP = "scaled_dot_product_attention"
#: the most bytes of the (…, L, S) gradient of the scores that the first-order backward
#: holds at once (beside the saved probabilities): larger ones are built a few heads at a time
DS_CHUNK_BYTES = 8 * 2**20


class ScaledDotProductAttention(Op):
    """``softmax(q kᵀ · scale + mask) · drop @ v`` over (..., L, E), (..., S, E), (..., S, Ev).

    ``drop`` is a constant array (the kept positions scaled by ``1/(1-p)``) or None; rows with
    every score at ``-inf`` get zero probabilities.
    """

    save_output = True  # the first-order backward's row sums come from g ∘ out

    def forward(self, xp: Any, q: Any, k: Any, v: Any, *mask: Any, scale: float,
                drop: Any = None) -> Any:
        self.scale, self.drop = scale, drop
        s = xp.matmul(q, xp.swapaxes(k, -1, -2))  # one (..., L, S) array, updated in place
        s *= scale
        if mask:
            if broadcast_shapes(_OP, s.shape, mask[0].shape) == s.shape:
                s += mask[0]
            else:
                s = s + mask[0]
        if s.shape[-1]:
            top = s.max(axis=-1, keepdims=True)
        else:  # no keys at all: every row is fully masked
            top = xp.full((*s.shape[:-1], 1), -math.inf, dtype=s.dtype)
        dead = top == -math.inf
        self.dead = dead if bool(dead.any()) else None
        if self.dead is not None:
            top[dead] = 0
        s -= top
        p = xp.exp(s, out=s)
        total = p.sum(axis=-1, keepdims=True)
        if self.dead is not None:
            total[dead] = 1
        p /= total
        self.saved_aux = p
        return xp.matmul(p if drop is None else p * drop, v)

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        if not isinstance(g, Tensor):
            return self._backward_arrays(g, inputs, out)
        # create_graph: the same formulas over m, with the probabilities recomputed from the
        # inputs so that they are differentiated too
        q, k, v = inputs[:3]
        need = self.needs_input_grad
        p = self._recompute(m, inputs)
        drop = None if self.drop is None else Tensor._make(self.drop, None)
        gv = m.matmul(m.swapaxes(p if drop is None else p * drop), g) if need[2] else None
        if not (need[0] or need[1] or (len(inputs) > 3 and need[3])):
            return (None, None, gv, None)[:len(inputs)]
        dp = m.matmul(g, m.swapaxes(v))
        if drop is not None:
            dp = dp * drop
        pdp = dp * p
        ds = p * (dp - m.sum(pdp, dim=(len(pdp.shape) - 1,), keepdim=True))
        gmask = ds if len(inputs) > 3 and need[3] else None
        ds = ds * self.scale
        gq = m.matmul(ds, k) if need[0] else None
        gk = m.matmul(m.swapaxes(ds), q) if need[1] else None
        return (gq, gk, gv, gmask)[:len(inputs)]

    def _backward_arrays(self, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        """First order on arrays. ``dS = P ∘ (dP - D)`` with ``D = rowsum(dP ∘ P)``, which
        equals ``rowsum(g ∘ out)`` (FlashAttention's identity, also with dropout): an
        (..., L, E) product instead of a pass over two (..., L, S) arrays. ``dS`` is built for
        a few heads at a time when it would exceed :data:`DS_CHUNK_BYTES`."""
        xp = self.backend.xp
        q, k, v = inputs[:3]
        need = self.needs_input_grad
        p, drop = self.saved_aux, self.drop
        gv = None
        if need[2]:
            gv = xp.matmul(xp.swapaxes(p if drop is None else p * drop, -1, -2), g)
        need_mask = len(inputs) > 3 and need[3]
        if not (need[0] or need[1] or need_mask):
            return (None, None, gv, None)[:len(inputs)]
        d = xp.sum(g * out, axis=-1, keepdims=True)
        lead = p.shape[:-2]
        chunks, per = [()], 0
        if (not need_mask and p.ndim > 2 and p.nbytes > DS_CHUNK_BYTES
                and all(t.shape[:-2] == lead for t in (q, k, v, g))
                and (drop is None or drop.shape == p.shape)):
            per = max(1, DS_CHUNK_BYTES // (p.nbytes // math.prod(lead)))
            chunks = [(*i, slice(j, j + per)) for i in itertools.product(
                *(range(n) for n in lead[:-1])) for j in range(0, lead[-1], per)]
        gq = xp.empty(q.shape, q.dtype) if need[0] and len(chunks) > 1 else None
        gk = xp.empty(k.shape, k.dtype) if need[1] and len(chunks) > 1 else None
        buf = xp.empty((per, *p.shape[-2:]), p.dtype) if len(chunks) > 1 else None
        for c in chunks:  # dP, then dS in place
            vt = xp.swapaxes(v[c], -1, -2)
            ds = xp.matmul(g[c], vt) if buf is None else xp.matmul(
                g[c], vt, out=buf[:vt.shape[0]])
            if drop is not None:
                ds *= drop[c]
            ds -= d[c]
            ds *= p[c]
            if len(chunks) == 1:
                gq = xp.matmul(ds, k) if need[0] else None
                gk = xp.matmul(xp.swapaxes(ds, -1, -2), q) if need[1] else None
                break
            if need[0]:
                xp.matmul(ds, k[c], out=gq[c])
            if need[1]:
                xp.matmul(xp.swapaxes(ds, -1, -2), q[c], out=gk[c])
        if gq is not None:
            gq *= self.scale
        if gk is not None:
            gk *= self.scale
        gmask = ds if need_mask else None
        return (gq, gk, gv, gmask)[:len(inputs)]

    def _recompute(self, m: Any, inputs: Any) -> Any:
        """The saved probabilities, rebuilt from Tensors so they can be differentiated."""
        q, k = inputs[0], inputs[1]
        s = m.matmul(q, m.swapaxes(k)) * self.scale
        if len(inputs) > 3:
            s = s + inputs[3]
        if self.dead is None:
            return m.softmax(s, dim=len(s.shape) - 1)
        dead = Tensor._make(self.dead, None)
        zero = Tensor._make(self.backend.xp.zeros((), dtype=s.dtype), None)
        p = m.softmax(m.where(dead, zero, s), dim=len(s.shape) - 1)
        return m.where(dead, zero, p)


def _check_inputs(query: Tensor, key: Tensor, value: Tensor) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        check_tensor(t, _OP, name)
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise ShapeError(
            f"{_OP}: expected `query`, `key` and `value` to be at least 2-D, got shapes "
            f"{query.shape}, {key.shape} and {value.shape}"
        )
    if query.dtype.kind != "f" or not query.dtype == key.dtype == value.dtype:
        raise MinigradTypeError(
            f"{_OP}: expected `query`, `key` and `value` of one floating dtype, got "
            f"{query.dtype}, {key.dtype} and {value.dtype}"
        )
    if key.shape[-1] != query.shape[-1] or value.shape[-2] != key.shape[-2]:
        raise ShapeError(
            f"{_OP}: expected query (..., L, E), key (..., S, E) and value (..., S, Ev), got "
            f"shapes {query.shape}, {key.shape} and {value.shape}"
        )


def _repeat_heads(op: str, query: Tensor, t: Tensor, name: str) -> Tensor:
    """``t.repeat_interleave(Hq // Hkv, dim=-3)`` for grouped-query attention."""
    if query.ndim < 3 or t.ndim < 3:
        raise ShapeError(f"{op}: enable_gqa needs a heads dim (-3) in `query` and `{name}`, "
                         f"got shapes {query.shape} and {t.shape}")
    hq, h = query.shape[-3], t.shape[-3]
    if h == 0 or hq % h:
        raise ShapeError(f"{op}: the number of heads in `{name}` ({h}) must divide the number "
                         f"of heads in `query` ({hq}); shapes {t.shape} and {query.shape}")
    if h == hq:
        return t
    *lead, s, e = t.shape
    return t.unsqueeze(-3).expand(*lead, hq // h, s, e).reshape(*lead[:-1], hq, s, e)


def _additive_mask(attn_mask: Any, query: Tensor) -> Tensor:
    """``attn_mask`` as a float mask added to the scores (bool: True takes part)."""
    mask = check_tensor(attn_mask, _OP, "attn_mask")
    if mask.dtype.kind == "b":
        xp = query._backend.xp
        return Tensor._make(xp.where(mask._data, 0.0, -math.inf).astype(query.dtype), None)
    if mask.dtype.kind != "f":
        raise MinigradTypeError(f"{_OP}: expected `attn_mask` of dtype bool or float, got "
                                f"{mask.dtype}")
    return mask if mask.dtype == query.dtype else mask.astype(query.dtype)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Attention as ``torch.nn.functional.scaled_dot_product_attention``.

    ``query`` (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev) → (..., L, Ev); batch
    dims broadcast. ``attn_mask`` broadcasts to (..., L, S): bool (True = take part) or float
    (added to the scores, differentiable). ``is_causal`` masks with the top-left triangle
    (query i sees keys 0..i). ``scale`` defaults to ``1/sqrt(E)``. ``enable_gqa`` repeats each
    key/value head (dim -3) over a group of query heads. ``dropout_p > 0`` drops attention
    weights with minigrad's generator whenever it is set (as PyTorch: pass 0 in eval mode).
    Fully masked rows give zeros, as PyTorch 2.13.

    >>> import minigrad as mg
    >>> q = mg.ones(1, 4, 3, 8); kv = mg.ones(1, 2, 5, 8)
    >>> scaled_dot_product_attention(q, kv, kv, enable_gqa=True).shape
    Size([1, 4, 3, 8])
    >>> mask = mg.tensor([[True, False], [False, False]])
    >>> scaled_dot_product_attention(mg.ones(2, 1), mg.ones(2, 1), mg.ones(2, 1), mask).tolist()
    [[1.0], [0.0]]
    """
    _check_inputs(query, key, value)
    if isinstance(dropout_p, bool) or not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{_OP}: dropout probability `dropout_p` has to be between 0 and 1, "
                         f"but got {dropout_p!r}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{_OP}: explicit `attn_mask` should not be set when is_causal=True")
    if enable_gqa:
        key = _repeat_heads(_OP, query, key, "key")
        value = _repeat_heads(_OP, query, value, "value")
    L, S = query.shape[-2], key.shape[-2]
    xp = query._backend.xp
    if is_causal:
        causal = xp.tril(xp.ones((L, S), dtype=bool))
        attn_mask = Tensor._make(causal, None)
    masks = () if attn_mask is None else (_additive_mask(attn_mask, query),)
    try:
        batch = broadcast_shapes(_OP, query.shape[:-2], key.shape[:-2])
        scores = broadcast_shapes(_OP, (*batch, L, S), *(t.shape for t in masks))
        broadcast_shapes(_OP, scores[:-2], value.shape[:-2])
    except ShapeError as e:
        shapes = ", ".join(str(t.shape) for t in (query, key, value, *masks))
        raise ShapeError(f"{e} (query, key, value{', attn_mask' if masks else ''}: "
                         f"{shapes})") from None
    if scores != (*scores[:-2], L, S):
        raise ShapeError(f"{_OP}: `attn_mask` of shape {masks[0].shape} does not broadcast to "
                         f"the scores' shape (..., L={L}, S={S})")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    drop = None
    if dropout_p > 0.0:
        if dropout_p == 1.0:
            drop = xp.zeros(scores, dtype=query.dtype)
        else:
            keep = query._backend.rng(query.device).random(scores) >= dropout_p
            drop = (xp.asarray(keep) / (1.0 - dropout_p)).astype(query.dtype)
    return ScaledDotProductAttention.apply(query, key, value, *masks, scale=scale, drop=drop)
