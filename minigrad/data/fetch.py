"""Fetchers: read one batch (or one sample) of a dataset, in the main process or a worker.

A map-style fetcher reads ``dataset[i]`` for each index of a batch and collates them; with
``fast=True`` (the DataLoader's default collation) a :class:`~minigrad.data.TensorDataset`
(or a ``Subset`` of one) is cut with one fancy-index per array instead, same result. An
iterable-style fetcher takes the next samples of its own iterator over the dataset and raises
``StopIteration`` when the stream ends.

>>> import minigrad as mg
>>> from minigrad.data import TensorDataset, default_collate
>>> f = make_fetcher("map", TensorDataset(mg.arange(5)), True, default_collate, False, True)
>>> f.fetch([4, 0])
[tensor([4, 0], dtype=int64, device='cpu')]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from minigrad.backends import backend_of
from minigrad.data.dataset import Subset, TensorDataset
from minigrad.tensor import Tensor

__all__ = ["InfiniteConstantSampler", "make_fetcher"]


class InfiniteConstantSampler:
    """The sampler of iterable datasets: ``None`` forever (the dataset decides what comes)."""

    def __iter__(self) -> Iterator[None]:
        while True:
            yield None


def tensor_source(dataset: Any) -> tuple[tuple[Any, ...], np.ndarray | None] | None:
    """``(arrays, base_indices)`` when batches can be cut by fancy indexing, else None."""
    if isinstance(dataset, TensorDataset):
        return dataset.arrays, None
    if isinstance(dataset, Subset):
        inner = tensor_source(dataset.dataset)
        if inner is not None:
            arrays, base = inner
            idx = dataset.indices if base is None else base[dataset.indices]
            return arrays, idx
    return None


def _take(array: Any, rows: np.ndarray) -> Any:
    """``array[rows]`` with the index on the array's own backend."""
    if isinstance(array, np.ndarray):
        return array[rows]
    return array[backend_of(array).xp.asarray(rows)]


class MapFetcher:
    """Batches of a map-style dataset (see the module docstring)."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any],
                 drop_last: bool, fast: bool = False) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.source = tensor_source(dataset) if fast and auto_collation else None

    def fetch(self, index: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self.source is not None:
            arrays, base = self.source
            rows = np.asarray(index, dtype=np.int64)
            rows = rows if base is None else base[rows]
            return [Tensor._make(_take(a, rows), None) for a in arrays]
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(index) if getitems else [self.dataset[i] for i in index]
        return self.collate_fn(data)


class IterableFetcher:
    """Batches of an iterable-style dataset, from one iterator over it."""

    def __init__(self, dataset: Any, auto_collation: bool, collate_fn: Callable[[Any], Any],
                 drop_last: bool, fast: bool = False) -> None:
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index: Any) -> Any:
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = []
        for _ in index:
            try:
                data.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(kind: str, dataset: Any, auto_collation: bool,
                 collate_fn: Callable[[Any], Any], drop_last: bool, fast: bool = False
                 ) -> MapFetcher | IterableFetcher:
    """The fetcher for a dataset of ``kind`` ``"map"`` or ``"iterable"``."""
    cls = IterableFetcher if kind == "iterable" else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last, fast)
