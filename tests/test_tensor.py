"""Tensor creation, properties, conversions, autograd state and in-place ops."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def test_creation_functions() -> None:
    assert mg.zeros(2, 3).shape == (2, 3) and mg.zeros((2, 3)).shape == (2, 3)
    np.testing.assert_array_equal(mg.ones(2).numpy(), [1, 1])
    np.testing.assert_array_equal(mg.full((2,), 7.0).numpy(), [7, 7])
    np.testing.assert_array_equal(mg.arange(1, 7, 2).numpy(), [1, 3, 5])
    np.testing.assert_allclose(mg.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(mg.eye(2).numpy(), np.eye(2))
    assert mg.empty(3, 1).shape == (3, 1)
    r = mg.randint(2, 5, (100,))
    assert r.numpy().min() >= 2 and r.numpy().max() < 5
    u = mg.rand(1000)
    assert u.numpy().min() >= 0 and u.numpy().max() < 1
    like = mg.randn(2, 3, dtype=mg.float64)
    for f in (mg.zeros_like, mg.ones_like, mg.rand_like, mg.randn_like, mg.empty_like):
        t = f(like)
        assert t.shape == (2, 3) and t.dtype == mg.float64
    assert mg.full_like(like, 2.0).numpy().sum() == 12.0
    assert mg.tensor(mg.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert mg.Tensor([1.0]).dtype == mg.float32


def test_seeding_is_reproducible() -> None:
    mg.manual_seed(123)
    a = mg.randn(5).numpy().copy()
    mg.manual_seed(123)
    np.testing.assert_array_equal(mg.randn(5).numpy(), a)


def test_tensor_copies_numpy_but_from_numpy_shares() -> None:
    a = np.zeros(2, dtype=np.float32)
    t, s = mg.tensor(a), mg.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 0 and s[0].item() == 5


def test_properties() -> None:
    t = mg.arange(6.0).reshape(2, 3)
    assert t.shape == (2, 3) and t.ndim == 2 and t.dtype == mg.float32
    assert t.device == "cpu" and str(t.device) == "cpu"
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-2) == 2
    assert t.numel() == 6 and t.dim() == 2 and len(t) == 2
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.numpy(), np.arange(6.0).reshape(2, 3).T)


def test_conversions() -> None:
    t = mg.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert t[0, 0].item() == 1.5 and isinstance(t[0, 0].item(), float)
    assert isinstance(mg.tensor([3])[0].item(), int)
    assert t.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert isinstance(t.tolist()[0][0], float)
    np.testing.assert_array_equal(np.asarray(t), [[1.5, 2.0], [3.0, 4.0]])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert t.to(mg.float64).dtype == mg.float64 and t.astype("int64").dtype == mg.int64
    assert t.double().dtype == mg.float64 and t.long().dtype == mg.int64
    assert t.to("cpu").device == "cpu"
    assert float(t[1, 1]) == 4.0 and int(t[1, 1]) == 4
    rows = list(t)
    assert len(rows) == 2 and rows[1].tolist() == [3.0, 4.0]
    with pytest.raises(ValueError, match="4 elements"):
        t.item()
    with pytest.raises(TypeError, match="0-d"):
        len(mg.tensor(1.0))


def test_numpy_refuses_requires_grad() -> None:
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(mg.AutogradError, match=r"detach\(\)\.numpy\(\)"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]


def test_cast_is_differentiable() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(mg.float64) * 3
    y.sum().backward()
    assert x.grad.dtype == mg.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])


def test_repr() -> None:
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], dtype=float32, device='cpu', requires_grad=True)"
    r = repr(x * 2)
    assert r.startswith("tensor([2., 4.], dtype=float32, device='cpu', grad_fn=<Mul")
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2], dtype=int64, device='cpu')"
    big = repr(mg.zeros(1000))
    assert "..." in big and len(big) < 400


def test_autograd_state() -> None:
    x = mg.ones(2, requires_grad=True)
    y = x * 2
    assert x.is_leaf and not y.is_leaf and x.grad_fn is None and y.grad_fn is not None
    assert x.grad is None
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    d2 = mg.ones(2).requires_grad_()
    assert d2.requires_grad
    with pytest.raises(mg.AutogradError, match="leaf"):
        y.requires_grad = False
    z = mg.ones(2)
    assert z.requires_grad_(True) is z


def test_detach_shares_storage() -> None:
    x = mg.ones(2, requires_grad=True)
    d = x.detach()
    d.add_(1)
    assert x.detach().tolist() == [2.0, 2.0]


def test_inplace_ops() -> None:
    t = mg.zeros(3)
    t.add_(2).mul_(3).sub_(1).div_(5)
    np.testing.assert_allclose(t.numpy(), [1, 1, 1])
    t.add_(mg.ones(3), alpha=2)
    np.testing.assert_allclose(t.numpy(), [3, 3, 3])
    t[1] = 7.0
    assert t.tolist() == [3.0, 7.0, 3.0]
    t.clamp_(max=5)
    assert t.tolist() == [3.0, 5.0, 3.0]
    t.copy_(mg.tensor([1.0, 2.0, 3.0]))
    t.fill_(4.0)
    assert t.tolist() == [4.0] * 3
    t.zero_()
    assert t.tolist() == [0.0] * 3
    v = t._version
    t += 1
    assert t._version > v and t.tolist() == [1.0] * 3
    mg.manual_seed(0)
    t.uniform_(2, 3)
    assert ((t >= 2) & (t < 3)).all()
    t.normal_(0, 1)
    assert t.dtype == mg.float32


def test_setitem_differentiable_on_nonleaf() -> None:
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[0] = 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 2, 2])


def test_amax_ties_split_gradient_evenly() -> None:
    x = mg.tensor([[1.0, 5.0, 5.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [0.5, 0.5, 0]])
    x.grad = None
    values, indices = x.max(dim=1)  # with dim: one index gets it all, as PyTorch
    values.sum().backward()
    assert indices.tolist() == [1, 0]
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1, 0], [1, 0, 0]])


def test_argmax_argmin_no_gradient() -> None:
    x = mg.tensor([[1.0, 3.0], [4.0, 2.0]], requires_grad=True)
    assert x.argmax().item() == 2 and x.argmin(dim=1).tolist() == [0, 1]
    assert not x.argmax(0).requires_grad and x.argmax(0).dtype == mg.int64


def test_any_all_return_bool_tensors() -> None:
    t = mg.tensor([[1, 0], [1, 1]])
    assert isinstance(t.all(), mg.Tensor) and t.all().dtype == mg.bool_
    assert not t.all() and t.any()
    assert t.all(dim=1).tolist() == [False, True]


def test_numerically_stable_ops() -> None:
    x = mg.tensor([1000.0, -1000.0])
    np.testing.assert_allclose(x.sigmoid().numpy(), [1.0, 0.0])
    np.testing.assert_allclose(mg.logsumexp(mg.tensor([1e4, 1e4]), 0).item(),
                               1e4 + np.log(2), rtol=1e-6)


def test_bitwise_operators_match_numpy_and_refuse_floats():
    a, b = np.array([1, 2, 3, -4]), np.array([3, 1, 2, 5])
    ta, tb = mg.tensor(a), mg.tensor(b)
    np.testing.assert_array_equal((ta & tb).numpy(), a & b)
    np.testing.assert_array_equal((ta | tb).numpy(), a | b)
    np.testing.assert_array_equal((ta ^ 6).numpy(), a ^ 6)
    np.testing.assert_array_equal((~ta).numpy(), ~a)
    m = np.array([True, False, True])
    tm = mg.tensor(m)
    np.testing.assert_array_equal((~tm).numpy(), ~m)
    np.testing.assert_array_equal((True & tm).numpy(), m)
    assert (tm | False).dtype == mg.bool_
    with pytest.raises(TypeError, match="bitwise_and: needs bool or integer tensors, got float32"):
        _ = mg.ones(2) & mg.ones(2)
    with pytest.raises(TypeError, match="bitwise_not"):
        _ = ~mg.ones(2)
