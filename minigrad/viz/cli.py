"""``minigrad graph``: draw a model's backprop graph from the command line.

``minigrad graph --model lenet5 --out lenet5.svg [--grads]`` builds the model (from
:mod:`minigrad.models`), runs one forward pass (and with ``--grads`` one backward pass) on a
small batch of random images with random labels through a cross-entropy loss, and writes the
picture; the format follows the suffix of ``--out`` (svg, png, pdf, or dot for the DOT text,
which needs no graphviz). ``--checkpoint RUN/checkpoint.mg`` draws the trained model of an
image-model run instead, on the first test images of its own dataset (the data folder the
run was trained from, or ``--data DIR``). :func:`add_graph_parser` adds the subcommand to the
main CLI.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="minigrad")
>>> _ = add_graph_parser(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["graph", "--model", "mlp", "--out", "mlp.svg", "--grads"])
>>> args.model, args.out, args.grads, args.func is graph_command
('mlp', 'mlp.svg', True, True)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "add_graph_parser", "checkpoint_graph", "graph_command", "model_graph"]

#: output formats by file suffix
FORMATS = ("svg", "png", "pdf", "dot")
#: language models (char-gpt) are drawn with one transformer block (the others repeat it) on
#: random text of this length and vocabulary
LM_LENGTH, LM_VOCAB = 8, 16


def _model_names() -> list[str]:
    from minigrad.models import MODELS

    return sorted(MODELS)


def add_graph_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``graph`` subcommand to ``subparsers`` (from ``parser.add_subparsers()``).

    The parsed namespace has ``func=graph_command``; call ``args.func(args)`` to run it.

    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> add_graph_parser(sub).prog.endswith("graph")
    True
    """
    p = subparsers.add_parser(
        "graph", help="draw a model's backprop graph (graphviz)",
        description="Draw the backprop graph of a model on a random batch: one node per op "
                    "and parameter, clustered by module. The format follows the suffix of "
                    "--out (svg, png, pdf; .dot writes the DOT text).",
    )
    p.add_argument("--model", default="lenet5", choices=_model_names(),
                   help="model to draw (default: lenet5)")
    p.add_argument("--checkpoint", metavar="CKPT",
                   help="draw the trained model of this run (e.g. runs/lenet5-mnist/"
                        "checkpoint.mg) on test images of its dataset; replaces --model")
    p.add_argument("--data", metavar="DIR",
                   help="with --checkpoint: folder with the dataset files (default: the "
                        "folder the run was trained from, else $MINIGRAD_DATA)")
    p.add_argument("--out", required=True, help="output file, e.g. lenet5.svg")
    p.add_argument("--grads", action="store_true",
                   help="run backward and colour nodes by gradient norm (log scale)")
    p.add_argument("--saved", action="store_true", help="list what each op saves for backward")
    p.add_argument("--collapse", action="store_true", help="one box per module")
    p.add_argument("--no-group", dest="group", action="store_false",
                   help="do not cluster nodes by module")
    p.add_argument("--rankdir", default="TB", choices=["TB", "BT", "LR", "RL"],
                   help="layout direction (default: TB, loss at the top)")
    p.add_argument("--max-nodes", type=int, default=400,
                   help="cut the graph after this many nodes (default: 400)")
    p.add_argument("--batch-size", type=int, default=2, help="random batch size (default: 2)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.set_defaults(func=graph_command)
    return p


def _cross_entropy(logits: Any, target: Any) -> Any:
    import minigrad.nn.functional as F

    ce = getattr(F, "cross_entropy", None)
    if ce is not None:
        return ce(logits, target)
    picked = logits.gather(1, target.reshape(-1, 1)).reshape(-1)  # log-softmax at the label
    return (logits.logsumexp(1) - picked).mean()


def model_graph(name: str, batch_size: int = 2, grads: bool = False, seed: int = 0,
                keep_saved: bool = False) -> Any:
    """Build model ``name``, run it on a random batch; returns ``(model, loss)``.

    The forward pass runs inside :func:`minigrad.viz.capture`, so ops know their module;
    with ``grads`` the loss is back-propagated (gradient norms recorded), keeping what the
    ops saved when ``keep_saved`` (``retain_graph``, so ``--saved`` still has it to show).

    >>> model, loss = model_graph("logreg", grads=True)
    >>> loss.shape, model[1].weight.grad is not None
    (Size([]), True)
    """
    import minigrad as mg
    from minigrad.models import build_model, input_options, model_kind
    from minigrad.viz.capture import capture

    mg.manual_seed(seed)
    if model_kind(name) == "language":  # a short random text through a small vocabulary
        model = build_model(name, vocab_size=LM_VOCAB, block_size=LM_LENGTH, n_layer=1)
        x, y = (mg.randint(0, LM_VOCAB, (batch_size, LM_LENGTH)) for _ in range(2))
        with capture(model) as cap:
            loss = model.loss(x, y)
            cap.watch(loss)
    else:
        model = build_model(name)
        side = 28 + 2 * int(input_options(name).get("pad", 0))
        x = mg.randn(batch_size, 1, side, side)
        y = mg.randint(0, 10, (batch_size,))
        with capture(model) as cap:
            loss = _cross_entropy(model(x), y)
            cap.watch(loss)
    if grads:
        loss.backward(retain_graph=keep_saved)
    return model, loss


def checkpoint_graph(path: str, batch_size: int = 2, grads: bool = False,
                     keep_saved: bool = False, data: str | None = None) -> Any:
    """Restore the trained image model saved in checkpoint ``path`` and run it on the first
    ``batch_size`` test samples of its dataset; returns ``(model, loss)`` as
    :func:`model_graph`. Problems a user can fix raise ``minigrad.cli.commands.UserError``.
    """
    import os

    from minigrad.cli.commands import UserError, load_dataset
    from minigrad.models import build_model, input_options, model_kind
    from minigrad.training import CheckpointError, load_checkpoint, restore
    from minigrad.viz.capture import capture

    if not os.path.isfile(path):
        raise UserError(f"--checkpoint: no checkpoint at {path}")
    try:
        checkpoint = load_checkpoint(path)
        config = checkpoint["config"]
        name = config["model"]
        if model_kind(name) != "image":
            raise UserError(f"--checkpoint: {path} holds a language model ({name}); graph "
                            f"draws those untrained only: --model {name}")
        model = build_model(name)
        restore(checkpoint, model)
    except (CheckpointError, ValueError, TypeError, KeyError, OSError) as e:
        raise UserError(f"--checkpoint: cannot use {path}: {e}") from e
    trained_on = config.get("data")
    root = data if data is not None else (
        trained_on if trained_on and os.path.isdir(trained_on) else None)
    ds = load_dataset(config["dataset"], False, root, config.get("synthetic_size") or 10000,
                      seed=config.get("seed") or 0, command="graph")
    x, y = ds.tensors(**input_options(name)).tensors
    x, y = x[:batch_size], y[:batch_size]
    model.eval()
    with capture(model) as cap:
        loss = _cross_entropy(model(x), y)
        cap.watch(loss)
    if grads:
        loss.backward(retain_graph=keep_saved)
    return model, loss


def graph_command(args: argparse.Namespace) -> int:
    """Run ``minigrad graph`` with parsed ``args``; returns the exit status."""
    from minigrad.viz.dot import to_dot
    from minigrad.viz.draw import MissingDependencyError, draw
    from minigrad.viz.graph import build_graph

    out = Path(args.out)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        print(f"minigrad graph: --out must end in one of .{', .'.join(FORMATS)} (got {out})",
              file=sys.stderr)
        return 2
    if getattr(args, "checkpoint", None):
        from minigrad.cli.commands import UserError

        try:
            model, loss = checkpoint_graph(args.checkpoint, args.batch_size, args.grads,
                                           keep_saved=args.saved, data=args.data)
        except UserError as e:
            print(f"minigrad graph: {e}", file=sys.stderr)
            return 2
    else:
        model, loss = model_graph(args.model, args.batch_size, args.grads, args.seed,
                                  keep_saved=args.saved)
    options = dict(show_grads=args.grads, show_saved=args.saved, rankdir=args.rankdir,
                   group_by_module=args.group, collapse_modules=args.collapse)
    if fmt == "dot":
        out.write_text(to_dot(build_graph(loss, model, args.max_nodes), **options),
                       encoding="utf-8")
    else:
        try:
            g = draw(loss, model, max_nodes=args.max_nodes, **options)
        except MissingDependencyError as e:
            print(f"minigrad graph: {e}", file=sys.stderr)
            return 1
        out.write_bytes(g.pipe(format=fmt))
    print(f"wrote {out}")
    return 0
