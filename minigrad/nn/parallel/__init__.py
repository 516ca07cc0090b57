"""``torch.nn.parallel``'s wrappers: :class:`DistributedDataParallel` (one process per
device, gradients averaged over MPI or NCCL) and :class:`DataParallel` (single device: it
calls the module).

>>> from minigrad import nn
>>> nn.parallel.DistributedDataParallel.__name__, nn.DataParallel is nn.parallel.DataParallel
('DistributedDataParallel', True)
"""

from minigrad.nn.parallel.data_parallel import DataParallel
from minigrad.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
