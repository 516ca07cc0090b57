"""``DistributedSampler``: each rank of a data-parallel job visits its own shard of the
dataset, and the shards of one epoch together cover it once.

>>> sampler = DistributedSampler(range(10), num_replicas=2, rank=1, shuffle=False)
>>> list(sampler), len(sampler)
([1, 3, 5, 7, 9], 5)
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized
from typing import Any

import numpy as np

from minigrad.data.sampler import Sampler

__all__ = ["DistributedSampler"]


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


class DistributedSampler(Sampler[int]):
    """Indices of rank ``rank``'s shard (``torch.utils.data.distributed.DistributedSampler``).

    Every epoch all ranks draw the same permutation (seeded by ``seed + epoch``; call
    :meth:`set_epoch` at the start of each epoch for a new order), pad it by repeating its
    first indices up to a multiple of ``num_replicas`` (or, with ``drop_last``, cut it down
    to one), and rank ``r`` takes positions ``r, r + num_replicas, ...``. Pass it to
    ``DataLoader(sampler=...)``.

    ``num_replicas`` and ``rank`` default to the default process group's world size and rank
    (:func:`minigrad.distributed.init_process_group` first). The permutations are NumPy's
    (PCG64 seeded with ``seed + epoch``), not PyTorch's: the same seed gives a different,
    equally reproducible order.

    >>> s = DistributedSampler(range(5), num_replicas=2, rank=0, seed=3)
    >>> s.set_epoch(1); shard0 = list(s)
    >>> s1 = DistributedSampler(range(5), num_replicas=2, rank=1, seed=3); s1.set_epoch(1)
    >>> sorted(set(shard0 + list(s1))), len(s)  # 5 indices padded to 6: one repeats
    ([0, 1, 2, 3, 4], 3)
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            import minigrad.distributed as dist

            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if not _is_int(num_replicas) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, got "
                             f"{num_replicas!r}")
        if not _is_int(rank) or not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, "
                             f"{num_replicas - 1}]")
        if not _is_int(seed):
            raise TypeError(f"DistributedSampler: seed must be an integer, got {seed!r}")
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = bool(drop_last)
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = bool(shuffle)
        self.seed = int(seed)

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n).tolist()
        else:
            order = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(order)
            if pad > 0 and order:
                order += (order * math.ceil(pad / len(order)))[:pad]
        else:
            order = order[:self.total_size]
        return iter(order[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the order of epoch ``epoch`` next (same on every rank, new each epoch).

        >>> s = DistributedSampler(range(6), num_replicas=1, rank=0)
        >>> a = list(s); s.set_epoch(1); a != list(s)
        True
        """
        self.epoch = int(epoch)
