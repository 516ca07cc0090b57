"""The default process group: who the processes are and how they talk.

``init_process_group`` reads the world that launched the processes: an MPI launcher
(``mpiexec``, ``srun`` with PMI/PMIx, Open MPI's ``mpirun``) gives rank and size through
``mpi4py``; a process started without one is rank 0 of a world of 1 and needs no MPI at all.
``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK`` in the environment (torchrun's names) are honoured
when MPI launched the processes: ranks are renumbered to ``RANK`` and ``WORLD_SIZE`` must match
the MPI world (minigrad has no TCP rendezvous of its own: ranks always meet over MPI).

On a world of more than one process an unhandled exception on any rank ends the whole job
(``MPI_Abort``) after printing its traceback, so no rank waits forever in a collective.

>>> import minigrad.distributed as dist
>>> dist.init_process_group()
>>> dist.get_rank(), dist.get_world_size(), dist.get_backend()
(0, 1, 'local')
>>> dist.destroy_process_group(); dist.is_initialized()
False
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import warnings
from typing import Any

from minigrad.distributed.comm import DistError, LocalComm

__all__ = [
    "barrier", "destroy_process_group", "get_backend", "get_default_backend_for_device",
    "get_local_rank",
    "get_node_local_rank", "get_rank", "get_world_size", "init_process_group", "is_available",
    "is_initialized", "is_mpi_available", "is_nccl_available", "launched_by_mpi",
]

#: environment variables an MPI launcher sets in each process it starts
LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALRANKID")
BACKENDS = ("auto", "mpi", "nccl", "gloo")


class _World:
    comm: Any = None
    backend: str | None = None
    excepthook: Any = None


_WORLD = _World()


def launched_by_mpi() -> bool:
    """Whether an MPI launcher started this process (it sets one of :data:`LAUNCHER_VARS`;
    under another launcher ask for ``init_process_group("mpi")``).

    >>> isinstance(launched_by_mpi(), bool)
    True
    """
    return any(v in os.environ for v in LAUNCHER_VARS)


def is_available() -> bool:
    """True: the distributed package is always there (``torch.distributed.is_available``).

    >>> is_available()
    True
    """
    return True


def is_mpi_available() -> bool:
    """Whether ``mpi4py`` can be imported (``pip install 'minigrad[dist]'``).

    >>> isinstance(is_mpi_available(), bool)
    True
    """
    return importlib.util.find_spec("mpi4py") is not None


def is_nccl_available() -> bool:
    """Whether CuPy with NCCL support is installed.

    >>> isinstance(is_nccl_available(), bool)
    True
    """
    if importlib.util.find_spec("cupy") is None:
        return False
    with warnings.catch_warnings():  # CuPy warns when it cannot load libnccl
        warnings.simplefilter("ignore")
        try:
            from cupy.cuda import nccl
        except Exception:  # ImportError, or CuPy's own errors without a CUDA driver
            return False
        return bool(getattr(nccl, "available", False))


def is_initialized() -> bool:
    """Whether :func:`init_process_group` has run (and no destroy since).

    >>> is_initialized()
    False
    """
    return _WORLD.comm is not None


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"init_process_group: environment variable {name}={value!r} is not "
                         "an integer") from None


def _mpi_comm(rank: int, world_size: int, env_rank: int | None) -> Any:
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise DistError("init_process_group: this process was started by an MPI launcher (or "
                        "backend='mpi' was asked for) but mpi4py is not installed: pip install "
                        "'minigrad[dist]'") from e
    from minigrad.distributed.comm import MPIComm

    comm = MPI.COMM_WORLD
    size = comm.Get_size()
    want = env_rank if rank < 0 else rank
    if world_size not in (-1, size):
        raise DistError(f"init_process_group: world_size={world_size} but the MPI world has "
                        f"{size} processes (launch with mpiexec -n {world_size})")
    if want is not None:
        ranks = comm.allgather(want)
        if sorted(ranks) != list(range(size)):
            raise DistError(f"init_process_group: the ranks asked for (rank= or RANK) are "
                            f"{ranks}; they must be 0..{size - 1}, each once")
        comm = comm.Split(0, key=want)
    return MPIComm(comm, local_rank=_env_int("LOCAL_RANK"))


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: Any = None, world_size: int = -1, rank: int = -1,
                       store: Any = None, group_name: str = "", pg_options: Any = None,
                       device_id: Any = None) -> None:
    """Join the default process group (``torch.distributed.init_process_group``).

    Args:
        backend: ``"auto"`` / None (MPI when an MPI launcher started the process, else a
            world of 1), ``"mpi"``, ``"nccl"`` (CUDA tensors over NCCL, the rest over MPI;
            needs CuPy), or ``"gloo"`` (minigrad has no Gloo: an alias of ``"mpi"``).
        init_method: None or ``"env://"``; ranks meet over MPI, never over TCP or files.
        timeout, store, group_name, pg_options: accepted for PyTorch's signature, unused.
        world_size, rank: checked against (and ``rank`` orders) the MPI world; the
            environment's ``WORLD_SIZE`` / ``RANK`` do the same.
        device_id: the CUDA device (int or ``"cuda:N"``) of this rank with ``"nccl"``.

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group("auto"); dist.get_world_size()
    1
    >>> dist.destroy_process_group()
    """
    if _WORLD.comm is not None:
        raise ValueError("trying to initialize the default process group twice!")
    name = "auto" if backend is None else str(backend).lower()
    if name not in BACKENDS:
        raise ValueError(f"init_process_group: unknown backend {backend!r}; minigrad has "
                         f"{', '.join(repr(b) for b in BACKENDS)}")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_process_group: init_method={init_method!r} is not supported: "
                         "processes meet over MPI (launch them with mpiexec)")
    env_size, env_rank = _env_int("WORLD_SIZE"), _env_int("RANK")
    if world_size == -1 and env_size is not None:
        world_size = env_size
    use_mpi = launched_by_mpi() or name in ("mpi", "gloo")
    if not use_mpi and world_size > 1:
        raise DistError(f"init_process_group: world_size={world_size} but this process was "
                        "not started by an MPI launcher; minigrad's processes meet over MPI: "
                        f"mpiexec -n {world_size} python -m mpi4py script.py")
    if not use_mpi and rank > 0:
        raise DistError(f"init_process_group: rank={rank} in a world of 1 process")
    host = _mpi_comm(rank, world_size, env_rank) if use_mpi else LocalComm()
    comm = host
    if name == "nccl":
        from minigrad.distributed.nccl import NCCLComm

        comm = NCCLComm(host, device_id=_device_index(device_id))
    _WORLD.comm = comm
    _WORLD.backend = "mpi" if name in ("auto", "gloo") and use_mpi else comm.name
    if comm.size > 1:
        _WORLD.excepthook = sys.excepthook
        sys.excepthook = _abort_on_exception


def _device_index(device_id: Any) -> int | None:
    if device_id is None:
        return None
    if isinstance(device_id, int):
        return device_id
    from minigrad.backends.base import parse_device

    return parse_device(device_id).index or 0


def _abort_on_exception(exc_type: Any, exc: Any, tb: Any) -> None:
    """``sys.excepthook`` while a multi-process group lives: print, then end every rank."""
    previous = _WORLD.excepthook or sys.__excepthook__
    previous(exc_type, exc, tb)
    sys.stderr.flush()
    if _WORLD.comm is not None:
        # give the launcher a moment to forward the traceback before it kills every rank
        # (mpiexec's I/O forwarding otherwise may cut it off mid-line)
        time.sleep(0.5)
        _WORLD.comm.abort(1)


def destroy_process_group(group: Any = None) -> None:
    """Leave the default process group (MPI itself stays up until the process exits).

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); dist.destroy_process_group(); dist.is_initialized()
    False
    """
    _check_group(group, "destroy_process_group")
    comm = _WORLD.comm
    if comm is None:
        raise ValueError("Default process group has not been initialized, please make sure "
                         "to call init_process_group.")
    if _WORLD.excepthook is not None:
        if sys.excepthook is _abort_on_exception:
            sys.excepthook = _WORLD.excepthook
        _WORLD.excepthook = None
    _WORLD.comm = None
    _WORLD.backend = None
    comm.close()


def _check_group(group: Any, where: str) -> None:
    if group is not None:
        raise DistError(f"{where}: only the default group (group=None) exists in minigrad")


def get_comm(where: str = "distributed") -> Any:
    """The default group's communicator; raises when no group was initialized."""
    if _WORLD.comm is None:
        raise ValueError("Default process group has not been initialized, please make sure "
                         f"to call init_process_group. ({where})")
    return _WORLD.comm


def get_rank(group: Any = None) -> int:
    """This process's rank in the default group.

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); dist.get_rank()
    0
    >>> dist.destroy_process_group()
    """
    _check_group(group, "get_rank")
    return int(get_comm("get_rank").rank)


def get_world_size(group: Any = None) -> int:
    """The number of processes in the default group.

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); dist.get_world_size()
    1
    >>> dist.destroy_process_group()
    """
    _check_group(group, "get_world_size")
    return int(get_comm("get_world_size").size)


def get_local_rank() -> int:
    """This process's rank among the processes of its host (``LOCAL_RANK`` when set, else
    from MPI's shared-memory split): the GPU to use is ``cuda:{get_local_rank()}``.

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); dist.get_local_rank()
    0
    >>> dist.destroy_process_group()
    """
    return int(get_comm("get_local_rank").local_rank)


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    """``torch.distributed.get_node_local_rank``: ``LOCAL_RANK`` from the environment, else
    the group's local rank when one is initialized, else ``fallback_rank``.

    >>> get_node_local_rank(fallback_rank=0)
    0
    """
    env = _env_int("LOCAL_RANK")
    if env is not None:
        return env
    if _WORLD.comm is not None:
        return int(_WORLD.comm.local_rank)
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment and no process group is "
                       "initialized; pass fallback_rank")


def get_backend(group: Any = None) -> str:
    """``"mpi"``, ``"nccl"``, or ``"local"`` (a world of 1 without MPI).

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); dist.get_backend()
    'local'
    >>> dist.destroy_process_group()
    """
    _check_group(group, "get_backend")
    get_comm("get_backend")
    return str(_WORLD.backend)


def get_default_backend_for_device(device: Any) -> str:
    """The backend for tensors on ``device``: ``"nccl"`` for CUDA, ``"mpi"`` for the CPU
    (PyTorch answers ``"gloo"`` there; minigrad's CPU backend is MPI).

    >>> get_default_backend_for_device("cuda:0"), get_default_backend_for_device("cpu")
    ('nccl', 'mpi')
    """
    from minigrad.backends.base import parse_device

    return "nccl" if parse_device(device).type == "cuda" else "mpi"


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Any:
    """Block until every rank has reached this call.

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); dist.barrier(); dist.destroy_process_group()
    """
    _check_group(group, "barrier")
    get_comm("barrier").barrier()
    if async_op:
        from minigrad.distributed.comm import Work

        return Work()
    return None
