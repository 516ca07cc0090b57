"""Random numbers: one seeded generator per backend, set together by ``manual_seed``.

>>> import minigrad as mg
>>> _ = mg.manual_seed(0); a = mg.rand(3)
>>> _ = mg.manual_seed(0); bool((a == mg.rand(3)).all())
True
"""

from __future__ import annotations

from typing import Any

from minigrad.backends import backend_for, backend_of, backends, parse_device

__all__ = ["initial_seed", "manual_seed"]

_seed = [0]
_seeded = [False]


def manual_seed(seed: int) -> int:
    """Seed the generators of every backend (CPU, and CUDA when loaded); returns the seed.

    >>> import minigrad as mg
    >>> _ = mg.manual_seed(1); a = mg.randn(2)
    >>> _ = mg.manual_seed(1); a.tolist() == mg.randn(2).tolist()
    True
    """
    seed = int(seed)
    _seed[0] = seed
    _seeded[0] = True
    for backend in backends():
        backend.seed(seed)
    return seed


def initial_seed() -> int:
    """The seed last given to :func:`manual_seed` (0 if none).

    >>> import minigrad as mg
    >>> _ = mg.manual_seed(42); mg.initial_seed()
    42
    """
    return _seed[0]


def seed_if_set(backend: Any) -> None:
    """Seed a backend that loads after :func:`manual_seed` was called."""
    if _seeded[0]:
        backend.seed(_seed[0])


def generator_for(device: Any) -> Any:
    """The backend generator (``numpy.random.Generator`` or CuPy's) of ``device``."""
    dev = parse_device(device)
    return backend_for(dev).rng(dev)


def uniform_like_array(array: Any, a: float, b: float) -> Any:
    backend = backend_of(array)
    rng = backend.rng(backend.device_of(array))
    return rng.uniform(a, b, size=array.shape).astype(array.dtype, copy=False)


def normal_like_array(array: Any, mean: float, std: float) -> Any:
    backend = backend_of(array)
    rng = backend.rng(backend.device_of(array))
    return rng.normal(mean, std, size=array.shape).astype(array.dtype, copy=False)
