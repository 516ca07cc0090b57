"""The Module API against PyTorch: the same model built with both libraries must agree on
names, iteration orders, state_dict contents, lookups, hooks and reprs."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


def _build(lib: Any, tensor: Any) -> Any:
    """A small model with a shared layer, a non-persistent buffer and a None parameter."""

    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = lib.nn.Sequential(lib.nn.Conv2d(2, 3, 3, padding=1),
                                          lib.nn.BatchNorm2d(3), lib.nn.ReLU())
            self.shared = lib.nn.Linear(3, 3)
            self.heads = lib.nn.ModuleList([self.shared, lib.nn.Linear(3, 2, bias=False)])
            self.register_buffer("scale", tensor(np.ones(3)))
            self.register_buffer("cache", tensor(np.zeros(2)), persistent=False)
            self.register_parameter("unused", None)
            self.gain = lib.nn.Parameter(tensor(np.full(1, 2.0)))

        def forward(self, x: Any, *, shift: float = 0.0) -> Any:
            h = self.body(x).mean((2, 3)) * self.scale
            return self.heads[1](self.shared(h)) * self.gain + shift

    return Net()


@pytest.fixture
def twins() -> tuple[Any, Any]:
    return _build(mg, mg.tensor), _build(torch, lambda a: torch.tensor(a, dtype=torch.float32))


def _names(pairs: Any) -> list[str]:
    return [n for n, _ in pairs]


def test_iteration_orders_and_names(twins: tuple[Any, Any]) -> None:
    ours, theirs = twins
    for kw in ({}, {"prefix": "m"}, {"recurse": False}, {"remove_duplicate": False}):
        assert _names(ours.named_parameters(**kw)) == _names(theirs.named_parameters(**kw)), kw
        assert _names(ours.named_buffers(**kw)) == _names(theirs.named_buffers(**kw)), kw
    for kw in ({}, {"prefix": "m"}, {"remove_duplicate": False}):
        assert _names(ours.named_modules(**kw)) == _names(theirs.named_modules(**kw)), kw
    assert _names(ours.named_children()) == _names(theirs.named_children())
    assert len(list(ours.modules(remove_duplicate=False))) == len(
        list(theirs.modules(remove_duplicate=False)))
    assert len(list(ours.children())) == len(list(theirs.children()))
    assert [tuple(p.shape) for p in ours.parameters()] == [
        tuple(p.shape) for p in theirs.parameters()]


def test_state_dict_and_loading(twins: tuple[Any, Any]) -> None:
    ours, theirs = twins
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "cache" not in ours.state_dict()
    dest: OrderedDict[str, Any] = OrderedDict(extra=1)
    got = ours.state_dict(destination=dest, prefix="net.")
    assert got is dest and list(dest)[1:] == ["net." + k for k in theirs.state_dict()]
    assert ours.state_dict(keep_vars=True)["gain"] is ours.gain
    assert not ours.state_dict()["gain"].requires_grad
    state = {k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()}
    assert ours.load_state_dict(state) == ([], [])
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs.state_dict()[k].numpy())
    del state["gain"]
    state["bogus"] = mg.ones(1)
    result = ours.load_state_dict(state, strict=False)
    tresult = theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in state.items()},
                                     strict=False)
    assert (result.missing_keys, result.unexpected_keys) == (tresult.missing_keys,
                                                           tresult.unexpected_keys)


def test_load_state_dict_assign_takes_the_loaded_arrays() -> None:
    layer = nn.Linear(2, 1)
    weight = mg.tensor([[1.0, 2.0]], dtype=mg.float64)
    layer.load_state_dict({"weight": weight, "bias": mg.zeros(1, dtype=mg.float64)},
                          assign=True)
    assert layer.weight.dtype == mg.float64 and isinstance(layer.weight, nn.Parameter)
    weight.add_(1.0)
    assert layer.weight.tolist() == [[2.0, 3.0]]  # shares memory, as torch's assign=True
    layer.load_state_dict({"weight": mg.zeros(1, 2), "bias": mg.zeros(1)})
    assert layer.weight.dtype == mg.float64  # a copy, cast to the parameter's dtype


def test_lookups(twins: tuple[Any, Any]) -> None:
    ours, theirs = twins
    assert type(ours.get_submodule("body.1")).__name__ == "BatchNorm2d"
    assert ours.get_parameter("heads.1.weight").shape == tuple(
        theirs.get_parameter("heads.1.weight").shape)
    assert ours.get_buffer("body.1.running_var").shape == (3,)
    assert ours.get_buffer("cache").shape == (2,)
    for call in (lambda m: m.get_submodule("body.7"), lambda m: m.get_parameter("body.nope"),
                 lambda m: m.get_buffer("body.0.weight")):
        with pytest.raises(AttributeError):
            call(theirs)
        with pytest.raises(AttributeError):
            call(ours)


def test_apply_train_requires_grad_zero_grad(twins: tuple[Any, Any]) -> None:
    ours, theirs = twins
    seen: list[str] = []
    assert ours.apply(lambda m: seen.append(type(m).__name__)) is ours
    tseen: list[str] = []
    theirs.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen
    assert ours.eval() is ours and not any(m.training for m in ours.modules())
    ours.train()
    assert all(m.training for m in ours.modules())
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())
    ours.requires_grad_()
    ours(mg.ones(2, 2, 4, 4)).sum().backward()
    assert all(p.grad is not None for p in ours.parameters())
    ours.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in ours.parameters())
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())


def test_forward_hooks_with_kwargs(twins: tuple[Any, Any]) -> None:
    x = np.random.default_rng(0).standard_normal((2, 2, 4, 4)).astype(np.float32)
    twins[0].load_state_dict({k: mg.tensor(v.numpy()) for k, v in twins[1].state_dict().items()})
    results = []
    for model, inp in ((twins[0], mg.tensor(x)), (twins[1], torch.tensor(x))):
        calls: list[Any] = []

        def pre(mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                calls: list[Any] = calls) -> Any:
            calls.append(("pre", sorted(kwargs)))
            return args, {"shift": kwargs["shift"] + 1.0}

        def post(mod: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any,
                 calls: list[Any] = calls) -> Any:
            calls.append(("post", kwargs["shift"]))
            return out * 2

        h1 = model.register_forward_pre_hook(pre, with_kwargs=True)
        h2 = model.register_forward_hook(post, with_kwargs=True)
        h3 = model.register_forward_hook(lambda m, a, o, calls=calls: calls.append("plain"),
                                         prepend=True)
        out = model(inp, shift=0.5)
        results.append((calls, out.detach().numpy()))
        for h in (h1, h2, h3):
            h.remove()
        assert not model._forward_hooks and not model._forward_pre_hooks
    assert results[0][0] == results[1][0] == [("pre", ["shift"]), "plain", ("post", 1.5)]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)


def test_setattr_semantics_as_torch() -> None:
    for lib in (mg, torch):
        m = lib.nn.Module()
        m.a = lib.nn.Parameter(lib.ones(1))
        m.b = lib.nn.Linear(1, 1)
        m.register_buffer("c", lib.ones(1))
        m.a = lib.nn.Parameter(lib.zeros(1))  # keeps its place
        m.c = lib.zeros(2)
        assert list(m.state_dict()) == ["a", "c", "b.weight", "b.bias"]
        with pytest.raises(TypeError):
            m.a = lib.ones(1)  # a plain tensor cannot replace a parameter
        m.a = None
        assert list(m.state_dict()) == ["c", "b.weight", "b.bias"]
        del m.b
        assert list(dict(m.named_children())) == []


def test_repr_of_nested_models_matches_torch() -> None:
    def build(lib: Any) -> Any:
        return lib.nn.Sequential(
            lib.nn.Conv1d(2, 4, 3, padding=1, padding_mode="reflect"),
            lib.nn.Upsample(scale_factor=2, mode="linear"), lib.nn.ReflectionPad1d(1),
            lib.nn.ConvTranspose1d(4, 2, 2, stride=2), lib.nn.Flatten(), lib.nn.Identity(),
            lib.nn.Dropout1d(0.1), lib.nn.PixelShuffle(2), lib.nn.ZeroPad2d((1, 0, 0, 1)),
            lib.nn.CosineSimilarity(dim=0), lib.nn.PairwiseDistance(), lib.nn.L1Loss())
    assert repr(build(mg)) == repr(build(torch))


@pytest.mark.parametrize(("name", "args", "shape"), [
    ("LazyLinear", (3,), (4, 5)), ("LazyLinear", (2, False), (2, 3, 6)),
    ("LazyConv1d", (4, 3), (2, 5, 8)), ("LazyConv2d", (6, 3, 1, 1), (2, 3, 5, 5)),
    ("LazyConv2d", (4, 2, 1, 0, 1, 2), (1, 6, 4, 4)), ("LazyBatchNorm2d", (), (2, 3, 4, 4)),
    ("LazyBatchNorm1d", (1e-3, 0.2, False), (4, 3, 5)), ("LazyBatchNorm1d", (), (6, 2)),
])
def test_lazy_modules_as_torch(name: str, args: tuple[Any, ...], shape: tuple[int, ...]) -> None:
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert _names(ours.named_parameters()) == _names(theirs.named_parameters())
    params = list(ours.parameters())
    opt = mg.optim.SGD(params, lr=0.1) if params else None
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out, tout = ours(mg.tensor(x, requires_grad=True)), theirs(torch.tensor(x))
    assert out.shape == tuple(tout.shape)
    assert repr(ours) == repr(theirs) and type(ours).__name__ == type(theirs).__name__
    assert all(a is b for a, b in zip(params, ours.parameters(), strict=True))
    assert [p.shape for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    out.sum().backward()
    if opt is not None:
        opt.step()  # the optimizer built before the first call updates the materialized weights
    ours.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_lazy_module_loads_a_state_dict_before_its_first_call() -> None:
    theirs = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(),
                                 torch.nn.Linear(16, 2))
    ours = nn.Sequential(nn.LazyConv2d(4, 3), nn.Flatten(), nn.LazyLinear(2))
    theirs = torch.nn.Sequential(theirs[0], torch.nn.BatchNorm2d(4), *theirs[1:])
    ours = nn.Sequential(ours[0], nn.LazyBatchNorm2d(), *ours[1:])
    theirs(torch.randn(8, 3, 4, 4))  # non-trivial running statistics to load
    result = ours.load_state_dict({k: mg.tensor(v.detach().numpy())
                                   for k, v in theirs.state_dict().items()})
    assert result == ([], [])
    assert [p.shape for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4)).astype(np.float32)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(mg.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert repr(ours) == repr(theirs)


def test_to_casts_floating_state_only_as_torch(twins: tuple[Any, Any]) -> None:
    ours, theirs = twins
    for m, lib in ((ours, mg), (theirs, torch)):
        assert m.to("cpu", non_blocking=True) is m
        m.to(lib.float64)
    dtypes = {k: str(v.dtype).removeprefix("torch.") for k, v in ours.state_dict().items()}
    tdtypes = {k: str(v.dtype).removeprefix("torch.") for k, v in theirs.state_dict().items()}
    assert dtypes == tdtypes and dtypes["body.1.num_batches_tracked"] == "int64"
    assert ours.half() is ours and ours.gain.dtype == mg.float16
    assert ours.float().gain.dtype == mg.float32 and ours.double().gain.dtype == mg.float64
