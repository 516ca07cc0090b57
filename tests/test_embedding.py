"""Embedding against PyTorch in float64 (identical weights through state_dict): lookups,
weight gradients with padding_idx / scale_grad_by_freq, max_norm's in-place renormalisation,
from_pretrained, initialisation, gradcheck and second order, and errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.testing import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

CONFIGS = [
    {}, {"padding_idx": 2}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
    {"padding_idx": 0, "scale_grad_by_freq": True}, {"max_norm": 1.5},
    {"max_norm": 0.8, "norm_type": 1.0}, {"max_norm": 0.5, "norm_type": float("inf")},
    {"max_norm": 1.0, "padding_idx": 3, "scale_grad_by_freq": True},
]
INDICES = [np.array([[0, 2, 4, 2], [1, 2, 5, 0]]), np.array([3, 3, 3, 6]), np.array(4),
           np.zeros((2, 0), dtype=np.int64)]


def _pair(kwargs: dict[str, Any]) -> tuple[Any, Any]:
    theirs = torch.nn.Embedding(7, 3, **kwargs).double()
    mine = nn.Embedding(7, 3, **kwargs).double()
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    mine.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return mine, theirs


@pytest.mark.parametrize("kwargs", CONFIGS, ids=str)
@pytest.mark.parametrize("idx", INDICES, ids=lambda a: str(a.shape))
def test_module_matches_torch(kwargs: dict[str, Any], idx: np.ndarray) -> None:
    mine, theirs = _pair(kwargs)
    for step in range(2):  # max_norm changes the weight: a second step sees the new rows
        y = mine(mg.tensor(idx, dtype=mg.int64))
        ty = theirs(torch.tensor(idx, dtype=torch.int64))
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(mine.weight.detach().numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-12)
        g = np.random.default_rng(step).standard_normal(tuple(ty.shape))
        y.backward(mg.tensor(g, dtype=mg.float64))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(mine.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=1e-12, atol=1e-15)


def test_gradient_is_a_scatter_add_with_padding_and_frequency() -> None:
    w = mg.zeros(5, 2, dtype=mg.float64, requires_grad=True)
    y = F.embedding(mg.tensor([[1, 1, 3], [1, 0, 3]]), w, padding_idx=0, scale_grad_by_freq=True)
    assert type(y.grad_fn).__name__ == "Embedding" and len(y.grad_fn.parents) == 1
    y.backward(mg.ones(2, 3, 2, dtype=mg.float64))
    assert w.grad.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]


def test_gradcheck_and_second_order() -> None:
    rng = np.random.default_rng(0)
    idx = mg.tensor([[0, 2, 2], [4, 1, 2]])
    for kw in [{}, {"padding_idx": 2}, {"scale_grad_by_freq": True}]:
        w = mg.tensor(rng.standard_normal((5, 3)), dtype=mg.float64, requires_grad=True)

        def fn(weight: Any, kw: dict[str, Any] = kw) -> Any:
            return F.embedding(idx, weight, **kw) ** 2  # squared: a non-zero second order

        # padding rows and frequency scaling are not true derivatives, by design: compared
        # with PyTorch's second order instead (below)
        if not kw:
            assert gradcheck(fn, (w,))
        if "scale_grad_by_freq" not in kw:
            assert gradgradcheck(fn, (w,))  # the gradient map itself, differentiated again
        tw = torch.tensor(w.detach().numpy(), requires_grad=True)
        ty = torch.nn.functional.embedding(torch.tensor(idx.numpy()), tw, **kw) ** 2
        (tg,) = torch.autograd.grad(ty.sum(), tw, create_graph=True)
        (tgg,) = torch.autograd.grad((tg * tg).sum(), tw)
        (g,) = mg.grad(fn(w).sum(), [w], create_graph=True)
        (gg,) = mg.grad((g * g).sum(), [w])
        np.testing.assert_allclose(gg.numpy(), tgg.numpy(), rtol=1e-12, err_msg=str(kw))


def test_max_norm_renormalises_in_place_like_torch() -> None:
    a = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]], dtype=np.float32)
    w, tw = mg.tensor(a), torch.tensor(a)
    version = w._version
    y = F.embedding(mg.tensor([0, 1, 0]), w, max_norm=1.0)
    ty = torch.nn.functional.embedding(torch.tensor([0, 1, 0]), tw, max_norm=1.0)
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6)
    np.testing.assert_allclose(w.numpy(), tw.numpy(), rtol=1e-6)
    assert w._version == version + 1
    assert w.tolist()[2] == [6.0, 8.0]  # rows not looked up are untouched


def test_init_freeze_and_from_pretrained() -> None:
    mg.manual_seed(0)
    emb = nn.Embedding(2000, 8, padding_idx=5)
    w = emb.weight.detach().numpy()
    assert emb.weight.requires_grad and emb.weight.shape == (2000, 8)
    assert np.all(w[5] == 0) and abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02
    assert not nn.Embedding(3, 2, _freeze=True).weight.requires_grad
    given = mg.ones(3, 2)
    assert nn.Embedding(3, 2, padding_idx=0, _weight=given).weight.tolist()[0] == [1.0, 1.0]
    pre = mg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    frozen = nn.Embedding.from_pretrained(pre, padding_idx=1)
    tfrozen = torch.nn.Embedding.from_pretrained(torch.tensor(pre.numpy()), padding_idx=1)
    assert repr(frozen) == repr(tfrozen) and not frozen.weight.requires_grad
    assert frozen.weight._data is pre._data  # storage shared, as PyTorch
    trainable = nn.Embedding.from_pretrained(pre, freeze=False)
    trainable(mg.tensor([2])).sum().backward()
    assert trainable.weight.grad.tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]


def test_errors_are_clear() -> None:
    w = mg.ones(4, 2)
    with pytest.raises(MinigradTypeError, match="integer indices"):
        F.embedding(mg.tensor([1.0]), w)
    with pytest.raises(IndexError, match="index 4 is out of range"):
        F.embedding(mg.tensor([0, 4]), w)
    with pytest.raises(IndexError, match="index -1 is out of range"):
        F.embedding(mg.tensor([-1]), w)
    with pytest.raises(ValueError, match="sparse=True"):
        F.embedding(mg.tensor([0]), w, sparse=True)
    with pytest.raises(ValueError, match="sparse=True"):
        nn.Embedding(4, 2, sparse=True)
    with pytest.raises(ShapeError, match="2-D"):
        F.embedding(mg.tensor([0]), mg.ones(4))
    with pytest.raises(ValueError, match="padding_idx 4 must be within"):
        F.embedding(mg.tensor([0]), w, padding_idx=4)
    with pytest.raises(ValueError, match="padding_idx -5 must be within"):
        nn.Embedding(4, 2, padding_idx=-5)
    with pytest.raises(ShapeError, match="_weight"):
        nn.Embedding(4, 2, _weight=mg.ones(2, 4))
    with pytest.raises(ShapeError, match="2-D"):
        nn.Embedding.from_pretrained(mg.ones(4))
