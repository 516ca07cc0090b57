"""GradientFlow: recorded norms, update ratios, summary table, and the picture."""

from __future__ import annotations

import math

import pytest

import minigrad as mg
from minigrad import nn
from minigrad.optim import SGD
from minigrad.viz import GradientFlow


def train(flow_every: int = 1, steps: int = 12) -> tuple[GradientFlow, nn.Module, list]:
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(),
                          nn.Linear(16, 2))
    opt = SGD(model.parameters(), lr=0.5)
    x, y = mg.randn(32, 6), mg.randn(32, 2)
    flow = GradientFlow(model, every=flow_every)
    expected = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        w = model[0].weight
        expected.append(0.5 * float((w.grad * w.grad).sum()) ** 0.5
                        / float((w.detach() * w.detach()).sum()) ** 0.5)
        opt.step()
        flow.step()
    flow.remove()
    return flow, model, expected


def test_records_norms_and_sgd_update_ratio() -> None:
    flow, _, expected = train()
    assert flow.names == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert flow.steps == list(range(12))
    # SGD: ‖Δw‖ / ‖w‖ = lr ‖∇w‖ / ‖w‖
    assert flow.update_ratios["0.weight"] == pytest.approx(expected, rel=1e-4)
    assert all(v > 0 for v in flow.grad_norms["4.weight"])
    # sigmoid layers shrink the gradient on the way back
    assert flow.grad_norms["0.weight"][0] < flow.grad_norms["4.weight"][0]


def test_every_n_steps() -> None:
    flow, _, expected = train(flow_every=5, steps=12)
    assert flow.steps == [0, 5, 10]
    assert flow.update_ratios["0.weight"] == pytest.approx(expected[::5], rel=1e-4)


def test_summary_table() -> None:
    flow, _, _ = train(steps=3)
    lines = flow.summary().splitlines()
    assert lines[0].split() == ["parameter", "shape", "grad", "norm", "mean", "min", "max",
                                "update/weight"]
    assert lines[1].split()[:2] == ["0.weight", "16×6"]
    last = float(lines[1].split()[2])
    assert last == pytest.approx(flow.grad_norms["0.weight"][-1], rel=1e-2)
    assert lines[-1] == "3 recorded steps (every 1)"


def test_missing_gradient_is_nan() -> None:
    a = mg.ones(2, requires_grad=True)
    b = mg.ones(2, requires_grad=True)
    flow = GradientFlow({"a": a, "b": b})
    (a * 2).sum().backward()
    flow.step()
    assert flow.grad_norms["a"] == [pytest.approx(2 * math.sqrt(2))]
    assert math.isnan(flow.grad_norms["b"][0]) and math.isnan(flow.update_ratios["b"][0])
    assert "–" in flow.summary()


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="every"):
        GradientFlow({"a": mg.ones(1, requires_grad=True)}, every=0)
    with pytest.raises(ValueError, match="no parameters"):
        GradientFlow({"a": mg.ones(1)})
    with pytest.raises(TypeError, match="register_step_post_hook"):
        GradientFlow({"a": mg.ones(1, requires_grad=True)}, optimizer=object())


def test_plot_png_has_content(tmp_path) -> None:
    image = pytest.importorskip("matplotlib.image")
    flow, _, _ = train(steps=10)
    path = tmp_path / "flow.png"
    fig = flow.plot(path)
    assert len(fig.axes) >= 3
    img = image.imread(str(path))
    assert img.shape[0] > 300 and img.shape[1] > 600
    assert float(img[..., :3].std()) > 0.1  # lines, heatmap and text, not a blank canvas
    # the heatmap carries one row per parameter and one column per step
    heat = fig.axes[2].images[0].get_array()
    assert heat.shape == (6, 10)


def test_vanishing_gradients_example_runs(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "vanishing_gradients_viz.py"
    spec = importlib.util.spec_from_file_location("vanishing_gradients_viz", path)
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    profiles = example.main(["--layers", "5", "--width", "8", "--steps", "4",
                             "--out-dir", str(tmp_path)])
    sig = profiles["sigmoid"]
    # the theory's bound 2^-(L-ℓ) holds layer by layer for the sigmoid network
    assert all(v <= sig[-1] * 2.0 ** -(5 - i) * (1 + 1e-4) for i, v in enumerate(sig, 1))
    assert (tmp_path / "vanishing_gradients.png").stat().st_size > 10_000
    assert (tmp_path / "flow_relu.png").exists()


def test_optimizer_step_hook_records_each_step() -> None:
    w = mg.tensor([3.0, 4.0], requires_grad=True)
    opt = SGD([w], lr=0.1)
    flow = GradientFlow({"w": w}, optimizer=opt)
    for _ in range(3):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()  # the post-step hook calls flow.step()
    assert flow.steps == [0, 1, 2]
    # SGD moves w by lr * grad = 0.2 w: the update-to-weight ratio is 0.2 every step
    assert flow.update_ratios["w"] == [pytest.approx(0.2, rel=1e-5)] * 3
    flow.remove()
    (w * w).sum().backward()
    opt.step()
    assert flow.steps == [0, 1, 2]
