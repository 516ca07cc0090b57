"""DataLoader: batches of minigrad tensors from a dataset, with reproducible shuffling.

>>> import minigrad as mg
>>> from minigrad.data import DataLoader, TensorDataset
>>> ds = TensorDataset(mg.arange(10).float().reshape(10, 1), mg.arange(10))
>>> loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)
>>> [tuple(x.shape) for x, y in loader], len(loader)
([(4, 1), (4, 1), (2, 1)], 3)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from minigrad.backends import backend_for, backend_of
from minigrad.data.dataset import Dataset, Subset, TensorDataset
from minigrad.errors import MinigradTypeError
from minigrad.random import generator_for
from minigrad.tensor import Tensor

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, field by field, as PyTorch's ``default_collate``.

    Tensors and NumPy arrays are stacked along a new first dimension; Python ints become an
    int64 tensor and floats a float64 tensor (PyTorch's choice); tuples, lists and dicts are
    collated per field; strings and anything else are returned as a list.

    >>> import minigrad as mg
    >>> x, y = default_collate([(mg.ones(2), 1), (mg.zeros(2), 0)])
    >>> x.shape, y.tolist()
    ((2, 2), [1, 0])
    """
    if not batch:
        raise ValueError("default_collate: cannot collate an empty batch")
    first = batch[0]
    if isinstance(first, Tensor):
        xp = first._backend.xp
        return Tensor._make(xp.stack([s._data for s in batch]), None)
    if isinstance(first, np.ndarray):
        return Tensor._make(np.stack(batch), None)
    if isinstance(first, (bool, np.bool_)):
        return Tensor._make(np.asarray(batch, dtype=np.bool_), None)
    if isinstance(first, (int, np.integer)):
        return Tensor._make(np.asarray(batch, dtype=np.int64), None)
    if isinstance(first, (float, np.floating)):
        return Tensor._make(np.asarray(batch, dtype=np.float64), None)
    if isinstance(first, Mapping):
        return {k: default_collate([s[k] for s in batch]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in batch):
            raise ValueError("default_collate: each sample in the batch must have the same size")
        fields = [default_collate(list(f)) for f in zip(*batch, strict=True)]
        return tuple(fields) if isinstance(first, tuple) else fields
    return list(batch)


def _tensor_source(dataset: Any) -> tuple[tuple[Any, ...], np.ndarray | None] | None:
    """``(arrays, base_indices)`` when batches can be cut by fancy indexing, else None."""
    if isinstance(dataset, TensorDataset):
        return dataset.arrays, None
    if isinstance(dataset, Subset):
        inner = _tensor_source(dataset.dataset)
        if inner is not None:
            arrays, base = inner
            idx = dataset.indices if base is None else base[dataset.indices]
            return arrays, idx
    return None


class DataLoader:
    """Iterate over ``dataset`` in batches of minigrad tensors.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch; ``None`` yields single samples unbatched.
        shuffle: draw a new random order every epoch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        seed: makes shuffling reproducible: epoch ``e`` uses the order drawn from
            ``(seed, e)``, so a fresh loader with the same seed repeats the same sequence of
            orders, and ``set_epoch(e)`` jumps to epoch ``e`` (handy when resuming).
        generator: a ``numpy.random.Generator`` to draw the orders from instead (advances
            with every epoch). Without ``seed`` or ``generator`` the order comes from
            minigrad's global CPU generator, so ``mg.manual_seed`` makes it reproducible.
        collate_fn: turns a list of samples into a batch (default: :func:`default_collate`).
        device: move every tensor of a batch to this device (e.g. ``"cuda"``).

    Batches of a :class:`TensorDataset` (or a :class:`Subset` of one) are cut by indexing each
    array once per batch; other datasets are read sample by sample and collated. minigrad has
    no worker processes (``num_workers`` is not supported): data loading runs inline.

    >>> import minigrad as mg
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
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        device: Any = None,
    ) -> None:
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size <= 0):
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer value, got {batch_size!r}"
            )
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise MinigradTypeError(
                f"DataLoader: generator must be a numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give either seed or generator, not both")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.generator = generator
        self.collate_fn = collate_fn
        self.device = device
        self.epoch = 0
        if device is not None:
            backend_for(device)  # fail now (naming what is missing), not at the first batch

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration use the order of epoch ``epoch`` (with ``seed``)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        if self.seed is not None:
            rng = np.random.default_rng([int(self.seed), self.epoch])
        elif self.generator is not None:
            rng = self.generator
        else:
            rng = generator_for("cpu")
        return rng.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        self.epoch += 1
        if self.batch_size is None:
            for i in order:
                yield self._to_device(self.dataset[int(i)])
            return
        bs = self.batch_size
        stop = len(order) - len(order) % bs if self.drop_last else len(order)
        source = _tensor_source(self.dataset) if self.collate_fn is None else None
        for start in range(0, stop, bs):
            idx = order[start:start + bs]
            if source is not None:
                arrays, base = source
                rows = idx if base is None else base[idx]
                batch: Any = tuple(Tensor._make(_take(a, rows), None) for a in arrays)
            else:
                collate = self.collate_fn or default_collate
                batch = collate([self.dataset[int(i)] for i in idx])
            yield self._to_device(batch)

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
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


def _take(array: Any, rows: np.ndarray) -> Any:
    """``array[rows]`` with the index on the array's own backend."""
    if isinstance(array, np.ndarray):
        return array[rows]
    return array[backend_of(array).xp.asarray(rows)]
