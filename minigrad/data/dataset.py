"""Datasets: the map-style ``Dataset`` protocol, ``TensorDataset``, ``Subset``, ``random_split``,
and the iterable-style ``IterableDataset`` and ``ChainDataset``.

As in PyTorch, a map-style dataset is anything with ``__getitem__(i)`` and ``__len__()``; an
iterable-style one subclasses :class:`IterableDataset` and defines ``__iter__``. A
:class:`TensorDataset` keeps whole arrays, so :class:`~minigrad.data.DataLoader` can cut a batch
with one fancy-index per array instead of one Python call per sample.

>>> import minigrad as mg
>>> from minigrad.data import TensorDataset, random_split
>>> ds = TensorDataset(mg.arange(10).float(), mg.arange(10))
>>> len(ds), ds[3]
(10, (tensor(3., dtype=float32, device='cpu'), tensor(3, dtype=int64, device='cpu')))
>>> a, b = random_split(ds, [0.8, 0.2], generator=np.random.default_rng(0))
>>> len(a), len(b)
(8, 2)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.random import Generator, rng_of
from minigrad.tensor import Tensor

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "Subset",
           "TensorDataset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    ``a + b`` concatenates two datasets (a :class:`ConcatDataset`), as in PyTorch.

    >>> class Squares(Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return i * i
    >>> [Squares()[i] for i in range(4)], len(Squares() + Squares())
    ([0, 1, 4, 9], 8)
    """

    def __getitem__(self, index: int) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset[Any]) -> ConcatDataset:
        return ConcatDataset([self, other])


def _as_array(t: Any, i: int) -> Any:
    if isinstance(t, Tensor):
        return t._data
    if isinstance(t, np.ndarray):
        return t
    raise MinigradTypeError(
        f"TensorDataset: argument {i} must be a Tensor or numpy.ndarray, got {type(t).__name__}"
    )


class TensorDataset(Dataset[tuple[Tensor, ...]]):
    """Samples are rows of the given tensors: ``ds[i] == (t0[i], t1[i], ...)``.

    All tensors must have the same first dimension. NumPy arrays are accepted and wrapped
    without a copy. ``ds.tensors`` is the tuple of tensors; the DataLoader indexes their arrays
    once per batch (no per-sample Python work).

    >>> import minigrad as mg
    >>> ds = TensorDataset(mg.zeros(5, 2), mg.arange(5))
    >>> ds[1:3][0].shape, len(ds)
    (Size([2, 2]), 5)
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: needs at least one tensor")
        arrays = [_as_array(t, i) for i, t in enumerate(tensors)]
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise ShapeError(f"TensorDataset: tensor {i} is 0-d; samples index dimension 0")
        sizes = [a.shape[0] for a in arrays]
        if len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
            raise ShapeError(
                f"TensorDataset: all tensors must have the same size in dimension 0, got shapes "
                f"{shapes}"
            )
        self.arrays: tuple[Any, ...] = tuple(arrays)
        self.tensors: tuple[Tensor, ...] = tuple(Tensor._make(a, None) for a in arrays)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        key = index if isinstance(index, tuple) else (index, Ellipsis)  # arrays, not scalars
        return tuple(Tensor._make(a[key], None) for a in self.arrays)

    def __len__(self) -> int:
        return int(self.arrays[0].shape[0])

    def __repr__(self) -> str:
        shapes = ", ".join(str(tuple(a.shape)) for a in self.arrays)
        return f"TensorDataset({len(self)} samples: {shapes})"


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    >>> import minigrad as mg
    >>> s = Subset(TensorDataset(mg.arange(10)), [7, 2])
    >>> len(s), s[0][0].item()
    (2, 7)
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int] | np.ndarray) -> None:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(dataset)  # type: ignore[arg-type]
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(
                f"Subset: indices must lie in [-{n}, {n}) for a dataset of {n} samples, got "
                f"min {idx.min()} and max {idx.max()}"
            )
        self.dataset = dataset
        self.indices = np.where(idx < 0, idx + n, idx)

    def __getitem__(self, index: Any) -> T_co:
        if isinstance(index, (list, np.ndarray, slice)):
            return self.dataset[self.indices[index]]  # type: ignore[index]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return int(self.indices.size)


class ConcatDataset(Dataset[Any]):
    """Several datasets one after another.

    >>> import minigrad as mg
    >>> c = ConcatDataset([TensorDataset(mg.arange(3)), TensorDataset(mg.arange(2))])
    >>> len(c), c[4][0].item()
    (5, 1)
    """

    def __init__(self, datasets: Sequence[Dataset[Any]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset (use "
                                "ChainDataset)")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()  # type: ignore[arg-type]

    def __len__(self) -> int:
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        index = int(index)
        if not -n <= index < n:
            raise IndexError(f"ConcatDataset: index {index} out of range for {n} samples")
        if index < 0:
            index += n
        k = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = 0 if k == 0 else self.cumulative_sizes[k - 1]
        return self.datasets[k][index - start]


class IterableDataset(Dataset[T_co]):
    """Base class of iterable-style datasets: subclasses define ``__iter__`` (a stream).

    With ``num_workers > 0`` every worker process iterates its own copy of the dataset, so
    without care each sample comes once per worker. Shard the stream inside ``__iter__`` with
    :func:`~minigrad.data.get_worker_info`, as PyTorch documents; ``a + b`` chains two streams.

    >>> from minigrad.data import DataLoader, get_worker_info
    >>> class Range(IterableDataset):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self):
    ...         info = get_worker_info()  # None in the main process
    ...         start, step = (0, 1) if info is None else (info.id, info.num_workers)
    ...         return iter(range(start, self.n, step))
    >>> [b.tolist() for b in DataLoader(Range(5), batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __getitem__(self, index: int) -> T_co:
        raise TypeError(f"{type(self).__name__} is an IterableDataset: iterate it, don't index")

    def __len__(self) -> int:  # a TypeError, as for any object without len()
        raise TypeError(f"{type(self).__name__} has no len(): define __len__ to give one")

    def __add__(self, other: Dataset[Any]) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class ChainDataset(IterableDataset[Any]):
    """Several iterable datasets one after another, lazily.

    >>> class Count(IterableDataset):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(self.n))
    ...     def __len__(self): return self.n
    >>> c = ChainDataset([Count(2), Count(3)])
    >>> list(c), len(c)
    ([0, 1, 0, 1, 2], 5)
    """

    def __init__(self, datasets: Iterable[Dataset[Any]]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            total += len(d)  # type: ignore[arg-type]
        return total


def random_split(
    dataset: Dataset[T_co],
    lengths: Sequence[int | float],
    generator: Generator | np.random.Generator | None = None,
) -> list[Subset[T_co]]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    ``lengths`` are sample counts summing to ``len(dataset)``, or fractions summing to 1 (the
    remainder is dealt round-robin, as PyTorch does). ``generator`` is a
    :class:`minigrad.Generator` or a ``numpy.random.Generator``; by default minigrad's global
    CPU generator (``mg.manual_seed``).

    >>> import minigrad as mg
    >>> parts = random_split(TensorDataset(mg.arange(10)), [3, 7],
    ...                      generator=np.random.default_rng(1))
    >>> sorted(parts[0].indices.tolist() + parts[1].indices.tolist()) == list(range(10))
    True
    """
    n = len(dataset)  # type: ignore[arg-type]
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1):
        if any(not 0 <= x <= 1 for x in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {lengths}")
        counts = [math.floor(n * f) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(int(x) != x or x < 0 for x in lengths) or sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of "
            f"the input dataset ({n}); lengths were {lengths}"
        )
    perm = rng_of(generator, "cpu").permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start:start + int(length)]))
        start += int(length)
    return out
