"""Samplers: the orders in which a :class:`~minigrad.data.DataLoader` visits a dataset.

As in PyTorch, a sampler is an iterable of dataset indices (a batch sampler: of lists of
indices), usually with a ``__len__``. ``generator`` arguments take a :class:`minigrad.Generator`
(as ``torch.Generator``) or a ``numpy.random.Generator``; without one, randomness comes from
minigrad's global CPU generator, so ``mg.manual_seed`` makes it reproducible. The random
streams are NumPy's, not PyTorch's: the same seed gives different orders than in PyTorch.

>>> import numpy as np
>>> from minigrad.data import BatchSampler, RandomSampler, SequentialSampler
>>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
[[0, 1], [2, 3], [4]]
>>> sorted(RandomSampler(range(5), generator=np.random.default_rng(0)))
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, Generic, TypeVar

import numpy as np

from minigrad.errors import MinigradTypeError
from minigrad.random import Generator, rng_of

__all__ = [
    "BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)


RandomGenerator = Generator | np.random.Generator


def check_generator(generator: Any, where: str) -> None:
    """Raise unless ``generator`` is None, a minigrad or a ``numpy.random.Generator``."""
    if generator is not None and not isinstance(generator, (Generator, np.random.Generator)):
        raise MinigradTypeError(
            f"{where}: generator must be a minigrad.Generator, a numpy.random.Generator or "
            f"None, got {type(generator).__name__}"
        )


def _rng(generator: RandomGenerator | None) -> Any:
    """The NumPy generator to draw from now (a minigrad Generator's current one)."""
    return rng_of(generator, "cpu")


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses define ``__iter__`` (and usually ``__len__``).

    >>> class Evens(Sampler[int]):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(0, self.n, 2))
    ...     def __len__(self): return (self.n + 1) // 2
    >>> list(Evens(5)), len(Evens(5))
    ([0, 2, 4], 3)
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Indices in random order: a permutation, or ``num_samples`` draws with replacement.

    Without replacement and with ``num_samples > len(data_source)``, whole permutations follow
    one another (the last one cut short), as in PyTorch. A new order is drawn on every
    iteration from ``generator`` (default: minigrad's global generator).

    >>> s = RandomSampler(range(4), replacement=True, num_samples=6,
    ...                   generator=np.random.default_rng(0))
    >>> len(s), len(list(s)), all(0 <= i < 4 for i in s)
    (6, 6, True)
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None,
                 generator: RandomGenerator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if not _is_int(self.num_samples) or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )
        check_generator(generator, "RandomSampler")

    @property
    def num_samples(self) -> int:
        """``num_samples`` if given, else the dataset's current length."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, count, rng = len(self.data_source), self.num_samples, _rng(self.generator)
        if self.replacement:
            yield from rng.integers(0, n, size=count).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        if count % n:
            yield from rng.permutation(n)[: count % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given ``indices`` in a new random order on every iteration, without replacement.

    >>> import minigrad as mg
    >>> sorted(SubsetRandomSampler([7, 3, 5], generator=mg.Generator().manual_seed(1)))
    [3, 5, 7]
    """

    def __init__(self, indices: Sequence[int],
                 generator: RandomGenerator | None = None) -> None:
        check_generator(generator, "SubsetRandomSampler")
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices in ``[0, len(weights))`` drawn with probabilities ``weights``.

    ``weights`` need not sum to one. Without replacement an index is drawn at most once, so
    ``num_samples`` cannot exceed the number of non-zero weights. Bad weights (negative, not
    finite, all zero) are refused here rather than at the first iteration.

    >>> s = WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=5,
    ...                           generator=np.random.default_rng(0))
    >>> len(s), 0 in list(s)
    (5, False)
    """

    def __init__(self, weights: Sequence[float] | Any, num_samples: int,
                 replacement: bool = True,
                 generator: RandomGenerator | None = None) -> None:
        if not _is_int(num_samples) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got "
                f"num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        check_generator(generator, "WeightedRandomSampler")
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {w.shape}"
            )
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise ValueError(
                "WeightedRandomSampler: weights must be finite and non-negative with a positive "
                f"sum, got {w.tolist() if w.size <= 8 else f'{w.size} weights'}"
            )
        if not replacement and num_samples > int(np.count_nonzero(w)):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw num_samples={num_samples} without "
                f"replacement from {int(np.count_nonzero(w))} non-zero weights"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        draws = _rng(self.generator).choice(p.size, size=self.num_samples,
                                            replace=self.replacement, p=p)
        yield from draws.tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``).

    >>> list(BatchSampler(range(5), batch_size=2, drop_last=True))
    [[0, 1], [2, 3]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last}"
            )
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        it = iter(self.sampler)
        while batch := list(itertools.islice(it, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
