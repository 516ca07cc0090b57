"""Datasets and data loading: ``Dataset``, ``TensorDataset``, ``DataLoader``, MNIST, synthetic.

>>> import minigrad as mg
>>> from minigrad.data import DataLoader, SyntheticDigits
>>> train = SyntheticDigits(size=64).tensors(flatten=True)
>>> x, y = next(iter(DataLoader(train, batch_size=16, shuffle=True, seed=0)))
>>> x.shape, y.dtype
((16, 784), dtype('int64'))
"""

from minigrad.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from minigrad.data.download import DownloadError, check_md5, download_file, file_md5
from minigrad.data.idx import IDXError, read_idx, write_idx
from minigrad.data.images import ImageDataset
from minigrad.data.loader import DataLoader, default_collate
from minigrad.data.mnist import MNIST, DatasetNotFoundError, FashionMNIST, default_data_root
from minigrad.data.synthetic import SyntheticDigits, draw_digits

__all__ = [
    "MNIST", "ConcatDataset", "DataLoader", "Dataset", "DatasetNotFoundError", "DownloadError",
    "FashionMNIST", "IDXError", "ImageDataset", "Subset", "SyntheticDigits", "TensorDataset",
    "check_md5", "default_collate", "default_data_root", "download_file", "draw_digits",
    "file_md5", "random_split", "read_idx", "write_idx",
]
