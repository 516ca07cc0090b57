"""The gradient-flow picture reads at a glance: the legend covers no data, epochs are marked,
and update ratios at float32 resolution are shaded and explained rather than shown bare."""

from __future__ import annotations

import pytest

import minigrad as mg
from minigrad import nn
from minigrad.viz import GradientFlow

pytest.importorskip("matplotlib")


def _trained(layers: int, lr: float, epochs: int = 3, steps: int = 4) -> GradientFlow:
    mg.manual_seed(0)
    mods: list[nn.Module] = []
    for _ in range(layers):
        mods += [nn.Linear(4, 4), nn.Tanh()]
    model = nn.Sequential(*mods, nn.Linear(4, 2))
    opt = mg.optim.SGD(model.parameters(), lr=lr)
    flow = GradientFlow(model)
    x = mg.randn(16, 4)
    y = (x.sum(1) > 0).long()
    for _ in range(epochs):
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            flow.step()
        flow.mark_epoch()
    flow.remove()
    return flow


def _drawn(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    return fig


def test_legend_is_outside_every_panel() -> None:
    fig = _drawn(_trained(layers=2, lr=0.1).plot())
    (legend,) = fig.legends
    box = legend.get_window_extent()
    assert [t.get_text() for t in legend.get_texts()] == [
        "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    for ax in fig.axes:
        if ax.get_label() != "<colorbar>":
            assert not box.overlaps(ax.get_window_extent()), ax.get_title()


def test_epoch_boundaries_are_marked() -> None:
    flow = _trained(layers=1, lr=0.1, epochs=3, steps=4)
    assert flow.epochs == [4, 8, 12]
    fig = _drawn(flow.plot())
    ax_g = fig.axes[0]
    marks = [ln for ln in ax_g.get_lines() if ln.get_linestyle() == ":"]
    assert sorted(ln.get_xdata()[0] for ln in marks) == [3.5, 7.5]  # the last one is the end
    labels = [t.get_text().strip() for t in ax_g.texts]
    assert labels == ["epoch 2", "epoch 3"]
    assert "epoch boundaries" in ax_g.get_xlabel()


def test_float32_floor_is_shaded_and_explained() -> None:
    flow = _trained(layers=1, lr=1e-7)  # updates at the float32 rounding floor, some exactly 0
    assert min(v for vs in flow.update_ratios.values() for v in vs) < 1e-6
    fig = _drawn(flow.plot())
    ax_u = fig.axes[1]
    notes = [t.get_text() for t in ax_u.texts if "resolution" in t.get_text()]
    assert notes and "float32" in notes[0] and "1.2e-07" in notes[0]
    ymin = ax_u.get_ylim()[0]
    for line in ax_u.get_lines()[: len(flow.names)]:  # zeros drawn at eps/2, not dropped
        assert all(v >= ymin for v in line.get_ydata())


def test_no_float32_note_far_from_the_floor() -> None:
    fig = _drawn(_trained(layers=1, lr=0.1).plot())
    assert not [t for t in fig.axes[1].texts if "resolution" in t.get_text()]


def test_many_layers_use_a_depth_colour_bar() -> None:
    fig = _drawn(_trained(layers=7, lr=0.1, epochs=1).plot())  # 16 parameters
    assert not fig.legends
    assert any("depth" in ax.get_ylabel() for ax in fig.axes)
