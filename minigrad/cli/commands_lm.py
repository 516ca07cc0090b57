"""What ``minigrad train``, ``eval`` and ``sample`` do for the language models (char-gpt).

A run is a fixed budget of iterations (see :mod:`minigrad.training.lm`); its settings, the
corpus's vocabulary and hash go into the checkpoint, so ``--resume``, ``eval`` and ``sample``
rebuild the same model without any other file.

>>> from minigrad.cli import build_parser
>>> args = build_parser().parse_args(["train", "--model", "char-gpt", "--dataset",
...                                   "stdlib-text", "--iters", "50"])
>>> s = resolve_lm_settings(args)
>>> s["iters"], s["n_layer"], s["lr_schedule"]
(50, 4, 'warmup-cosine')
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import minigrad as mg
from minigrad.cli.commands import UserError, _check_device, _load, _restore
from minigrad.data.text import CharCorpus, stdlib_docstrings
from minigrad.models import build_model
from minigrad.models.gpt import decay_groups
from minigrad.optim.lr_scheduler import LambdaLR
from minigrad.training import CHECKPOINT_NAME, recipe
from minigrad.training.lm import WarmupCosine, fit_lm, split_loss

__all__ = ["LM_DATASETS", "load_corpus", "resolve_lm_settings", "run_eval_lm", "run_sample",
           "run_train_lm"]

#: text datasets: the standard library's docstrings, or the UTF-8 file named by --data
LM_DATASETS = ("stdlib-text", "text")
_MODEL_KEYS = ("block_size", "n_layer", "n_head", "n_embd", "dropout")
_SETTINGS = ("model", "dataset", "iters", "batch_size", "lr", "weight_decay", "betas", "warmup",
             "min_lr_ratio", "grad_clip", "eval_interval", "eval_batches", "lr_schedule",
             "seed", *_MODEL_KEYS)


def resolve_lm_settings(args: argparse.Namespace,
                        base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Explicit options, else ``base`` (a resumed run's settings), else the model's recipe."""
    model = base["model"] if base else args.model
    settings = {"seed": 0, **recipe(model), **(base or {})}
    for key in _SETTINGS:
        value = getattr(args, key, None)
        if value is not None and key not in ("model", "dataset"):
            settings[key] = value
    if base is None:
        settings["model"], settings["dataset"] = args.model, args.dataset
    return {k: settings.get(k) for k in _SETTINGS}


def load_corpus(dataset: str, data: str | None) -> CharCorpus:
    """The corpus of ``dataset``: ``stdlib-text`` (gathered here) or ``text`` (``data`` is a
    UTF-8 file)."""
    if dataset == "stdlib-text":
        return CharCorpus(stdlib_docstrings())
    if dataset == "text":
        if not data or not os.path.isfile(data):
            raise UserError(f"--dataset text needs --data FILE, a UTF-8 text file (got {data})")
        with open(data, encoding="utf-8") as f:
            return CharCorpus(f.read())
    raise UserError(f"a language model trains on a text dataset ({', '.join(LM_DATASETS)}), "
                    f"not {dataset!r}")


def _model(settings: dict[str, Any], vocab_size: int, device: str) -> Any:
    return build_model(settings["model"], vocab_size=vocab_size,
                       **{k: settings[k] for k in _MODEL_KEYS}).to(device)


def run_train_lm(args: argparse.Namespace, checkpoint: dict[str, Any] | None = None) -> int:
    """``minigrad train`` for a language model; returns 0, or 130 after Ctrl-C."""
    settings = resolve_lm_settings(args, base=checkpoint["config"] if checkpoint else None)
    _check_device(args.device)
    out = args.out or (os.path.dirname(os.path.abspath(args.resume)) if args.resume else
                       os.path.join("runs", f"{settings['model']}-{settings['dataset']}"))
    corpus = load_corpus(settings["dataset"], args.data)
    if checkpoint is not None and checkpoint["config"].get("sha256") != corpus.sha256:
        raise UserError(f"--resume: the {settings['dataset']} corpus differs from the one the "
                        "checkpoint was trained on (another Python version or file?)")
    mg.manual_seed(settings["seed"])
    model = _model(settings, corpus.vocab_size, args.device)
    optimizer = mg.optim.AdamW(decay_groups(model, settings["weight_decay"]), lr=settings["lr"],
                               betas=tuple(settings["betas"]))
    scheduler = LambdaLR(optimizer, WarmupCosine(settings["warmup"], settings["iters"],
                                                 settings["min_lr_ratio"]))
    start, history = 0, []
    if checkpoint is not None:
        start = _restore(args.resume, checkpoint, model, optimizer, scheduler)
        history = checkpoint["history"]
    verbose = not args.quiet
    if verbose:
        info = corpus.info()
        print(f"minigrad train: {settings['model']} on {settings['dataset']} ({info['chars']:,} "
              f"chars, vocabulary {info['vocab_size']}, sha256 {info['sha256'][:12]}), "
              f"{sum(p.numel() for p in model.parameters()):,} parameters, iterations "
              f"{start + 1}..{settings['iters']}, batch {settings['batch_size']}×"
              f"{settings['block_size']}, device {args.device}, out {out}", file=sys.stderr)
    config = {**settings, "chars": corpus.chars, "sha256": corpus.sha256}
    result = fit_lm(model, optimizer, corpus, iters=settings["iters"],
                    batch_size=settings["batch_size"], block_size=settings["block_size"],
                    scheduler=scheduler, grad_clip=settings["grad_clip"],
                    eval_interval=settings["eval_interval"],
                    eval_batches=settings["eval_batches"], seed=settings["seed"],
                    device=args.device, out_dir=out, config=config, start_iter=start,
                    history=history, verbose=verbose)
    status = "interrupted" if result.interrupted else "done"
    if result.final:
        print(f"{status}: {settings['model']} on {settings['dataset']}, {result.final['iter']} "
              f"iterations: validation loss {result.final['val_loss']:.4f} nats/char (whole "
              f"split), train loss {result.final['train_loss']:.4f}, wall time "
              f"{result.time_s:.1f} s; checkpoint {os.path.join(out, CHECKPOINT_NAME)}, "
              f"metrics {os.path.join(out, 'metrics.json')}")
    else:
        done = result.history[-1]["iter"] if result.history else start
        print(f"{status}: at iteration {done} of {settings['iters']} ({result.time_s:.1f} s)")
    return 130 if result.interrupted else 0


def _restored(path: str, device: str) -> tuple[dict[str, Any], Any]:
    checkpoint = _load(path)
    config = checkpoint["config"]
    if "chars" not in config:
        raise UserError(f"{path} is not a language-model checkpoint (no vocabulary)")
    _check_device(device)
    model = _model({**recipe(config["model"]), **config}, len(config["chars"]), device)
    _restore(path, checkpoint, model)
    return checkpoint, model


def run_eval_lm(args: argparse.Namespace, checkpoint: dict[str, Any]) -> int:
    """``minigrad eval CHECKPOINT`` of a language model: loss over the whole val split."""
    config = checkpoint["config"]
    _, model = _restored(args.checkpoint, args.device)
    corpus = load_corpus(config["dataset"], args.data)
    if corpus.chars != config["chars"]:
        raise UserError("eval: the corpus's vocabulary differs from the checkpoint's")
    split = "train" if args.train else "val"
    loss = split_loss(model, corpus, split, config["block_size"], config["batch_size"],
                      args.device)
    print(f"{config['model']} on {config['dataset']} ({split}, iteration "
          f"{checkpoint['epoch']}): loss {loss:.4f} nats/char")
    return 0


def run_sample(args: argparse.Namespace) -> int:
    """``minigrad sample CHECKPOINT``: print the prompt and its generated continuation."""
    checkpoint, model = _restored(args.checkpoint, args.device)
    chars = checkpoint["config"]["chars"]
    missing = sorted(set(args.prompt) - set(chars))
    if missing:
        raise UserError(f"--prompt has characters the model never saw: {''.join(missing)!r}")
    if args.length < 0:
        raise UserError(f"--length must be non-negative, got {args.length}")
    prompt = args.prompt or "\n"
    stoi = {ch: i for i, ch in enumerate(chars)}
    idx = mg.tensor([[stoi[ch] for ch in prompt]], dtype=mg.int64, device=args.device)
    generator = mg.Generator(device=args.device).manual_seed(args.seed)
    try:
        out = model.generate(idx, args.length, temperature=args.temperature, top_k=args.top_k,
                             generator=generator)
    except ValueError as e:
        raise UserError(str(e)) from e
    print("".join(chars[int(i)] for i in out[0].tolist()))
    return 0
