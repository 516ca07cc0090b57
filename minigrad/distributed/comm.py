"""Communicators: the array-level collectives behind :mod:`minigrad.distributed`.

A communicator reduces, broadcasts and gathers contiguous arrays in place. Three exist:
:class:`LocalComm` (a world of one process, no MPI needed), :class:`MPIComm` (an ``mpi4py``
communicator; CUDA arrays are staged through host memory) and, in
:mod:`minigrad.distributed.nccl`, ``NCCLComm`` (CuPy's NCCL for CUDA arrays, MPI for the
rest). The tensor-level functions (``all_reduce`` ...) call these.

>>> import numpy as np
>>> comm = LocalComm()
>>> buf = np.array([1.0, 2.0])
>>> comm.allreduce(buf, ReduceOp.AVG); buf
array([1., 2.])
>>> comm.allgather_object({"rank": comm.rank})
[{'rank': 0}]
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from minigrad.errors import MinigradError

__all__ = ["DistBackendError", "DistError", "LocalComm", "MPIComm", "ReduceOp", "Work"]


class DistError(MinigradError, RuntimeError):
    """A distributed call that cannot be done (``torch.distributed.DistError``)."""


class DistBackendError(DistError):
    """The communication library failed (``torch.distributed.DistBackendError``)."""


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce_scatter`` combine the ranks' values, as
    ``torch.distributed.ReduceOp``. ``AVG`` is a sum divided by the world size (floating
    dtypes only); the bitwise ops need integer dtypes and MPI.

    >>> ReduceOp.SUM, ReduceOp.AVG.name
    (<ReduceOp.SUM: 0>, 'AVG')
    """

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class Work:
    """A collective that may still be running (``async_op=True``): ``wait()`` blocks until it
    is done and its result is in the tensor, as ``torch.distributed.Work``.

    >>> w = Work(); w.is_completed(), w.wait()
    (True, True)
    """

    def __init__(self, request: Any = None, finish: Any = None) -> None:
        self._request = request
        self._finish = finish
        self._done = request is None and finish is None

    def is_completed(self) -> bool:
        """Whether the collective has finished (tests without blocking)."""
        if not self._done and (self._request is None or self._request.Test()):
            self._request = None
            self.wait()
        return self._done

    def wait(self, timeout: Any = None) -> bool:
        """Block until the collective is done; returns True."""
        if self._done:
            return True
        if self._request is not None:
            self._request.Wait()
            self._request = None
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()
        self._done = True
        return True


def check_op(op: Any, dtype: Any, where: str) -> ReduceOp:
    """``op`` as a :class:`ReduceOp`, checked against the array's dtype."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{where}: op must be a minigrad.distributed.ReduceOp, got {op!r}")
    kind = np.dtype(dtype).kind
    if op is ReduceOp.AVG and kind not in "fc":
        raise TypeError(f"{where}: ReduceOp.AVG needs a floating dtype, got {np.dtype(dtype)}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and kind not in "iub":
        raise TypeError(f"{where}: ReduceOp.{op.name} needs an integer or bool dtype, got "
                        f"{np.dtype(dtype)}")
    if kind == "b" and op in (ReduceOp.SUM, ReduceOp.AVG, ReduceOp.PRODUCT):
        raise TypeError(f"{where}: ReduceOp.{op.name} of bool tensors is not supported; use "
                        "MIN/MAX/BAND/BOR or convert to an integer dtype")
    return op


class LocalComm:
    """The world of one process: every collective leaves its data as it is.

    >>> import numpy as np
    >>> out = np.zeros((1, 2)); LocalComm().allgather(np.ones(2), out); out
    array([[1., 1.]])
    """

    name = "local"
    rank = 0
    size = 1
    local_rank = 0

    def allreduce(self, buf: Any, op: ReduceOp = ReduceOp.SUM) -> None:
        """Reduce ``buf`` in place over the ranks (here: one rank, nothing to do)."""

    def iallreduce(self, buf: Any, op: ReduceOp = ReduceOp.SUM) -> Work:
        """Start an in-place reduction; its :class:`Work` completes it."""
        return Work()

    def bcast(self, buf: Any, src: int) -> None:
        """Overwrite ``buf`` with rank ``src``'s values."""

    def allgather(self, send: Any, recv: Any) -> None:
        """``recv[r] = send of rank r`` (``recv`` has shape ``(size, *send.shape)``)."""
        recv[0] = send

    def reduce_scatter(self, send: Any, recv: Any, op: ReduceOp = ReduceOp.SUM) -> None:
        """``recv = op over ranks r of send_r[rank]`` (``send``: ``(size, *recv.shape)``)."""
        recv[...] = send[0]

    def barrier(self) -> None:
        """Wait for every rank."""

    def allgather_object(self, obj: Any) -> list[Any]:
        """Every rank's picklable ``obj``, in rank order."""
        return [obj]

    def bcast_object(self, obj: Any, src: int) -> Any:
        """Rank ``src``'s picklable ``obj``."""
        return obj

    def abort(self, code: int = 1) -> None:
        """End every rank now with exit status ``code``."""
        raise SystemExit(code)

    def close(self) -> None:
        """Release the communicator."""


def _mpi_op(MPI: Any, op: ReduceOp) -> Any:
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MIN: MPI.MIN, ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND,
            ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


class _Staged:
    """A contiguous host (NumPy) array standing in for ``buf`` during an MPI call: ``buf``
    itself when it is one already; else a host copy (CUDA arrays, strided views, float16,
    which MPI has no type for and which is reduced in float32), written back by ``done()``."""

    def __init__(self, buf: Any, copy_in: bool = True) -> None:
        self.buf = buf
        direct = (isinstance(buf, np.ndarray) and buf.flags.c_contiguous
                  and buf.dtype != np.float16)
        if direct:
            self.host = buf
        else:
            host = buf.get() if hasattr(buf, "get") and not isinstance(buf, np.ndarray) else buf
            dtype = np.float32 if host.dtype == np.float16 else host.dtype
            self.host = (np.ascontiguousarray(host, dtype=dtype) if copy_in
                         else np.empty(host.shape, dtype))
        self.direct = direct

    def done(self) -> None:
        if self.direct:
            return
        if isinstance(self.buf, np.ndarray):
            self.buf[...] = self.host
        else:  # a CuPy array: copy back onto its device
            import cupy

            self.buf[...] = cupy.asarray(self.host, dtype=self.buf.dtype)


class MPIComm:
    """Collectives over an ``mpi4py`` communicator (``MPI.COMM_WORLD`` by default).

    Buffers go to MPI as they are when they are contiguous NumPy arrays (no copy); CUDA
    arrays are copied to the host and back (use the NCCL backend to keep them on the GPU).
    ``AVG`` is an MPI sum divided by the world size afterwards.

    >>> comm = MPIComm()  # doctest: +SKIP
    >>> buf = np.ones(3); comm.allreduce(buf, ReduceOp.SUM); buf  # doctest: +SKIP
    array([2., 2., 2.])
    """

    name = "mpi"

    def __init__(self, comm: Any = None, local_rank: int | None = None) -> None:
        from mpi4py import MPI

        self.MPI = MPI
        self.comm = comm if comm is not None else MPI.COMM_WORLD
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        if local_rank is None:
            node = self.comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
            local_rank = node.Get_rank()
            node.Free()
        self.local_rank = local_rank

    def _avg(self, staged: _Staged, op: ReduceOp) -> None:
        if op is ReduceOp.AVG:
            staged.host /= self.size
        staged.done()

    def allreduce(self, buf: Any, op: ReduceOp = ReduceOp.SUM) -> None:
        """Reduce ``buf`` in place over all ranks."""
        staged = _Staged(buf)
        self.comm.Allreduce(self.MPI.IN_PLACE, staged.host, op=_mpi_op(self.MPI, op))
        self._avg(staged, op)

    def iallreduce(self, buf: Any, op: ReduceOp = ReduceOp.SUM) -> Work:
        """Start a non-blocking in-place reduction (``MPI_Iallreduce``)."""
        staged = _Staged(buf)
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, staged.host, op=_mpi_op(self.MPI, op))
        return Work(request, lambda: self._avg(staged, op))

    def bcast(self, buf: Any, src: int) -> None:
        """Overwrite ``buf`` with rank ``src``'s values."""
        staged = _Staged(buf, copy_in=self.rank == src)
        self.comm.Bcast(staged.host, root=src)
        staged.done()

    def allgather(self, send: Any, recv: Any) -> None:
        """``recv[r] = send of rank r``."""
        s, r = _Staged(send), _Staged(recv, copy_in=False)
        self.comm.Allgather(s.host, r.host)
        r.done()

    def reduce_scatter(self, send: Any, recv: Any, op: ReduceOp = ReduceOp.SUM) -> None:
        """``recv = op over ranks of send[rank]``."""
        s, r = _Staged(send), _Staged(recv, copy_in=False)
        self.comm.Reduce_scatter_block(s.host, r.host, op=_mpi_op(self.MPI, op))
        self._avg(r, op)

    def barrier(self) -> None:
        """Wait for every rank."""
        self.comm.Barrier()

    def allgather_object(self, obj: Any) -> list[Any]:
        """Every rank's picklable ``obj``, in rank order."""
        return self.comm.allgather(obj)

    def bcast_object(self, obj: Any, src: int) -> Any:
        """Rank ``src``'s picklable ``obj``."""
        return self.comm.bcast(obj, root=src)

    def abort(self, code: int = 1) -> None:
        """End every rank of the job now (``MPI_Abort``)."""
        self.comm.Abort(code)

    def close(self) -> None:
        """Free a communicator this object split off (never ``COMM_WORLD`` itself)."""
        if self.comm != self.MPI.COMM_WORLD and self.comm != self.MPI.COMM_NULL:
            self.comm.Free()
