"""minigrad.viz without graphviz: build_graph, to_dot (golden text), escaping, truncation."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import minigrad as mg
from minigrad import viz
from minigrad.viz.dot import html_escape

GOLDEN = """digraph {
\tgraph [rankdir=TB fontname="Helvetica" fontsize=11 nodesep=0.25 ranksep=0.35 labelloc=b labeljust=l]
\tnode [fontname="Helvetica" fontsize=11 shape=box margin="0.12,0.04" penwidth=1]
\tedge [color="#55657e" arrowsize=0.6 penwidth=0.9]
\tn0 [label=<<B>Sum</B><BR/><FONT POINT-SIZE="9" COLOR="#55657e">scalar</FONT>> style="rounded,filled" fillcolor="#e8eef7" color="#5b6b82" penwidth="2"]
\tn1 [label=<<B>Add</B><BR/><FONT POINT-SIZE="9" COLOR="#55657e">2×3</FONT>> style="rounded,filled" fillcolor="#e8eef7" color="#5b6b82"]
\tn2 [label=<<B>Mul</B><BR/><FONT POINT-SIZE="9" COLOR="#55657e">2×3</FONT>> style="rounded,filled" fillcolor="#e8eef7" color="#5b6b82"]
\tn3 [label=<<B>b</B><BR/><FONT POINT-SIZE="9" COLOR="#55657e">3</FONT>> style="filled" fillcolor="#dcebd5" color="#5f8a4f"]
\tn4 [label=<<B>w</B><BR/><FONT POINT-SIZE="9" COLOR="#55657e">2×3</FONT>> style="filled" fillcolor="#dcebd5" color="#5f8a4f"]
\tn0 -> n1
\tn1 -> n2
\tn1 -> n3
\tn2 -> n4
\tlegend [shape=plain label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" CELLPADDING="3"><TR><TD COLSPAN="1" ALIGN="LEFT"><FONT POINT-SIZE="9" COLOR="#55657e">3 ops · 2 leaves · float32 · cpu</FONT></TD></TR></TABLE>>]
}
"""  # noqa: E501


def small_graph() -> tuple[mg.Tensor, dict[str, mg.Tensor]]:
    w = mg.ones(2, 3, requires_grad=True)
    b = mg.zeros(3, requires_grad=True)
    return (w * 2 + b).sum(), {"w": w, "b": b}


def test_to_dot_golden() -> None:
    out, params = small_graph()
    assert viz.to_dot(viz.build_graph(out, params=params)) == GOLDEN


def test_build_graph_nodes_and_edges() -> None:
    out, params = small_graph()
    g = viz.build_graph(out, params=params)
    assert [(n.kind, n.name, n.shape, n.dtype, n.device) for n in g.nodes] == [
        ("op", "Sum", (), "float32", "cpu"),
        ("op", "Add", (2, 3), "float32", "cpu"),
        ("op", "Mul", (2, 3), "float32", "cpu"),
        ("leaf", "b", (3,), "float32", "cpu"),
        ("leaf", "w", (2, 3), "float32", "cpu"),
    ]
    # gradients flow from the output towards the leaves
    assert [(e.src, e.dst, e.index) for e in g.edges] == [
        ("n0", "n1", 0), ("n1", "n2", 0), ("n1", "n3", 1), ("n2", "n4", 0)]
    assert g.nodes[0].is_output and not any(n.is_output for n in g.nodes[1:])
    assert g.omitted == 0 and g.cut == []


def test_params_as_named_pairs_and_tensor_name() -> None:
    w = mg.ones(3, requires_grad=True)
    x = mg.ones(3, requires_grad=True)
    x.name = "input"
    g = viz.build_graph((w * x).sum(), params=[("layer.weight", w)])
    assert sorted(n.name for n in g.nodes if n.kind == "leaf") == ["input", "layer.weight"]
    with pytest.raises(TypeError, match="named_parameters"):
        viz.build_graph((w * x).sum(), params=[w])


def test_shared_input_is_one_node() -> None:
    x = mg.ones(3, requires_grad=True)
    y = x.exp()
    g = viz.build_graph((y * y).sum())
    assert [n.name for n in g.nodes] == ["Sum", "Mul", "Exp", ""]
    assert [(e.src, e.dst, e.index) for e in g.edges] == [
        ("n0", "n1", 0), ("n1", "n2", 0), ("n1", "n2", 1), ("n2", "n3", 0)]


def test_long_chain_is_iterative() -> None:
    x = mg.ones(1, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    g = viz.build_graph(y.sum())
    assert len(g.nodes) == 5002 and len(g.edges) == 5001
    text = viz.to_dot(g, group_by_module=False)
    assert text.count(" -> ") == 5001


def test_max_nodes_truncates_with_note() -> None:
    x = mg.ones(2, requires_grad=True)
    y = x
    for _ in range(30):
        y = y.tanh()
    g = viz.build_graph(y.sum(), max_nodes=10)
    assert len(g.nodes) == 10 and g.omitted == 22  # 31 ops + 1 leaf in all
    assert g.cut == ["n9"]
    text = viz.to_dot(g)
    assert "… 22 more nodes not shown (max_nodes=10)" in text
    assert "n9 -> more [style=dashed" in text
    with pytest.raises(ValueError, match="max_nodes"):
        viz.build_graph(y.sum(), max_nodes=0)


def test_escaping_of_names() -> None:
    w = mg.ones(2, requires_grad=True)
    names = {'we<ir>d "name" & ünïcødé ∇\nline2': w}
    text = viz.to_dot(viz.build_graph((w * 3).sum(), params=names))
    assert ("<B>we&lt;ir&gt;d &quot;name&quot; &amp; ünïcødé ∇<BR/>line2</B>") in text
    assert html_escape("a'b") == "a&#39;b"
    assert html_escape("tab\there") == "tab here"


def test_rankdir_checked() -> None:
    out, _ = small_graph()
    assert "rankdir=LR" in viz.to_dot(viz.build_graph(out), rankdir="LR")
    with pytest.raises(ValueError, match="rankdir"):
        viz.to_dot(viz.build_graph(out), rankdir="sideways")


def test_no_graph_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="does not require grad"):
        viz.build_graph(mg.ones(2))
    with pytest.raises(TypeError, match="must be a Tensor"):
        viz.build_graph([1.0])  # type: ignore[arg-type]


def test_show_saved_lists_saved_arrays() -> None:
    x = mg.ones(4, 5, requires_grad=True)
    out = x.exp().sum()
    text = viz.to_dot(viz.build_graph(out), show_saved=True)
    assert "saved: out 4×5 (80 B)" in text
    out.backward()
    assert "saved: freed by backward" in viz.to_dot(viz.build_graph(out), show_saved=True)


def test_without_graphviz_build_and_dot_work_draw_explains(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` now fails
    out, params = small_graph()
    assert viz.to_dot(viz.build_graph(out, params=params)) == GOLDEN
    with pytest.raises(ImportError, match=r'pip install "minigrad\[viz\]"') as info:
        viz.draw(out)
    assert "apt-get install graphviz" in str(info.value)
    assert isinstance(info.value, viz.MissingDependencyError)


def test_without_dot_program_draw_explains(monkeypatch) -> None:
    pytest.importorskip("graphviz")
    draw_module = importlib.import_module("minigrad.viz.draw")  # viz.draw is the function

    monkeypatch.setattr(draw_module.shutil, "which", lambda name: None)
    out, _ = small_graph()
    with pytest.raises(viz.MissingDependencyError, match=r"`dot` program.*apt-get install"):
        viz.draw(out)


def test_import_does_not_load_graphviz_or_matplotlib() -> None:
    code = ("import sys, minigrad; from minigrad import viz; import minigrad.viz.cli; "
            "print('graphviz' in sys.modules, 'matplotlib' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(__import__("pathlib").Path(__file__).parent.parent))
    assert res.stdout.split() == ["False", "False"]
