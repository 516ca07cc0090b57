"""LayerNorm, RMSNorm, GroupNorm and InstanceNorm against PyTorch in float64 (identical
weights through state_dict; forward, input and parameter gradients, running statistics), the
fused op against the composite of primitive ops (values, gradients, second order), and
errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.errors import ShapeError
from minigrad.testing import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

MODULES = [  # (name, args, kwargs, input shape)
    ("LayerNorm", (6,), {}, (3, 4, 6)),
    ("LayerNorm", ((4, 6),), {"eps": 1e-3}, (3, 4, 6)),
    ("LayerNorm", (6,), {"bias": False}, (2, 6)),
    ("LayerNorm", (6,), {"elementwise_affine": False}, (5, 6)),
    ("RMSNorm", (6,), {}, (3, 4, 6)),
    ("RMSNorm", ([4, 6],), {"eps": 1e-4}, (3, 4, 6)),
    ("RMSNorm", (6,), {"elementwise_affine": False}, (2, 6)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (1, 4), {"eps": 1e-3}, (2, 4, 3, 3)),
    ("GroupNorm", (4, 4), {"affine": False}, (2, 4)),
    ("GroupNorm", (3, 6), {"bias": False}, (2, 6, 2, 2, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 5)),
    ("InstanceNorm2d", (3,), {"affine": True, "bias": False}, (2, 3, 4, 4)),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 4, 4)),
    ("InstanceNorm3d", (2,), {"track_running_stats": True, "momentum": None}, (2, 2, 3, 2, 2)),
]


def _pair(name: str, args: tuple, kwargs: dict[str, Any]) -> tuple[Any, Any]:
    theirs = getattr(torch.nn, name)(*args, **kwargs).double()
    mine = getattr(nn, name)(*args, **kwargs).double()
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for (n, p), (_, tp) in zip(mine.named_parameters(), theirs.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), tp.detach().numpy(), err_msg=n)
    with torch.no_grad():  # random affine parameters, copied over
        for tp in theirs.parameters():
            tp.copy_(torch.randn_like(tp))
    mine.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return mine, theirs


def _check_step(mine: Any, theirs: Any, shape: tuple[int, ...], seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) * 2 + 0.5
    x = mg.tensor(a, dtype=mg.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = mine(x), theirs(tx)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rng.standard_normal(shape)
    y.backward(mg.tensor(g, dtype=mg.float64))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (n, p), (_, tp) in zip(mine.named_parameters(), theirs.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=n)
    for (n, b), (_, tb) in zip(mine.named_buffers(), theirs.named_buffers(), strict=True):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-12, err_msg=n)


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), MODULES,
                         ids=lambda v: str(v).replace(" ", ""))
def test_module_matches_torch(name: str, args: tuple, kwargs: dict[str, Any],
                              shape: tuple[int, ...]) -> None:
    mine, theirs = _pair(name, args, kwargs)
    for step in range(2):  # two training steps (running statistics), then evaluation
        _check_step(mine, theirs, shape, step)
    mine.eval()
    theirs.eval()
    _check_step(mine, theirs, shape, 5)


@pytest.mark.parametrize(("name", "args", "kwargs", "shape"), MODULES,
                         ids=lambda v: str(v).replace(" ", ""))
def test_module_gradcheck_and_second_order(name: str, args: tuple, kwargs: dict[str, Any],
                                           shape: tuple[int, ...]) -> None:
    mine, _ = _pair(name, args, kwargs)
    mine.eval()  # running statistics (when tracked) stay fixed while differencing
    small = tuple(min(s, 3) if i != (1 if name.startswith(("Group", "Instance")) else -1)
                  else s for i, s in enumerate(shape))
    if name.startswith("LayerNorm") or name.startswith("RMSNorm"):
        small = shape[-len(mine.normalized_shape):]
    x = mg.tensor(np.random.default_rng(3).standard_normal(small), dtype=mg.float64,
                  requires_grad=True)
    params = tuple(mine.parameters())

    def fn(a: Any, *ps: Any) -> Any:
        return mine(a)

    assert gradcheck(fn, (x, *params))
    assert gradgradcheck(fn, (x, *params), atol=1e-5, rtol=1e-4)


def _composite_layer_norm(x: Any, w: Any, b: Any, axes: tuple[int, ...], eps: float) -> Any:
    mean = x.mean(dim=axes, keepdim=True)
    c = x - mean
    var = (c * c).mean(dim=axes, keepdim=True)
    return c * (var + eps) ** -0.5 * w + b


def _composite_rms_norm(x: Any, w: Any, axes: tuple[int, ...], eps: float) -> Any:
    return x * ((x * x).mean(dim=axes, keepdim=True) + eps) ** -0.5 * w


@pytest.mark.parametrize("kind", ["layer", "rms"])
def test_fused_op_equals_composite(kind: str) -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 2, 5)), rng.standard_normal((2, 5)),
              rng.standard_normal((2, 5))]
    if kind == "rms":
        arrays = arrays[:2]

    def run(fused: bool) -> list[np.ndarray]:
        ts = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in arrays]
        if kind == "layer":
            y = (F.layer_norm(ts[0], (2, 5), ts[1], ts[2], eps=1e-3) if fused
                 else _composite_layer_norm(*ts, (1, 2), 1e-3))
        else:
            y = (F.rms_norm(ts[0], (2, 5), ts[1], eps=1e-3) if fused
                 else _composite_rms_norm(*ts, (1, 2), 1e-3))
        if fused:
            assert type(y.grad_fn).__name__ == "Normalize"  # one node
            assert len(y.grad_fn.parents) == len(ts)
        g = mg.tensor(rng.standard_normal(y.shape), dtype=mg.float64)
        grads = mg.grad(y, ts, grad_outputs=g, create_graph=True)
        # a second-order quantity: the gradient of the gradient norm
        total = sum((gr * gr).sum() for gr in grads)
        grads2 = mg.grad(total, ts, allow_unused=True)  # the bias's gradient is g alone
        return [y.detach().numpy()] + [np.zeros(1) if t is None else t.detach().numpy()
                                       for t in (*grads, *grads2)]

    rng_state = rng.bit_generator.state
    fused = run(True)
    rng.bit_generator.state = rng_state
    composite = run(False)
    for f, c in zip(fused, composite, strict=True):
        np.testing.assert_allclose(f, c, rtol=1e-9, atol=1e-11)


def test_functional_forms_match_torch() -> None:
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 4, 3))
    x, tx = mg.tensor(a, dtype=mg.float64), torch.tensor(a)
    w, b = rng.standard_normal(4), rng.standard_normal(4)
    mw, mb, tw, tb = (mg.tensor(w, dtype=mg.float64), mg.tensor(b, dtype=mg.float64),
                      torch.tensor(w), torch.tensor(b))
    tf = torch.nn.functional
    pairs = [
        (F.layer_norm(x, [3]), tf.layer_norm(tx, [3])),
        (F.rms_norm(x, (4, 3)), tf.rms_norm(tx, (4, 3))),
        (F.rms_norm(x.float(), [3]), tf.rms_norm(tx.float(), [3])),  # eps = finfo(float32)
        (F.group_norm(x, 2, mw, mb), tf.group_norm(tx, 2, tw, tb)),
        (F.group_norm(x, 4), tf.group_norm(tx, 4)),
        (F.instance_norm(x, weight=mw, bias=mb), tf.instance_norm(tx, weight=tw, bias=tb)),
        (mg.layer_norm(x, 3), torch.layer_norm(tx, [3])),
        (mg.group_norm(x, 1), torch.group_norm(tx, 1)),
    ]
    for mine, theirs in pairs:
        assert str(mine.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6 if mine.dtype ==
                                   mg.float32 else 1e-12, atol=1e-6)
    # eval-mode instance norm with given running statistics
    rm, rv = rng.standard_normal(4), rng.random(4) + 0.5
    mine = F.instance_norm(x, mg.tensor(rm, dtype=mg.float64), mg.tensor(rv, dtype=mg.float64),
                           mw, mb, use_input_stats=False)
    theirs = tf.instance_norm(tx, torch.tensor(rm), torch.tensor(rv), tw, tb,
                              use_input_stats=False)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)


def test_rms_norm_default_eps_is_the_dtype_epsilon() -> None:
    x = mg.zeros(2, 3, dtype=mg.float64, requires_grad=True)
    y = F.rms_norm(x + 1e-9, [3])  # tiny values: eps dominates mean(x^2)
    expected = 1e-9 / np.sqrt(1e-18 + np.finfo(np.float64).eps)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-12)


def test_index_like_shapes_and_empty_batches() -> None:
    assert nn.LayerNorm(np.int64(3)).normalized_shape == (3,)
    assert F.layer_norm(mg.ones(2, 3), [np.int64(3)]).shape == (2, 3)
    for fn, tfn in [(lambda t: F.group_norm(t, 2), lambda t: torch.nn.functional.group_norm(t, 2)),
                    (lambda t: F.layer_norm(t, [3]), lambda t: torch.nn.functional.layer_norm(
                        t, [3]))]:
        assert tuple(fn(mg.ones(0, 4, 3)).shape) == tuple(tfn(torch.ones(0, 4, 3)).shape)


def test_errors_are_clear() -> None:
    x = mg.ones(2, 4, 3)
    with pytest.raises(ShapeError, match=r"normalized_shape=\[4\].*\[\*, 4\]"):
        F.layer_norm(x, [4])
    with pytest.raises(ShapeError, match="`weight` must have shape"):
        F.layer_norm(x, [3], weight=mg.ones(4))
    with pytest.raises(ShapeError, match="divisible by num_groups"):
        F.group_norm(x, 3)
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ShapeError, match="at least 3 dims"):
        F.instance_norm(mg.ones(2, 4))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        F.instance_norm(mg.ones(2, 4, 1))
    with pytest.raises(ValueError, match="required"):
        F.instance_norm(x, use_input_stats=False)
    with pytest.raises(ShapeError, match=r"expected 2D .* or 3D"):
        nn.InstanceNorm1d(4)(mg.ones(2, 4, 3, 3))
    with pytest.raises(ShapeError, match="expected 5 channels"):
        nn.InstanceNorm1d(5, affine=True)(x)
    with pytest.raises(ShapeError, match="at least 2 dims"):
        F.group_norm(mg.ones(4), 2)
