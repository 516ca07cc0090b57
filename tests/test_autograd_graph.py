"""The node API (grad_fn.name(), next_functions, AccumulateGrad, node hooks, metadata, reprs),
post-accumulate-grad hooks and backward(inputs=), compared with PyTorch where installed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg


def _torch() -> Any:
    return pytest.importorskip("torch")


def _libs() -> list[Any]:
    try:
        import torch
    except ImportError:
        return [mg]
    return [mg, torch]


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().tolist())


def _structure(fn: Any) -> Any:
    """A node as (name, ((input structure, index), ...)); a leaf as ("Acc", its shape)."""
    if fn is None:
        return None
    if fn.name() == "torch::autograd::AccumulateGrad":
        return ("Acc", tuple(fn.variable.shape))
    return (fn.name(), tuple((_structure(n), i) for n, i in fn.next_functions))


GRAPHS: dict[str, Callable[[Any, Any, Any, Any], Any]] = {
    "mul_scalar_sum": lambda lib, x, y, w: (x * 2).sum(),
    "mul_add_exp_mean": lambda lib, x, y, w: (x * y + x).exp().mean(),
    "tanh_mm_relu": lambda lib, x, y, w: (x.tanh() @ w).relu().sum(1),
    "sub_div_neg": lambda lib, x, y, w: -(x - y) / 2,
    "pow_family": lambda lib, x, y, w: x ** 2 + x.abs() ** y + 2 ** x,
    "reshape_permute": lambda lib, x, y, w: x.reshape(3, 2).permute(1, 0).sigmoid(),
    "select_slice_index": lambda lib, x, y, w: x[0] + x[1:].sum(0) + x[[0, 1]].sum(0),
    "cat_clamp": lambda lib, x, y, w: lib.cat([x, y]).clamp(0, 1),
    "log_sqrt_sin_cos": lambda lib, x, y, w: (x.abs() + 1).log().sqrt() * x.sin() + x.cos(),
    "expand_cast": lambda lib, x, y, w: x[:1].expand(2, 3).double(),
    "softmax_log_softmax": lambda lib, x, y, w: lib.nn.functional.softmax(x, 1)
    + lib.nn.functional.log_softmax(y, 0),
    "constant_operand": lambda lib, x, y, w: x * lib.ones(2, 3) + 1,
}


def _graph(lib: Any, name: str) -> Any:
    gen = np.random.default_rng(0)
    x = lib.tensor(gen.standard_normal((2, 3)).tolist(), requires_grad=True)
    y = lib.tensor(gen.standard_normal((2, 3)).tolist(), requires_grad=True)
    w = lib.tensor(gen.standard_normal((3, 4)).tolist(), requires_grad=True)
    return GRAPHS[name](lib, x, y, w)


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_next_functions_match_torch(name: str) -> None:
    torch = _torch()
    ours, theirs = _graph(mg, name), _graph(torch, name)
    assert _structure(ours.grad_fn) == _structure(theirs.grad_fn)


def test_names_and_structure_without_torch() -> None:
    x = mg.ones(2, 3, requires_grad=True)
    y = (x * 2).sum()
    assert _structure(y.grad_fn) == (
        "SumBackward0", ((("MulBackward0", ((("Acc", (2, 3)), 0), (None, 0))), 0),))
    assert (x @ mg.ones(3, 4, requires_grad=True)).grad_fn.name() == "MmBackward0"
    assert (x.sum(1)).grad_fn.name() == "SumBackward1"
    assert (x.tril()).grad_fn.name() == "TrilBackward0"
    assert (x.exp()).grad_fn.op_name == "Exp"  # errors and viz keep minigrad's names


def test_accumulate_grad_is_one_object_per_leaf_and_holds_it_weakly() -> None:
    x = mg.ones(2, requires_grad=True)
    a, b = (x * 2).grad_fn, (x + 1).grad_fn
    acc = a.next_functions[0][0]
    assert acc is b.next_functions[0][0] and acc.variable is x
    assert acc.next_functions == () and acc.metadata == {}
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", repr(acc))


def test_reprs_match_torch_form() -> None:
    x = mg.ones(2, requires_grad=True)
    y = x * 2
    assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(y.grad_fn))
    assert repr(y).endswith("grad_fn=<MulBackward0>)")
    assert isinstance(y.grad_fn, mg.autograd.graph.Node)
    y.grad_fn.metadata["tag"] = 1
    assert y.grad_fn.metadata == {"tag": 1}


# ---------------------------------------------------------------------- node hooks
def _node_hooks(lib: Any) -> list[Any]:
    calls: list[Any] = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = (y * y).sum()

    def pre(grad_outputs: Any) -> Any:
        calls.append(("pre", len(grad_outputs), _np(grad_outputs[0]).tolist()))
        return (grad_outputs[0] * 2,)

    def post(grad_inputs: Any, grad_outputs: Any) -> Any:
        calls.append(("post", [None if g is None else _np(g).tolist() for g in grad_inputs],
                      _np(grad_outputs[0]).tolist()))
        return (grad_inputs[0] + 1, None)

    y.register_hook(lambda g: calls.append(("tensor", _np(g).tolist())))
    h1 = y.grad_fn.register_prehook(pre)
    h2 = y.grad_fn.register_hook(post)
    z.backward(retain_graph=True)
    calls.append(_np(x.grad).tolist())
    h1.remove()
    h2.remove()
    x.grad = None
    z.backward()
    calls.append(_np(x.grad).tolist())
    return calls


def test_node_hooks_run_as_torch() -> None:
    ours = _node_hooks(mg)
    # dz/dy = 2y = [6, 12], doubled by the pre-hook; the post-hook adds 1 to x's gradient;
    # once both are removed x.grad is the plain [18, 36]
    assert ("pre", 1, [6.0, 12.0]) in ours and [37.0, 73.0] in ours
    assert ours[-1] == [18.0, 36.0]
    torch = _torch()
    assert ours == _node_hooks(torch)


def test_node_hook_results_are_checked() -> None:
    x = mg.ones(2, requires_grad=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda go: go[0])
    with pytest.raises(mg.AutogradError, match="must return None or a tuple of 1"):
        y.sum().backward()
    y = x * 3
    y.grad_fn.register_hook(lambda gi, go: (gi[0].sum(), None))
    with pytest.raises(mg.AutogradError, match="invalid gradient for input 0"):
        y.sum().backward()
    with pytest.raises(TypeError, match="expected a callable"):
        y.grad_fn.register_hook(3)


def test_node_hooks_under_create_graph_stay_differentiable() -> None:
    x = mg.tensor([2.0], dtype=mg.float64, requires_grad=True)
    y = x ** 3
    y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
    (g,) = mg.autograd.grad(y.sum(), x, create_graph=True)
    (gg,) = mg.autograd.grad(g.sum(), x)
    assert float(g) == 24.0 and float(gg) == 24.0


# ---------------------------------------------------------------------- post-accumulate hooks
def _post_accumulate(lib: Any) -> list[Any]:
    calls: list[Any] = []
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    h = w.register_post_accumulate_grad_hook(lambda p: calls.append(_np(p.grad).tolist()))
    ((w * w).sum() + (w * 3).sum()).backward()  # two contributions: the hook runs once
    lib.autograd.grad((w * 2).sum(), w)  # grad() does not accumulate: no call
    (w * 2).sum().backward()
    h.remove()
    (w * 2).sum().backward()
    return calls


def test_post_accumulate_grad_hook_matches_torch() -> None:
    ours = _post_accumulate(mg)
    assert ours == [[5.0, 7.0], [7.0, 9.0]]
    torch = _torch()
    assert ours == _post_accumulate(torch)


def test_post_accumulate_grad_hook_errors() -> None:
    with pytest.raises(mg.AutogradError, match="non-leaf"):
        (mg.ones(1, requires_grad=True) * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(mg.AutogradError, match="doesn't require gradient"):
        mg.ones(1).register_post_accumulate_grad_hook(print)
    w = mg.ones(1, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda p: 3)
    with pytest.raises(mg.AutogradError, match="must return None"):
        (w * 2).sum().backward()


# ---------------------------------------------------------------------- backward(inputs=)
@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_backward_inputs(lib: Any) -> None:
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    w = lib.tensor([3.0, 4.0], requires_grad=True)
    h = x * w
    loss = (h * h).sum()
    lib.autograd.backward(loss, inputs=[w], retain_graph=True)
    assert x.grad is None
    np.testing.assert_allclose(_np(w.grad), [6.0, 32.0])
    loss.backward(inputs=h, retain_graph=True)  # a non-leaf input accumulates too
    np.testing.assert_allclose(_np(h.grad), [6.0, 16.0])
    lib.autograd.backward([loss], grad_tensors=[lib.tensor(2.0)], inputs=(x, w))
    np.testing.assert_allclose(_np(w.grad), [18.0, 96.0])
    np.testing.assert_allclose(_np(x.grad), [36.0, 128.0])


def test_backward_inputs_fires_post_accumulate_hooks_and_rejects_empty() -> None:
    w = mg.ones(2, requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(_np(p.grad).tolist()))
    (w * 5).sum().backward(inputs=[w])
    assert seen == [[5.0, 5.0]]
    with pytest.raises(mg.AutogradError, match="cannot be empty"):
        mg.autograd.backward((w * 2).sum(), inputs=[])


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_grad_materialize_grads(lib: Any) -> None:
    x = lib.ones(2, requires_grad=True)
    u = lib.ones(3, requires_grad=True)
    _, gu = lib.autograd.grad((x * 2).sum(), (x, u), materialize_grads=True)
    np.testing.assert_allclose(_np(gu), np.zeros(3))
    with pytest.raises(ValueError, match="allow_unused"):
        lib.autograd.grad((x * 2).sum(), (x, u), allow_unused=False, materialize_grads=True)


# one op each: grad_fn.name() must be PyTorch's
SINGLE_OPS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "sum": lambda lib, x, w: x.sum(), "sum_dim": lambda lib, x, w: x.sum(1),
    "mean": lambda lib, x, w: x.mean(), "mean_dim": lambda lib, x, w: x.mean(0),
    "prod": lambda lib, x, w: x.prod(), "prod_dim": lambda lib, x, w: x.prod(1),
    "mm": lambda lib, x, w: x @ w, "bmm": lambda lib, x, w: lib.bmm(x[None], w[None]),
    "pow": lambda lib, x, w: x ** 2, "pow_tensor": lambda lib, x, w: x.abs() ** x,
    "rpow": lambda lib, x, w: 2 ** x, "square": lambda lib, x, w: x.square(),
    "amax": lambda lib, x, w: lib.amax(x, 1), "max_all": lambda lib, x, w: x.max(),
    "min_all": lambda lib, x, w: x.min(), "clamp": lambda lib, x, w: x.clamp(0, 1),
    "cast": lambda lib, x, w: x.double(), "expand": lambda lib, x, w: x[:1].expand(3, 4),
    "log1p": lambda lib, x, w: x.abs().log1p(), "logsumexp": lambda lib, x, w: x.logsumexp(1),
    "cumsum": lambda lib, x, w: x.cumsum(0), "cumprod": lambda lib, x, w: x.cumprod(0),
    "logcumsumexp": lambda lib, x, w: lib.logcumsumexp(x, 0),
    "vector_norm": lambda lib, x, w: lib.linalg.vector_norm(x),
    "inv": lambda lib, x, w: lib.linalg.inv(x[:, :3] @ x[:, :3].T + lib.eye(3)),
    "conv2d": lambda lib, x, w: lib.nn.functional.conv2d(x.reshape(1, 1, 3, 4),
                                                          lib.ones(2, 1, 2, 2)),
    "max_pool2d": lambda lib, x, w: lib.nn.functional.max_pool2d(x.reshape(1, 1, 3, 4), 2),
    "avg_pool2d": lambda lib, x, w: lib.nn.functional.avg_pool2d(x.reshape(1, 1, 3, 4), 2),
    "pad": lambda lib, x, w: lib.nn.functional.pad(x, (1, 1)),
    "cross_entropy": lambda lib, x, w: lib.nn.functional.cross_entropy(x, lib.tensor([0, 1, 2])),
    "scatter": lambda lib, x, w: x.scatter(1, lib.tensor([[0]] * 3), lib.ones(3, 1)),
    "tril": lambda lib, x, w: x.tril(), "triu": lambda lib, x, w: x.triu(),
    "gelu": lambda lib, x, w: lib.nn.functional.gelu(x),
    "leaky_relu": lambda lib, x, w: lib.nn.functional.leaky_relu(x),
    "logaddexp": lambda lib, x, w: lib.logaddexp(x, x * 2),
    "div_floor": lambda lib, x, w: lib.div(x, 2, rounding_mode="floor"),
    "gather": lambda lib, x, w: x.gather(1, lib.tensor([[0], [1], [2]])),
    "embedding": lambda lib, x, w: lib.nn.functional.embedding(lib.tensor([0, 1]), x),
}


@pytest.mark.parametrize("name", sorted(SINGLE_OPS))
def test_node_names_match_torch(name: str) -> None:
    torch = _torch()
    names = []
    for lib in (mg, torch):
        gen = np.random.default_rng(3)
        x = lib.tensor(gen.standard_normal((3, 4)).tolist(), requires_grad=True)
        w = lib.tensor(gen.standard_normal((4, 5)).tolist(), requires_grad=True)
        names.append(SINGLE_OPS[name](lib, x, w).grad_fn.name())
    assert names[0] == names[1]


@pytest.mark.parametrize("lib", _libs(), ids=lambda m: m.__name__)
def test_inputs_as_a_dict(lib: Any) -> None:
    x = lib.ones(2, requires_grad=True)
    w = lib.tensor([2.0, 3.0], requires_grad=True)
    grads = lib.autograd.grad((x * w * 3).sum(), {"x": x, "w": w})
    assert list(grads) == ["x", "w"]
    np.testing.assert_allclose(_np(grads["x"]), [6.0, 9.0])
    lib.autograd.backward((x * w).sum(), inputs={"w": w})
    assert x.grad is None
    np.testing.assert_allclose(_np(w.grad), [1.0, 1.0])


def _leaf_hook_sum(lib: Any) -> list[Any]:
    calls: list[Any] = []
    x = lib.ones(2, requires_grad=True)
    x.register_hook(lambda g: calls.append(_np(g).tolist()) or g.clamp(max=1.5))
    ((x * 1).sum() + (x * 2).sum()).backward()  # two edges into x
    (g,) = lib.autograd.grad((x * 1).sum() + (x * 2).sum(), x)
    return [calls, _np(x.grad).tolist(), _np(g).tolist()]


def test_leaf_hooks_run_once_on_the_summed_gradient() -> None:
    """A leaf's hooks see its whole gradient once (PyTorch's AccumulateGrad), so a nonlinear
    hook such as a clamp gives PyTorch's result, in backward() and in grad()."""
    ours = _leaf_hook_sum(mg)
    assert ours == [[[3.0, 3.0], [3.0, 3.0]], [1.5, 1.5], [1.5, 1.5]]
    torch = _torch()
    assert ours == _leaf_hook_sum(torch)


def _accumulate_grad_hooks(lib: Any) -> list[Any]:
    """The hook pattern of Horovod / older DDP: hooks on a parameter's AccumulateGrad."""
    out: list[Any] = []
    w = lib.ones(2, requires_grad=True)
    acc = (w * 1).grad_fn.next_functions[0][0]
    h1 = acc.register_hook(lambda gi, go: out.append(("post", gi, _np(go[0]).tolist(),
                                                      _np(w.grad).tolist())))
    h2 = acc.register_prehook(lambda go: out.append(("pre", _np(go[0]).tolist())))
    w.grad = lib.full((2,), 10.0)
    ((w * w).sum() + (w * 3).sum()).backward()
    h1.remove()
    h2.remove()
    acc.register_prehook(lambda go: (go[0] * 2,))
    (w * 1).sum().backward()
    out.append(_np(w.grad).tolist())
    return out


def test_accumulate_grad_hooks_match_torch() -> None:
    ours = _accumulate_grad_hooks(mg)
    assert ours == [("pre", [5.0, 5.0]), ("post", (), [5.0, 5.0], [15.0, 15.0]), [17.0, 17.0]]
    torch = _torch()
    assert ours == _accumulate_grad_hooks(torch)
