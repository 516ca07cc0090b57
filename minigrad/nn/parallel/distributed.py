"""``DistributedDataParallel``: one model replica per process, gradients averaged over the
ranks during backward, so every rank takes the same optimizer step.

>>> import minigrad as mg
>>> import minigrad.distributed as dist
>>> from minigrad import nn
>>> dist.init_process_group()
>>> ddp = DistributedDataParallel(nn.Linear(4, 2))
>>> ddp(mg.ones(3, 4)).sum().backward()
>>> ddp.module.weight.grad.shape, list(ddp.state_dict())[0]
(Size([2, 4]), 'module.weight')
>>> dist.destroy_process_group()
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from minigrad.distributed.comm import DistError
from minigrad.distributed.process_group import get_comm
from minigrad.grad_mode import is_grad_enabled
from minigrad.nn.module import Module
from minigrad.nn.parallel.reducer import Reducer

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Data parallelism over the default process group (``torch.nn.parallel.
    DistributedDataParallel``): wrap the model after :func:`~minigrad.distributed.
    init_process_group`, give each rank its own shard of every batch (see
    :class:`~minigrad.data.DistributedSampler`), and step the optimizer as usual.

    At construction the parameters and buffers of rank 0 are broadcast to every rank (so
    random initialisation need not agree) after checking that all ranks hold the same
    parameter shapes. In each backward pass the gradients are averaged over the ranks in
    buckets of about ``bucket_cap_mb`` MiB, each reduced as soon as its last gradient is
    final while backward continues. Inside :meth:`no_sync` gradients accumulate locally;
    the first backward after it reduces the accumulated sum.

    Args:
        module: the model.
        device_ids, output_device, dim, process_group, check_reduction,
            gradient_as_bucket_view, static_graph: accepted for PyTorch's signature; the
            model stays on its device and only the default group exists (passing another
            ``process_group`` is an error).
        broadcast_buffers: broadcast rank 0's buffers (BatchNorm statistics) before every
            forward pass that records a graph.
        bucket_cap_mb: bucket size in MiB (default 25; the first bucket is capped at 1 MiB).
        find_unused_parameters: find, after each forward, the parameters its output does not
            depend on and mark them ready at once (they contribute zeros; a parameter no rank
            used keeps its ``.grad``). Without it such a parameter stalls the reduction, and
            the next forward raises.
        overlap: minigrad extra (keyword-only): False holds every bucket until the whole
            backward is done (for measuring what the overlap buys).

    Dropout masks come from each process's own generator: seed ranks differently
    (``mg.manual_seed(seed + rank)`` after wrapping) for independent masks.
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0, broadcast_buffers: bool = True, process_group: Any = None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, *, overlap: bool = True) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got "
                            f"{type(module).__name__}")
        if process_group is not None:
            raise DistError("DistributedDataParallel: only the default process group exists "
                            "in minigrad (process_group=None)")
        cap = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        if not cap > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got "
                             f"{bucket_cap_mb}")
        comm = get_comm("DistributedDataParallel")
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.bucket_bytes_cap = int(cap * 1024 * 1024)
        self.dim = dim
        self.require_backward_grad_sync = True
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        self._check_shapes(comm, module)
        self._comm = comm
        self._sync_module_states()
        object.__setattr__(self, "reducer", Reducer(
            [p for _, p in named], comm, cap, self.find_unused_parameters, overlap))

    @staticmethod
    def _check_shapes(comm: Any, module: Module) -> None:
        mine = [(n, tuple(p.shape), str(p.dtype)) for n, p in module.named_parameters()]
        every = comm.allgather_object(mine)
        for rank, theirs in enumerate(every):
            if theirs != mine:
                diff = next((f"{a} vs {b}" for a, b in zip(mine, theirs, strict=False)
                             if a != b), f"{len(mine)} vs {len(theirs)} parameters")
                raise DistError(f"DistributedDataParallel: rank {comm.rank}'s model differs "
                                f"from rank {rank}'s: {diff}")

    def _sync_module_states(self) -> None:
        """Broadcast rank 0's parameters and buffers to every rank."""
        for t in (*self.module.parameters(), *self.module.buffers()):
            self._comm.bcast(t._data, 0)
            t._version += 1

    def _sync_buffers(self) -> None:
        for b in self.module.buffers():
            self._comm.bcast(b._data, 0)
            b._version += 1

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Run the wrapped module, arming the gradient reduction when a graph is recorded."""
        grad = is_grad_enabled()
        sync = grad and self.require_backward_grad_sync
        if sync:
            self.reducer.check_finished()  # raises if the last reduction never finished
            if self.broadcast_buffers and self._comm.size > 1:
                self._sync_buffers()
        elif grad:
            self.reducer.expect = False  # no_sync: this graph's backward reduces nothing
        out = self.module(*inputs, **kwargs)
        if sync:
            self.reducer.prepare(out)
        return out

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Accumulate gradients locally: backward passes run inside this context skip the
        reduction (the next one outside it averages the accumulated gradients).

        >>> import minigrad as mg, minigrad.distributed as dist
        >>> from minigrad import nn
        >>> dist.init_process_group(); ddp = DistributedDataParallel(nn.Linear(2, 1))
        >>> with ddp.no_sync():
        ...     ddp(mg.ones(1, 2)).sum().backward()
        >>> ddp(mg.ones(1, 2)).sum().backward(); ddp.module.bias.grad.tolist()
        [2.0]
        >>> dist.destroy_process_group()
        """
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def extra_repr(self) -> str:
        return (f"world_size={self._comm.size}, bucket_cap_mb="
                f"{self.bucket_bytes_cap / 2**20:g}, find_unused_parameters="
                f"{self.find_unused_parameters}")
