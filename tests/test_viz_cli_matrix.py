"""`minigrad graph` for every model x option combination (dot output: no graphviz needed),
tiny batches. A conv net without --grads used to crash; --saved after --grads showed only
"freed"."""

from __future__ import annotations

import argparse
import itertools

import pytest

from minigrad.models import MODELS
from minigrad.viz.cli import add_graph_parser

OPTIONS = ["--grads", "--saved", "--collapse", "--no-group"]
COMBOS = [c for n in range(len(OPTIONS) + 1) for c in itertools.combinations(OPTIONS, n)]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="minigrad")
    add_graph_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("options", COMBOS, ids=lambda c: "+".join(o[2:] for o in c) or "none")
def test_graph_command(model: str, options: tuple[str, ...], tmp_path) -> None:
    out = tmp_path / "g.dot"
    args = parse(["graph", "--model", model, "--out", str(out), "--batch-size", "1",
                  "--max-nodes", "60", *options])
    assert args.func(args) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("digraph {")
    if "--saved" in options and "--collapse" not in options:
        assert "freed" not in text  # what each op keeps is listed, also after backward
        assert "saved: " in text
    if "--grads" in options and "--collapse" not in options:
        assert "gradient norm" in text
