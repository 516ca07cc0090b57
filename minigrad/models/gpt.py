"""``char-gpt``: a small decoder-only transformer over characters (GPT-2's shape, nanoGPT's
names).

Token and learned position embeddings; ``n_layer`` pre-norm blocks (LayerNorm → causal
self-attention → residual; LayerNorm → MLP with tanh-GELU → residual); a final LayerNorm; the
language-model head shares its weight with the token embedding (``logits = x @ wte.weightᵀ``).
Parameter names (``wte``, ``wpe``, ``h.0.ln_1``, ``h.0.attn.c_attn``, ``h.0.attn.c_proj``,
``h.0.ln_2``, ``h.0.mlp.c_fc``, ``h.0.mlp.c_proj``, ``ln_f``) are those of a PyTorch twin, so
a ``state_dict`` moves between the two unchanged.

>>> import minigrad as mg
>>> model = CharGPT(vocab_size=11, block_size=8, n_layer=1, n_head=2, n_embd=16)
>>> model(mg.zeros(3, 8, dtype=mg.int64)).shape
Size([3, 8, 11])
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import minigrad as mg
from minigrad import nn
from minigrad.errors import ShapeError
from minigrad.nn import functional as F
from minigrad.tensor import Tensor

__all__ = ["MLP", "CausalSelfAttention", "CharGPT", "GPTBlock", "GPTConfig", "decay_groups"]


@dataclass
class GPTConfig:
    """The shape of a :class:`CharGPT` (defaults: the ``char-gpt`` recipe's small model).

    >>> GPTConfig(n_layer=2).n_layer, GPTConfig().n_embd
    (2, 128)
    """

    vocab_size: int = 128
    block_size: int = 128
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention: one ``c_attn`` projection to q, k, v, then
    ``F.scaled_dot_product_attention(is_causal=True)``, then ``c_proj``.

    >>> import minigrad as mg
    >>> CausalSelfAttention(GPTConfig(n_embd=8, n_head=2))(mg.randn(1, 5, 8)).shape
    Size([1, 5, 8])
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"CausalSelfAttention: `n_embd` (={config.n_embd}) must be "
                             f"divisible by `n_head` (={config.n_head})")
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        heads = (b, t, self.n_head, c // self.n_head)
        q, k, v = (z.reshape(*heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).reshape(b, t, c)))


class MLP(nn.Module):
    """``c_fc`` (width → 4·width), GELU (GPT-2's tanh approximation), ``c_proj``.

    >>> import minigrad as mg
    >>> MLP(GPTConfig(n_embd=8))(mg.randn(2, 3, 8)).shape
    Size([2, 3, 8])
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class GPTBlock(nn.Module):
    """A pre-norm transformer block: ``x + attn(ln_1(x))``, then ``x + mlp(ln_2(x))``.

    >>> import minigrad as mg
    >>> GPTBlock(GPTConfig(n_embd=8, n_head=2))(mg.randn(2, 4, 8)).shape
    Size([2, 4, 8])
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class CharGPT(nn.Module):
    """A decoder-only transformer language model (see the module docstring).

    Keyword arguments are the fields of :class:`GPTConfig`. Initialisation as GPT-2 /
    nanoGPT: linear and embedding weights ``N(0, 0.02)``, the residual projections
    (``c_proj``) ``N(0, 0.02/√(2·n_layer))``, biases 0, LayerNorms 1 and 0.

    ``forward(idx)`` maps token ids ``(N, T)`` (``T ≤ block_size``) to next-token logits
    ``(N, T, vocab_size)``.

    >>> m = CharGPT(vocab_size=5, block_size=4, n_layer=1, n_head=1, n_embd=8)
    >>> sorted(n for n, _ in m.named_parameters())[:3]
    ['h.0.attn.c_attn.bias', 'h.0.attn.c_attn.weight', 'h.0.attn.c_proj.bias']
    """

    def __init__(self, **config: Any) -> None:
        super().__init__()
        self.config = cfg = GPTConfig(**config)
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.h = nn.ModuleList([GPTBlock(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self._init_weights()

    def _init_weights(self) -> None:
        proj_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for name, module in self.named_modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                std = proj_std if name.endswith("c_proj") else 0.02
                nn.init.normal_(module.weight, mean=0.0, std=std)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, idx: Tensor) -> Tensor:
        if idx.dim() != 2:
            raise ShapeError(f"CharGPT: expected token ids of shape (N, T), got "
                             f"{tuple(idx.shape)}")
        t = idx.shape[1]
        if t > self.config.block_size:
            raise ShapeError(f"CharGPT: sequence length {t} is longer than `block_size` "
                             f"(={self.config.block_size})")
        pos = mg.arange(t, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)  # weight tying

    def loss(self, idx: Tensor, targets: Tensor) -> Tensor:
        """Mean cross-entropy (nats per character) of the next-token predictions."""
        logits = self(idx)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    def extra_config(self) -> dict[str, Any]:
        """The model's :class:`GPTConfig` as a plain dict (stored in checkpoints)."""
        return asdict(self.config)

    @mg.no_grad()
    def generate(self, idx: Tensor, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, generator: Any = None) -> Tensor:
        """Append ``max_new_tokens`` sampled tokens to ``idx`` ``(N, T)``: each from the
        softmax of the last logits divided by ``temperature``, kept to the ``top_k`` most
        likely when given, drawn with ``mg.multinomial`` (``generator`` for a seed).

        >>> import minigrad as mg
        >>> m = CharGPT(vocab_size=5, block_size=4, n_layer=1, n_head=1, n_embd=8)
        >>> g = mg.Generator().manual_seed(0)
        >>> m.generate(mg.zeros(1, 1, dtype=mg.int64), 6, top_k=2, generator=g).shape
        Size([1, 7])
        """
        if temperature <= 0:
            raise ValueError(f"generate: `temperature` must be positive, got {temperature}")
        if top_k is not None and top_k < 1:
            raise ValueError(f"generate: `top_k` must be at least 1, got {top_k}")
        was_training = self.training
        self.eval()
        try:
            for _ in range(int(max_new_tokens)):
                context = idx[:, -self.config.block_size:]
                logits = self(context)[:, -1, :] / temperature
                if top_k is not None:
                    kth = mg.topk(logits, min(top_k, logits.shape[-1]), dim=-1)[0][:, -1:]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                probs = F.softmax(logits, dim=-1)
                nxt = mg.multinomial(probs, 1, generator=generator)
                idx = mg.cat([idx, nxt], dim=1)
        finally:
            self.train(was_training)
        return idx


def decay_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """nanoGPT's optimizer groups: weight decay on parameters with 2 or more dimensions
    (linear weights, embeddings), none on the rest (biases, LayerNorm gains and shifts).

    >>> from minigrad import nn
    >>> groups = decay_groups(nn.Linear(3, 2), 0.1)
    >>> [(len(g["params"]), g["weight_decay"]) for g in groups]
    [(1, 0.1), (1, 0.0)]
    """
    params = [p for p in model.parameters() if p.requires_grad]
    return [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
            {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
