"""``torch.utils.data.distributed``'s path: :class:`minigrad.data.DistributedSampler`.

>>> from minigrad.utils.data.distributed import DistributedSampler
>>> import minigrad.data
>>> DistributedSampler is minigrad.data.DistributedSampler
True
"""

from minigrad.data.distributed import DistributedSampler

__all__ = ["DistributedSampler"]
