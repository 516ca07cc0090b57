"""minigrad.viz with graphviz: rendering, gradient colours, module clusters, capture."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, viz
from minigrad.viz.colors import LogColorScale

graphviz = pytest.importorskip("graphviz")


def _luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _fill_of(text: str, label: str) -> str:
    line = next(ln for ln in text.splitlines() if f"<B>{label}</B>" in ln)
    found = re.search(r'fillcolor="(#[0-9a-f]{6})"', line)
    assert found is not None, line
    return found.group(1)


def test_render_svg_and_png_with_labels(tmp_path) -> None:
    w = mg.ones(3, 4, requires_grad=True)
    b = mg.zeros(4, requires_grad=True)
    loss = (mg.ones(2, 3) @ w + b).relu().sum()
    g = viz.draw(loss, params={"fc.weight": w, "fc.bias": b})
    assert isinstance(g, graphviz.Digraph)
    assert g.source == viz.to_dot(viz.build_graph(loss, {"fc.weight": w, "fc.bias": b}))
    svg = g.pipe(format="svg").decode("utf-8")
    for label in ("Sum", "Relu", "Add", "Matmul", "fc.weight", "fc.bias", "3×4", "2×4"):
        assert f">{label}</text>" in svg, label
    png = tmp_path / "g.png"
    png.write_bytes(g.pipe(format="png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    img = matplotlib.image.imread(str(png))
    assert img.shape[0] > 100 and img.shape[1] > 100 and float(img.std()) > 0.05


def test_colour_ordering_follows_gradient_norms() -> None:
    ps = {name: mg.ones(4, requires_grad=True) for name in ("small", "middle", "large")}
    loss = (ps["small"] * 1e-3).sum() + (ps["middle"] * 0.1).sum() + (ps["large"] * 10.0).sum()
    viz.watch(loss)
    loss.backward()
    text = viz.draw(loss, params=ps, show_grads=True).source
    fills = [_fill_of(text, name) for name in ("small", "middle", "large")]
    lum = [_luminance(c) for c in fills]
    assert lum[0] < lum[1] < lum[2]  # viridis: brighter = larger gradient
    assert "‖∇‖ 2.00e-03" in text and "‖∇‖ 0.2" in text and "‖∇‖ 20" in text
    scale = LogColorScale.fit([2e-3, 0.2, 20.0])
    assert fills == [scale.color(v) for v in (2e-3, 0.2, 20.0)]
    # the legend shows every decade of the scale, with its colour
    assert "gradient norm ‖∇‖" in text
    for e, color in scale.ticks():
        assert f'BGCOLOR="{color}"' in text, e
    # ops were watched: the Sum at the top received gradient 1
    assert "<B>Add</B>" in text and "‖∇‖ n/a" not in text


def test_unrecorded_ops_are_dashed() -> None:
    w = mg.ones(2, requires_grad=True)
    loss = (w * 2).sum()
    loss.backward()  # no watch: op gradients were not recorded
    text = viz.draw(loss, params={"w": w}, show_grads=True).source
    assert text.count("‖∇‖ n/a") == 2 and "rounded,dashed,filled" in text


def mlp() -> nn.Module:
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_capture_groups_real_modules() -> None:
    model = mlp()
    x = mg.randn(5, 4)
    with viz.capture(model) as cap:
        out = model(x)
        loss = (out * out).mean()
        cap.watch(loss)
    loss.backward()
    g = viz.build_graph(loss)
    by_module: dict[Any, list[str]] = {}
    for n in g.nodes:
        by_module.setdefault(n.module, []).append(n.name)
    assert sorted(by_module[None]) == ["Mean", "Mul"]  # the loss is outside the model
    assert {"0.weight", "0.bias", "Linear"} <= set(by_module["0"])
    assert {"2.weight", "2.bias", "Linear"} <= set(by_module["2"])
    assert by_module["1"] == ["Relu"]
    assert g.modules == {"": "Sequential", "0": "Linear", "1": "ReLU", "2": "Linear"}
    # every op got a recorded gradient norm; leaves have theirs from .grad
    assert all(n.grad_norm is not None and n.grad_norm > 0 for n in g.nodes)
    text = viz.to_dot(g, show_grads=True)
    assert text.count("subgraph cluster_") == 4  # Sequential holding three layers
    svg = viz.draw(loss, show_grads=True).pipe(format="svg").decode()
    assert ">0.weight</text>" in svg and ">Sequential</text>" in svg


def test_collapse_modules_one_box_each() -> None:
    model = mlp()
    with viz.capture(model):
        loss = model(mg.randn(2, 4)).sum()
    text = viz.draw(loss, collapse_modules=True).source
    node_lines = [ln for ln in text.splitlines() if "[label=<" in ln and "legend" not in ln]
    assert len(node_lines) == 4  # Sum + one box per layer
    assert "weight 8×4" in text and "bias 3" in text
    assert text.count("subgraph cluster_") == 1


def test_capture_removes_its_hooks() -> None:
    model = mlp()
    with viz.capture(model):
        model(mg.randn(2, 4)).sum()
    later = model(mg.randn(2, 4)).sum()
    assert all(n.module is None for n in viz.build_graph(later).nodes if n.kind == "op")


class DuckLayer:
    """The smallest module shape capture() needs: named_* and register_forward_hook."""

    def __init__(self) -> None:
        self.weight = mg.ones(3, 3, requires_grad=True)
        self.hooks: list[Any] = []

    def named_parameters(self) -> Any:
        yield "weight", self.weight

    def named_modules(self) -> Any:
        yield "", self

    def register_forward_hook(self, hook: Any) -> Any:
        self.hooks.append(hook)
        hooks = self.hooks

        class Handle:
            def remove(self) -> None:
                hooks.remove(hook)

        return Handle()

    def __call__(self, x: mg.Tensor) -> mg.Tensor:
        out = (x @ self.weight).tanh()
        for h in self.hooks:
            h(self, (x,), out)
        return out


def test_capture_with_duck_typed_module_and_input_boundary() -> None:
    layer = DuckLayer()
    x = mg.ones(2, 3, requires_grad=True)
    pre = x * 2  # made before the module: must not be tagged
    with viz.capture(layer):
        loss = layer(pre).sum()
    g = viz.build_graph(loss)
    tagged = {n.name: n.module for n in g.nodes}
    assert tagged["Tanh"] == "" and tagged["Matmul"] == ""
    assert tagged["weight"] is None  # a root-level parameter: drawn outside the clusters
    assert tagged["Mul"] is None and tagged["Sum"] is None
    assert layer.hooks == []
    with pytest.raises(TypeError, match="named_modules"), viz.capture(object()):
        pass


def test_lenet_like_conv_net_graph() -> None:
    import minigrad.nn.functional as F

    if not hasattr(F, "conv2d") or not hasattr(F, "max_pool2d"):
        pytest.skip("conv2d / max_pool2d are not in minigrad.nn.functional yet")
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 5))
    with viz.capture(model) as cap:
        loss = model(mg.randn(2, 1, 8, 8)).sum()
        cap.watch(loss)
    loss.backward()
    g = viz.build_graph(loss)
    assert {"", "0", "1", "2", "4"} <= set(g.modules)
    assert {n.name for n in g.nodes if n.kind == "leaf"} == {
        "0.weight", "0.bias", "4.weight", "4.bias"}
    svg = viz.draw(loss, show_grads=True).pipe(format="svg").decode()
    assert ">0.weight</text>" in svg and ">Conv2d</text>" in svg
    assert np.isfinite([n.grad_norm for n in g.nodes]).all()
