"""Indexing, selection and rearranging beyond the op table: errors that name shapes, in-place
forms, integer outputs (nonzero, isin, one_hot, tri indices) and PyTorch's answers for them."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def _torch() -> Any:
    return pytest.importorskip("torch")


@pytest.mark.parametrize("key, error, words", [
    ((0, 3), IndexError, ["index 3 is out of bounds", "dim 1", "size 3", "(2, 3)"]),
    ([0, 5], IndexError, ["index 5", "dim 0", "size 2"]),
    ((slice(None), [-4]), IndexError, ["index -4", "dim 1"]),
    ((0, 0, 0), IndexError, ["too many indices", "(2, 3)"]),
    ((Ellipsis, 0, Ellipsis), IndexError, ["single ellipsis"]),
    (([0, 1], [0, 1, 2]), IndexError, ["could not be broadcast", "[2], [3]"]),
    (np.array([True, False, True]), IndexError, ["mask of shape (3,)", "(2, 3)"]),
    (1.5, IndexError, ["float"]),
    ((slice(None, None, -1),), ValueError, ["step must be positive"]),
    ([[0, 1], [1]], IndexError, ["rectangular"]),
    ([slice(None), 0], IndexError, ["only ints or bools", "tuple"]),
])
def test_bad_keys_raise_clear_errors(key: object, error: type, words: list[str]) -> None:
    x = mg.ones(2, 3)
    with pytest.raises(error) as info:
        x[key]
    for w in words:
        assert w in str(info.value), (w, str(info.value))
    assert isinstance(info.value, mg.MinigradError | ValueError)


def test_index_errors_are_index_errors_and_shape_errors() -> None:
    with pytest.raises(mg.ShapeError):
        mg.ones(2)[2]
    with pytest.raises(IndexError):
        mg.ones(2)[mg.tensor(-3)]
    with pytest.raises(mg.MinigradTypeError, match="float32"):
        mg.ones(2)[mg.tensor([0.0])]


def test_setitem_broadcasts_casts_and_checks_value() -> None:
    x = mg.zeros(3, 4, dtype=mg.int64)
    x[:, [0, 2]] = 2.7  # cast to the tensor's dtype, as torch
    x[range(3), [1, 1, 3]] = mg.tensor([5, 6, 7])
    x[mg.tensor([True, False, True])] = mg.tensor([[1, 2, 3, 4]])  # broadcast rows
    assert x.dtype == mg.int64
    assert x.tolist() == [[1, 2, 3, 4], [2, 6, 2, 0], [1, 2, 3, 4]]
    with pytest.raises(mg.ShapeError, match=r"shape \(3,\) cannot be written.*\(2, 4\)"):
        x[:2] = mg.ones(3)
    y = mg.zeros(2, 2)
    y[None, 0] = mg.ones(1, 1, 2)  # extra leading 1s are accepted
    assert y.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_setitem_gradients_match_torch() -> None:
    torch = _torch()
    a = np.arange(12.0).reshape(3, 4)
    v = np.array([10.0, 20.0])
    x, val = mg.tensor(a, requires_grad=True), mg.tensor(v, requires_grad=True)
    tx, tval = torch.tensor(a, requires_grad=True), torch.tensor(v, requires_grad=True)
    y = x * 2
    y[[0, 2], 1:3] = val.unsqueeze(0).expand(2, 2)
    ty = tx * 2
    ty[[0, 2], 1:3] = tval.unsqueeze(0).expand(2, 2)
    w = np.arange(12.0).reshape(3, 4)
    (y * mg.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(val.grad.numpy(), tval.grad.numpy())


def test_index_duplicates_accumulate_and_iteration_stops() -> None:
    x = mg.zeros(3, requires_grad=True)
    x[[0, 0, 2]].sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 1.0]
    assert [t.item() for t in mg.tensor([1, 2])] == [1, 2]


def test_inplace_selection_methods() -> None:
    x = mg.zeros(2, 3)
    x.masked_fill_(mg.tensor([True, False, True]), 1.0)
    x.index_fill_(0, mg.tensor([1]), 4.0)
    x.index_add_(1, mg.tensor([0, 0]), mg.ones(2, 2), alpha=2)
    x.scatter_(1, mg.tensor([[1], [1]]), -1.0)
    x.scatter_add_(0, mg.tensor([[0, 0, 0]]), mg.ones(1, 3))
    assert x.tolist() == [[6.0, 0.0, 2.0], [8.0, -1.0, 4.0]]
    x.index_put_((mg.tensor([0, 0]), mg.tensor([1, 1])), mg.tensor(1.0), accumulate=True)
    x.index_put_((mg.tensor([1]),), mg.tensor(0.0))
    assert x.tolist() == [[6.0, 2.0, 2.0], [0.0, 0.0, 0.0]]
    with pytest.raises(IndexError, match="gather: an index in"):
        x.gather(1, mg.tensor([[3]]))


def test_selection_errors() -> None:
    x = mg.ones(2, 3)
    with pytest.raises(mg.MinigradTypeError, match="bool mask"):
        x.masked_fill(mg.ones(3), 0.0)
    with pytest.raises(mg.ShapeError, match="0-dimensional value"):
        x.masked_fill(mg.tensor([True, False, True]), mg.ones(1))
    with pytest.raises(IndexError, match=r"index_select: an index in \[0, 3\].*size 3"):
        x.index_select(1, mg.tensor([0, 3]))
    with pytest.raises(mg.ShapeError, match=r"index_add: `source` must have shape \(2, 2\)"):
        x.index_add(1, mg.tensor([0, 1]), mg.ones(2, 3))
    with pytest.raises(IndexError, match="scatter: an index in"):
        x.scatter(1, mg.tensor([[3]]), 1.0)
    with pytest.raises(mg.ShapeError, match="larger than `src`"):
        x.scatter(1, mg.tensor([[0, 1]]), mg.ones(1, 1))
    with pytest.raises(ValueError, match="reduce must be one of"):
        x.scatter_reduce(1, mg.tensor([[0]]), mg.ones(1, 1), "max")
    with pytest.raises(mg.MinigradTypeError, match="int64"):
        mg.one_hot(mg.tensor([0.0]))
    with pytest.raises(mg.ShapeError, match="smaller than num_classes"):
        mg.one_hot(mg.tensor([3]), 3)


def test_scatter_reduce_ties_and_multiply_match_torch() -> None:
    torch = _torch()
    a = np.array([[1.0, 2.0, 2.0], [0.0, 3.0, -1.0]])
    idx = np.array([[0, 0, 1], [2, 2, 2]])
    src = np.array([[2.0, 2.0, 5.0], [0.0, -1.0, 4.0]])
    for reduce in ("amax", "amin", "prod", "mean", "sum"):
        for include_self in (True, False):
            x, s = mg.tensor(a, requires_grad=True), mg.tensor(src, requires_grad=True)
            tx, ts = torch.tensor(a, requires_grad=True), torch.tensor(src, requires_grad=True)
            y = x.scatter_reduce(1, mg.tensor(idx), s, reduce, include_self=include_self)
            ty = tx.scatter_reduce(1, torch.tensor(idx), ts, reduce, include_self=include_self)
            g = np.arange(6.0).reshape(2, 3) - 2
            y.backward(mg.tensor(g))
            ty.backward(torch.tensor(g))
            for got, want in ((y.detach(), ty.detach()), (x.grad, tx.grad), (s.grad, ts.grad)):
                np.testing.assert_allclose(got.numpy(), want.numpy(), err_msg=reduce)
    for reduce in ("add", "multiply"):
        got = mg.tensor(a).scatter(1, mg.tensor(idx), mg.tensor(src), reduce=reduce)
        with warnings.catch_warnings():  # torch deprecates reduce= with a tensor src
            warnings.simplefilter("ignore", UserWarning)
            want = torch.tensor(a).scatter(1, torch.tensor(idx), torch.tensor(src),
                                           reduce=reduce)
        np.testing.assert_allclose(got.numpy(), want.numpy())
    ints = mg.tensor([[5, 1]]).scatter_reduce(1, mg.tensor([[1, 1]]), mg.tensor([[7, 9]]),
                                              "amin")
    assert ints.dtype == mg.int64 and ints.tolist() == [[5, 1]]


def test_scatter_reads_the_corner_of_a_larger_src() -> None:
    out = mg.zeros(2, 2).scatter(0, mg.tensor([[1, 0]]), mg.arange(6.0).reshape(2, 3))
    assert out.tolist() == [[0.0, 1.0], [0.0, 0.0]]


def test_integer_outputs_match_torch() -> None:
    torch = _torch()
    a = np.array([[0, 3, 0], [2, 0, 1]])
    x, t = mg.tensor(a), torch.tensor(a)
    assert x.nonzero().tolist() == t.nonzero().tolist()
    assert [i.tolist() for i in x.nonzero(as_tuple=True)] == [
        i.tolist() for i in t.nonzero(as_tuple=True)]
    assert mg.argwhere(x).tolist() == torch.argwhere(t).tolist()
    assert mg.nonzero(mg.tensor(5)).shape == tuple(torch.nonzero(torch.tensor(5)).shape)
    assert mg.isin(x, mg.tensor([1, 3])).tolist() == torch.isin(t, torch.tensor([1, 3])).tolist()
    assert mg.isin(x, 2, invert=True).tolist() == torch.isin(t, 2, invert=True).tolist()
    labels = mg.tensor([2, 0, 1])
    oh = F.one_hot(labels)
    assert oh.dtype == mg.int64
    assert oh.tolist() == torch.nn.functional.one_hot(torch.tensor([2, 0, 1])).tolist()
    assert mg.one_hot(labels, 5).shape == (3, 5)
    for r, c, off in [(3, 3, 0), (4, 2, -1), (2, 5, 2), (0, 3, 0)]:
        assert mg.tril_indices(r, c, off).tolist() == torch.tril_indices(r, c, off).tolist()
        assert mg.triu_indices(r, c, off).tolist() == torch.triu_indices(r, c, off).tolist()
    r = mg.repeat_interleave(mg.tensor([2, 0, 1]))
    assert r.tolist() == torch.repeat_interleave(torch.tensor([2, 0, 1])).tolist()


def test_splits_and_shape_helpers_match_torch() -> None:
    torch = _torch()
    a = np.arange(7.0)
    x, t = mg.tensor(a), torch.tensor(a)
    for n in (1, 3, 4, 7, 9):
        assert [c.tolist() for c in x.chunk(n)] == [c.tolist() for c in t.chunk(n)]
        assert [c.tolist() for c in x.tensor_split(n)] == [c.tolist() for c in t.tensor_split(n)]
    for idx in ([2, 5], [5, 2], [-2], [0, 10]):
        assert [c.tolist() for c in x.tensor_split(idx)] == [
            c.tolist() for c in t.tensor_split(idx)]
    assert [c.tolist() for c in x.split([2, 5])] == [c.tolist() for c in t.split([2, 5])]
    assert mg.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1))
    assert mg.concat([x, x]).shape == mg.concatenate([x, x], axis=0).shape == (14,)
    for f in ("atleast_1d", "atleast_2d", "atleast_3d"):
        for shape in ((), (3,), (2, 3), (1, 2, 3)):
            z = np.zeros(shape)
            assert getattr(mg, f)(mg.tensor(z)).shape == tuple(getattr(torch, f)(
                torch.tensor(z)).shape)
    y = mg.zeros(2, 3, 4)
    assert y.movedim((0, 1), (2, 0)).shape == tuple(torch.zeros(2, 3, 4).movedim(
        (0, 1), (2, 0)).shape)
    assert y.squeeze((0, 1)).shape == (2, 3, 4)
    assert mg.zeros(1, 3, 1).squeeze((0, 2)).shape == (3,)
    assert y.view(-1).shape == (24,)
    assert y.expand(2, -1, 3, 4).shape == tuple(torch.zeros(2, 3, 4).expand(2, -1, 3, 4).shape)
    assert x.narrow(0, -3, 2).tolist() == t.narrow(0, -3, 2).tolist()
    with pytest.raises(mg.ShapeError, match="exceeds size 7"):
        x.narrow(0, 5, 3)


def test_meshgrid_warns_without_indexing_as_torch() -> None:
    a, b = mg.arange(2), mg.arange(3)
    with pytest.warns(UserWarning, match="indexing"):
        g = mg.meshgrid(a, b)
    assert [t.shape for t in g] == [(2, 3), (2, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [t.shape for t in mg.meshgrid(a, b, indexing="xy")] == [(3, 2), (3, 2)]


def test_arange_and_logspace_match_torch() -> None:
    torch = _torch()
    for args in [(5,), (1, 2, 0.25), (0, 1, 0.1), (-3, 3, 2), (0.0, 5)]:
        m, t = mg.arange(*args), torch.arange(*args)
        assert str(m.dtype) == str(t.dtype).removeprefix("torch.")
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)
    np.testing.assert_allclose(mg.logspace(-1, 2, 5, base=2).numpy(),
                               torch.logspace(-1, 2, 5, base=2).numpy(), rtol=1e-6)


def test_where_with_condition_only_is_nonzero_as_tuple() -> None:
    torch = _torch()
    a = np.array([[0.0, 1.5], [2.0, 0.0]])
    got = mg.where(mg.tensor(a) > 0)
    want = torch.where(torch.tensor(a) > 0)
    assert [g.tolist() for g in got] == [w.tolist() for w in want]
    with pytest.raises(TypeError, match="both"):
        mg.where(mg.tensor(a) > 0, mg.tensor(a))
