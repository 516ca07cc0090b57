"""What only a GPU punishes, checked on the CuPy stand-in (``MINIGRAD_CUPY_STANDIN=1``):
training steps that read nothing back to the host, and ops on ``cuda:1`` that run and
allocate on device 1. Skipped unless the stand-in is active (CI runs them in its stand-in
pass: ``MINIGRAD_CUPY_STANDIN=1 python -m pytest -m gpu``).
"""

from __future__ import annotations

from typing import Any

import cupy_standin
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.models.mnist import LeNet5

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not cupy_standin.enabled(),
                       reason="needs the CuPy stand-in (MINIGRAD_CUPY_STANDIN=1)"),
]


def _syncs_per_step(model: nn.Module, opt: Any, x: mg.Tensor, y: mg.Tensor,
                    loss_fn: Any, steps: int = 3) -> list[int]:
    """Device-to-host reads of each training step after one warm-up step."""
    counts = []
    for i in range(steps + 1):
        cupy_standin.reset_counters()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if i:
            counts.append(cupy_standin.COUNTERS.d2h)
    assert np.isfinite(loss.item())  # the loss really is on the device, read once here
    return counts


def test_lenet5_adam_step_reads_nothing_back():
    mg.manual_seed(0)
    model = LeNet5().to("cuda")
    opt = mg.optim.Adam(model.parameters(), lr=1e-3)
    x = mg.randn(8, 1, 28, 28, device="cuda")
    y = mg.randint(0, 10, (8,), device="cuda")
    assert _syncs_per_step(model, opt, x, y, F.cross_entropy) == [0, 0, 0]


def test_mlp_sgd_step_reads_nothing_back():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.Tanh(), nn.Linear(32, 5)).to("cuda")
    opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = mg.randn(16, 20, device="cuda")
    y = mg.randint(0, 5, (16,), device="cuda")
    assert _syncs_per_step(model, opt, x, y, F.cross_entropy) == [0, 0, 0]


def test_batchnorm_cumulative_average_reads_nothing_back():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8, momentum=None),
                          nn.ReLU(), nn.Linear(8, 3)).to("cuda")
    opt = mg.optim.Adam(model.parameters())
    x = mg.randn(10, 6, device="cuda")
    y = mg.randint(0, 3, (10,), device="cuda")
    assert _syncs_per_step(model, opt, x, y, F.cross_entropy) == [0, 0, 0]


def test_batchnorm_cumulative_average_matches_cpu_after_load():
    """The host-side count behind momentum=None follows a loaded num_batches_tracked."""
    mg.manual_seed(0)
    bn_cpu, bn_gpu = nn.BatchNorm1d(3, momentum=None), nn.BatchNorm1d(3, momentum=None)
    bn_gpu.to("cuda")
    x = mg.randn(5, 3)
    for _ in range(2):
        bn_cpu(x), bn_gpu(x.cuda())
    state = bn_cpu.state_dict()
    state["num_batches_tracked"] = mg.tensor(7)
    bn_cpu.load_state_dict(state)
    bn_gpu.load_state_dict(state)
    bn_cpu(x * 2), bn_gpu(x.cuda() * 2)
    np.testing.assert_allclose(bn_gpu.running_mean.cpu().numpy(),
                               bn_cpu.running_mean.numpy(), rtol=1e-6)
    assert int(bn_gpu.num_batches_tracked) == 8


def test_cross_entropy_range_check_runs_in_anomaly_mode_on_gpu():
    x = mg.randn(2, 3, device="cuda")
    bad = mg.tensor([0, 5], device="cuda")
    F.cross_entropy(x, bad)  # no host read in a training step: not checked
    with mg.autograd.detect_anomaly(), pytest.raises(mg.ShapeError, match="out of range"):
        F.cross_entropy(x, bad)


def _on(t: mg.Tensor) -> int:
    return int(t._data.device.id)


def test_ops_on_cuda1_run_and_allocate_on_device_1():
    """Forward, backward and the optimizer step of a model on cuda:1 put every array on
    device 1 while device 0 stays current (the stand-in refuses cross-device kernels)."""
    cp = cupy_standin.install()[0]
    assert cp.cuda.runtime.getDeviceCount() == 2
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(3 * 4 * 4, 4)).to("cuda:1")
    opt = mg.optim.Adam(model.parameters())
    x = mg.randn(2, 1, 8, 8, device="cuda:1")
    y = mg.randint(0, 4, (2,), device="cuda:1")
    assert cp.cuda.runtime.getDevice() == 0
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    assert cp.cuda.runtime.getDevice() == 0  # restored after the step
    assert _on(loss) == 1 and loss.device == "cuda:1"
    for p in model.parameters():
        assert _on(p) == 1 and _on(p.grad) == 1
        assert all(_on(s) == 1 for s in opt.state[p].values() if isinstance(s, mg.Tensor))


def test_moving_between_devices_copies():
    a = mg.arange(4.0, device="cuda:0", requires_grad=True)
    b = a.to("cuda:1")
    assert _on(a) == 0 and _on(b) == 1 and b.device == "cuda:1"
    (b * 2).sum().backward()
    assert _on(a.grad) == 0
    np.testing.assert_array_equal(a.grad.cpu().numpy(), [2, 2, 2, 2])


def test_ops_mixing_devices_raise():
    with pytest.raises(mg.DeviceError, match="one device"):
        mg.ones(2, device="cuda:0") + mg.ones(2, device="cuda:1")


def test_out_of_memory_says_what_was_asked_and_what_the_pool_holds():
    cp = cupy_standin.install()[0]
    pool = cp.get_default_memory_pool()
    x = mg.ones(1000, device="cuda")
    pool.set_limit(size=pool.used_bytes() + 1024)
    try:
        with pytest.raises(mg.OutOfMemoryError, match=r"Mul: CUDA out of memory on cuda:0: "
                           r"tried to allocate 0\.0 MiB; the memory pool holds [\d.]+ MiB"):
            x * x
        assert issubclass(mg.OutOfMemoryError, MemoryError)
    finally:
        pool.set_limit(size=0)


def test_is_available_says_when_the_compiler_or_cublas_is_missing(monkeypatch):
    from minigrad.backends.cupy_backend import cupy_status

    cp = cupy_standin.install()[0]
    assert cupy_status() == "ok"

    def missing() -> None:
        raise OSError("libnvrtc.so.12: cannot open shared object file")

    monkeypatch.setattr(cp.cuda.nvrtc, "getVersion", missing)
    assert not mg.cuda.is_available()
    assert "NVRTC" in cupy_status() and "libnvrtc" in cupy_status()
    monkeypatch.undo()
    monkeypatch.setattr(cp.cuda.device, "get_cublas_handle", missing)
    assert "cuBLAS" in cupy_status() and "cupy-cuda12x[ctk]" in cupy_status()
