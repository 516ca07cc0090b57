"""mg.amp.GradScaler: step by step against torch.amp.GradScaler("cpu") (same scales, same
skipped steps, same parameters), float16 gradient underflow without scaling, the one fused
finiteness flag per step, the state machine's errors and state_dict."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.amp.grad_scaler import OptState

F16, F32 = np.dtype("float16"), np.dtype("float32")


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((8, 4)).astype(np.float32),
            rng.standard_normal((3, 4)).astype(np.float32),
            rng.standard_normal((3,)).astype(np.float32))


def test_step_by_step_against_torch_with_injected_infs():
    torch = pytest.importorskip("torch")
    x, w0, b0 = _data()
    kw = {"init_scale": 2.0**10, "growth_interval": 3}
    model = mg.nn.Linear(4, 3)
    tmodel = torch.nn.Linear(4, 3)
    with mg.no_grad():
        model.weight.copy_(mg.tensor(w0))
        model.bias.copy_(mg.tensor(b0))
    tmodel.load_state_dict({"weight": torch.tensor(w0), "bias": torch.tensor(b0)})
    opt = mg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.01, momentum=0.9)
    scaler, tscaler = mg.amp.GradScaler("cpu", **kw), torch.amp.GradScaler("cpu", **kw)
    inject = {2: "inf", 3: "nan", 9: "-inf"}  # overflowing steps, skipped by both
    scales = []
    for step in range(14):
        opt.zero_grad()
        topt.zero_grad()
        with mg.autocast("cpu"):
            loss = model(mg.tensor(x)).square().mean()
        with torch.autocast("cpu", dtype=torch.float16):
            tloss = tmodel(torch.tensor(x)).square().mean()
        scaler.scale(loss).backward()
        tscaler.scale(tloss).backward()
        if step in inject:
            v = float(inject[step])
            model.bias.grad.data[1] = v
            tmodel.bias.grad[1] = v
        if step % 4 == 1:  # unscale_ first on some steps (gradient clipping's pattern)
            scaler.unscale_(opt)
            tscaler.unscale_(topt)
            np.testing.assert_allclose(model.weight.grad.numpy(), tmodel.weight.grad.numpy(),
                                       rtol=2e-2, atol=1e-4)
        before = model.weight.detach().numpy().copy()
        scaler.step(opt)
        tscaler.step(topt)
        assert (step in inject) == np.array_equal(before, model.weight.detach().numpy()), step
        scaler.update()
        tscaler.update()
        assert scaler.get_scale() == tscaler.get_scale(), step
        assert scaler._get_growth_tracker() == tscaler._get_growth_tracker(), step
        scales.append(scaler.get_scale())
        np.testing.assert_allclose(model.weight.detach().numpy(), tmodel.weight.detach().numpy(),
                                   rtol=1e-2, atol=1e-3)
    assert scales[:4] == [1024.0, 1024.0, 512.0, 256.0] and max(scales) > 256.0  # grew back
    assert scaler.state_dict() == tscaler.state_dict()


def test_defaults_and_state_dict_match_torch():
    torch = pytest.importorskip("torch")
    s, t = mg.amp.GradScaler("cpu"), torch.amp.GradScaler("cpu")
    assert s.state_dict() == t.state_dict()
    assert (s.get_scale(), s.get_growth_factor(), s.get_backoff_factor(),
            s.get_growth_interval(), s.is_enabled()) == (
        t.get_scale(), t.get_growth_factor(), t.get_backoff_factor(), t.get_growth_interval(),
        t.is_enabled())
    s2 = mg.amp.GradScaler("cpu")
    s2.load_state_dict({"scale": 8.0, "growth_factor": 4.0, "backoff_factor": 0.25,
                        "growth_interval": 7, "_growth_tracker": 3})
    assert s2.state_dict() == {"scale": 8.0, "growth_factor": 4.0, "backoff_factor": 0.25,
                               "growth_interval": 7, "_growth_tracker": 3}
    with pytest.raises(RuntimeError, match="empty"):
        s2.load_state_dict({})


def _underflow_grad(scaler):
    """w's gradient through a float16 matmul when the loss is tiny (1e-8 per element)."""
    w = mg.ones(4, 2, requires_grad=True)
    opt = mg.optim.SGD([w], lr=1.0)
    with mg.autocast("cpu"):
        y = mg.ones(3, 4) @ w  # float16
        loss = y.float().sum() * 1e-8
    (scaler.scale(loss) if scaler else loss).backward()
    if scaler:
        scaler.unscale_(opt)
    return w.grad.numpy()


def test_float16_gradients_underflow_without_scaling_and_survive_with_it():
    plain = _underflow_grad(None)
    assert not plain.any()  # 1e-8 is below float16's smallest subnormal (6e-8): flushed to 0
    scaled = _underflow_grad(mg.amp.GradScaler("cpu"))
    np.testing.assert_allclose(scaled, np.full((4, 2), 3e-8), rtol=2e-3)  # exact: 3 rows·1e-8


def test_one_fused_flag_per_device_and_no_read_before_step():
    w, v = mg.ones(3, requires_grad=True), mg.ones(2, requires_grad=True)
    opt = mg.optim.SGD([w, v], lr=0.1)
    s = mg.amp.GradScaler("cpu")
    s.scale((w * 2).sum() + (v * 3).sum()).backward()
    s.unscale_(opt)
    state = s._per_optimizer_states[id(opt)]
    flags = state["found_inf_per_device"]
    assert len(flags) == 1  # one flag for both parameters: one host read in step()
    (flag,) = flags.values()
    assert not isinstance(flag, bool) and flag.shape == ()  # still an array: nothing read yet
    assert "found_inf_host" not in state
    s.step(opt)
    assert state["found_inf_host"] is False and state["stage"] is OptState.STEPPED
    np.testing.assert_allclose(w.detach().numpy(), 0.8)


def test_state_machine_errors_like_torch():
    w = mg.ones(2, requires_grad=True)
    opt = mg.optim.SGD([w])
    s = mg.amp.GradScaler("cpu")
    with pytest.raises(RuntimeError, match=r"scaler\.scale"):
        s.step(opt)
    s.scale(w.sum()).backward()
    s.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        s.unscale_(opt)
    s.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        s.unscale_(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    with pytest.raises(RuntimeError, match="Closure"):
        s.step(opt, closure=lambda: 0.0)
    s.update()
    with pytest.raises(RuntimeError, match="no inf checks"):
        s.update()
    s.update(new_scale=mg.tensor(4.0))
    assert s.get_scale() == 4.0
    with pytest.raises(ValueError, match="outputs must be a Tensor"):
        s.scale("loss")
    h = mg.ones(2, dtype=mg.float16, requires_grad=True)
    hopt = mg.optim.SGD([h])
    s.scale(h.sum()).backward()
    with pytest.raises(ValueError, match="float16 gradients"):
        s.unscale_(hopt)
    with pytest.raises(ValueError, match="growth_factor"):
        mg.amp.GradScaler("cpu", growth_factor=1.0)


def test_disabled_is_a_pass_through_and_cuda_without_gpu_disables():
    w = mg.ones(2, requires_grad=True)
    opt = mg.optim.SGD([w], lr=0.5)
    s = mg.amp.GradScaler("cpu", enabled=False)
    loss = w.sum()
    assert s.scale(loss) is loss and s.get_scale() == 1.0 and s.state_dict() == {}
    loss.backward()
    s.step(opt)
    s.update()
    np.testing.assert_allclose(w.detach().numpy(), 0.5)
    if not mg.cuda.is_available():
        with pytest.warns(UserWarning, match="CUDA is not available"):
            assert not mg.amp.GradScaler().is_enabled()


def test_scale_keeps_containers():
    s = mg.amp.GradScaler("cpu", init_scale=2.0)
    out = s.scale((mg.tensor(1.0), [mg.tensor(3.0)]))
    assert isinstance(out, tuple) and isinstance(out[1], list)
    assert out[0].item() == 2.0 and out[1][0].item() == 6.0
    assert s.scale(mg.ones(2).half()).dtype == F16


def test_amp_training_steps_on_each_backend(backend):
    """A small CNN trained a few steps with autocast + GradScaler on the backend's device
    (the GPU-marked "cuda" case runs on a real GPU or the CuPy stand-in): float16 activations,
    float32 parameters and gradients, the same losses as the float32 run within float16's
    precision, and no skipped step."""
    dev = backend.device
    kind = dev.split(":")[0]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 12, 12)).astype(np.float32)
    y = rng.integers(0, 4, 8)
    losses = {}
    for amp in (False, True):
        mg.manual_seed(0)
        model = mg.nn.Sequential(
            mg.nn.Conv2d(1, 4, 3, padding=1), mg.nn.ReLU(), mg.nn.MaxPool2d(2), mg.nn.Flatten(),
            mg.nn.Linear(4 * 6 * 6, 4)).to(dev)
        opt = mg.optim.SGD(model.parameters(), lr=0.05)
        scaler = mg.amp.GradScaler(kind, enabled=amp)
        xs, ys = mg.tensor(x, device=dev), mg.tensor(y, device=dev)
        run = []
        for _ in range(3):
            opt.zero_grad()
            with mg.autocast(kind, enabled=amp):
                logits = model(xs)
                loss = mg.nn.functional.cross_entropy(logits, ys)
            assert logits.dtype == (F16 if amp else F32) and loss.dtype == F32
            scaler.scale(loss).backward()
            assert all(p.grad.dtype == F32 and p.dtype == F32 for p in model.parameters())
            scaler.step(opt)
            scaler.update()
            run.append(loss.item())
        assert scaler.get_scale() == (65536.0 if amp else 1.0)  # no overflow, no skipped step
        losses[amp] = run
    np.testing.assert_allclose(losses[True], losses[False], rtol=5e-3, atol=5e-3)


def test_one_host_read_per_step_on_the_cupy_standin(backend):
    """scale, unscale_, step and update of five parameters read the device once in all (the
    fused finiteness flag), counted by the CuPy stand-in (MINIGRAD_CUPY_STANDIN=1)."""
    if backend.name != "cuda":
        pytest.skip("counts the CuPy stand-in's device-to-host reads")
    standin = pytest.importorskip("cupy_standin")
    if not standin.enabled():
        pytest.skip("a real GPU: the read counter is the stand-in's")
    params = [mg.ones(3, device="cuda", requires_grad=True) for _ in range(5)]
    opt = mg.optim.SGD(params, lr=0.1)
    scaler = mg.amp.GradScaler("cuda")
    for overflow in (False, True):
        opt.zero_grad()
        loss = sum(((p * (i + 1)).sum() for i, p in enumerate(params)), mg.zeros((), device="cuda"))
        standin.reset_counters()
        scaled = scaler.scale(loss)
        assert standin.COUNTERS.d2h == 0
        scaled.backward()
        if overflow:
            params[3].grad.data = params[3].grad.data * float("inf")
        standin.reset_counters()
        scaler.unscale_(opt)
        assert standin.COUNTERS.d2h == 0  # flags stay on the device until step()
        scaler.step(opt)
        scaler.update()
        assert standin.COUNTERS.d2h == 1
    assert scaler.get_scale() == 32768.0


def test_unscale_handles_a_read_only_gradient():
    w = mg.ones(3, requires_grad=True)
    opt = mg.optim.SGD([w], lr=1.0)
    s = mg.amp.GradScaler("cpu", init_scale=4.0)
    w.grad = mg.full((1,), 8.0).expand(3)  # a read-only broadcast view
    assert not w.grad._data.flags.writeable
    _ = s.scale(w.sum())
    s.unscale_(opt)
    np.testing.assert_allclose(w.grad.numpy(), 2.0)
