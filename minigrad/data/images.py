"""The common shape of the image-classification datasets (MNIST, Fashion-MNIST, synthetic).

An :class:`ImageDataset` holds every image as one uint8 array (``.data``, N×H×W) and every
label as one int64 array (``.targets``), as torchvision's MNIST does. Indexing gives one sample
at a time (for transforms); :meth:`ImageDataset.tensors` gives the whole set as a normalised
float :class:`~minigrad.data.TensorDataset` in one vectorised step, which is what training
should use.

>>> import numpy as np
>>> ds = ImageDataset(np.full((4, 2, 2), 255, np.uint8), np.arange(4), mean=0.5, std=0.5)
>>> ds[0][0].shape, ds.tensors()[0][0].tolist()
(Size([1, 2, 2]), [[[1.0, 1.0], [1.0, 1.0]]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.data.dataset import Dataset, TensorDataset
from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

__all__ = ["ImageDataset"]


class ImageDataset(Dataset[tuple[Any, Any]]):
    """Grey-scale images (uint8, N×H×W) with integer class labels.

    Args:
        images: uint8 array of shape (N, H, W).
        labels: integer array of shape (N,).
        classes: class names (default: the label values as strings).
        mean, std: the per-pixel statistics (on the [0, 1] scale) used by
            ``tensors(normalize=True)`` and by :meth:`normalize`.
        transform: applied to each image of ``ds[i]``, a float32 1×H×W tensor in [0, 1].
            (torchvision hands transforms a PIL image; minigrad has no PIL dependency, so it
            hands over what ``ToTensor()`` would have made.)
        target_transform: applied to each label of ``ds[i]`` (a Python int).

    ``.data`` and ``.targets`` are tensors sharing memory with the arrays.

    >>> import numpy as np
    >>> ds = ImageDataset(np.zeros((3, 4, 4), np.uint8), np.array([2, 0, 1]))
    >>> len(ds), ds[0][1], ds.data.dtype, ds.targets.dtype
    (3, 2, dtype('uint8'), dtype('int64'))
    """

    mean: float = 0.5
    std: float = 0.5

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        classes: Sequence[str] | None = None,
        mean: float | None = None,
        std: float | None = None,
        transform: Callable[[Tensor], Any] | None = None,
        target_transform: Callable[[int], Any] | None = None,
    ) -> None:
        images = np.asarray(images)
        labels = np.asarray(labels)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ShapeError(
                f"{type(self).__name__}: images must be a uint8 array of shape (N, H, W), got "
                f"{images.dtype} of shape {images.shape}"
            )
        if labels.shape != (images.shape[0],) or labels.dtype.kind not in "iu":
            raise ShapeError(
                f"{type(self).__name__}: labels must be integers of shape ({images.shape[0]},) "
                f"to match {images.shape[0]} images, got {labels.dtype} of shape {labels.shape}"
            )
        self._images = images
        self._labels = labels.astype(np.int64, copy=False)
        n_classes = int(self._labels.max()) + 1 if self._labels.size else 0
        self.classes = list(classes) if classes is not None else [str(i) for i in range(n_classes)]
        if mean is not None:
            self.mean = float(mean)
        if std is not None:
            self.std = float(std)
        self.transform = transform
        self.target_transform = target_transform

    @property
    def data(self) -> Tensor:
        """All images, a uint8 tensor of shape (N, H, W)."""
        return Tensor._make(self._images, None)

    @property
    def targets(self) -> Tensor:
        """All labels, an int64 tensor of shape (N,)."""
        return Tensor._make(self._labels, None)

    def __len__(self) -> int:
        return int(self._images.shape[0])

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img: Any = Tensor._make(
            (self._images[index].astype(np.float32) / np.float32(255.0))[None], None
        )
        target: Any = int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def normalize(self, images: np.ndarray, dtype: Any = None) -> np.ndarray:
        """uint8 images → float ``(x/255 - mean) / std`` (vectorised, NumPy in and out).

        >>> import numpy as np
        >>> ImageDataset(np.zeros((1, 1, 1), np.uint8), np.zeros(1, np.int64),
        ...              mean=0.5, std=0.25).normalize(np.array([0, 255], np.uint8)).tolist()
        [-2.0, 2.0]
        """
        dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
        scale = dt.type(1.0 / (255.0 * self.std))
        shift = dt.type(self.mean / self.std)
        return images.astype(dt) * scale - shift

    def tensors(
        self,
        normalize: bool = True,
        flatten: bool = False,
        pad: int = 0,
        dtype: Any = None,
        device: Any = None,
    ) -> TensorDataset:
        """The whole set as a ``TensorDataset(images, labels)``, built in one vectorised pass.

        Args:
            normalize: ``(x/255 - mean)/std`` when True, else ``x/255`` (range [0, 1]).
            flatten: images of shape (N, H·W) (for linear models) instead of (N, 1, H, W).
            pad: zero (background) pixels added on every side before normalising, e.g. 2 to
                give LeNet-5 its 32×32 input.
            dtype: float dtype of the images (default: minigrad's default, float32).
            device: put both tensors there (e.g. ``"cuda"``).

        >>> import numpy as np
        >>> ds = ImageDataset(np.zeros((2, 28, 28), np.uint8), np.array([1, 0]))
        >>> x, y = ds.tensors(pad=2).tensors
        >>> x.shape, y.tolist(), ds.tensors(flatten=True).tensors[0].shape
        (Size([2, 1, 32, 32]), [1, 0], Size([2, 784]))
        """
        pad = int(pad)
        if pad < 0:
            raise ValueError(f"tensors: pad must be non-negative, got {pad}")
        raw = self._images
        if pad:
            raw = np.pad(raw, ((0, 0), (pad, pad), (pad, pad)))
        if normalize:
            x = self.normalize(raw, dtype)
        else:
            dt = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
            x = raw.astype(dt) * dt.type(1.0 / 255.0)
        x = x.reshape(len(raw), -1) if flatten else x[:, None]
        images, labels = Tensor._make(x, None), Tensor._make(self._labels.copy(), None)
        if device is not None:
            images, labels = images.to(device), labels.to(device)
        return TensorDataset(images, labels)

    def __repr__(self) -> str:
        n, h, w = self._images.shape
        return f"{type(self).__name__}({n} images of {h}x{w}, {len(self.classes)} classes)"
