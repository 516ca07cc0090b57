"""The ``minigrad`` command: ``minigrad train``, ``eval``, ``sample`` and ``graph``.

``python -m minigrad`` is the same command. Each subcommand imports what it needs when it
runs, so ``minigrad --help`` is fast and works without the optional packages.

>>> parser = build_parser()
>>> args = parser.parse_args(["train", "--model", "mlp", "--dataset", "synthetic"])
>>> args.model, args.dataset, args.epochs is None
('mlp', 'synthetic', True)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from minigrad._version import __version__

__all__ = ["build_parser", "main"]

MODEL_NAMES = ("logreg", "mlp", "lenet5", "lenet5-classic", "lstm", "char-gpt")
DATASET_NAMES = ("mnist", "fashion-mnist", "synthetic", "stdlib-text", "text")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show an option's default only when it has one (not "(default: None)")."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or "(default" in (action.help or ""):
            return action.help or ""
        return super()._get_help_string(action) or ""


def _add_train_parser(sub: argparse._SubParsersAction) -> None:
    from minigrad.training.recipes import OPTIMIZERS, SCHEDULES

    p = sub.add_parser(
        "train", help="train a model and evaluate it on the test set after every epoch",
        description="Train a model; options left out take the model's recipe (logreg: SGD "
        "0.01 with decay at epochs 5/10/15; mlp: SGD 0.1, batch 100; lenet5, lstm: Adam; "
        "char-gpt: AdamW, warm-up and cosine, a fixed number of iterations on a text "
        "dataset).",
        formatter_class=_HelpFormatter,
    )
    p.add_argument("--model", choices=MODEL_NAMES, default="mlp")
    p.add_argument("--dataset", choices=DATASET_NAMES, default="mnist",
                   help="'synthetic' draws digits procedurally: no files, no network; "
                   "'stdlib-text' (char-gpt) gathers the standard library's docstrings; "
                   "'text' (char-gpt) reads the UTF-8 file named by --data")
    p.add_argument("--epochs", type=int, help="epochs to train (to reach, with --resume)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="initial learning rate")
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--momentum", type=float, help="for --optimizer momentum/nesterov")
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--lr-schedule", choices=SCHEDULES)
    p.add_argument("--lr-gamma", type=float, help="decay factor of the schedule")
    p.add_argument("--lr-step", type=int, help="epochs between decays (--lr-schedule step)")
    p.add_argument("--milestones", type=lambda s: [int(v) for v in s.split(",") if v],
                   help="comma-separated epochs (--lr-schedule multistep), e.g. 5,10,15")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--data", metavar="DIR",
                   help="folder with the dataset files (default: $MINIGRAD_DATA)")
    p.add_argument("--out", metavar="DIR", help="where to write checkpoint.mg and metrics.json "
                   "(default: runs/MODEL-DATASET)")
    p.add_argument("--resume", metavar="CKPT", help="continue the run saved in this checkpoint")
    p.add_argument("--seed", type=int, help="seed of the weights and data order (default 0)")
    p.add_argument("--limit", type=int, metavar="N", help="train on the first N samples only")
    p.add_argument("--test-limit", type=int, metavar="N", help="test on the first N samples")
    p.add_argument("--eval-batch-size", type=int, default=1000)
    p.add_argument("--synthetic-size", type=int,
                   help="training images drawn for --dataset synthetic (default 10000; test: "
                   "a fifth)")
    p.add_argument("--val-split", type=float, metavar="FRACTION",
                   help="hold out this fraction of the training set (drawn with --seed) as a "
                   "validation set, evaluated after every epoch")
    p.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                   help="stop once the validation loss has not improved for PATIENCE epochs; "
                   "the best epoch is kept as best.mg beside checkpoint.mg (needs --val-split)")
    p.add_argument("--plot-grads", action="store_true",
                   help="record gradient flow and save grad_flow.png in --out (matplotlib)")
    p.add_argument("--tensorboard", metavar="DIR",
                   help="log losses, accuracies, learning rate, gradient norms and histograms "
                   "per epoch as TensorBoard events in DIR (pip install 'minigrad[tensorboard]')")
    p.add_argument("--grad-clip", type=float, metavar="NORM",
                   help="clip the gradients' joint 2-norm before each step (lstm: 1.0)")
    p.add_argument("--quiet", action="store_true", help="only the final summary")
    lm = p.add_argument_group("language models (char-gpt)")
    lm.add_argument("--iters", type=int, help="training iterations (the budget)")
    lm.add_argument("--block-size", type=int, help="context length in characters")
    lm.add_argument("--eval-interval", type=int, help="iterations between evaluations")
    lm.add_argument("--warmup", type=int, help="iterations of linear learning-rate warm-up")
    lm.add_argument("--n-layer", type=int, help="transformer blocks")
    lm.add_argument("--n-head", type=int, help="attention heads")
    lm.add_argument("--n-embd", type=int, help="model width")
    p.set_defaults(handler="train")


def _add_eval_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="evaluate a checkpoint on the test set",
                       formatter_class=_HelpFormatter)
    p.add_argument("checkpoint", metavar="CHECKPOINT")
    p.add_argument("--data", metavar="DIR", help="folder with the dataset files")
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--limit", type=int, metavar="N", help="evaluate the first N samples only")
    p.add_argument("--train", action="store_true", help="evaluate on the training split")
    p.set_defaults(handler="eval")


def _add_sample_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="generate text with a language-model checkpoint",
                       formatter_class=_HelpFormatter)
    p.add_argument("checkpoint", metavar="CHECKPOINT")
    p.add_argument("--prompt", default="\n", help="text to continue")
    p.add_argument("--length", type=int, default=300, help="characters to generate")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="divide the logits by this (below 1: safer, above: wilder)")
    p.add_argument("--top-k", type=int, help="sample among the k most likely characters only")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.set_defaults(handler="sample")


def _add_graph_parser(sub: argparse._SubParsersAction) -> None:
    """``minigrad graph`` comes from minigrad.viz when that part is present."""
    try:
        from minigrad.viz.cli import add_graph_parser
    except ImportError:
        return
    add_graph_parser(sub)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``minigrad`` command."""
    parser = argparse.ArgumentParser(
        prog="minigrad", description="minigrad: a define-by-run autodiff framework. Train "
        "and evaluate the classic MNIST models, an LSTM and a character-level GPT.",
    )
    parser.add_argument("--version", action="version", version=f"minigrad {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_train_parser(sub)
    _add_eval_parser(sub)
    _add_sample_parser(sub)
    _add_graph_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``minigrad`` command; returns the exit status (130 after Ctrl-C).

    >>> main(["--version"])
    Traceback (most recent call last):
    SystemExit: 0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None and hasattr(args, "func"):  # subcommands added by other parts
        return int(args.func(args) or 0)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    from minigrad.cli import commands

    try:
        return commands.dispatch(handler, args)
    except commands.UserError as e:
        print(f"minigrad {args.command}: error: {e}", file=sys.stderr)
        return 2
