"""Multi-process training with ``torch.distributed``'s names, over MPI (``mpi4py``) for NumPy
tensors and NCCL (CuPy's ``cupyx.distributed``) for CUDA tensors.

Launch one process per CPU socket or GPU with an MPI launcher; ``-m mpi4py`` makes an
unhandled exception on any rank end the whole job at once (``MPI_Abort``)::

    mpiexec -n 2 python -m mpi4py train.py

Inside, :func:`init_process_group` joins the world and :class:`minigrad.nn.parallel.
DistributedDataParallel` keeps the model's replicas in step. Without a launcher a process is
rank 0 of a world of 1 and everything still runs (no MPI needed). Install the extra with
``pip install 'minigrad[dist]'`` (``mpi4py`` and the ``mpich`` wheel; a site's own MPI is
used instead when mpi4py is built against it).

>>> import minigrad as mg
>>> import minigrad.distributed as dist
>>> dist.init_process_group(backend="auto")
>>> dist.get_rank(), dist.get_world_size(), dist.get_local_rank()
(0, 1, 0)
>>> t = mg.tensor([1.0, 3.0]); dist.all_reduce(t, op=dist.ReduceOp.MAX); t.tolist()
[1.0, 3.0]
>>> dist.destroy_process_group()
"""

from minigrad.distributed.collectives import (
    all_gather,
    all_gather_into_tensor,
    all_gather_object,
    all_reduce,
    broadcast,
    broadcast_object_list,
    reduce_scatter,
    reduce_scatter_tensor,
)
from minigrad.distributed.comm import DistBackendError, DistError, ReduceOp, Work
from minigrad.distributed.process_group import (
    barrier,
    destroy_process_group,
    get_backend,
    get_default_backend_for_device,
    get_local_rank,
    get_node_local_rank,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    launched_by_mpi,
)

__all__ = [
    "DistBackendError", "DistError", "ReduceOp", "Work", "all_gather",
    "all_gather_into_tensor", "all_gather_object", "all_reduce", "barrier", "broadcast",
    "broadcast_object_list", "destroy_process_group", "get_backend",
    "get_default_backend_for_device", "get_local_rank",
    "get_node_local_rank", "get_rank", "get_world_size", "init_process_group", "is_available",
    "is_initialized", "is_mpi_available", "is_nccl_available", "launched_by_mpi",
    "reduce_scatter", "reduce_scatter_tensor",
]
