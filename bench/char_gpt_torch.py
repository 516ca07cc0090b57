"""char-gpt's PyTorch twin: the same model, recipe and batches, and the loss it reaches.

:class:`TorchCharGPT` has minigrad's :class:`~minigrad.models.CharGPT` architecture,
initialisation and parameter names, so state dicts move between the two unchanged.
:func:`train_torch` runs the ``char-gpt`` recipe (AdamW with decay on matrices, warm-up and
cosine through ``LambdaLR``, clipping) on the same batches (NumPy draws the block offsets of
both frameworks from ``(seed, step)``). Run as a script, it trains both frameworks on the
standard library's docstrings and compares the final validation losses (target: within 2 %):

    python bench/char_gpt_torch.py [--iters 300] [--threads 2] [--skip-minigrad]

The tests (tests/test_char_gpt.py) import this file; it needs torch only when used.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from minigrad.training.lm import EVAL_SEED, WarmupCosine


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd: int, n_head: int, bias: bool = True) -> None:
        super().__init__()
        self.n_head, self.n_embd = n_head, n_embd
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=bias)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=bias)
        self.resid_dropout = nn.Dropout(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (z.reshape(b, t, self.n_head, c // self.n_head).transpose(1, 2)
                   for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).reshape(b, t, c)))


class MLP(nn.Module):
    def __init__(self, n_embd: int, bias: bool = True) -> None:
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=bias)
        self.gelu = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=bias)
        self.dropout = nn.Dropout(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, n_embd: int, n_head: int, bias: bool = True) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, bias=bias)
        self.attn = CausalSelfAttention(n_embd, n_head, bias)
        self.ln_2 = nn.LayerNorm(n_embd, bias=bias)
        self.mlp = MLP(n_embd, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TorchCharGPT(nn.Module):
    """minigrad's CharGPT in PyTorch (dropout 0)."""

    def __init__(self, vocab_size: int, block_size: int = 128, n_layer: int = 4,
                 n_head: int = 4, n_embd: int = 128, bias: bool = True, **_: Any) -> None:
        super().__init__()
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(0.0)
        self.h = nn.ModuleList([Block(n_embd, n_head, bias) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd, bias=bias)
        proj_std = 0.02 / math.sqrt(2 * n_layer)
        for name, module in self.named_modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, proj_std if name.endswith("c_proj") else 0.02)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(idx.shape[1], device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = block(x)
        return F.linear(self.ln_f(x), self.wte.weight)

    def loss(self, idx: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        logits = self(idx)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def _blocks(corpus: Any, split: str, offsets: Any, block_size: int) -> tuple[Any, Any]:
    data = corpus.split(split)
    rows = data[np.asarray(offsets)[:, None] + np.arange(block_size + 1)]
    return torch.from_numpy(rows[:, :-1].copy()), torch.from_numpy(rows[:, 1:].copy())


def _batch(corpus: Any, split: str, block_size: int, batch_size: int, seed: int,
           step: int) -> tuple[Any, Any]:
    from minigrad.data.text import batch_offsets

    n = len(corpus.split(split))
    return _blocks(corpus, split, batch_offsets(n, block_size, batch_size, seed, step),
                   block_size)


@torch.no_grad()
def estimate_loss(model: Any, corpus: Any, block_size: int, batch_size: int,
                  batches: int) -> float:
    model.eval()
    total = sum(float(model.loss(*_batch(corpus, "val", block_size, batch_size, EVAL_SEED, i)))
                for i in range(batches))
    model.train()
    return total / batches


@torch.no_grad()
def split_loss(model: Any, corpus: Any, block_size: int, batch_size: int) -> float:
    """As minigrad.training.lm.split_loss: non-overlapping blocks over the val split."""
    model.eval()
    starts = np.arange(0, len(corpus.val) - block_size - 1, block_size)
    total = 0.0
    for i in range(0, len(starts), batch_size):
        chunk = starts[i:i + batch_size]
        total += float(model.loss(*_blocks(corpus, "val", chunk, block_size))) * len(chunk)
    model.train()
    return total / len(starts)


def make_optimizer(model: Any, recipe: dict[str, Any]) -> tuple[Any, Any]:
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2],
               "weight_decay": recipe["weight_decay"]},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=recipe["lr"], betas=tuple(recipe["betas"]))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, WarmupCosine(recipe["warmup"], recipe["iters"], recipe["min_lr_ratio"]))
    return opt, sched


def train_torch(corpus: Any, recipe: dict[str, Any], seed: int = 0,
                init_state: dict[str, Any] | None = None) -> dict[str, Any]:
    """The char-gpt recipe in PyTorch; returns the evaluations and the final losses."""
    torch.manual_seed(seed)
    model = TorchCharGPT(corpus.vocab_size, **recipe)
    if init_state is not None:
        model.load_state_dict(init_state)
    opt, sched = make_optimizer(model, recipe)
    bs, t, evals = recipe["batch_size"], recipe["block_size"], []
    start = time.perf_counter()
    for step in range(recipe["iters"]):
        loss = model.loss(*_batch(corpus, "train", t, bs, seed, step))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), recipe["grad_clip"])
        opt.step()
        sched.step()
        if (step + 1) % recipe["eval_interval"] == 0 or step + 1 == recipe["iters"]:
            evals.append({"iter": step + 1, "train_loss": loss.item(),
                          "val_loss": estimate_loss(model, corpus, t, bs,
                                                    recipe["eval_batches"])})
    elapsed = time.perf_counter() - start
    return {"evals": evals, "final_val_loss": split_loss(model, corpus, t, bs),
            "time_s": round(elapsed, 1)}


def minigrad_model(corpus: Any, recipe: dict[str, Any], seed: int = 0) -> tuple[Any, Any]:
    """minigrad's initial model as ``minigrad train`` draws it, and its weights for torch."""
    import minigrad as mg
    from minigrad.models import CharGPT

    mg.manual_seed(seed)
    keys = ("block_size", "n_layer", "n_head", "n_embd", "dropout")
    model = CharGPT(vocab_size=corpus.vocab_size, **{k: recipe[k] for k in keys})
    init_state = {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    return model, init_state


def train_minigrad(corpus: Any, recipe: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """The same recipe through minigrad's loop (what ``minigrad train`` runs)."""
    import minigrad as mg
    from minigrad.models.gpt import decay_groups
    from minigrad.training.lm import fit_lm

    model, init_state = minigrad_model(corpus, recipe, seed)
    opt = mg.optim.AdamW(decay_groups(model, recipe["weight_decay"]), lr=recipe["lr"],
                         betas=tuple(recipe["betas"]))
    sched = mg.optim.lr_scheduler.LambdaLR(
        opt, WarmupCosine(recipe["warmup"], recipe["iters"], recipe["min_lr_ratio"]))
    res = fit_lm(model, opt, corpus, iters=recipe["iters"], batch_size=recipe["batch_size"],
                 block_size=recipe["block_size"], scheduler=sched, grad_clip=recipe["grad_clip"],
                 eval_interval=recipe["eval_interval"], eval_batches=recipe["eval_batches"],
                 seed=seed, verbose=False)
    return {"evals": res.history[1:], "final_val_loss": res.final["val_loss"],
            "time_s": round(res.time_s, 1), "init_state": init_state}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, help="override the recipe's budget")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--same-init", action="store_true",
                        help="start torch from minigrad's initial weights (else its own draw)")
    parser.add_argument("--skip-minigrad", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from minigrad.data.text import CharCorpus, stdlib_docstrings
    from minigrad.training.recipes import recipe as get_recipe

    recipe = get_recipe("char-gpt")
    if args.iters:
        recipe["iters"] = args.iters
    corpus = CharCorpus(stdlib_docstrings())
    out: dict[str, Any] = {"corpus": corpus.info(), "recipe": recipe}
    init = None
    if not args.skip_minigrad:
        mg_res = train_minigrad(corpus, recipe, args.seed)
        init = mg_res.pop("init_state") if args.same_init else None
        out["minigrad"] = mg_res
    elif args.same_init:
        init = minigrad_model(corpus, recipe, args.seed)[1]
    out["torch"] = train_torch(corpus, recipe, args.seed, init)
    if "minigrad" in out:
        a, b = out["minigrad"]["final_val_loss"], out["torch"]["final_val_loss"]
        out["relative_difference"] = round(abs(a - b) / b, 4)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
