"""`minigrad graph`: the subcommand added by minigrad.viz.cli.add_graph_parser."""

from __future__ import annotations

import argparse

import pytest

from minigrad.viz.cli import add_graph_parser


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="minigrad")
    add_graph_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_dot_output_needs_no_graphviz(tmp_path, capsys) -> None:
    out = tmp_path / "mlp.dot"
    args = parse(["graph", "--model", "mlp", "--out", str(out), "--grads"])
    assert args.func(args) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("digraph {") and "gradient norm" in text
    assert "<B>1.weight</B>" in text and "subgraph cluster_" in text
    assert "wrote" in capsys.readouterr().out


def test_svg_output(tmp_path) -> None:
    pytest.importorskip("graphviz")
    out = tmp_path / "logreg.svg"
    args = parse(["graph", "--model", "logreg", "--out", str(out), "--collapse"])
    assert args.func(args) == 0
    svg = out.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and ">Linear</text>" in svg


def test_lenet5_svg_with_grads(tmp_path) -> None:
    pytest.importorskip("graphviz")
    import minigrad.nn.functional as F

    if not hasattr(F, "conv2d"):
        pytest.skip("conv2d is not in minigrad.nn.functional yet")
    out = tmp_path / "lenet5.svg"
    args = parse(["graph", "--model", "lenet5", "--out", str(out), "--grads"])
    assert args.func(args) == 0
    svg = out.read_text(encoding="utf-8")
    assert ">features.0.weight</text>" in svg and "gradient norm" in svg


def test_bad_suffix(tmp_path, capsys) -> None:
    args = parse(["graph", "--model", "mlp", "--out", str(tmp_path / "x.jpeg")])
    assert args.func(args) == 2
    assert "--out must end in one of" in capsys.readouterr().err
