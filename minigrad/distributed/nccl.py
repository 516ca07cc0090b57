"""The NCCL backend: CUDA arrays go through CuPy's ``cupyx.distributed`` (NCCL), everything
else (host arrays, Python objects, barriers) through the MPI communicator that launched the
processes, which also hands NCCL its unique id (``use_mpi=True``, as ChainerMN bootstraps).

Each process drives one GPU: ``cuda:{local_rank}`` unless ``device_id`` says otherwise, made
current before the NCCL communicator is created. NCCL collectives are queued on the current
CUDA stream, so a ``Work`` of an "asynchronous" call is complete as far as later kernels on
that stream are concerned, as with PyTorch's NCCL backend.

>>> import numpy as np
>>> from minigrad.distributed.comm import LocalComm
>>> class Fake:  # stands in for cupyx.distributed's communicator
...     def all_reduce(self, a, out, op="sum", stream=None): out[...] = a
>>> comm = NCCLComm(LocalComm(), nccl=Fake(), device_arrays=True)
>>> buf = np.array([2.0, 4.0]); comm.allreduce(buf); buf
array([2., 4.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.distributed.comm import DistError, ReduceOp, Work

__all__ = ["NCCLComm"]

_NCCL_OPS = {ReduceOp.SUM: "sum", ReduceOp.AVG: "sum", ReduceOp.PRODUCT: "prod",
             ReduceOp.MIN: "min", ReduceOp.MAX: "max"}


def _nccl_op(op: ReduceOp, where: str) -> str:
    name = _NCCL_OPS.get(op)
    if name is None:
        raise DistError(f"{where}: ReduceOp.{op.name} is not supported by the nccl backend "
                        "(SUM, AVG, PRODUCT, MIN, MAX are)")
    return name


class NCCLComm:
    """Collectives of CUDA arrays over NCCL; the rest over ``host`` (an MPI communicator).

    Args:
        host: the communicator of the launched world (``MPIComm``, or ``LocalComm`` for one
            process); it gives rank, size and local rank.
        device_id: the GPU index this process uses (default: its local rank modulo the
            number of visible GPUs).
        nccl: a ready communicator with ``cupyx.distributed.NCCLBackend``'s methods (tests
            pass a stand-in; default: ``cupyx.distributed.init_process_group``).
        device_arrays: route every array to NCCL (a stand-in working on NumPy arrays);
            default: only CuPy arrays go to NCCL.
    """

    name = "nccl"

    def __init__(self, host: Any, device_id: int | None = None, nccl: Any = None,
                 device_arrays: bool = False) -> None:
        self.host = host
        self.rank, self.size, self.local_rank = host.rank, host.size, host.local_rank
        self._all_device = device_arrays
        if nccl is None:
            nccl = self._connect(device_id)
        self.nccl = nccl

    def _connect(self, device_id: int | None) -> Any:
        try:
            import cupy
            import cupyx.distributed
        except ImportError as e:
            raise DistError("init_process_group(backend='nccl') needs CuPy with NCCL: pip "
                            "install 'minigrad[cuda,dist-cuda]'") from e
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception:  # no driver: CuPy raises its own CUDARuntimeError
            count = 0
        if count < 1:
            raise DistError("init_process_group(backend='nccl'): no CUDA GPU is visible")
        self.device_id = self.local_rank % count if device_id is None else int(device_id)
        cupy.cuda.Device(self.device_id).use()
        # the unique id travels over MPI when MPI launched us (else CuPy's own TCP store)
        return cupyx.distributed.init_process_group(self.size, self.rank, backend="nccl",
                                                    use_mpi=self.host.name == "mpi")

    def _on_device(self, buf: Any) -> bool:
        return self._all_device or not isinstance(buf, np.ndarray)

    @staticmethod
    def _contiguous(buf: Any) -> tuple[Any, bool]:
        if buf.flags.c_contiguous:
            return buf, False
        return buf.copy(), True  # a C-contiguous copy, on the array's own device

    def allreduce(self, buf: Any, op: ReduceOp = ReduceOp.SUM) -> None:
        """Reduce ``buf`` in place over all ranks."""
        if not self._on_device(buf):
            return self.host.allreduce(buf, op)
        work, copied = self._contiguous(buf)
        self.nccl.all_reduce(work, work, _nccl_op(op, "all_reduce"))
        if op is ReduceOp.AVG:
            work /= self.size
        if copied:
            buf[...] = work
        return None

    def iallreduce(self, buf: Any, op: ReduceOp = ReduceOp.SUM) -> Work:
        """Queue the reduction on the current stream (host arrays: MPI's non-blocking one)."""
        if not self._on_device(buf):
            return self.host.iallreduce(buf, op)
        self.allreduce(buf, op)
        return Work()

    def bcast(self, buf: Any, src: int) -> None:
        """Overwrite ``buf`` with rank ``src``'s values."""
        if not self._on_device(buf):
            return self.host.bcast(buf, src)
        work, copied = self._contiguous(buf)
        self.nccl.broadcast(work, src)
        if copied:
            buf[...] = work
        return None

    def allgather(self, send: Any, recv: Any) -> None:
        """``recv[r] = send of rank r``."""
        if not self._on_device(send):
            return self.host.allgather(send, recv)
        s, _ = self._contiguous(send)
        r, copied = self._contiguous(recv)
        self.nccl.all_gather(s, r, s.size)
        if copied:
            recv[...] = r
        return None

    def reduce_scatter(self, send: Any, recv: Any, op: ReduceOp = ReduceOp.SUM) -> None:
        """``recv = op over ranks of send[rank]``."""
        if not self._on_device(send):
            return self.host.reduce_scatter(send, recv, op)
        s, _ = self._contiguous(send)
        r, copied = self._contiguous(recv)
        self.nccl.reduce_scatter(s, r, r.size, _nccl_op(op, "reduce_scatter"))
        if op is ReduceOp.AVG:
            r /= self.size
        if copied:
            recv[...] = r
        return None

    def barrier(self) -> None:
        """Wait for every rank (on the host, over MPI)."""
        self.host.barrier()

    def allgather_object(self, obj: Any) -> list[Any]:
        """Every rank's picklable ``obj`` (over MPI)."""
        return self.host.allgather_object(obj)

    def bcast_object(self, obj: Any, src: int) -> Any:
        """Rank ``src``'s picklable ``obj`` (over MPI)."""
        return self.host.bcast_object(obj, src)

    def abort(self, code: int = 1) -> None:
        """End every rank now."""
        self.host.abort(code)

    def close(self) -> None:
        """Release the host communicator (CuPy frees the NCCL one with the object)."""
        self.nccl = None
        self.host.close()
