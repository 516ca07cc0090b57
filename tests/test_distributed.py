"""minigrad.distributed and DistributedSampler in one process (a world of 1 needs no MPI):
the process group, the collectives and their errors, the sampler's shards. DDP, the reducer
and the NCCL stand-in are in tests/test_distributed_ddp.py; the two-process checks in
tests/test_distributed_mpi.py.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributed as dist
from minigrad.data import DataLoader, DistributedSampler, TensorDataset
from minigrad.distributed.comm import ReduceOp, Work


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Any:
    for v in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(v, raising=False)
    dist.init_process_group()
    yield dist
    if dist.is_initialized():
        dist.destroy_process_group()


# ---------------------------------------------------------------- process group
def test_world_of_one(world: Any) -> None:
    assert dist.is_initialized() and dist.is_available()
    assert (dist.get_rank(), dist.get_world_size(), dist.get_local_rank()) == (0, 1, 0)
    assert dist.get_backend() == "local" and dist.get_node_local_rank() == 0
    dist.barrier()
    assert dist.barrier(async_op=True).wait()


def test_init_errors(monkeypatch: pytest.MonkeyPatch, world: Any) -> None:
    with pytest.raises(ValueError, match="twice"):
        dist.init_process_group()
    dist.destroy_process_group()
    with pytest.raises(ValueError, match="not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="not been initialized"):
        dist.all_reduce(mg.ones(1))
    with pytest.raises(ValueError, match="unknown backend 'ucc'"):
        dist.init_process_group("ucc")
    with pytest.raises(ValueError, match="init_method"):
        dist.init_process_group(init_method="tcp://10.0.0.1:23456")
    with pytest.raises(dist.DistError, match="mpiexec -n 2"):
        dist.init_process_group(world_size=2)
    monkeypatch.setenv("WORLD_SIZE", "4")
    with pytest.raises(dist.DistError, match="mpiexec -n 4"):
        dist.init_process_group()
    monkeypatch.setenv("WORLD_SIZE", "four")
    with pytest.raises(ValueError, match="WORLD_SIZE='four'"):
        dist.init_process_group()
    assert not dist.is_initialized()
    monkeypatch.delenv("WORLD_SIZE")
    dist.init_process_group()  # the fixture destroys it


def test_only_default_group(world: Any) -> None:
    with pytest.raises(dist.DistError, match="default group"):
        dist.get_rank(group=object())
    with pytest.raises(dist.DistError, match="default group"):
        dist.all_reduce(mg.ones(1), group=object())


def test_excepthook_only_for_several_ranks(world: Any) -> None:
    assert sys.excepthook is not dist.process_group._abort_on_exception


# ---------------------------------------------------------------- collectives
def test_collectives_world_of_one(world: Any) -> None:
    t = mg.tensor([1.0, -2.0])
    v0 = t._version
    for op in ReduceOp:
        if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR):
            continue
        dist.all_reduce(t, op=op)
    assert t.tolist() == [1.0, -2.0] and t._version > v0
    outs = [mg.zeros(2)]
    dist.all_gather(outs, mg.ones(2))
    assert outs[0].tolist() == [1.0, 1.0]
    o = mg.zeros(3)
    dist.reduce_scatter(o, [mg.arange(3).float()])
    assert o.tolist() == [0.0, 1.0, 2.0]
    objs = ["a", {"b": 1}]
    dist.broadcast_object_list(objs, src=0)
    assert objs == ["a", {"b": 1}]


def test_collective_errors(world: Any) -> None:
    with pytest.raises(TypeError, match="all_reduce: tensor must be a Tensor"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(TypeError, match="AVG needs a floating dtype"):
        dist.all_reduce(mg.tensor([1, 2]), op=ReduceOp.AVG)
    with pytest.raises(TypeError, match="BXOR needs an integer"):
        dist.all_reduce(mg.ones(2), op=ReduceOp.BXOR)
    with pytest.raises(TypeError, match="op must be"):
        dist.all_reduce(mg.ones(2), op="sum")
    with pytest.raises(ValueError, match="src=1 is not a rank of a world of 1"):
        dist.broadcast(mg.ones(2), src=1)
    with pytest.raises(ValueError, match="src must be given"):
        dist.broadcast(mg.ones(2))
    with pytest.raises(ValueError, match="tensor_list has 2 tensors; the world has 1"):
        dist.all_gather([mg.ones(2), mg.ones(2)], mg.ones(2))
    with pytest.raises(mg.ShapeError, match=r"shape and dtype of the input \(\(2,\)"):
        dist.all_gather([mg.ones(3)], mg.ones(2))
    with pytest.raises(mg.ShapeError, match="all_gather_into_tensor: output_tensor must have"):
        dist.all_gather_into_tensor(mg.zeros(3), mg.ones(2))
    with pytest.raises(ValueError, match="object_list must be a list of world_size"):
        dist.all_gather_object([None, None], 1)


def test_work_from_mpi_request() -> None:
    class Request:
        def __init__(self) -> None:
            self.waited = 0

        def Test(self) -> bool:
            return False

        def Wait(self) -> None:
            self.waited += 1

    req, done = Request(), []
    w = Work(req, lambda: done.append(1))
    assert not w.is_completed() and not done
    assert w.wait() and req.waited == 1 and done == [1]
    assert w.wait() and done == [1] and w.is_completed()


# ---------------------------------------------------------------- sampler
@pytest.mark.parametrize("size", [10, 11, 3])
@pytest.mark.parametrize("replicas", [1, 2, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_sampler_like_torch_without_shuffle(size: int, replicas: int, drop_last: bool) -> None:
    pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for rank in range(replicas):
        ours = DistributedSampler(range(size), replicas, rank, shuffle=False,
                                  drop_last=drop_last)
        theirs = TorchSampler(range(size), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("size", [12, 13])
def test_sampler_shards_cover_the_permutation(size: int) -> None:
    for epoch in range(3):
        shards = []
        for rank in range(3):
            s = DistributedSampler(range(size), 3, rank, seed=5)
            s.set_epoch(epoch)
            shards.append(list(s))
        union = [i for sh in shards for i in sh]
        assert set(union) == set(range(size)) and len(union) == 3 * len(shards[0])
    a = DistributedSampler(range(size), 3, 0, seed=5)
    b = DistributedSampler(range(size), 3, 0, seed=6)
    assert list(a) != list(b)


def test_sampler_errors_and_defaults(world: Any) -> None:
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="num_replicas must be a positive integer"):
        DistributedSampler(range(4), num_replicas=0, rank=0)
    s = DistributedSampler(range(4))  # from the process group: world of 1
    assert (s.num_replicas, s.rank, len(s)) == (1, 0, 4)
    ds = TensorDataset(mg.arange(6))
    got = [b[0].tolist() for b in DataLoader(ds, batch_size=4, sampler=s)]
    assert sorted(i for b in got for i in b) == [0, 1, 2, 3]


def test_sampler_path_like_torch() -> None:
    import minigrad.utils.data.distributed as D
    from minigrad.utils.data import DistributedSampler as S

    assert D.DistributedSampler is S is DistributedSampler
    assert mg.utils.data.distributed.DistributedSampler is DistributedSampler
