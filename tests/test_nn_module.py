"""Module machinery: registration, naming, state dicts, modes, hooks, repr, containers."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.register_buffer("scale", mg.ones(4))
        self.register_buffer("cache", mg.zeros(2), persistent=False)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.bn(self.fc(x)).relu() * self.scale


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2)
        self.alpha = nn.Parameter(mg.tensor(0.5))

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.head(self.block(x)) * self.alpha


def test_registration_and_names() -> None:
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["alpha", "block.fc.weight", "block.fc.bias", "block.bn.weight",
                     "block.bn.bias", "head.weight", "head.bias"]
    assert [n for n, _ in net.named_buffers()] == [
        "block.scale", "block.cache", "block.bn.running_mean", "block.bn.running_var",
        "block.bn.num_batches_tracked"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.bn", "head"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert len(list(net.parameters(recurse=False))) == 1
    assert net.get_submodule("block.fc") is net.block.fc
    assert net.get_parameter("block.fc.bias") is net.block.fc.bias
    with pytest.raises(AttributeError, match="nope"):
        net.get_submodule("block.nope")


def test_state_dict_keys_exclude_non_persistent() -> None:
    keys = list(Net().state_dict())
    assert keys == ["alpha", "block.scale", "block.fc.weight", "block.fc.bias",
                    "block.bn.weight", "block.bn.bias", "block.bn.running_mean",
                    "block.bn.running_var", "block.bn.num_batches_tracked", "head.weight",
                    "head.bias"]
    sd = Net().state_dict()
    assert not sd["head.weight"].requires_grad  # detached, as PyTorch


def test_shared_parameters_are_deduplicated() -> None:
    a = nn.Linear(2, 2)
    net = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(net.parameters())) == 2
    assert len(list(net.named_parameters(remove_duplicate=False))) == 4
    assert [n for n, _ in net.named_modules()] == ["", "0", "1"]


def test_setattr_rules() -> None:
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="weight"):
        m.weight = mg.zeros(2, 2)  # a plain tensor cannot replace a parameter
    m.weight = None
    assert "weight" in m._parameters and m.weight is None
    m.extra = nn.ReLU()
    assert "extra" in m._modules
    m.extra = nn.Parameter(mg.zeros(1))  # re-assigning a name moves it to the right store
    assert "extra" not in m._modules and "extra" in m._parameters
    del m.extra
    assert not hasattr(m, "extra")
    with pytest.raises(AttributeError, match=r"before Module\.__init__"):
        class Bad(nn.Module):
            def __init__(self) -> None:
                self.w = nn.Parameter(mg.zeros(1))

        Bad()
    with pytest.raises(KeyError):
        m.register_buffer("a.b", mg.zeros(1))
    with pytest.raises(TypeError, match="Parameter or None"):
        m.register_parameter("p", mg.ones(2))


def test_state_dict_round_trip() -> None:
    mg.manual_seed(0)
    a, b = Net(), Net()
    a.train()(mg.randn(5, 3))  # move running stats away from their defaults
    missing, unexpected = b.load_state_dict(a.state_dict())
    assert missing == [] and unexpected == []
    for (na, ta), (nb, tb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert na == nb
        np.testing.assert_array_equal(ta.numpy(), tb.numpy())
    assert int(b.block.bn.num_batches_tracked) == 1


def test_load_state_dict_strict_errors_and_no_partial_load() -> None:
    net = Net()
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    sd = {k: v + 1 if v.dtype.kind == "f" else v for k, v in Net().state_dict().items()}
    del sd["head.bias"]
    sd["bogus"] = mg.zeros(1)
    sd["block.fc.weight"] = mg.zeros(5, 3)
    with pytest.raises(nn.StateDictError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "Missing key(s)" in msg and "'head.bias'" in msg
    assert "Unexpected key(s)" in msg and "'bogus'" in msg
    assert "size mismatch for block.fc.weight" in msg and "(5, 3)" in msg and "(4, 3)" in msg
    for k, v in net.state_dict().items():  # nothing changed
        np.testing.assert_array_equal(v.numpy(), before[k])
    # non-strict tolerates the keys but never a wrong shape
    with pytest.raises(nn.StateDictError, match="size mismatch"):
        net.load_state_dict(sd, strict=False)
    sd["block.fc.weight"] = mg.zeros(4, 3)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["head.bias"] and result.unexpected_keys == ["bogus"]
    np.testing.assert_array_equal(net.block.fc.weight.detach().numpy(), np.zeros((4, 3)))


def test_load_keeps_parameter_identity_and_casts() -> None:
    net = nn.Linear(2, 2)
    w = net.weight
    net.load_state_dict({"weight": np.ones((2, 2)), "bias": mg.zeros(2, dtype=mg.float64)})
    assert net.weight is w and net.weight.dtype == mg.float32
    np.testing.assert_array_equal(w.detach().numpy(), np.ones((2, 2)))


def test_train_eval_propagate() -> None:
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(TypeError):
        net.train("yes")  # type: ignore[arg-type]


def test_zero_grad_requires_grad_apply() -> None:
    net = Net()
    net(mg.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    seen: list[str] = []
    net.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Block", "Linear", "Net"]


def test_to_dtype_in_place_keeps_objects() -> None:
    net = Net()
    params = list(net.parameters())
    net(mg.randn(4, 3)).sum().backward()
    net.double()
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == mg.float64 and p.grad.dtype == mg.float64 for p in net.parameters())
    assert net.block.bn.num_batches_tracked.dtype == mg.int64  # non-float buffers untouched
    assert net(mg.randn(4, 3, dtype=mg.float64)).dtype == mg.float64
    net.to("cpu", mg.float32)
    assert net.head.weight.dtype == mg.float32
    with pytest.raises(TypeError, match="floating point"):
        net.to(mg.int32)


def test_deepcopy_is_independent() -> None:
    net = Net()
    twin = copy.deepcopy(net)
    with mg.no_grad():
        twin.head.weight.add_(1.0)
    assert not np.allclose(twin.head.weight.detach().numpy(), net.head.weight.detach().numpy())
    assert isinstance(twin.head.weight, nn.Parameter)


def test_repr_tree() -> None:
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Sequential(nn.Flatten(),
                                                                       nn.Linear(8, 2)))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Flatten(start_dim=1, end_dim=-1)\n"
        "    (1): Linear(in_features=8, out_features=2, bias=True)\n"
        "  )\n"
        ")"
    )


def test_forward_hooks_and_removal() -> None:
    lin = nn.Linear(2, 2)
    calls: list[str] = []

    def pre(mod: nn.Module, args: tuple) -> tuple:
        calls.append("pre")
        return (args[0] * 0,)

    def post(mod: nn.Module, args: tuple, out: mg.Tensor) -> mg.Tensor:
        calls.append("post")
        np.testing.assert_array_equal(args[0].numpy(), np.zeros((1, 2)))
        return out + 100

    h1 = lin.register_forward_pre_hook(pre)
    h2 = lin.register_forward_hook(post)
    out = lin(mg.ones(1, 2))
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 100)
    assert calls == ["pre", "post"]
    h1.remove()
    with h2:
        pass  # leaving the with block removes it
    np.testing.assert_allclose(lin(mg.zeros(1, 2)).detach().numpy(),
                               lin.bias.detach().numpy()[None])
    assert calls == ["pre", "post"]


def test_forward_hook_prepend_order() -> None:
    m = nn.Identity()
    order: list[int] = []
    m.register_forward_hook(lambda *a: order.append(1))
    m.register_forward_hook(lambda *a: order.append(0), prepend=True)
    m(mg.ones(1))
    assert order == [0, 1]


def test_full_backward_hook_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    mg.manual_seed(1)
    lin = nn.Linear(3, 2)
    x_np = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    got = {}
    lin.register_full_backward_hook(
        lambda m, gi, go: got.update(gi=[g.numpy() for g in gi], go=[g.numpy() for g in go]))
    x = mg.tensor(x_np, requires_grad=True)
    (lin(x) ** 2).sum().backward()

    tl = torch.nn.Linear(3, 2)
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(lin.weight.detach().numpy()))
        tl.bias.copy_(torch.tensor(lin.bias.detach().numpy()))
    want = {}
    tl.register_full_backward_hook(
        lambda m, gi, go: want.update(gi=[g.numpy() for g in gi], go=[g.numpy() for g in go]))
    tx = torch.tensor(x_np, requires_grad=True)
    (tl(tx) ** 2).sum().backward()
    np.testing.assert_allclose(got["go"][0], want["go"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["gi"][0], want["gi"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_full_backward_hook_input_without_grad_and_replacement() -> None:
    lin = nn.Linear(2, 1)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, go[0].shape)))
    lin(mg.ones(3, 2)).sum().backward()  # the input needs no gradient
    assert seen == [((None,), (3, 1))]
    assert lin.weight.grad is not None

    seq = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    seq[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    seq(mg.ones(1, 2)).sum().backward()  # the zeroed grad_input reaches the first layer
    assert not seq[0].weight.grad.numpy().any()


def test_full_backward_hook_fires_per_backward_with_retained_graph() -> None:
    m = nn.Tanh()
    count = []
    m.register_full_backward_hook(lambda *a: count.append(1))
    x = mg.ones(2, requires_grad=True)
    y = m(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert len(count) == 2


def test_containers() -> None:
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    seq.append(nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 2
    assert seq(mg.ones(4, 2)).shape == (4, 1)
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1"]
    with pytest.raises(IndexError):
        seq[5]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert list(named.state_dict()) == ["enc.weight", "enc.bias"]
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml += [nn.Linear(1, 1)]
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ["Identity", "Linear", "Linear"]
    assert len(list(ml.parameters())) == 4
    md = nn.ModuleDict({"a": nn.Linear(1, 1)})
    md["b"] = nn.Linear(1, 2)
    assert list(md) == ["a", "b"] and "b" in md and len(md) == 2
    assert list(md.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    with pytest.raises(NotImplementedError, match="forward"):
        md(mg.ones(1))


def test_full_backward_hook_with_two_inputs_fires_once() -> None:
    class Mul(nn.Module):
        def forward(self, a: mg.Tensor, scale: float, b: mg.Tensor) -> mg.Tensor:
            return a * b * scale

    m = Mul()
    got = []
    m.register_full_backward_hook(lambda mod, gi, go: got.append((gi, go)))
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 5.0], requires_grad=True)
    (m(a, 2.0, b) * mg.tensor([1.0, 10.0])).sum().backward()
    assert len(got) == 1
    gi, go = got[0]
    assert len(gi) == 2 and len(go) == 1  # one entry per tensor argument
    np.testing.assert_allclose(go[0].numpy(), [1.0, 10.0])
    np.testing.assert_allclose(gi[0].numpy(), [6.0, 100.0])
    np.testing.assert_allclose(gi[1].numpy(), [2.0, 40.0])
    m.register_full_backward_hook(lambda mod, gi, go: gi)
    with pytest.raises(RuntimeError, match="only when one input requires grad"):
        m(a, 1.0, b).sum().backward()


def test_load_state_dict_rejects_non_mapping() -> None:
    with pytest.raises(TypeError, match="mapping"):
        nn.Linear(1, 1).load_state_dict([("weight", mg.zeros(1, 1))])  # type: ignore[arg-type]
