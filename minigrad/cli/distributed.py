"""``minigrad train`` over several processes: joined when an MPI launcher started it.

``mpiexec -n N python -m mpi4py -m minigrad.cli train ...`` (or ``mpiexec -n N minigrad
train ...``) runs N ranks: the model is wrapped in ``DistributedDataParallel``, each rank
reads its shard of the training set through a ``DistributedSampler`` (``--batch-size`` is per
rank, so the global batch is N times it), rank ``r`` reseeds dropout with ``seed + r``, and
only rank 0 prints progress and writes the checkpoint and ``metrics.json``. The training
metrics are rank 0's shard's; every rank evaluates the whole test set (so a plateau schedule
sees the same loss everywhere). An error on one rank ends all of them (``MPI_Abort``).
Without a launcher, or with one process, nothing changes.

>>> join("cpu") is None  # not started by mpiexec
True
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

import minigrad.distributed as dist
from minigrad.data import DataLoader, DistributedSampler

__all__ = ["DistRun", "guarded", "join", "single_process_only"]


class _ShardedLoader(DataLoader):
    """A DataLoader whose ``set_epoch`` (called by ``fit`` every epoch) also reshuffles the
    distributed sampler."""

    def set_epoch(self, epoch: int) -> None:
        super().set_epoch(epoch)
        self.sampler.set_epoch(epoch)


class DistRun:
    """This rank's part in a multi-process ``minigrad train``.

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); run = DistRun(); run.device("cuda"), run.world_size
    ('cuda:0', 1)
    >>> dist.destroy_process_group()
    """

    def __init__(self) -> None:
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        self.local_rank = dist.get_local_rank()

    def device(self, device: str) -> str:
        """``cuda`` becomes ``cuda:{local_rank}`` (one GPU per process)."""
        return f"cuda:{self.local_rank}" if device == "cuda" else device

    def loader(self, dataset: Any, batch_size: int, seed: int) -> DataLoader:
        """The training loader over this rank's shard (reshuffled every epoch)."""
        sampler = DistributedSampler(dataset, self.world_size, self.rank, shuffle=True,
                                     seed=seed)
        return _ShardedLoader(dataset, batch_size=batch_size, sampler=sampler)

    def wrap(self, model: Any) -> Any:
        """``model`` in ``DistributedDataParallel`` (rank 0's weights broadcast)."""
        from minigrad.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model)


def join(device: str) -> DistRun | None:
    """Join the MPI world when an MPI launcher started this process; None for one process."""
    if not dist.launched_by_mpi():
        return None
    if not dist.is_initialized():
        nccl = device.startswith("cuda") and dist.is_nccl_available()
        dist.init_process_group(backend="nccl" if nccl else "mpi")
    if dist.get_world_size() == 1:
        return None
    return DistRun()


def single_process_only(what: str, error: type[Exception]) -> None:
    """Raise ``error`` when several MPI ranks run ``what`` (not supported distributed)."""
    import os

    size = next((os.environ[v] for v in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
                 if v in os.environ), "1")
    if size.isdigit() and int(size) > 1:
        raise error(f"{what} runs in one process only; launch it without mpiexec")


def guarded(fn: Callable[..., int], *args: Any, command: str = "train") -> int:
    """Run ``fn(*args)``; on a multi-process run an exception on this rank (a user error
    included) is printed and ends every rank (``MPI_Abort``) instead of leaving the others
    waiting in a collective."""
    try:
        return fn(*args)
    except Exception as e:
        if not dist.is_initialized() or dist.get_world_size() == 1:
            raise
        from minigrad.cli.commands import UserError

        rank = dist.get_rank()
        if isinstance(e, UserError):
            print(f"minigrad {command} (rank {rank}): error: {e}", file=sys.stderr)
        else:
            print(f"minigrad {command} (rank {rank}): unhandled error:", file=sys.stderr)
            traceback.print_exc()
        sys.stderr.flush()
        from minigrad.distributed.process_group import get_comm

        get_comm().abort(2 if isinstance(e, UserError) else 1)
        raise  # not reached: abort ends the process
