"""Containers against PyTorch: ParameterList/ParameterDict (names, state_dict, conversion
to Parameter) and the list/dict methods of Sequential, ModuleList and ModuleDict."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest

import minigrad as mg
from minigrad import nn

torch = pytest.importorskip("torch")


# ---------------------------------------------------------------- containers
def test_parameter_list_as_torch() -> None:
    ours = nn.ParameterList([nn.Parameter(mg.ones(2)), mg.zeros(2, 3)])
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(2, 3)])
    ours.append(mg.ones(1))
    theirs.append(torch.ones(1))
    ours += [mg.ones(4)]
    theirs += [torch.ones(4)]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "2", "3"]
    assert all(isinstance(p, nn.Parameter) for p in ours)
    assert len(ours) == 4 and ours[-1].shape == (4,) and len(ours[1:3]) == 2
    ours[0] = mg.full((2,), 3.0)
    assert ours[0].requires_grad and ours[0].tolist() == [3.0, 3.0]
    with pytest.raises(IndexError):
        ours[4]
    model = nn.Module()
    model.ps = ours
    assert [n for n, _ in model.named_parameters()] == ["ps.0", "ps.1", "ps.2", "ps.3"]


def test_parameter_dict_as_torch() -> None:
    ours = nn.ParameterDict({"b": mg.ones(2), "a": nn.Parameter(mg.zeros(1))})
    theirs = torch.nn.ParameterDict({"b": torch.ones(2), "a": torch.nn.Parameter(torch.zeros(1))})
    ours["c"] = mg.ones(3)
    theirs["c"] = torch.ones(3)
    ours.update([("d", mg.ones(1))])
    theirs.update([("d", torch.ones(1))])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["a", "b", "c", "d"]
    assert list(ours.keys()) == list(theirs.keys())
    assert "a" in ours and len(ours) == 4
    assert ours.pop("a").shape == (1,)
    del ours["b"]
    assert list(ours) == ["c", "d"] and [n for n, _ in ours.named_parameters()] == ["c", "d"]
    assert ours.get("zz") is None and ours.setdefault("e", mg.ones(2)).requires_grad
    with pytest.raises(KeyError):
        ours["zz"]


def test_module_containers_methods_as_torch() -> None:
    layers = [nn.Linear(1, 1), nn.ReLU(), nn.Tanh()]
    ml = nn.ModuleList(layers)
    ml.insert(1, nn.Sigmoid())
    del ml[0]
    ml.extend([nn.Identity()])
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "ReLU", "Tanh", "Identity"]
    assert [type(m).__name__ for m in ml[1:3]] == ["ReLU", "Tanh"]
    assert list(dict(ml.named_children())) == ["0", "1", "2", "3"]
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    seq.append(nn.Linear(2, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b"] and isinstance(md.pop("a"), nn.ReLU)


def _container_story(lib: Any) -> list[Any]:
    """The same container operations in either library; what they leave, by name and type."""
    nn_ = lib.nn
    seen: list[Any] = []

    def snap(m: Any) -> None:
        seen.append([(k, type(v).__name__) for k, v in m.named_children()])

    seq = nn_.Sequential(OrderedDict([("a", nn_.ReLU()), ("b", nn_.Tanh())]))
    snap(seq)
    seen.append(type(seq.pop(0)).__name__)
    snap(seq)
    seq.insert(0, nn_.Sigmoid())
    seq.append(nn_.Identity())
    snap(seq)
    snap(seq + nn_.Sequential(nn_.ReLU()))
    snap(seq * 2)
    snap(2 * seq[1:])
    seq += nn_.Sequential(nn_.GELU())
    snap(seq)
    seq *= 2
    snap(seq)
    del seq[1:3]
    snap(seq)
    ml = nn_.ModuleList([nn_.ReLU(), nn_.Tanh(), nn_.Identity()])
    seen.append(type(ml.pop(1)).__name__)
    snap(ml.__add__(nn_.ModuleList([nn_.Sigmoid()])))  # ModuleList + iterable
    ml.extend([nn_.GELU()])
    del ml[0]
    snap(ml)
    snap(ml[::-1])
    md = nn_.ModuleDict({"z": nn_.ReLU(), "y": nn_.Tanh()})
    md.update({"x": nn_.Identity()})
    seen.append(list(md.keys()))
    seen.append(type(md.pop("y")).__name__)
    snap(md)
    pd = nn_.ParameterDict({"b": nn_.Parameter(lib.ones(1))}) | nn_.ParameterDict(
        {"a": nn_.Parameter(lib.ones(2))})
    seen.append([(k, tuple(v.shape)) for k, v in pd.items()])
    seen.append(list(pd.fromkeys(["p", "q"])))
    return seen


def test_container_methods_as_torch() -> None:
    assert _container_story(mg) == _container_story(torch)
    with pytest.raises(ValueError, match="Sequential"):
        nn.Sequential() + nn.ModuleList()
    with pytest.raises(ValueError, match="Non-positive"):
        nn.Sequential(nn.ReLU()) * 0
