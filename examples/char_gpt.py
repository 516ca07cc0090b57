"""A character-level GPT trained on the docstrings of Python's own standard library.

The corpus is gathered from the installed standard library with ``ast`` (no download, the same
text for the same Python version); the model is 4 pre-norm transformer blocks of width 128
with 4 heads, a 64-character context and a head tied to the token embedding; AdamW (decay on
matrices only), linear warm-up then cosine, gradients clipped to norm 1. Then it samples.
The same run from the command line: ``minigrad train --model char-gpt --dataset stdlib-text``
and ``minigrad sample runs/char-gpt-stdlib-text/checkpoint.mg --prompt "def "``. Run:

    python examples/char_gpt.py --iters 1000
"""

from __future__ import annotations

import argparse
import time

import minigrad as mg
from minigrad.data.text import CharCorpus, stdlib_docstrings
from minigrad.models import CharGPT
from minigrad.models.gpt import decay_groups
from minigrad.nn.utils import clip_grad_norm_
from minigrad.optim import AdamW
from minigrad.optim.lr_scheduler import LambdaLR
from minigrad.training.lm import WarmupCosine, estimate_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=1000)
    parser.add_argument("--prompt", default="def ")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    corpus = CharCorpus(stdlib_docstrings())  # vocabulary, train / last-10 % val split
    print(f"{len(corpus.text):,} characters, vocabulary {corpus.vocab_size}")
    mg.manual_seed(args.seed)
    block, batch = 64, 32
    model = CharGPT(vocab_size=corpus.vocab_size, block_size=block, n_layer=4, n_head=4,
                    n_embd=128)
    optimizer = AdamW(decay_groups(model, weight_decay=0.1), lr=2e-3, betas=(0.9, 0.99))
    schedule = LambdaLR(optimizer, WarmupCosine(warmup=50, total=args.iters, min_ratio=0.1))

    start = time.perf_counter()
    for step in range(args.iters):
        x, y = corpus.batch("train", block, batch, seed=args.seed, step=step)
        loss = model.loss(x, y)  # mean cross-entropy, nats per character
        optimizer.zero_grad()
        loss.backward()
        clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        schedule.step()
        if (step + 1) % 200 == 0:
            val = estimate_loss(model, corpus, "val", block, batch, batches=10)
            print(f"iter {step + 1}  train {loss.item():.3f}  val {val:.3f} nats/char  "
                  f"({time.perf_counter() - start:.0f} s)")

    prompt = mg.tensor([corpus.encode(args.prompt)])
    out = model.generate(prompt, 300, temperature=0.8, top_k=20,
                         generator=mg.Generator().manual_seed(args.seed))
    print(corpus.decode(out[0].tolist()))


if __name__ == "__main__":
    main()
