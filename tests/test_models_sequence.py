"""The ``lstm`` model (MNIST read row by row): shapes, names and outputs as a PyTorch twin,
training steps, the CLI recipe with clipping, graphs and gradient flow; the slow accuracy
claim (≥ 98.0 % in 3 epochs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.cli import main
from minigrad.data import SyntheticDigits
from minigrad.errors import ShapeError
from minigrad.models import RowLSTM, build_model, model_kind
from minigrad.training import recipe


def test_shapes_names_and_errors() -> None:
    mg.manual_seed(0)
    model = build_model("lstm")
    assert model_kind("lstm") == "image"
    assert model(mg.randn(3, 1, 28, 28)).shape == (3, 10)
    assert model(mg.randn(2, 28, 28)).shape == (2, 10)
    assert [n for n, _ in model.named_parameters()] == [
        "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
        "fc.weight", "fc.bias"]
    assert model.lstm.batch_first and model.lstm.hidden_size == 128
    with pytest.raises(ShapeError, match="RowLSTM: expected images"):
        model(mg.randn(2, 28, 27))
    assert RowLSTM(num_layers=2).lstm.num_layers == 2


def test_recipe_has_clipping_and_decay() -> None:
    r = recipe("lstm")
    assert r["optimizer"] == "adam" and r["grad_clip"] == 1.0 and r["epochs"] <= 3
    assert r["lr_schedule"] == "exponential" and 64 <= r["batch_size"] <= 128


@pytest.mark.parametrize("num_layers", [1, 2])
def test_matches_torch_with_copied_weights(num_layers: int) -> None:
    torch = pytest.importorskip("torch")
    mg.manual_seed(0)
    model = RowLSTM(hidden_size=12, num_layers=num_layers).double()

    class Twin(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(28, 12, num_layers=num_layers, batch_first=True)
            self.fc = torch.nn.Linear(12, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            _, (h, _) = self.lstm(x.reshape(x.shape[0], 28, 28))
            return self.fc(h[-1])

    twin = Twin().double()
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in model.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(3, 1, 28, 28))
    y = np.array([1, 5, 9])
    loss = F.cross_entropy(model(mg.tensor(x)), mg.tensor(y))
    ref = torch.nn.functional.cross_entropy(twin(torch.from_numpy(x)), torch.from_numpy(y))
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
    loss.backward()
    ref.backward()
    grads = dict(twin.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


def test_a_few_steps_decrease_the_loss() -> None:
    mg.manual_seed(0)
    x, y = SyntheticDigits(size=64, seed=0).tensors().tensors
    model = RowLSTM(hidden_size=32)
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(8):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        mg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0] and losses[-1] == min(losses)


def test_cli_trains_resumes_and_evaluates(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--dataset", "synthetic", "--synthetic-size", "200", "--limit", "128",
              "--test-limit", "40", "--out", str(tmp_path), "--quiet"]
    assert main(["train", "--model", "lstm", "--epochs", "1", *common]) == 0
    assert main(["train", "--resume", str(tmp_path / "checkpoint.mg"), "--epochs", "2",
                 "--quiet"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2] and metrics["finished"]
    assert metrics["config"]["grad_clip"] == 1.0 and metrics["config"]["batch_size"] == 64
    capsys.readouterr()
    assert main(["eval", str(tmp_path / "checkpoint.mg"), "--limit", "40"]) == 0
    assert "lstm on synthetic" in capsys.readouterr().out


def test_image_model_refuses_a_text_dataset(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--model", "lstm", "--dataset", "stdlib-text", "--out",
                 str(tmp_path), "--quiet"]) == 2
    assert "image models train on" in capsys.readouterr().err


def test_gradient_flow_across_time_steps() -> None:
    """GradientFlow records the LSTM's weights; the input's gradient shows how much each of
    the 28 rows (time steps) moves the loss."""
    from minigrad.viz.flow import GradientFlow

    mg.manual_seed(0)
    model = RowLSTM(hidden_size=16)
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    x, y = SyntheticDigits(size=16, seed=0).tensors().tensors
    x.requires_grad_(True)
    with GradientFlow(model) as flow:
        for _ in range(2):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            flow.step()
    assert set(flow.grad_norms) >= {"lstm.weight_hh_l0", "lstm.weight_ih_l0", "fc.weight"}
    assert all(len(v) == 2 and all(np.isfinite(v)) for v in flow.grad_norms.values())
    per_step = np.linalg.norm(x.grad.numpy()[:, 0], axis=(0, 2))  # (28,) rows = time steps
    assert per_step.shape == (28,) and (per_step > 0).sum() > 20


@pytest.mark.slow
def test_lstm_mnist_accuracy(mnist_dir: Path, tmp_path: Path) -> None:
    """The recipe: ≥ 98.0 % test accuracy after 3 epochs (measured 98.70 %; 3.5 minutes on
    the 2-core host, 25 while it was oversubscribed)."""
    code = main(["train", "--model", "lstm", "--dataset", "mnist", "--data", str(mnist_dir),
                 "--out", str(tmp_path), "--quiet"])
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    acc = metrics["final_test_acc"]
    print(f"lstm: test accuracy {100 * acc:.2f}% after {len(metrics['epochs'])} epochs, "
          f"{metrics['time_s']:.0f} s")
    assert len(metrics["epochs"]) <= 3 and acc >= 0.98


def test_graph_cli_lstm_is_compact(tmp_path: Path) -> None:
    """The 28 time steps are one Recurrence node: the picture stays small."""
    out = tmp_path / "lstm.dot"
    assert main(["graph", "--model", "lstm", "--out", str(out), "--grads"]) == 0
    dot = out.read_text()
    assert "Recurrence" in dot and "lstm.weight_hh_l0" in dot and dot.count("->") < 30
