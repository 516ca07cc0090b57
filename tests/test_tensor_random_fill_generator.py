"""``Tensor.uniform_`` / ``normal_`` take PyTorch's keyword ``generator=`` (``nn.init`` and
ports of PyTorch programs pass one); without it they draw from the seeded global stream."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize("fill", [lambda t, g: t.uniform_(-2.0, 3.0, generator=g),
                                  lambda t, g: t.normal_(1.0, 0.5, generator=g)])
def test_generator_reproduces_and_leaves_global_stream(fill) -> None:
    mg.manual_seed(0)
    expected_next = mg.rand(4)
    mg.manual_seed(0)
    a = fill(mg.empty(5, 3), mg.Generator().manual_seed(11))
    b = fill(mg.empty(5, 3), mg.Generator().manual_seed(11))
    assert mg.equal(a, b) and a.dtype == mg.float32
    assert mg.equal(mg.rand(4), expected_next)  # the global stream was not drawn from


def test_fills_keep_dtype_and_range() -> None:
    u = mg.empty(1000, dtype=mg.float64).uniform_(-2.0, 3.0, generator=mg.Generator())
    assert u.dtype == mg.float64 and bool((u >= -2).all()) and bool((u < 3).all())
    n = mg.empty(20000).normal_(1.0, 0.5)
    assert abs(float(n.mean()) - 1.0) < 0.02 and abs(float(n.std()) - 0.5) < 0.02


def test_signature_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    g = torch.Generator().manual_seed(0)
    torch.empty(2).uniform_(0, 1, generator=g).normal_(0, 1, generator=g)  # torch accepts it
    mg.empty(2).uniform_(0, 1, generator=mg.Generator()).normal_(0, 1, generator=None)
    with pytest.raises(TypeError):
        mg.empty(2).normal_(0, 1, mg.Generator())  # keyword-only, as in PyTorch
    with pytest.raises(TypeError):
        torch.empty(2).normal_(0, 1, g)
    np.testing.assert_array_equal(mg.empty(0).normal_().numpy(), np.empty(0, np.float32))
