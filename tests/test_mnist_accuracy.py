"""The classic MNIST results, end to end through `minigrad train` (slow: minutes on 2 cores).

Each test trains with the model's recipe (the CLI defaults) on the full 60,000 training images
and checks the test accuracy after the last epoch. Run with ``pytest -m slow``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from minigrad.cli import main

pytestmark = pytest.mark.slow

CASES = [
    # model, extra options, required test accuracy
    pytest.param("logreg", [], 0.92, id="logreg-sgd-piecewise-decay-92"),
    pytest.param("mlp", [], 0.975, id="mlp-784-100-10-tanh-97.5"),
    pytest.param("lenet5", ["--epochs", "3"], 0.987, id="lenet5-3-epochs-98.7"),
    pytest.param("lenet5-classic", ["--epochs", "3"], 0.977, id="lenet5-classic-3-epochs-97.7"),
]


@pytest.mark.parametrize(("model", "extra", "required"), CASES)
def test_mnist_accuracy(mnist_dir: Path, tmp_path: Path, model: str, extra: list[str],
                        required: float) -> None:
    code = main(["train", "--model", model, "--dataset", "mnist", "--data", str(mnist_dir),
                 "--out", str(tmp_path), "--quiet", *extra])
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    acc = metrics["final_test_acc"]
    print(f"{model}: test accuracy {100 * acc:.2f}% after {len(metrics['epochs'])} epochs, "
          f"{sum(e['train_time_s'] for e in metrics['epochs']):.0f} s training")
    assert acc >= required, f"{model}: {100 * acc:.2f}% < {100 * required:.1f}%"


@pytest.mark.gpu
def test_lenet5_gpu_matches_cpu_accuracy(mnist_dir: Path, tmp_path: Path) -> None:
    """Same recipe and seed on both devices: test accuracies within 0.2 points (issue 5)."""
    from minigrad.backends.cupy_backend import cupy_status

    status = cupy_status()
    if status != "ok":
        pytest.skip(f"no CUDA device: {status}")
    accs = {}
    for device in ("cpu", "cuda"):
        out = tmp_path / device
        code = main(["train", "--model", "lenet5", "--dataset", "mnist", "--data",
                     str(mnist_dir), "--out", str(out), "--quiet", "--epochs", "2",
                     "--seed", "0", "--device", device])
        assert code == 0
        accs[device] = json.loads((out / "metrics.json").read_text())["final_test_acc"]
    print(f"lenet5, 2 epochs: CPU {100 * accs['cpu']:.2f}%, GPU {100 * accs['cuda']:.2f}%")
    assert abs(accs["cpu"] - accs["cuda"]) <= 0.002
