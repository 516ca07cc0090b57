"""Datasets and data loading: ``Dataset``, ``IterableDataset``, ``TensorDataset``, samplers,
``DataLoader`` (with worker processes), ``default_collate``, MNIST, synthetic digits.

>>> import minigrad as mg
>>> from minigrad.data import DataLoader, SyntheticDigits
>>> train = SyntheticDigits(size=64).tensors(flatten=True)
>>> x, y = next(iter(DataLoader(train, batch_size=16, shuffle=True, seed=0)))
>>> x.shape, y.dtype
(Size([16, 784]), dtype('int64'))
"""

from minigrad.data.collate import default_collate, default_convert
from minigrad.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from minigrad.data.distributed import DistributedSampler
from minigrad.data.download import DownloadError, check_md5, download_file, file_md5
from minigrad.data.idx import IDXError, read_idx, write_idx
from minigrad.data.images import ImageDataset
from minigrad.data.loader import DataLoader
from minigrad.data.mnist import MNIST, DatasetNotFoundError, FashionMNIST, default_data_root
from minigrad.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from minigrad.data.synthetic import SyntheticDigits, draw_digits
from minigrad.data.worker import WorkerInfo, get_worker_info

__all__ = [
    "MNIST", "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
    "DatasetNotFoundError", "DownloadError", "FashionMNIST", "IDXError", "ImageDataset",
    "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
    "SubsetRandomSampler", "SyntheticDigits", "TensorDataset", "WeightedRandomSampler",
    "WorkerInfo", "check_md5", "default_collate", "default_convert", "default_data_root",
    "download_file", "draw_digits", "file_md5", "get_worker_info", "random_split", "read_idx",
    "write_idx",
]
__all__ += ["DistributedSampler"]
