"""Graph pictures that read at a glance: a sideways (LR) picture of a deep chain wraps into
rows, and a module called several times (one shared activation) is drawn once per use."""

from __future__ import annotations

import re

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.models import build_model
from minigrad.viz import build_graph, capture, to_dot
from minigrad.viz.layout import WRAP_OPS


def _chain(n_ops: int) -> mg.Tensor:
    x = mg.ones(3, requires_grad=True)
    y = x
    for _ in range(n_ops - 1):
        y = y.exp() if y.grad_fn is None or y.grad_fn.name() != "ExpBackward0" else y.tanh()
    return y.sum()



def test_lr_wraps_a_long_chain_into_rows() -> None:
    dot = to_dot(build_graph(_chain(3 * WRAP_OPS)), rankdir="LR")
    breaks = re.findall(r"\t(n\d+) -> (n\d+) \[constraint=false\]", dot)
    assert len(breaks) == 2  # 24 ops: three rows of 8
    assert "rankdir=LR" in dot


def test_short_chains_and_top_to_bottom_do_not_wrap() -> None:
    assert "constraint=false" not in to_dot(build_graph(_chain(WRAP_OPS)), rankdir="LR")
    assert "constraint=false" not in to_dot(build_graph(_chain(3 * WRAP_OPS)), rankdir="TB")


def test_lenet5_sideways_wraps_between_its_rows() -> None:
    model = build_model("lenet5")
    with capture(model):
        loss = F.cross_entropy(model(mg.randn(2, 1, 28, 28)), mg.randint(0, 10, (2,)))
    dot = to_dot(build_graph(loss, model), rankdir="LR")
    assert dot.count("constraint=false") == 1  # 13 op ranks: two rows


def test_a_shared_module_is_drawn_per_use() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(3, 3), nn.Linear(3, 3)
            self.act = nn.Tanh()

        def forward(self, x: mg.Tensor) -> mg.Tensor:
            return self.act(self.b(self.act(self.a(x))))

    net = Net()
    with capture(net):
        out = net(mg.randn(2, 3)).sum()
    graph = build_graph(out, net)
    tanh_modules = [n.module for n in graph.nodes if n.name == "Tanh"]
    assert sorted(tanh_modules) == ["act", "act (use 2)"]
    assert graph.modules["act (use 2)"] == "Tanh"
    dot = to_dot(graph)
    assert "<B>act (use 2)</B>" in dot and "<B>act</B>" in dot


def test_classic_lenet_activation_per_use() -> None:
    model = build_model("lenet5-classic")
    with capture(model):
        loss = F.cross_entropy(model(mg.randn(2, 1, 32, 32)), mg.randint(0, 10, (2,)))
    uses = {n.module for n in build_graph(loss, model).nodes
            if n.module and n.module.startswith("act")}
    assert uses == {"act", *(f"act (use {k})" for k in range(2, 7))}


def test_a_new_capture_counts_uses_afresh() -> None:
    act = nn.Tanh()
    model = nn.Sequential(act)
    for _ in range(2):
        with capture(model):
            out = model(mg.randn(2, requires_grad=True)).sum()
        assert [n.module for n in build_graph(out, model).nodes if n.name == "Tanh"] == ["0"]
