"""GPU tests: CPU-vs-GPU agreement of forward and gradients, device moves and errors, and a
training smoke test. They run wherever CuPy sees a GPU and skip, saying why, elsewhere; the
device-error tests that need no GPU run everywhere.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.backends.cupy_backend import cupy_status

GPU_REASON = cupy_status()
needs_gpu = pytest.mark.skipif(GPU_REASON != "ok", reason=f"no CUDA device: {GPU_REASON}")


# ---------------------------------------------------------------- everywhere
def test_asking_for_cuda_without_it_says_what_is_missing():
    if GPU_REASON == "ok":
        pytest.skip("this machine has a GPU")
    missing = r"not available: (CuPy is not installed|.*no (usable )?CUDA GPU)"
    with pytest.raises(mg.DeviceError, match=missing):
        mg.zeros(2, device="cuda")
    with pytest.raises(mg.DeviceError, match=r"minigrad\[cuda\]|GPU"):
        mg.ones(2).cuda()


def test_cuda_queries_are_safe_without_a_gpu():
    assert isinstance(mg.cuda.is_available(), bool)
    assert mg.cuda.device_count() >= 0
    if GPU_REASON != "ok":
        assert mg.cuda.device_count() == 0
        with pytest.raises(mg.DeviceError):
            mg.cuda.synchronize()


def test_unknown_device_string_is_rejected():
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        mg.zeros(2, device="tpu")


# ---------------------------------------------------------------- GPU only
def _pair(shape, seed, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    data = rng.uniform(low, high, size=shape).astype(np.float32)
    return (mg.tensor(data, requires_grad=True),
            mg.tensor(data, requires_grad=True, device="cuda"))


def _agree(fn, *shapes, seed=0, atol=2e-4, rtol=2e-4):
    cpu_in, gpu_in = zip(*(_pair(s, seed + i) for i, s in enumerate(shapes)), strict=True)
    out_c, out_g = fn(*cpu_in), fn(*gpu_in)
    assert out_g.device == "cuda"
    np.testing.assert_allclose(out_g.cpu().detach().numpy(), out_c.detach().numpy(),
                               atol=atol, rtol=rtol)
    weights = mg.randn(*out_c.shape)
    (out_c * weights).sum().backward()
    (out_g * weights.cuda()).sum().backward()
    for a, b in zip(cpu_in, gpu_in, strict=True):
        np.testing.assert_allclose(b.grad.cpu().numpy(), a.grad.numpy(), atol=atol, rtol=rtol)


CASES = {
    "matmul": (lambda a, b: a @ b, (4, 5, 6), (6, 3)),
    "elementwise": (lambda a, b: (a.exp() * b.tanh() + a.sigmoid() / (b * b + 1)).relu(),
                    (3, 4), (4,)),
    "reductions": (lambda a: a.amax(dim=1) + a.logsumexp(dim=1) + a.var(dim=1), (5, 7)),
    "index": (lambda a: a[[0, 0, 2], 1:], (4, 3)),
    "conv2d": (lambda x, w: F.conv2d(x, w, stride=2, padding=1), (2, 3, 9, 9), (4, 3, 3, 3)),
    "conv2d_groups_dilation": (lambda x, w: F.conv2d(x, w, padding=2, dilation=2, groups=2),
                               (2, 4, 8, 8), (6, 2, 3, 3)),
    "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1,
                                                         output_padding=1),
                         (2, 3, 5, 5), (3, 2, 3, 3)),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, stride=2, padding=1), (2, 3, 9, 9)),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 2), (2, 3, 8, 8)),
    "log_softmax": (lambda x: F.log_softmax(x * 100, dim=1), (4, 10)),
}


@needs_gpu
@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(CASES))
def test_cpu_and_gpu_agree(name):
    fn, *shapes = CASES[name]
    _agree(fn, *shapes)


@needs_gpu
@pytest.mark.gpu
def test_cross_entropy_agrees():
    logits_c, logits_g = _pair((8, 10), 3, -5, 5)
    target = mg.randint(0, 10, size=(8,))
    loss_c = F.cross_entropy(logits_c, target)
    loss_g = F.cross_entropy(logits_g, target.cuda())
    assert abs(loss_c.item() - loss_g.item()) < 1e-5
    loss_c.backward()
    loss_g.backward()
    np.testing.assert_allclose(logits_g.grad.cpu().numpy(), logits_c.grad.numpy(), atol=1e-6)


@needs_gpu
@pytest.mark.gpu
def test_moves_and_errors_on_gpu():
    x = mg.ones(3, requires_grad=True)
    y = (x.cuda() * 2).cpu().sum()  # the gradient flows back across both moves
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    g = mg.ones(2, device="cuda")
    with pytest.raises(mg.DeviceError, match=r"cpu.*cuda|cuda.*cpu"):
        _ = g + mg.ones(2)
    with pytest.raises(mg.DeviceError, match=r"\.cpu\(\)"):
        g.numpy()
    back = mg.from_dlpack(g)
    assert back.device == "cuda"


@needs_gpu
@pytest.mark.gpu
def test_manual_seed_reproducible_on_gpu():
    mg.manual_seed(7)
    a = mg.randn(5, device="cuda")
    mg.manual_seed(7)
    b = mg.randn(5, device="cuda")
    np.testing.assert_array_equal(a.cpu().numpy(), b.cpu().numpy())


@needs_gpu
@pytest.mark.gpu
def test_lenet_training_smoke_on_gpu():
    from minigrad import nn, optim

    mg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 10),
    ).to("cuda")
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = mg.randn(32, 1, 28, 28, device="cuda")
    y = mg.randint(0, 10, size=(32,), device="cuda")
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(p.device == "cuda" for p in model.parameters())
    assert losses[-1] < 0.5 * losses[0]


@needs_gpu
@pytest.mark.gpu
def test_optimizer_state_follows_module_to_cuda():
    from minigrad import nn, optim

    model = nn.Linear(4, 3)
    opt = optim.Adam(model.parameters(), lr=0.01)
    x = mg.randn(8, 4)
    model(x).sum().backward()
    opt.step()  # state created on the CPU
    model.to("cuda")
    opt.zero_grad()
    model(x.cuda()).sum().backward()
    opt.step()  # state must move with the parameters
    for p in model.parameters():
        assert all(v.device == "cuda" for v in opt.state[p].values() if isinstance(v, mg.Tensor))
