"""Small generated image data standing in for the datasets the programs download (MNIST,
FashionMNIST, CIFAR10): each class is a fixed random pattern (a fifth of the pixels on) plus
noise, so a few steps of training already separate them. NumPy only, identical for both
frameworks."""

from __future__ import annotations

import numpy as np


def images(n: int, shape: tuple[int, ...], classes: int = 10, seed: int = 0,
           noise: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """``n`` float32 images in [0, 1] of ``shape`` and their int64 labels."""
    rng = np.random.default_rng(seed)
    prototypes = np.random.default_rng(99).random((classes, *shape)) > 0.8
    labels = rng.integers(0, classes, n)
    x = prototypes[labels] + noise * rng.standard_normal((n, *shape))
    return np.clip(x, 0.0, 1.0).astype(np.float32), labels.astype(np.int64)
