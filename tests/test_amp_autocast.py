"""mg.autocast: the per-op policy (vs torch CPU autocast in float16 where its lists agree with
PyTorch's CUDA lists, else vs those documented lists), casts recorded in the graph, float32
parameters and gradients, the weight-cast cache, nesting, threads and the errors."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.amp.state import AUTOCAST

F16, F32, F64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed + len(shape)).standard_normal(shape).astype(np.float32)


# name -> (minigrad call, torch call, input arrays); run on float32 inputs inside autocast
LOW_CASES = {
    "matmul": (lambda a, b: a @ b, lambda a, b: a @ b, [(4, 6), (6, 3)]),
    "mm": (mg.mm, "mm", [(4, 6), (6, 3)]),
    "bmm": (mg.bmm, "bmm", [(2, 3, 4), (2, 4, 5)]),
    "linear": (F.linear, "nn.functional.linear", [(4, 6), (5, 6), (5,)]),
    "conv1d": (F.conv1d, "nn.functional.conv1d", [(2, 3, 10), (4, 3, 3)]),
    "conv2d": (F.conv2d, "nn.functional.conv2d", [(2, 3, 8, 8), (4, 3, 3, 3), (4,)]),
    "conv3d": (F.conv3d, "nn.functional.conv3d", [(1, 2, 4, 4, 4), (3, 2, 2, 2, 2)]),
    "conv_transpose1d": (F.conv_transpose1d, "nn.functional.conv_transpose1d",
                         [(2, 3, 6), (3, 2, 3)]),
    "conv_transpose2d": (F.conv_transpose2d, "nn.functional.conv_transpose2d",
                         [(1, 3, 5, 5), (3, 2, 3, 3)]),
    "einsum": (lambda a, b: mg.einsum("ij,jk->ik", a, b),
               lambda a, b: __import__("torch").einsum("ij,jk->ik", a, b), [(4, 6), (6, 3)]),
    "scaled_dot_product_attention": (F.scaled_dot_product_attention,
                                     "nn.functional.scaled_dot_product_attention",
                                     [(2, 3, 4), (2, 5, 4), (2, 5, 4)]),
    "prelu": (F.prelu, "nn.functional.prelu", [(4, 6), (1,)]),
    # composites given the policy as a whole (their bias add must not promote back)
    "addmm": (mg.addmm, "addmm", [(4, 3), (4, 6), (6, 3)]),
    "baddbmm": (mg.baddbmm, "baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)]),
    "addbmm": (mg.addbmm, "addbmm", [(3, 5), (2, 3, 4), (2, 4, 5)]),
}


def _torch_fn(torch, spec):
    if callable(spec):
        return spec
    fn = torch
    for part in spec.split("."):
        fn = getattr(fn, part)
    return fn


@pytest.mark.parametrize("name", sorted(LOW_CASES))
def test_low_precision_ops_match_torch_cpu_autocast(name):
    torch = pytest.importorskip("torch")
    fn, tfn, shapes = LOW_CASES[name]
    arrays = [_rand(*s, seed=i) for i, s in enumerate(shapes)]
    xs = [mg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    with mg.autocast("cpu", dtype=mg.float16):
        out = fn(*xs)
    with torch.autocast("cpu", dtype=torch.float16):
        ref = _torch_fn(torch, tfn)(*ts)
    assert str(ref.dtype) == "torch.float16" and out.dtype == F16
    np.testing.assert_allclose(out.float().detach().numpy(), ref.float().detach().numpy(),
                               rtol=2e-2, atol=2e-2)
    out.float().sum().backward()
    ref.float().sum().backward()
    for x, t in zip(xs, ts, strict=True):
        assert x.grad.dtype == F32  # parameters and their gradients stay float32
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=3e-2, atol=3e-2)


def _h(shape, seed=0):
    return mg.tensor(_rand(*shape, seed=seed)).half()


# PyTorch's CUDA float32 list (torch.amp docs, "CUDA Ops that can autocast to float32"): each
# takes float16 input and must return float32
FP32_CASES = {
    "softmax": lambda: F.softmax(_h((4, 6)), dim=1),
    "log_softmax": lambda: F.log_softmax(_h((4, 6)), dim=1),
    "softmin": lambda: F.softmin(_h((4, 6)), dim=1),
    "cross_entropy": lambda: F.cross_entropy(_h((4, 6)), mg.tensor([0, 1, 2, 3])),
    "nll_loss": lambda: F.nll_loss(_h((4, 6)), mg.tensor([0, 1, 2, 3])),
    "layer_norm": lambda: F.layer_norm(_h((4, 6)), (6,), mg.ones(6), mg.zeros(6)),
    "group_norm": lambda: F.group_norm(_h((2, 4, 3, 3)), 2),
    "sum": lambda: _h((4, 6)).sum(),
    "prod": lambda: _h((4, 6)).prod(),
    "cumsum": lambda: _h((4, 6)).cumsum(1),
    "cumprod": lambda: _h((4, 6)).cumprod(1),
    "exp": lambda: _h((4, 6)).exp(),
    "expm1": lambda: _h((4, 6)).expm1(),
    "log": lambda: _h((4, 6)).abs().log(),
    "log1p": lambda: _h((4, 6)).abs().log1p(),
    "log2": lambda: _h((4, 6)).abs().log2(),
    "log10": lambda: _h((4, 6)).abs().log10(),
    "pow": lambda: _h((4, 6)) ** 2,
    "pow_tensor": lambda: _h((4, 6)).abs() ** _h((4, 6), 1),
    "rpow": lambda: 2 ** _h((4, 6)),
    "reciprocal": lambda: _h((4, 6)).reciprocal(),
    "rsqrt": lambda: _h((4, 6)).abs().rsqrt(),
    "tan": lambda: _h((4, 6)).tan(),
    "sinh": lambda: _h((4, 6)).sinh(),
    "cosh": lambda: _h((4, 6)).cosh(),
    "softplus": lambda: F.softplus(_h((4, 6))),
    "norm": lambda: _h((4, 6)).norm(),
    "normalize": lambda: F.normalize(_h((4, 6))),
    "cosine_similarity": lambda: F.cosine_similarity(_h((4, 6)), _h((4, 6), 1)),
    "mse_loss": lambda: F.mse_loss(_h((4, 6)), _h((4, 6), 1)),
    "mse_loss_none": lambda: F.mse_loss(_h((4, 6)), _h((4, 6), 1), reduction="none"),
    "huber_loss_none": lambda: F.huber_loss(_h((4, 6)), _h((4, 6), 1), reduction="none"),
    "kl_div": lambda: F.kl_div(_h((4, 6)), mg.rand(4, 6).half(), reduction="batchmean"),
    "l1_loss": lambda: F.l1_loss(_h((4, 6)), _h((4, 6), 1)),
    "smooth_l1_loss": lambda: F.smooth_l1_loss(_h((4, 6)), _h((4, 6), 1)),
    "binary_cross_entropy_with_logits": lambda: F.binary_cross_entropy_with_logits(
        _h((4, 6)), mg.rand(4, 6).half()),
}


@pytest.mark.parametrize("name", sorted(FP32_CASES))
def test_float32_ops_run_in_float32(name):
    with mg.autocast("cpu"):
        out = FP32_CASES[name]()
    assert out.dtype == F32, name


# float32-list functions that PyTorch's CPU autocast also runs in float32: name -> call
# (minigrad and torch take the same arguments: a, b float16 (4, 6), p in (0, 1), t classes)
TORCH_CPU_FP32 = {
    "cross_entropy": lambda F_, a, b, p, t: F_.cross_entropy(a, t),
    "nll_loss": lambda F_, a, b, p, t: F_.nll_loss(a, t),
    "mse_loss": lambda F_, a, b, p, t: F_.mse_loss(a, b),
    "mse_loss_none": lambda F_, a, b, p, t: F_.mse_loss(a, b, reduction="none"),
    "l1_loss": lambda F_, a, b, p, t: F_.l1_loss(a, b),
    "smooth_l1_loss": lambda F_, a, b, p, t: F_.smooth_l1_loss(a, b),
    "huber_loss": lambda F_, a, b, p, t: F_.huber_loss(a, b, reduction="sum"),
    "kl_div": lambda F_, a, b, p, t: F_.kl_div(a, p, reduction="batchmean"),
    "binary_cross_entropy_with_logits":
        lambda F_, a, b, p, t: F_.binary_cross_entropy_with_logits(a, p),
    "prod": lambda F_, a, b, p, t: (a[:, :3] + 2).prod(),
}


@pytest.mark.parametrize("name", sorted(TORCH_CPU_FP32))
def test_float32_ops_agree_with_torch_cpu_autocast(name):
    torch = pytest.importorskip("torch")
    arrays = (_rand(4, 6), _rand(4, 6, seed=3),
              np.random.default_rng(1).uniform(0.1, 0.9, (4, 6)).astype(np.float32))
    t = np.array([0, 1, 2, 3])
    fn = TORCH_CPU_FP32[name]
    with torch.autocast("cpu", dtype=torch.float16):
        ref = fn(torch.nn.functional, *(torch.tensor(x).half() for x in arrays), torch.tensor(t))
    with mg.autocast("cpu"):
        out = fn(F, *(mg.tensor(x).half() for x in arrays), mg.tensor(t))
    assert str(ref.dtype) == "torch.float32" and out.dtype == F32
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-3,
                               atol=1e-4)


def test_mixed_inputs_promote():
    with mg.autocast("cpu"):
        assert mg.atan2(_h((3,)), mg.ones(3)).dtype == F32
        assert mg.dot(_h((3,)), mg.ones(3)).dtype == F32
        assert mg.dot(mg.ones(3), mg.ones(3)).dtype == F32  # promote: never lowered
        assert mg.dot(_h((3,)), _h((3,))).dtype == F16
        assert mg.tensordot(_h((2, 3)), mg.ones(3, 2), 1).dtype == F32
        assert mg.cross(_h((2, 3)), mg.ones(2, 3), dim=1).dtype == F32
        assert (_h((3,)) + mg.ones(3)).dtype == F32
        assert mg.zeros(2, 3).scatter_add(1, mg.zeros(2, 3, dtype=mg.int64),
                                          _h((2, 3))).dtype == F32


def test_untouched_ops_keep_their_dtype_and_float64_is_never_cast():
    with mg.autocast("cpu"):
        assert F.relu(_h((3,))).dtype == F16
        assert _h((3,)).mean().dtype == F16  # not in PyTorch's lists
        assert F.relu(mg.ones(3)).dtype == F32
        assert (mg.ones(2, 2, dtype=mg.float64) @ mg.ones(2, 2, dtype=mg.float64)).dtype == F64
        assert mg.ones(3, dtype=mg.float64).exp().dtype == F64
        assert (mg.ones(2, 2, dtype=mg.int64) @ mg.ones(2, 2, dtype=mg.int64)).dtype.kind == "i"


def test_casts_are_recorded_and_gradients_reach_float32_params_like_torch():
    torch = pytest.importorskip("torch")
    mg.manual_seed(0)
    model = mg.nn.Sequential(mg.nn.Linear(6, 8), mg.nn.ReLU(), mg.nn.Linear(8, 3))
    tmodel = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    tmodel.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    x, y = _rand(5, 6), np.array([0, 2, 1, 1, 0])
    with mg.autocast("cpu"):
        logits = model(mg.tensor(x))
        loss = F.cross_entropy(logits, mg.tensor(y))
    with torch.autocast("cpu", dtype=torch.float16):
        tlogits = tmodel(torch.tensor(x))
        tloss = torch.nn.functional.cross_entropy(tlogits, torch.tensor(y))
    assert logits.dtype == F16 and loss.dtype == F32 and str(tlogits.dtype) == "torch.float16"
    assert "Cast" in {type(n).__name__ for n in _graph(loss)}
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=2e-3)
    for (name, p), tp in zip(model.named_parameters(), tmodel.parameters(), strict=True):
        assert p.dtype == F32 and p.grad.dtype == F32, name
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=2e-2, atol=2e-3)


def _graph(t):
    seen, stack = [], [t.grad_fn]
    while stack:
        n = stack.pop()
        if n is not None and hasattr(n, "parents") and n not in seen:
            seen.append(n)
            stack.extend(n.parents)
    return seen


def test_weight_cast_cache_once_per_region():
    w = mg.ones(3, 3, requires_grad=True)
    x = mg.ones(2, 3)
    with mg.autocast("cpu"):
        a, b = x @ w, x @ w
        assert a.grad_fn.parents[1] is b.grad_fn.parents[1]  # one Cast node for w
        assert AUTOCAST.cache
    assert AUTOCAST.cache is None  # cleared on leaving the outermost region
    opt = mg.optim.SGD([w], lr=0.5)
    with mg.autocast("cpu"):  # a whole training loop inside one region
        for _ in range(2):
            opt.zero_grad()
            (x @ w).float().sum().backward()
            opt.step()  # w changes in place: the next cast must see it
        np.testing.assert_allclose((x @ w).float().detach().numpy(), np.full((2, 3), -3.0))
    with mg.autocast("cpu", cache_enabled=False):
        a, b = x @ w, x @ w
        assert a.grad_fn.parents[1] is not b.grad_fn.parents[1]
    with mg.autocast("cpu"), mg.no_grad():  # never cache a cast made without recording
        x @ w
        assert not AUTOCAST.cache


def test_nesting_devices_threads_and_decorator():
    x = mg.ones(2, 2)
    assert AUTOCAST.cast is None and not mg.is_autocast_enabled("cpu")
    with mg.autocast("cpu"):
        assert mg.is_autocast_enabled("cpu") and not mg.is_autocast_enabled("cuda")
        with mg.autocast("cpu", enabled=False):
            assert (x @ x).dtype == F32 and AUTOCAST.cast is None
        assert (x @ x).dtype == F16
        seen = []
        th = threading.Thread(target=lambda: seen.append((x @ x).dtype))
        th.start()
        th.join()
        assert seen == [F32]  # per thread, as PyTorch
    with mg.autocast("cuda"):  # only tensors on the region's device type are cast
        assert (x @ x).dtype == F32
    assert AUTOCAST.cast is None

    @mg.autocast("cpu")
    def f(t):
        return t @ t

    assert f(x).dtype == F16 and (x @ x).dtype == F32
    assert mg.amp.autocast is mg.autocast
    assert mg.get_autocast_dtype("cpu") == F16


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(TypeError, match="bfloat16"):
        mg.autocast("cpu", dtype="bfloat16")
    with pytest.raises(ValueError, match="device_type"):
        mg.autocast("tpu")
    with pytest.raises(TypeError, match="dtype"):
        mg.autocast("cpu", dtype=mg.int64)
    with pytest.raises(TypeError, match="device_type"):
        mg.autocast(0)


def test_cuda_amp_aliases_warn_like_torch():
    with pytest.warns(FutureWarning, match="minigrad.amp.autocast"):
        ac = mg.cuda.amp.autocast()
    assert ac.device == "cuda"
    from minigrad.cuda.amp import GradScaler  # PyTorch's deprecated import path

    with pytest.warns(FutureWarning, match="deprecated"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "CUDA is not available" on this machine
        GradScaler()


def test_decorating_a_generator_function_raises():
    def gen():
        yield mg.ones(2) @ mg.ones(2)

    with pytest.raises(TypeError, match="generator"):
        mg.autocast("cpu")(gen)
