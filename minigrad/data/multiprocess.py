"""The DataLoader's multi-process iterator: worker processes, prefetching, in-order results.

The main process sends ``(task index, indices)`` to the workers round-robin, keeping
``prefetch_factor`` tasks per worker in flight, and yields results in task order (results that
arrive early wait in a buffer). While it waits it checks every 0.1 s that the workers are alive,
so a worker that dies or raises ends the iteration with an error naming it instead of a hang.

>>> import minigrad as mg
>>> from minigrad.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(mg.arange(5)), batch_size=2, num_workers=1,
...                     multiprocessing_context="spawn")
>>> [b[0].tolist() for b in loader]
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import pickle
import queue
import signal
import time
from typing import Any

from minigrad.data.worker import (
    STATUS_CHECK_INTERVAL,
    ExceptionWrapper,
    IterableDatasetStopIteration,
    ResumeIteration,
    worker_loop,
)

__all__ = ["MultiProcessIter"]

_JOIN_TIMEOUT = 0.5  # idle workers exit at once; busy ones (abandoned work) are terminated


class MultiProcessIter:
    """One epoch (or, with ``persistent_workers``, every epoch) of a loader with workers."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader
        self._num_workers = loader.num_workers
        self._prefetch = max(1, loader.prefetch_factor) * loader.num_workers
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._iterable = loader._dataset_kind == "iterable"
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        base_seed = loader._start_epoch()
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues: list[Any] = []
        self._workers: list[Any] = []
        self._shutdown = True
        for wid in range(self._num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            worker = ctx.Process(
                target=worker_loop, daemon=True,
                args=(loader._dataset_kind, loader.dataset, index_queue, self._result_queue,
                      self._done_event, loader._auto_collation, loader.collate_fn,
                      loader.drop_last, loader._fast, base_seed, loader.worker_init_fn, wid,
                      self._num_workers))
            worker.start()
            self._index_queues.append(index_queue)
            self._workers.append(worker)
            self._shutdown = False
        self._start(first=True)

    # ------------------------------------------------------------------ epochs
    def _start(self, first: bool) -> None:
        self._sampler_iter = iter(self._loader._index_sampler)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple[Any, ...]] = {}
        self._outstanding = 0
        self._active = [True] * self._num_workers
        self._cycle = itertools.cycle(range(self._num_workers))
        if not first:
            for q in self._index_queues:
                q.put(ResumeIteration())
            waiting = self._num_workers
            while waiting:  # results of an abandoned epoch are dropped on the way
                idx, _ = self._get_data()
                waiting -= isinstance(idx, ResumeIteration)
        for _ in range(self._prefetch):
            self._put_task()

    def reset(self, loader: Any) -> None:
        """Start a new epoch with the same (persistent) workers."""
        loader._start_epoch()
        self._start(first=False)

    def __iter__(self) -> MultiProcessIter:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    # ------------------------------------------------------------------ tasks
    def _put_task(self) -> None:
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._outstanding += 1
        self._send_idx += 1

    def _get_data(self) -> tuple[Any, Any]:
        """The next result from any worker; raises if a worker died or ``timeout`` passed."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = STATUS_CHECK_INTERVAL
            if deadline is not None:
                wait = max(0.0, min(wait, deadline - time.monotonic()))
            try:
                return self._result_queue.get(timeout=wait)  # type: ignore[no-any-return]
            except queue.Empty:
                pass
            self._check_workers()
            if deadline is not None and time.monotonic() >= deadline:
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds "
                                   "waiting for a batch from its workers")

    def _check_workers(self) -> None:
        for wid, worker in enumerate(self._workers):
            if self._active[wid] and not worker.is_alive():
                code = worker.exitcode
                how = f"exit code {code}"
                if code is not None and code < 0:
                    with contextlib.suppress(ValueError):
                        how = f"signal {signal.Signals(-code).name}"
                self._shutdown_workers()
                raise RuntimeError(
                    f"DataLoader worker {wid} (pid {worker.pid}) exited unexpectedly with "
                    f"{how}; if it ran out of memory, try fewer workers or a smaller "
                    "prefetch_factor"
                )

    def __next__(self) -> Any:
        while True:
            while self._rcvd_idx < self._send_idx:  # skip tasks of ended iterable workers
                info = self._task_info[self._rcvd_idx]
                if len(info) == 2 or self._active[info[0]]:
                    break
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            idx, data = self._get_data()
            if isinstance(idx, ResumeIteration):  # a stale echo; cannot happen mid-epoch
                continue
            self._outstanding -= 1
            if isinstance(data, IterableDatasetStopIteration):
                self._active[data.worker_id] = False
                if not self._persistent:
                    self._index_queues[data.worker_id].put(None)
                self._put_task()
                continue
            if idx != self._rcvd_idx:
                self._task_info[idx] += (data,)
                continue
            del self._task_info[idx]
            self._rcvd_idx += 1
            return self._process(data)

    def _process(self, data: Any) -> Any:
        self._put_task()
        if isinstance(data, ExceptionWrapper):
            self._shutdown_workers()
            data.reraise()
        return self._loader._to_device(pickle.loads(data))

    # ------------------------------------------------------------------ shutdown
    def _shutdown_workers(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        self._done_event.set()
        for q in self._index_queues:
            with contextlib.suppress(Exception):
                q.put(None)
        for worker in self._workers:
            worker.join(timeout=_JOIN_TIMEOUT)
            if worker.is_alive():
                worker.terminate()
                worker.join()
        for q in (*self._index_queues, self._result_queue):
            q.cancel_join_thread()
            q.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._shutdown_workers()
