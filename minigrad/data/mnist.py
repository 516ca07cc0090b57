"""MNIST and Fashion-MNIST from the four canonical gzipped IDX files.

The files are looked for in ``root`` and in ``root/mnist`` (``root/fashion-mnist`` for
Fashion-MNIST), so ``root`` may be the folder holding the files or its parent. Without
``root``, the ``MINIGRAD_DATA`` environment variable names it (falling back to
``~/.minigrad/data``). ``download=True`` fetches missing files from the canonical mirrors and
checks their md5.

>>> import os
>>> ds = MNIST(train=False)                       # doctest: +SKIP
>>> x, y = ds.tensors(normalize=True).tensors     # doctest: +SKIP
>>> x.shape, y.shape                              # doctest: +SKIP
((10000, 1, 28, 28), (10000,))
>>> MNIST.files(train=True)
('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz')
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from minigrad.data.download import download_file
from minigrad.data.idx import IDXError, read_idx
from minigrad.data.images import ImageDataset
from minigrad.tensor import Tensor

__all__ = ["MNIST", "DatasetNotFoundError", "FashionMNIST", "default_data_root"]

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


class DatasetNotFoundError(FileNotFoundError):
    """The files of a dataset are not where they were looked for."""


def default_data_root() -> str:
    """``$MINIGRAD_DATA`` when set, else ``~/.minigrad/data``.

    >>> import os
    >>> os.environ["MINIGRAD_DATA"] = "/tmp/somewhere"; default_data_root()
    '/tmp/somewhere'
    >>> del os.environ["MINIGRAD_DATA"]
    """
    env = os.environ.get("MINIGRAD_DATA")
    if env:
        return os.path.expanduser(env)
    return os.path.join(os.path.expanduser("~"), ".minigrad", "data")


class MNIST(ImageDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28×28.

    Args:
        root: the folder holding the IDX files, or its parent containing ``mnist/``;
            default ``$MINIGRAD_DATA`` (see :func:`default_data_root`).
        train: the training split (else the test split).
        download: fetch missing files from the canonical mirrors (md5-checked) into
            ``root/mnist`` (or ``root`` itself when it is already named ``mnist``).
        transform, target_transform: see :class:`~minigrad.data.ImageDataset`.

    Both ``name.gz`` and an uncompressed ``name`` are accepted. The files are validated
    (magic numbers 2051/2049, 28×28 images, matching counts, exact file length), so a
    corrupted or truncated file raises :class:`~minigrad.data.IDXError` naming it.

    ``ds.data`` is uint8 (N, 28, 28) and ``ds.targets`` int64 (N,), as in torchvision; use
    ``ds.tensors()`` for a normalised float ``TensorDataset`` to train on.

    >>> MNIST.folder, MNIST.mean, MNIST.std
    ('mnist', 0.1307, 0.3081)
    """

    folder: ClassVar[str] = "mnist"
    mirrors: ClassVar[tuple[str, ...]] = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    md5s: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    class_names: ClassVar[tuple[str, ...]] = tuple(str(i) for i in range(10))
    mean = 0.1307
    std = 0.3081

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        download: bool = False,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        self.root = os.path.expanduser(os.fspath(root)) if root is not None else default_data_root()
        self.train = bool(train)
        if download:
            self.download()
        directory = self._find()
        images_file, labels_file = self.files(self.train)
        images = self._read(directory, images_file, IMAGES_MAGIC)
        labels = self._read(directory, labels_file, LABELS_MAGIC)
        self._check(directory, images, labels)
        self.directory = directory
        super().__init__(
            images, labels, classes=self.class_names, transform=transform,
            target_transform=target_transform,
        )

    # ------------------------------------------------------------------ files
    @classmethod
    def files(cls, train: bool) -> tuple[str, str]:
        """The (images, labels) file names of a split."""
        prefix = "train" if train else "t10k"
        return f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"

    def _candidates(self) -> list[str]:
        dirs = [self.root, os.path.join(self.root, self.folder)]
        return [d for i, d in enumerate(dirs) if d not in dirs[:i]]

    @staticmethod
    def _present(directory: str, name: str) -> str | None:
        for candidate in (name, name.removesuffix(".gz")):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _find(self) -> str:
        needed = self.files(self.train)
        for directory in self._candidates():
            if all(self._present(directory, n) for n in needed):
                return directory
        name = type(self).__name__
        missing = ", ".join(needed)
        where = " or ".join(self._candidates())
        raise DatasetNotFoundError(
            f"{name}: missing {missing} in {where}. Put the canonical gzipped IDX files in a "
            f"folder and pass it as root= (or set the MINIGRAD_DATA environment variable to it "
            f"or to its parent holding {self.folder}/), or fetch them from the canonical mirrors "
            f"with minigrad.data.{name}(root, download=True)."
        )

    def _read(self, directory: str, name: str, magic: int) -> np.ndarray:
        path = self._present(directory, name)
        if path is None:  # pragma: no cover - _find checked
            raise DatasetNotFoundError(f"{type(self).__name__}: missing {name} in {directory}")
        return read_idx(path, expected_magic=magic)

    def _check(self, directory: str, images: np.ndarray, labels: np.ndarray) -> None:
        name = type(self).__name__
        if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
            raise IDXError(
                f"{name}: images in {directory} have shape {images.shape} and dtype "
                f"{images.dtype}, expected uint8 (N, 28, 28)"
            )
        if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
            raise IDXError(
                f"{name}: {images.shape[0]} images but labels of shape {labels.shape} in "
                f"{directory}; the counts must match"
            )
        if labels.size and int(labels.max()) >= len(self.class_names):
            raise IDXError(
                f"{name}: labels in {directory} go up to {int(labels.max())}, expected "
                f"0..{len(self.class_names) - 1}"
            )

    def download(self) -> None:
        """Fetch the files of both splits that are missing, md5-checked, into the data folder."""
        if any(all(self._present(d, n) for n in self.md5s) for d in self._candidates()):
            return
        base = os.path.basename(os.path.normpath(self.root))
        target = self.root if base == self.folder else os.path.join(self.root, self.folder)
        for filename, md5 in self.md5s.items():
            download_file(filename, target, self.mirrors, md5)

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split}, {len(self)} images, root={self.root!r})"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format and sizes, ten kinds of clothing.

    Looked for in ``root`` or ``root/fashion-mnist``; otherwise as :class:`MNIST`.

    >>> FashionMNIST.folder, FashionMNIST.class_names[9]
    ('fashion-mnist', 'Ankle boot')
    """

    folder: ClassVar[str] = "fashion-mnist"
    mirrors: ClassVar[tuple[str, ...]] = (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    )
    md5s: ClassVar[dict[str, str]] = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    class_names: ClassVar[tuple[str, ...]] = (
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
        "Bag", "Ankle boot",
    )
    mean = 0.2860
    std = 0.3530
