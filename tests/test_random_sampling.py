"""Random sampling: seeds and generators reproduce streams, samples have the right support,
shape, dtype and moments (fixed seeds, tolerances of several standard errors), and bad
arguments fail where PyTorch's do. Streams differ from PyTorch's by design."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg


def _draws(gen: Any = None) -> list[Any]:
    p = mg.tensor([0.1, 0.0, 0.6, 0.3])
    return [mg.rand(3, generator=gen).tolist(), mg.randn(2, generator=gen).tolist(),
            mg.randint(0, 9, (4,), generator=gen).tolist(),
            mg.randperm(6, generator=gen).tolist(),
            mg.multinomial(p, 2, generator=gen).tolist(),
            mg.normal(0.0, 1.0, (2,), generator=gen).tolist(),
            mg.bernoulli(mg.full((5,), 0.5), generator=gen).tolist()]


def test_manual_seed_and_generators_reproduce_streams() -> None:
    mg.manual_seed(7)
    first = _draws()
    mg.manual_seed(7)
    assert _draws() == first
    g = mg.Generator().manual_seed(7)
    a = _draws(g)
    mg.rand(10)  # the global stream does not touch g's
    assert _draws(g.manual_seed(7)) == a
    assert g.initial_seed() == 7


def test_generator_state_roundtrip() -> None:
    g = mg.Generator()
    g.manual_seed(1)
    mg.rand(3, generator=g)
    state = g.get_state()
    assert state.dtype == mg.uint8 and state.ndim == 1
    a = mg.randn(4, generator=g).tolist()
    g.set_state(state)
    assert mg.randn(4, generator=g).tolist() == a
    s = mg.get_rng_state()
    b = mg.rand(3).tolist()
    mg.set_rng_state(s)
    assert mg.rand(3).tolist() == b
    with pytest.raises(TypeError, match="uint8"):
        g.set_state(mg.zeros(3))


def test_seeds() -> None:
    torch = pytest.importorskip("torch")
    assert mg.Generator().initial_seed() == torch.Generator().initial_seed()
    s = mg.seed()
    assert isinstance(s, int) and mg.initial_seed() == s
    g = mg.Generator()
    s2 = g.seed()
    assert g.initial_seed() == s2
    assert mg.default_generator.manual_seed(3).initial_seed() == 3 == mg.initial_seed()


def test_randint_forms_and_dtypes_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for args in [(10, (3,)), (2, 5, (2, 2))]:
        m, t = mg.randint(*args), torch.randint(*args)
        assert m.shape == tuple(t.shape) and str(m.dtype) == str(t.dtype).removeprefix("torch.")
    m = mg.randint(0, 3, (1000,))
    assert set(m.tolist()) == {0, 1, 2}
    assert mg.randint(3, (2,), dtype=mg.int32).dtype == mg.int32
    like = mg.randint_like(mg.zeros(2, 2, dtype=mg.float64), 4)
    assert like.dtype == mg.float64 and bool(((like >= 0) & (like < 4)).all())
    assert mg.randint_like(mg.zeros(3), 2, 5, dtype=mg.int64).dtype == mg.int64
    assert mg.rand(2, dtype=mg.float64).dtype == mg.float64
    with pytest.raises(ValueError, match="low < high"):
        mg.randint(3, 3, (1,))


def test_randperm() -> None:
    mg.manual_seed(0)
    p = mg.randperm(50)
    assert p.dtype == mg.int64 and sorted(p.tolist()) == list(range(50))
    assert p.tolist() != list(range(50))
    assert mg.randperm(0).shape == (0,)
    assert mg.randperm(4, dtype=mg.float32).dtype == mg.float32


def test_multinomial_frequencies_and_support() -> None:
    mg.manual_seed(0)
    p = np.array([0.1, 0.0, 0.6, 0.3])
    n = 20000
    draws = mg.multinomial(mg.tensor(p * 5), n, replacement=True)  # unnormalised weights
    assert draws.dtype == mg.int64 and draws.shape == (n,)
    freq = np.bincount(draws.numpy(), minlength=4) / n
    np.testing.assert_allclose(freq, p, atol=4 * np.sqrt(0.25 / n))
    rows = mg.multinomial(mg.tensor(np.tile(p, (3000, 1))), 3)  # without replacement
    r = rows.numpy()
    assert rows.shape == (3000, 3)
    assert all(len(set(row)) == 3 for row in r) and not (r == 1).any()
    first = np.bincount(r[:, 0], minlength=4) / 3000
    np.testing.assert_allclose(first, p, atol=4 * np.sqrt(0.25 / 3000))


def test_multinomial_errors_where_torch_errors() -> None:
    torch = pytest.importorskip("torch")
    cases = [([0.5, 0.5], 3, False), ([0.0, 0.0], 1, True),
             ([-1.0, 2.0], 1, True), ([[[1.0]]], 1, True), ([1.0, 2.0], 0, True)]
    for probs, n, repl in cases:
        with pytest.raises(RuntimeError):
            torch.multinomial(torch.tensor(probs), n, repl)
        with pytest.raises((ValueError, mg.ShapeError)):
            mg.multinomial(mg.tensor(probs), n, repl)
    # as torch 2.x, zero-weight categories follow once the others are used up
    assert mg.multinomial(mg.tensor([0.0, 1.0, 0.0]), 3).tolist()[0] == 1
    assert sorted(mg.multinomial(mg.tensor([0.0, 1.0, 0.0]), 3).tolist()) == [0, 1, 2]


def test_normal_overloads_and_moments() -> None:
    mg.manual_seed(0)
    n = 20000
    a = mg.normal(2.0, 3.0, (n,))
    assert a.dtype == mg.float32
    assert abs(a.mean().item() - 2.0) < 4 * 3.0 / np.sqrt(n)
    assert abs(a.std().item() - 3.0) < 0.1
    means = mg.tensor(np.repeat([[-5.0], [5.0]], n // 2, axis=1))
    b = mg.normal(means, 0.5)
    assert b.shape == (2, n // 2)
    np.testing.assert_allclose(b.mean(1).numpy(), [-5.0, 5.0], atol=0.05)
    c = mg.normal(1.0, mg.tensor([0.0, 2.0]).expand(n, 2))
    assert bool((c[:, 0] == 1.0).all()) and abs(c[:, 1].std().item() - 2.0) < 0.1
    d = mg.normal(mg.zeros(3, 1, dtype=mg.float64), mg.ones(4))
    assert d.shape == (3, 4) and d.dtype == mg.float64
    assert mg.normal(0.0, 1.0, size=(2, 2), dtype=mg.float64).dtype == mg.float64
    with pytest.raises(ValueError, match="std >= 0"):
        mg.normal(0.0, -1.0, (2,))
    with pytest.raises(ValueError, match="std >= 0"):
        mg.normal(mg.zeros(2), mg.tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match="size"):
        mg.normal(0.0, 1.0)


def test_bernoulli() -> None:
    mg.manual_seed(0)
    n = 20000
    p = mg.tensor([0.0, 0.2, 1.0]).expand(n, 3)
    s = mg.bernoulli(p)
    assert s.dtype == mg.float32 and set(np.unique(s.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(s.mean(0).numpy(), [0.0, 0.2, 1.0],
                               atol=4 * np.sqrt(0.16 / n))
    t = mg.zeros(n, dtype=mg.float64).bernoulli(0.7)
    assert t.dtype == mg.float64 and abs(t.mean().item() - 0.7) < 4 * np.sqrt(0.21 / n)
    with pytest.raises(ValueError, match="0 <= p <= 1"):
        mg.bernoulli(mg.tensor([1.5]))
    with pytest.raises(ValueError, match="0 <= p <= 1"):
        mg.bernoulli(mg.zeros(2), 2.0)
