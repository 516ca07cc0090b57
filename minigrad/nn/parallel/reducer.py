"""The gradient reducer behind :class:`~minigrad.nn.parallel.DistributedDataParallel`.

Parameters are packed into buckets in the reverse order of ``parameters()`` (roughly the
order backward finishes them), one dtype and device per bucket, the first bucket capped at
1 MiB and the others at ``bucket_cap_mb`` (PyTorch's scheme). Each parameter's
post-accumulate-grad hook marks it ready; a bucket whose parameters are all ready is copied
into one flat buffer, divided by the world size and handed to a non-blocking allreduce
while backward goes on (``overlap``). When the last parameter is ready every bucket is
waited for and the averaged gradients are written back into ``.grad``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> from minigrad.distributed.comm import LocalComm
>>> net = nn.Linear(3, 2)
>>> r = Reducer(list(net.parameters()), LocalComm())
>>> [len(b.params) for b in r.buckets]
[2]
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from minigrad.distributed.comm import DistError, ReduceOp
from minigrad.tensor import Tensor

__all__ = ["Bucket", "Reducer", "assign_buckets", "reachable_leaves"]

FIRST_BUCKET_BYTES = 1024 * 1024  # torch.distributed's _DEFAULT_FIRST_BUCKET_BYTES


def assign_buckets(params: list[Tensor], cap_bytes: float,
                   first_cap_bytes: float = FIRST_BUCKET_BYTES) -> list[list[int]]:
    """Indices of ``params`` per bucket: reverse order, one dtype/device per bucket, a
    bucket closed once it holds at least its cap (the first: ``first_cap_bytes``).

    >>> import minigrad as mg
    >>> ps = [mg.zeros(100), mg.zeros(100), mg.zeros(100)]
    >>> assign_buckets(ps, cap_bytes=800, first_cap_bytes=400)
    [[2], [1, 0]]
    """
    open_: dict[Any, list[int]] = {}
    sizes: dict[Any, int] = {}
    first: dict[Any, bool] = {}
    done: list[list[int]] = []
    for i in reversed(range(len(params))):
        p = params[i]
        key = (str(p.dtype), str(p.device))
        bucket = open_.setdefault(key, [])
        bucket.append(i)
        sizes[key] = sizes.get(key, 0) + p._data.nbytes
        cap = first_cap_bytes if first.get(key, True) else cap_bytes
        if sizes[key] >= cap:
            done.append(bucket)
            del open_[key]
            sizes[key] = 0
            first[key] = False
    done.extend(b for b in open_.values() if b)
    return done


def _flatten(output: Any) -> list[Tensor]:
    if isinstance(output, Tensor):
        return [output]
    if isinstance(output, dict):
        output = list(output.values())
    if isinstance(output, (list, tuple)):
        return [t for o in output for t in _flatten(o)]
    return []


def reachable_leaves(output: Any) -> set[int]:
    """``id`` of every leaf tensor the autograd graph of ``output`` reaches.

    >>> import minigrad as mg
    >>> a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    >>> reachable_leaves((a * 2,)) == {id(a)}
    True
    """
    seen: set[int] = set()
    leaves: set[int] = set()
    stack: list[Any] = []
    for t in _flatten(output):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t.requires_grad:
            leaves.add(id(t))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for p in getattr(node, "parents", ()):
            if isinstance(p, Tensor):
                if p.grad_fn is None:
                    leaves.add(id(p))
                else:
                    stack.append(p.grad_fn)
            elif p is not None:
                stack.append(p)
    return leaves


class Bucket:
    """Parameters reduced together in one flat buffer.

    >>> import minigrad as mg
    >>> b = Bucket([mg.zeros(2, 3), mg.zeros(4)], [1, 0]); b.offsets, b.numel
    ([0, 6], 10)
    """

    def __init__(self, params: list[Tensor], indices: list[int]) -> None:
        self.params = params
        self.indices = indices
        self.offsets: list[int] = []
        total = 0
        for p in params:
            self.offsets.append(total)
            total += p._data.size
        self.numel = total
        self.ready = 0
        self.work: Any = None
        self.flat: Any = None


class Reducer:
    """Averages the gradients of ``params`` over ``comm``'s ranks, bucket by bucket.

    Attributes kept for benchmarks: ``comm_time_s`` (time spent starting and waiting for
    reductions and copying gradients in and out, summed since construction) and
    ``wait_time_s`` (its part spent blocked in the final wait).

    >>> import minigrad as mg
    >>> from minigrad.distributed.comm import LocalComm
    >>> w = mg.ones(2, requires_grad=True)
    >>> r = Reducer([w], LocalComm()); r.prepare()
    >>> (w * 3).sum().backward(); r.expect, w.grad.tolist()
    (False, [3.0, 3.0])
    """

    def __init__(self, params: list[Tensor], comm: Any, bucket_cap_mb: float = 25.0,
                 find_unused_parameters: bool = False, overlap: bool = True) -> None:
        self.params = params
        self.comm = comm
        self.find_unused = find_unused_parameters
        self.overlap = overlap
        cap = float(bucket_cap_mb) * 1024 * 1024
        self.buckets = [Bucket([params[i] for i in idx], idx)
                        for idx in assign_buckets(params, cap, min(cap, FIRST_BUCKET_BYTES))]
        self.where: dict[int, tuple[int, int]] = {}
        for b, bucket in enumerate(self.buckets):
            for slot, i in enumerate(bucket.indices):
                self.where[i] = (b, slot)
        self.expect = False
        self.started = False
        self.ready: set[int] = set()
        self.unused: set[int] = set()
        self.next = 0
        self.comm_time_s = 0.0
        self.wait_time_s = 0.0
        self._handles = self._register()

    def _register(self) -> list[Any]:
        ref = weakref.ref(self)

        def make(i: int) -> Any:
            def hook(_: Tensor) -> None:
                reducer = ref()
                if reducer is not None:
                    reducer.mark_ready(i)
            return hook

        handles = [p.register_post_accumulate_grad_hook(make(i))
                   for i, p in enumerate(self.params)]
        weakref.finalize(self, _remove_all, handles)
        return handles

    def check_finished(self) -> None:
        """Raise unless the last backward pass that started reducing also finished."""
        if self.started:
            done = sorted(self.ready)
            missing = [i for i in range(len(self.params)) if i not in self.ready]
            raise DistError(
                "DistributedDataParallel: Expected to have finished reduction in the prior "
                "iteration before starting a new one. This error indicates that the module "
                f"has parameters that were not used in producing loss (parameter indices "
                f"{missing[:20]} got no gradient; {len(done)} did). Pass "
                "find_unused_parameters=True to DistributedDataParallel, and make sure all "
                "forward outputs take part in computing the loss.")

    def prepare(self, output: Any = None) -> None:
        """Arm the reducer for the backward pass of the forward that produced ``output``
        (with ``find_unused_parameters``, parameters its graph misses are ready at once)."""
        self.check_finished()
        self.expect = True
        self.ready = set()
        self.unused = set()
        self.next = 0
        for bucket in self.buckets:
            bucket.ready, bucket.work, bucket.flat = 0, None, None
        if self.find_unused:
            used = reachable_leaves(output)
            for i, p in enumerate(self.params):
                if id(p) not in used:
                    self.unused.add(i)
            for i in sorted(self.unused):
                self.mark_ready(i)

    def mark_ready(self, i: int) -> None:
        """Parameter ``i``'s gradient is final for this backward pass."""
        if not self.expect:
            return
        if i in self.ready:
            raise DistError(
                f"DistributedDataParallel: Expected to mark a variable ready only once; "
                f"parameter {i} was marked twice in one backward pass (it takes part in the "
                "graph more than once through a reentrant backward, or backward ran twice)")
        self.started = True
        self.ready.add(i)
        b, _ = self.where[i]
        bucket = self.buckets[b]
        bucket.ready += 1
        if self.overlap:
            # start buckets strictly in bucket order, so every rank issues its collectives
            # in the same sequence whatever order its backward finished them in
            while (self.next < len(self.buckets)
                   and self.buckets[self.next].ready == len(self.buckets[self.next].params)):
                self._launch(self.buckets[self.next])
                self.next += 1
            self._progress()
        if len(self.ready) == len(self.params):
            self._finalize()

    def _progress(self) -> None:
        """Test the reductions in flight: MPI moves a non-blocking collective on only inside
        MPI calls, so each hook gives it a turn while backward computes."""
        t0 = time.perf_counter()
        for bucket in self.buckets[:self.next]:
            if bucket.work is not None and not bucket.work.is_completed():
                break
        self.comm_time_s += time.perf_counter() - t0

    def _launch(self, bucket: Bucket) -> None:
        t0 = time.perf_counter()
        first = bucket.params[0]
        xp = first._backend.xp
        flat = xp.zeros(bucket.numel, dtype=first._data.dtype)
        for slot, p in enumerate(bucket.params):
            i = bucket.indices[slot]
            if i in self.unused or p.grad is None:
                continue  # zero-filled: this rank contributes nothing for it
            off = bucket.offsets[slot]
            flat[off:off + p._data.size] = p.grad._data.reshape(-1)
        if self.comm.size > 1:
            flat /= self.comm.size  # averaged as PyTorch does: divide, then sum
        bucket.flat = flat
        bucket.work = self.comm.iallreduce(flat, ReduceOp.SUM)
        self.comm_time_s += time.perf_counter() - t0

    def _finalize(self) -> None:
        t0 = time.perf_counter()
        for bucket in self.buckets:
            if bucket.work is None:
                self._launch(bucket)
        globally_unused = self._globally_unused() if self.find_unused else set()
        t1 = time.perf_counter()
        for bucket in self.buckets:
            bucket.work.wait()
        self.wait_time_s += time.perf_counter() - t1
        for bucket in self.buckets:
            for slot, p in enumerate(bucket.params):
                if bucket.indices[slot] in globally_unused:
                    continue  # no rank used it: its .grad stays as it was
                off = bucket.offsets[slot]
                value = bucket.flat[off:off + p._data.size].reshape(p._data.shape)
                g = p.grad
                if g is not None and g._data.flags.writeable and g._data.shape == value.shape:
                    g._data[...] = value
                    g._version += 1
                else:
                    p.grad = Tensor._make(value.copy(), None)
            bucket.flat = bucket.work = None
        self.expect = self.started = False
        self.comm_time_s += time.perf_counter() - t0

    def _globally_unused(self) -> set[int]:
        """Parameters no rank used (an allreduce of the local use map)."""
        import numpy as np

        used = np.zeros(len(self.params), dtype=np.int32)
        for i in range(len(self.params)):
            if i not in self.unused:
                used[i] = 1
        self.comm.allreduce(used, ReduceOp.MAX)
        return {i for i in range(len(self.params)) if not used[i]}

    def remove(self) -> None:
        """Remove the gradient hooks."""
        _remove_all(self._handles)
        self._handles = []


def _remove_all(handles: list[Any]) -> None:
    for h in handles:
        h.remove()
