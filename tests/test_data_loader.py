"""DataLoader as PyTorch's: samplers, batch samplers, iterable datasets, argument checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import (
    BatchSampler,
    ChainDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
)


class Stream(IterableDataset):
    """0..n-1, sharded over workers as PyTorch's IterableDataset documentation shows."""

    def __init__(self, n: int, shard: bool = True) -> None:
        self.n, self.shard = n, shard

    def __iter__(self) -> Iterator[int]:
        from minigrad.data import get_worker_info

        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self) -> int:
        return self.n


class Records(Dataset):
    def __len__(self) -> int:
        return 7

    def __getitem__(self, i: int) -> tuple[np.ndarray, int, dict[str, Any]]:
        return np.full(2, i, np.float32), i * i, {"w": float(i), "tag": f"r{i}"}


def test_sampler_and_batch_sampler_arguments() -> None:
    ds = TensorDataset(mg.arange(10))
    got = [b[0].tolist() for b in DataLoader(ds, batch_size=3, sampler=[9, 1, 4, 4, 0])]
    assert got == [[9, 1, 4], [4, 0]]
    batches = [[0, 1], [5], [2, 3, 4]]
    loader = DataLoader(ds, batch_sampler=batches)
    assert [b[0].tolist() for b in loader] == batches and len(loader) == 3
    assert loader.batch_size is None and loader.drop_last is False
    rs = RandomSampler(ds, generator=np.random.default_rng(0))
    loader = DataLoader(ds, batch_sampler=BatchSampler(rs, 4, drop_last=True))
    assert len(loader) == 2 and all(b[0].shape == (4,) for b in loader)
    sub = DataLoader(ds, batch_size=2, sampler=SubsetRandomSampler([1, 3, 5]))
    assert sorted(v for b in sub for v in b[0].tolist()) == [1, 3, 5] and len(sub) == 2
    single = DataLoader(ds, batch_size=None, sampler=SequentialSampler(range(3)))
    assert [b[0].item() for b in single] == [0, 1, 2] and len(single) == 3


def test_default_batches_are_lists_as_torch() -> None:
    pytest.importorskip("torch")
    from torch.utils.data import DataLoader as TorchLoader

    ours = list(DataLoader(Records(), batch_size=3))
    theirs = list(TorchLoader(Records(), batch_size=3))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs, strict=True):
        assert type(a) is type(b) is list
        np.testing.assert_array_equal(a[0].numpy(), b[0].numpy())
        assert a[1].tolist() == b[1].tolist() and a[2]["tag"] == b[2]["tag"]
        assert str(a[2]["w"].dtype) == "float64" == str(b[2]["w"].dtype).removeprefix("torch.")
    x = mg.arange(6).float().reshape(6, 1)
    fast = next(iter(DataLoader(TensorDataset(x, mg.arange(6)), batch_size=4)))
    slow = next(iter(DataLoader(TensorDataset(x, mg.arange(6)), batch_size=4,
                                collate_fn=lambda b: [mg.stack([s[0] for s in b]),
                                                      mg.stack([s[1] for s in b])])))
    assert type(fast) is list and fast[1].tolist() == slow[1].tolist()
    unbatched = list(DataLoader(Records(), batch_size=None))
    assert type(unbatched[0]) is list and isinstance(unbatched[0][0], mg.Tensor)
    assert unbatched[3][1] == 9  # default_convert leaves Python numbers alone


def test_argument_errors_match_torch() -> None:
    pytest.importorskip("torch")
    from torch.utils.data import DataLoader as TorchLoader

    ds, ss = TensorDataset(mg.arange(4)), [0, 1]
    cases: list[dict[str, Any]] = [
        {"sampler": ss, "shuffle": True},
        {"batch_sampler": [ss], "batch_size": 2},
        {"batch_sampler": [ss], "shuffle": True},
        {"batch_sampler": [ss], "sampler": ss},
        {"batch_sampler": [ss], "drop_last": True},
        {"batch_size": None, "drop_last": True},
        {"num_workers": -1},
        {"timeout": -1},
        {"prefetch_factor": 2},
        {"persistent_workers": True},
        {"multiprocessing_context": "fork"},
        {"num_workers": 1, "multiprocessing_context": "nope"},
        {"batch_size": 0},
    ]
    for kwargs in cases:
        with pytest.raises(ValueError) as theirs:
            TorchLoader(list(range(4)), **kwargs)
        head = str(theirs.value).split(",")[0].split(";")[0].split(".")[0]
        with pytest.raises(ValueError, match=head[:40]):
            DataLoader(ds, **kwargs)
    for kwargs in ({"shuffle": True}, {"sampler": ss}, {"batch_sampler": [ss]}):
        with pytest.raises(ValueError, match="IterableDataset: expected unspecified"):
            DataLoader(Stream(3), **kwargs)
    loader = DataLoader(ds, batch_size=2)
    for name in ("batch_size", "sampler", "dataset", "drop_last"):
        with pytest.raises(ValueError, match=f"{name} attribute should not be set"):
            setattr(loader, name, None)
    loader.set_epoch(3)  # other attributes stay settable
    assert loader.epoch == 3


def test_pin_memory_and_in_order_are_accepted() -> None:
    loader = DataLoader(TensorDataset(mg.arange(4)), batch_size=2, pin_memory=True,
                        pin_memory_device="", in_order=False)
    assert [b[0].tolist() for b in loader] == [[0, 1], [2, 3]]


def test_iterable_dataset_batching_len_and_chain() -> None:
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    dropped = DataLoader(Stream(7), batch_size=3, drop_last=True)
    assert [b.tolist() for b in dropped] == [[0, 1, 2], [3, 4, 5]] and len(dropped) == 2
    assert list(DataLoader(Stream(2), batch_size=None)) == [0, 1]  # ints stay ints
    chain = Stream(2) + Stream(3)
    assert isinstance(chain, ChainDataset) and list(chain) == [0, 1, 0, 1, 2]
    assert len(chain) == 5
    with pytest.raises(TypeError, match="only supports IterableDataset"):
        list(ChainDataset([Stream(1), Records()]))
    with pytest.raises(TypeError, match="does not support IterableDataset"):
        Records() + Stream(1)  # ConcatDataset refuses streams, as in PyTorch


def test_shuffle_orders_from_generator_and_seed() -> None:
    ds = TensorDataset(mg.arange(30))

    def order(loader: DataLoader) -> list[int]:
        return [v for (b,) in loader for v in b.tolist()]

    g = [order(DataLoader(ds, 4, shuffle=True, generator=np.random.default_rng(2)))
         for _ in range(2)]
    assert g[0] == g[1] and sorted(g[0]) == list(range(30)) and g[0] != list(range(30))
    mg.manual_seed(5)
    a = order(DataLoader(ds, 4, shuffle=True))
    mg.manual_seed(5)
    assert order(DataLoader(ds, 4, shuffle=True)) == a
    mgen = [order(DataLoader(ds, 4, shuffle=True, generator=mg.Generator().manual_seed(7)))
            for _ in range(2)]
    assert mgen[0] == mgen[1] and sorted(mgen[0]) == list(range(30))
    g = mg.Generator().manual_seed(7)  # torch-style: one generator advancing every epoch
    loader = DataLoader(ds, 4, shuffle=True, generator=g)
    assert order(loader) == mgen[0] and order(loader) != mgen[0]
    seeded = DataLoader(ds, 4, shuffle=True, seed=9)
    first, second = order(seeded), order(seeded)
    seeded.set_epoch(1)
    assert order(seeded) == second != first
