"""DataLoader worker processes: order, seeding, worker info, persistence, failures, timeouts.

Kept few and fast: forked workers start in milliseconds; one test uses 'spawn'.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info

pytestmark = [
    pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                       reason="needs the 'fork' start method"),
    # Python 3.12+ warns on fork() in any multi-threaded process (BLAS threads count)
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning"),
]
FORK: dict[str, Any] = {"multiprocessing_context": "fork"}


class WhoAmI(Dataset):
    """Sample i: (i, the worker's id, pid, seed, a draw from minigrad's generator)."""

    def __len__(self) -> int:
        return 12

    def __getitem__(self, i: int) -> tuple[int, int, int, int, float]:
        info = get_worker_info()
        assert info is not None and info.dataset is self  # the worker's own copy
        return i, info.id, os.getpid(), info.seed, float(mg.rand(()).item())


class Failing(Dataset):
    def __init__(self, mode: str) -> None:
        self.mode = mode

    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int) -> int:
        if i == 5:
            if self.mode == "raise":
                raise KeyError(f"no sample {i}")
            if self.mode == "die":
                os._exit(3)
            time.sleep(5)  # "slow"
        return i


class Stream(IterableDataset):
    def __init__(self, n: int, shard: bool) -> None:
        self.n, self.shard = n, shard

    def __iter__(self) -> Iterator[int]:
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def test_workers_keep_order_and_match_single_process() -> None:
    ds = TensorDataset(mg.randn(50, 3), mg.arange(50))
    kw = {"batch_size": 8, "shuffle": True}
    single = list(DataLoader(ds, generator=np.random.default_rng(1), **kw))
    multi = list(DataLoader(ds, num_workers=2, generator=np.random.default_rng(1), **kw, **FORK))
    assert len(multi) == len(single) == 7
    for (xs, ys), (xm, ym) in zip(single, multi, strict=True):
        assert ys.tolist() == ym.tolist()
        np.testing.assert_array_equal(xs.numpy(), xm.numpy())


def test_worker_info_seeds_and_init_fn() -> None:
    calls = multiprocessing.get_context("fork").Queue()
    loader = DataLoader(WhoAmI(), batch_size=2, num_workers=3, worker_init_fn=calls.put,
                        prefetch_factor=1, **FORK)
    idx, wid, pid, seed, draw = (np.concatenate([b[k].numpy() for b in loader]) for k in range(5))
    assert idx.tolist() == list(range(12))
    assert wid.tolist() == [0, 0, 1, 1, 2, 2] * 2  # batches go round-robin
    assert len(set(pid.tolist())) == 3 and os.getpid() not in pid.tolist()
    assert len({int(s) - int(w) for s, w in zip(seed, wid, strict=True)}) == 1  # base + id
    assert sorted(calls.get(timeout=5) for _ in range(3)) == [0, 1, 2]
    assert len(set(draw.tolist())) == 12  # workers' generators are seeded differently
    again = DataLoader(WhoAmI(), batch_size=2, num_workers=3, **FORK)
    assert np.concatenate([b[3].numpy() for b in again])[0] != seed[0]  # new base seed


def test_persistent_workers_survive_epochs_and_early_break() -> None:
    loader = DataLoader(WhoAmI(), batch_size=3, num_workers=2, persistent_workers=True, **FORK)
    pids = set()
    for epoch in range(3):
        got = []
        for b in loader:
            got += b[0].tolist()
            pids |= set(b[2].tolist())
            if epoch == 1 and len(got) >= 3:
                break  # an abandoned epoch: its results in flight are dropped
        assert got == (list(range(3)) if epoch == 1 else list(range(12)))
    assert len(pids) == 2  # the same two processes throughout
    loader._iterator._shutdown_workers()


def test_iterable_dataset_sharding_with_workers() -> None:
    sharded = DataLoader(Stream(11, shard=True), batch_size=2, num_workers=3, **FORK)
    got = [v for b in sharded for v in b.tolist()]
    assert sorted(got) == list(range(11))
    dup = DataLoader(Stream(4, shard=False), batch_size=None, num_workers=2, **FORK)
    assert sorted(dup) == [0, 0, 1, 1, 2, 2, 3, 3]  # each worker iterates a full copy
    persistent = DataLoader(Stream(5, shard=True), batch_size=2, num_workers=2,
                            persistent_workers=True, **FORK)
    for _ in range(2):
        assert sorted(v for b in persistent for v in b.tolist()) == list(range(5))
    persistent._iterator._shutdown_workers()


def test_worker_exception_names_the_worker() -> None:
    loader = DataLoader(Failing("raise"), batch_size=2, num_workers=2, **FORK)
    with pytest.raises(KeyError, match="in DataLoader worker process 0") as err:
        list(loader)
    assert "no sample 5" in str(err.value) and "Traceback" in str(err.value)

    def bad_init(worker_id: int) -> None:
        raise ValueError(f"init of {worker_id} failed")

    with pytest.raises(ValueError, match=r"(?s)worker process 0\..*init of 0 failed"):
        list(DataLoader(WhoAmI(), num_workers=2, worker_init_fn=bad_init, **FORK))


def test_dead_worker_and_timeout_raise_instead_of_hanging() -> None:
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"worker 0 \(pid \d+\) exited unexpectedly with exit "
                                           r"code 3"):
        list(DataLoader(Failing("die"), batch_size=2, num_workers=2, **FORK))
    with pytest.raises(RuntimeError, match=r"timed out after 0\.3 seconds"):
        list(DataLoader(Failing("slow"), batch_size=2, num_workers=1, timeout=0.3, **FORK))
    assert time.monotonic() - start < 4


def test_spawn_start_method() -> None:
    ds = TensorDataset(mg.arange(10).float(), mg.arange(10))
    loader = DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context="spawn")
    assert [b[1].tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
