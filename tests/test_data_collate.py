"""default_collate / default_convert: the same results as PyTorch's on nested structures."""

from __future__ import annotations

from collections import OrderedDict, defaultdict, namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import default_collate, default_convert
from minigrad.data.collate import collate, default_collate_fn_map
from minigrad.errors import ShapeError

Point = namedtuple("Point", ["x", "y"])


def _sample(i: int, tensor: Callable[[np.ndarray], Any]) -> dict[str, Any]:
    """One sample of a nested structure, with tensors made by ``tensor`` (either framework)."""
    return {
        "img": tensor(np.full((2, 3), i, np.float32)),
        "arr": np.arange(3, dtype=np.int32) * i,
        "arr0d": np.array(i * 1.5),
        "label": i,
        "flag": i % 2 == 0,
        "w": i / 4,
        "np_f32": np.float32(i + 0.5),
        "np_i16": np.int16(i),
        "np_bool": np.bool_(i > 0),
        "name": f"s{i}",
        "raw": bytes([i]),
        "pair": (i, (tensor(np.array([i, -i], np.int64)), "t")),
        "seq": [i, [i * 2.0, {"deep": tensor(np.array(float(i)))}]],
        "point": Point(x=np.ones(2, np.float64) * i, y=i),
        "od": OrderedDict([("b", i), ("a", np.float64(i))]),
        "dd": defaultdict(int, {"k": i}),
    }


def _same(ours: Any, theirs: Any, torch: Any, where: str = "batch") -> None:
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mg.Tensor), where
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), where
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=where)
        return
    assert type(ours) is type(theirs), (where, type(ours), type(theirs))
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), where
        for k in theirs:
            _same(ours[k], theirs[k], torch, f"{where}[{k!r}]")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _same(a, b, torch, f"{where}[{i}]")
    else:
        assert ours == theirs, where


def test_default_collate_matches_torch_on_nested_structures() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    ours = default_collate([_sample(i, mg.tensor) for i in range(3)])
    theirs = torch_collate([_sample(i, torch.from_numpy) for i in range(3)])
    _same(ours, theirs, torch)
    assert ours["dd"].default_factory is int  # the mapping type is kept, defaultdict included
    assert ours["pair"][0].tolist() == [0, 1, 2] and ours["img"].shape == (3, 2, 3)


@pytest.mark.parametrize("batch", [
    [1, 2, 3], [1.5, 2.0], [True, False], [1, 2.5], ["a", "b"], [b"x", b"y"],
    [np.float32(1), np.float32(2)], [np.uint8(3), np.uint8(4)], [(1, 2), (3, 4)],
    [[1, 2], [3, 4]], [Point(1, 2.0), Point(3, 4.0)], [{"a": (1, [2])}, {"a": (3, [4])}],
])
def test_default_collate_leaves_match_torch(batch: list[Any]) -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate

    _same(default_collate(batch), torch_collate(batch), torch)


def test_default_convert_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_convert as torch_convert

    for data in (_sample(2, mg.tensor), (np.arange(3), 4, "s"), np.float32(2.5),
                 [np.ones(2), (np.int64(3), b"b")], np.array(["a", "b"]), 7, "text"):
        theirs_in = data if not isinstance(data, dict) else _sample(2, torch.from_numpy)
        ours, theirs = default_convert(data), torch_convert(theirs_in)
        if isinstance(theirs, np.ndarray):  # string arrays stay arrays
            assert ours is data
        else:
            _same(ours, theirs, torch)


def test_default_collate_errors_as_torch() -> None:
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(ShapeError, match=r"\[2\] at entry 0 and \[3\] at entry 1"):
        default_collate([mg.ones(2), mg.ones(3)])
    with pytest.raises(ValueError, match="empty batch"):
        default_collate([])


def test_collate_keeps_the_graph_and_takes_custom_leaves() -> None:
    a, b = mg.ones(2, requires_grad=True), mg.zeros(2, requires_grad=True)
    out = default_collate([a, b])
    (out * mg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert a.grad.tolist() == [1.0, 2.0] and b.grad.tolist() == [3.0, 4.0]
    assert not default_collate([mg.ones(2), mg.ones(2)]).requires_grad

    class Box:
        def __init__(self, v: int) -> None:
            self.v = v

    fns = {**default_collate_fn_map, Box: lambda batch, *, collate_fn_map: [b.v for b in batch]}
    got = collate([(Box(1), 2), (Box(3), 4)], collate_fn_map=fns)
    assert got[0] == [1, 3] and got[1].tolist() == [2, 4]
