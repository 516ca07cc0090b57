"""Samplers: lengths, coverage, replacement and errors as PyTorch (not its random streams)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from minigrad.errors import MinigradTypeError


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_sequential_and_base() -> None:
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3] and len(SequentialSampler([9])) == 1
    with pytest.raises(NotImplementedError, match="__iter__"):
        iter(Sampler())


def test_random_sampler_permutes_and_redraws() -> None:
    s = RandomSampler(range(20), generator=_rng())
    a, b = list(s), list(s)
    assert sorted(a) == sorted(b) == list(range(20)) and a != b and len(s) == 20
    same = [list(RandomSampler(range(20), generator=_rng(3))) for _ in range(2)]
    assert same[0] == same[1]
    mgen = [list(RandomSampler(range(20), generator=mg.Generator().manual_seed(3)))
            for _ in range(2)]
    assert mgen[0] == mgen[1] and sorted(mgen[0]) == list(range(20))
    mg.manual_seed(1)
    g1 = list(RandomSampler(range(20)))
    mg.manual_seed(1)
    assert list(RandomSampler(range(20))) == g1  # the global generator, seeded


def test_random_sampler_num_samples_and_replacement() -> None:
    long = list(RandomSampler(range(5), num_samples=12, generator=_rng()))
    assert len(long) == 12  # two full permutations, then 2 of a third (PyTorch's rule)
    assert sorted(long[:5]) == sorted(long[5:10]) == list(range(5)) and len(set(long[10:])) == 2
    short = list(RandomSampler(range(10), num_samples=4, generator=_rng()))
    assert len(short) == 4 and len(set(short)) == 4
    rep = list(RandomSampler(range(3), replacement=True, num_samples=300, generator=_rng()))
    counts = Counter(rep)
    assert len(rep) == 300 and set(counts) == {0, 1, 2} and max(counts.values()) > 100
    assert len(RandomSampler(range(7), replacement=True)) == 7


def test_random_sampler_errors_as_torch() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.data import RandomSampler as TorchRandomSampler

    for kwargs in ({"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.0}):
        with pytest.raises((TypeError, ValueError)) as theirs:
            TorchRandomSampler(range(3), **kwargs)
        with pytest.raises(type(theirs.value), match=str(theirs.value).split(",")[0]):
            RandomSampler(range(3), **kwargs)
    with pytest.raises(MinigradTypeError, match=r"numpy\.random\.Generator"):
        RandomSampler(range(3), generator=torch.Generator())


def test_subset_random_sampler() -> None:
    idx = [10, 4, 7, 7]
    s = SubsetRandomSampler(idx, generator=_rng())
    assert sorted(s) == sorted(idx) and len(s) == 4
    orders = {tuple(s) for _ in range(10)}
    assert len(orders) > 1


def test_weighted_random_sampler() -> None:
    s = WeightedRandomSampler([0.1, 0.0, 0.9], num_samples=2000, generator=_rng())
    counts = Counter(s)
    assert len(s) == 2000 and 1 not in counts and 1600 < counts[2] < 1990
    no_rep = list(WeightedRandomSampler([1, 1, 0, 5], 3, replacement=False, generator=_rng()))
    assert sorted(no_rep) == [0, 1, 3]
    assert len(list(WeightedRandomSampler(mg.tensor([1.0, 2.0]), 5))) == 5
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        WeightedRandomSampler([1.0], 1, replacement=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"1d sequence .* shape \(1, 2\)"):
        WeightedRandomSampler([[1.0, 2.0]], 1)
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1.0, -1.0], 1)
    with pytest.raises(ValueError, match="positive sum"):
        WeightedRandomSampler([0.0, 0.0], 1)
    with pytest.raises(ValueError, match="without replacement from 1 non-zero"):
        WeightedRandomSampler([0.0, 2.0], 2, replacement=False)


def test_batch_sampler_matches_torch() -> None:
    pytest.importorskip("torch")
    from torch.utils.data import BatchSampler as TorchBatchSampler

    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (0, 2, False)]:
        ours, theirs = BatchSampler(range(n), bs, drop), TorchBatchSampler(range(n), bs, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    for args in ((0, False), (True, False), (2, 1)):
        with pytest.raises(ValueError) as err:
            TorchBatchSampler(range(3), *args)
        with pytest.raises(ValueError, match=str(err.value).split(",")[0]):
            BatchSampler(range(3), *args)  # type: ignore[arg-type]
