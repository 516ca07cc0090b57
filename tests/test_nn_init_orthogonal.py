"""``nn.init.orthogonal_`` (pytorch/examples super_resolution initialises its convolutions
with it): PyTorch's construction on the same normal draw, orthogonality, gain, shapes."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.errors import ShapeError
from minigrad.nn import init


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3, 3), (2, 18)])
def test_orthogonal_is_pytorchs_construction(shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rows = shape[0]
    cols = int(np.prod(shape)) // rows
    mg.manual_seed(3)
    normal = mg.randn(rows, cols).numpy().astype(np.float64)
    mg.manual_seed(3)
    w = init.orthogonal_(mg.empty(*shape), gain=1.5)
    # PyTorch's steps (torch.nn.init.orthogonal_) on the same normal matrix
    a = torch.from_numpy(normal.T.copy() if rows < cols else normal)
    q, r = torch.linalg.qr(a)
    q = q * torch.diag(r, 0).sign()
    if rows < cols:
        q = q.t()
    np.testing.assert_allclose(w.numpy(), 1.5 * q.numpy().reshape(shape), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (8, 4, 3, 3)])
def test_orthogonal_rows_or_columns(shape: tuple[int, ...]) -> None:
    w = init.orthogonal_(mg.empty(*shape, dtype=mg.float64), gain=2.0)
    f = w.reshape(shape[0], -1).numpy()
    small = f @ f.T if f.shape[0] <= f.shape[1] else f.T @ f
    np.testing.assert_allclose(small, 4.0 * np.eye(small.shape[0]), atol=1e-12)
    assert w.dtype == mg.float64 and w.shape == shape


def test_orthogonal_in_place_without_recording() -> None:
    p = mg.nn.Parameter(mg.empty(4, 6))
    out = init.orthogonal_(p)
    assert out is p and p.grad_fn is None and p.requires_grad
    g1, g2 = mg.Generator().manual_seed(7), mg.Generator().manual_seed(7)
    a = init.orthogonal_(mg.empty(3, 3), generator=g1)
    b = init.orthogonal_(mg.empty(3, 3), generator=g2)
    assert mg.equal(a, b)
    assert init.orthogonal_(mg.empty(0, 3)).shape == (0, 3)


def test_orthogonal_needs_two_dims() -> None:
    with pytest.raises(ShapeError, match=r"orthogonal_.*2 or more dimensions.*\(5,\)"):
        init.orthogonal_(mg.empty(5))
