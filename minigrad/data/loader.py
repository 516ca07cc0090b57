"""DataLoader: batches of minigrad tensors from a dataset, with PyTorch's signature.

>>> import minigrad as mg
>>> from minigrad.data import DataLoader, TensorDataset
>>> ds = TensorDataset(mg.arange(10).float().reshape(10, 1), mg.arange(10))
>>> loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)
>>> [tuple(x.shape) for x, y in loader], len(loader)
([(4, 1), (4, 1), (2, 1)], 3)
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from minigrad.backends import backend_for
from minigrad.data.collate import default_collate, default_convert
from minigrad.data.dataset import Dataset, IterableDataset
from minigrad.data.fetch import InfiniteConstantSampler, make_fetcher
from minigrad.data.sampler import (
    BatchSampler,
    RandomGenerator,
    RandomSampler,
    SequentialSampler,
    check_generator,
)
from minigrad.random import rng_of
from minigrad.tensor import Tensor

__all__ = ["DataLoader"]

_FIXED = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Iterate over ``dataset`` in batches of minigrad tensors, as ``torch.utils.data.DataLoader``.

    The arguments are PyTorch's, in the same order and with the same defaults.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``) or an
            :class:`~minigrad.data.IterableDataset`.
        batch_size: samples per batch; ``None`` turns batching off (samples come one by one,
            NumPy arrays converted to tensors by ``default_convert``).
        shuffle: a new random order every epoch (a :class:`RandomSampler`).
        sampler, batch_sampler: the order of indices / of lists of indices; each excludes the
            options it replaces (``shuffle``; ``batch_size``, ``shuffle``, ``sampler``,
            ``drop_last``), with PyTorch's errors.
        num_workers: worker processes that load batches in parallel (0: in this process).
            Batches come back in order; ``worker_init_fn(worker_id)`` runs first in each worker,
            :func:`~minigrad.data.get_worker_info` tells a worker who it is; a worker that
            raises or dies stops the iteration with an error naming it. ``prefetch_factor``
            (default 2) batches per worker are in flight; ``persistent_workers`` keeps the
            workers across epochs; ``timeout`` (seconds, 0 = none) bounds each wait;
            ``multiprocessing_context`` is a start method name (``"fork"``, ``"spawn"``,
            ``"forkserver"``) or context. With ``"spawn"`` the dataset, ``collate_fn`` and
            ``worker_init_fn`` must be picklable.
        collate_fn: turns a list of samples into a batch (default
            :func:`~minigrad.data.default_collate`).
        pin_memory, pin_memory_device: accepted and ignored: minigrad has no pinned host
            memory, batches stay in ordinary NumPy memory.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        generator: a :class:`minigrad.Generator` (as ``torch.Generator``) or a
            ``numpy.random.Generator`` for the shuffling order and the workers' base seed; it
            advances every epoch. Without ``seed`` or ``generator`` they come from minigrad's
            global CPU generator, so ``mg.manual_seed`` makes them reproducible.
        in_order: accepted; batches always come back in order.

    minigrad extras (keyword-only): ``seed`` makes shuffling reproducible per epoch: epoch ``e``
    uses the order drawn from ``(seed, e)``, so a fresh loader repeats the same sequence of
    orders and ``set_epoch(e)`` jumps to epoch ``e`` (handy when resuming). ``device`` moves
    every tensor of a batch there (e.g. ``"cuda"``).

    Worker ``i`` is seeded with ``base_seed + i`` (Python's ``random``, minigrad's generators
    and NumPy's legacy global one), as in PyTorch; the random streams are NumPy's, so they
    differ from PyTorch's. Batches of a :class:`TensorDataset` (or a ``Subset`` of one) with
    the default ``collate_fn`` are cut by indexing each array once per batch.

    >>> import minigrad as mg
    >>> from minigrad.data import TensorDataset
    >>> ds = TensorDataset(mg.arange(6))
    >>> a = [b[0].tolist() for b in DataLoader(ds, batch_size=3, shuffle=True, seed=5)]
    >>> b = [b[0].tolist() for b in DataLoader(ds, batch_size=3, shuffle=True, seed=5)]
    >>> a == b, sorted(a[0] + a[1])
    (True, [0, 1, 2, 3, 4, 5])
    """

    def __init__(
        self,
        dataset: Dataset[Any] | Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[Any] | None = None,
        batch_sampler: Iterable[list[Any]] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: RandomGenerator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        seed: int | None = None,
        device: Any = None,
    ) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing. "
                             "Let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        check_generator(generator, "DataLoader")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give either seed or generator, not both")

        if isinstance(dataset, IterableDataset):
            kind = "iterable"
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            kind, shuffle = "map", bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        own_sampler = sampler is None
        if sampler is None:
            if kind == "iterable":
                sampler = InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = _context(multiprocessing_context, num_workers)
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self.seed = seed
        self.device = device
        self.epoch = 0
        self.shuffle = shuffle
        self._dataset_kind = kind
        self._seeded_sampler = own_sampler and isinstance(sampler, RandomSampler)
        self._fast = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self._iterator: Any = None
        if device is not None:
            backend_for(device)  # fail now (naming what is missing), not at the first batch
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FIXED and getattr(self, "_initialized", False):
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration use the order of epoch ``epoch`` (with ``seed``)."""
        self.epoch = int(epoch)

    def _start_epoch(self) -> int:
        """Advance the epoch; seed the shuffling order; return the workers' base seed."""
        epoch = self.epoch
        self.epoch += 1
        if self.seed is not None:
            if self._seeded_sampler:
                self.sampler.generator = np.random.default_rng([int(self.seed), epoch])
            return int(np.random.default_rng([int(self.seed), epoch, 1]).integers(2**62))
        return int(rng_of(self.generator, "cpu").integers(2**62))

    def __len__(self) -> int:
        if self._dataset_kind == "iterable":
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self._index_sampler)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        from minigrad.data.multiprocess import MultiProcessIter

        if not self.persistent_workers:
            return MultiProcessIter(self)
        if self._iterator is None:
            self._iterator = MultiProcessIter(self)
        else:
            self._iterator.reset(self)
        return self._iterator  # type: ignore[no-any-return]

    def _to_device(self, batch: Any) -> Any:
        if self.device is None:
            return batch
        if isinstance(batch, Tensor):
            return batch.to(self.device)
        if isinstance(batch, Mapping):
            return {k: self._to_device(v) for k, v in batch.items()}
        if isinstance(batch, (tuple, list)):
            return type(batch)(self._to_device(b) for b in batch)
        return batch

    def __repr__(self) -> str:
        size = f" of {len(self.dataset)}" if hasattr(self.dataset, "__len__") else ""
        return (
            f"DataLoader({type(self.dataset).__name__}{size}, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, "
            f"num_workers={self.num_workers})"
        )


def _context(ctx: Any, num_workers: int) -> Any:
    if ctx is None:
        return None
    if num_workers == 0:
        raise ValueError("multiprocessing_context can only be used with multi-process loading "
                         f"(num_workers > 0), but got num_workers={num_workers}")
    if isinstance(ctx, str):
        methods = multiprocessing.get_all_start_methods()
        if ctx not in methods:
            raise ValueError("multiprocessing_context option should specify a valid start "
                             f"method in {methods!r}, but got multiprocessing_context={ctx!r}")
        return multiprocessing.get_context(ctx)
    if not isinstance(ctx, multiprocessing.context.BaseContext):
        raise TypeError("multiprocessing_context option should be a valid context object or a "
                        "string specifying the start method, but got multiprocessing_context="
                        f"{ctx!r}")
    return ctx


class _SingleProcessIter:
    """One epoch of a loader, loading in this process."""

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        loader._start_epoch()
        self._sampler_iter = iter(loader._index_sampler)
        self._fetcher = make_fetcher(loader._dataset_kind, loader.dataset,
                                     loader._auto_collation, loader.collate_fn,
                                     loader.drop_last, loader._fast)

    def __iter__(self) -> _SingleProcessIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def __next__(self) -> Any:
        index = next(self._sampler_iter)
        return self._loader._to_device(self._fetcher.fetch(index))
