"""Inside a DataLoader worker process: ``get_worker_info``, seeding, and the worker loop.

A worker receives ``(task index, sampler indices)`` on its own queue, fetches and collates
that batch, and puts ``(task index, pickled batch)`` on the shared result queue. Errors travel
back as an :class:`ExceptionWrapper` naming the worker; an iterable dataset's end travels back
as :class:`IterableDatasetStopIteration`. ``None`` on the queue tells the worker to exit.

>>> get_worker_info() is None  # in the main process
True
"""

from __future__ import annotations

import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from minigrad.data.fetch import make_fetcher

__all__ = ["WorkerInfo", "get_worker_info"]

STATUS_CHECK_INTERVAL = 0.1  # seconds between checks that the parent is still alive


class WorkerInfo:
    """What a worker process knows about itself: ``id``, ``num_workers``, ``seed`` and its own
    copy of the ``dataset``. Read-only, as in PyTorch.

    >>> info = WorkerInfo(id=0, num_workers=2, seed=7, dataset=None)
    >>> info.id, info.num_workers, info.seed
    (0, 2, 7)
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, key: str, val: Any) -> None:
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._keys)
        return f"{type(self).__name__}({fields})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its :class:`WorkerInfo`; in the main process, None.

    Use it in an ``IterableDataset.__iter__`` to give each worker its own shard, or in a
    ``worker_init_fn`` to configure the worker's copy of the dataset.

    >>> get_worker_info() is None
    True
    """
    return _worker_info


@dataclass
class ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback."""

    exc_type: type
    message: str

    @classmethod
    def current(cls, where: str) -> ExceptionWrapper:
        """Wrap the exception being handled, raised ``where``."""
        tb = traceback.format_exc()
        exc_type = type(sys.exc_info()[1])
        message = f"Caught {exc_type.__name__} {where}.\nOriginal {tb}"
        try:  # the type travels by reference: a class the main process cannot import
            pickle.loads(pickle.dumps(exc_type))  # comes back as a RuntimeError
        except Exception:
            exc_type = RuntimeError
        return cls(exc_type, message)

    def reraise(self) -> None:
        """Raise the exception again in this process, with the worker's traceback in it."""
        msg = self.message
        if self.exc_type is KeyError:  # KeyError repr()s its message; keep it readable
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            exc = RuntimeError(msg)
        raise exc


class KeyErrorMessage(str):
    """A string whose repr is itself, so a re-raised KeyError prints its traceback cleanly."""

    def __repr__(self) -> str:
        return str(self)


@dataclass(frozen=True)
class IterableDatasetStopIteration:
    """Sent by worker ``worker_id`` when its copy of an iterable dataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class ResumeIteration:
    """Sent to persistent workers at the start of a new epoch (and echoed back)."""


def _seed_worker(base_seed: int, worker_id: int) -> int:
    from minigrad.random import manual_seed

    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([base_seed, worker_id]).generate_state(4))
    return seed


def worker_loop(dataset_kind: str, dataset: Any, index_queue: Any, result_queue: Any,
                done_event: Any, auto_collation: bool, collate_fn: Any, drop_last: bool,
                fast: bool, base_seed: int, init_fn: Any, worker_id: int,
                num_workers: int) -> None:
    """The body of worker process ``worker_id`` (see the module docstring)."""
    global _worker_info
    where = f"in DataLoader worker process {worker_id}"
    try:
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        init_error: ExceptionWrapper | None = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(dataset_kind, dataset, auto_collation, collate_fn,
                                   drop_last, fast)
        except Exception:
            init_error = ExceptionWrapper.current(where)
        parent = os.getppid()
        ended = False
        while True:
            try:
                task = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:  # the main process died: stop quietly
                    break
                continue
            if task is None:
                break
            if isinstance(task, ResumeIteration):
                result_queue.put((task, None))
                ended = False
                if dataset_kind == "iterable" and init_error is None:
                    fetcher = make_fetcher(dataset_kind, dataset, auto_collation, collate_fn,
                                           drop_last, fast)
                continue
            if done_event.is_set() or ended:
                continue
            idx, index = task
            data: Any
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = pickle.dumps(fetcher.fetch(index),  # type: ignore[union-attr]
                                        protocol=pickle.HIGHEST_PROTOCOL)
                except StopIteration:
                    if dataset_kind != "iterable":
                        data = ExceptionWrapper.current(where)
                    else:
                        data, ended = IterableDatasetStopIteration(worker_id), True
                except Exception:
                    data = ExceptionWrapper.current(where)
            result_queue.put((idx, data))
            del data, idx, index, task
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        result_queue.cancel_join_thread()
        result_queue.close()
