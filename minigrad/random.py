"""Random numbers: one seeded generator per backend, set together by ``manual_seed``, and
:class:`Generator` objects of one's own, passed to the sampling functions as ``generator=``.

Streams differ from PyTorch's (minigrad draws from NumPy's PCG64): the same seed gives
reproducible numbers in minigrad, not the numbers PyTorch would draw.

>>> import minigrad as mg
>>> _ = mg.manual_seed(0); a = mg.rand(3)
>>> _ = mg.manual_seed(0); bool((a == mg.rand(3)).all())
True
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from minigrad.backends import backend_for, backend_of, backends, parse_device

__all__ = [
    "Generator", "default_generator", "get_rng_state", "initial_seed", "manual_seed", "seed",
    "set_rng_state",
]

#: PyTorch's default seed of a fresh ``torch.Generator()``
_DEFAULT_SEED = 67280421310721
_STATE_BYTES = 37  # PCG64: state (16), increment (16), has_uint32 (1), uinteger (4)

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


def seed() -> int:
    """Seed every backend with a non-deterministic seed and return it (``torch.seed``).

    >>> import minigrad as mg
    >>> s = mg.seed(); s == mg.initial_seed()
    True
    """
    return manual_seed(secrets.randbits(63))


def _encode(state: dict[str, Any]) -> Any:
    """A PCG64 state dict as bytes in a uint8 tensor (PyTorch's ByteTensor state)."""
    from minigrad.tensor import Tensor

    if state.get("bit_generator") != "PCG64":
        raise TypeError(f"get_state: only PCG64 generators have a state, got "
                        f"{state.get('bit_generator')}")
    inner = state["state"]
    raw = (int(inner["state"]).to_bytes(16, "little") + int(inner["inc"]).to_bytes(16, "little")
           + bytes([int(state["has_uint32"])]) + int(state["uinteger"]).to_bytes(4, "little"))
    return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy(), None)


def _decode(new_state: Any) -> dict[str, Any]:
    data = getattr(new_state, "_data", None)
    if data is None or str(data.dtype) != "uint8" or data.shape != (_STATE_BYTES,):
        raise TypeError(f"set_state: expected a uint8 tensor of {_STATE_BYTES} bytes from "
                        f"get_state(), got {type(new_state).__name__} "
                        f"{getattr(new_state, 'dtype', '')} {getattr(new_state, 'shape', '')}")
    raw = bytes(backend_of(data).to_numpy(data).tobytes())
    return {"bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}


class Generator:
    """A random generator of one's own, as ``torch.Generator``: pass it as ``generator=`` to
    ``rand``, ``randn``, ``randint``, ``randperm``, ``multinomial``, ``normal``,
    ``bernoulli``. Its stream is NumPy's PCG64 (samples for a CUDA device are drawn on the
    host and copied), so seeds reproduce minigrad's numbers, not PyTorch's.

    >>> import minigrad as mg
    >>> g = mg.Generator().manual_seed(3)
    >>> a = mg.rand(2, generator=g); _ = g.manual_seed(3)
    >>> a.tolist() == mg.rand(2, generator=g).tolist(), g.initial_seed()
    (True, 3)
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = parse_device(device)
        self._seed = _DEFAULT_SEED
        self._np = np.random.default_rng(self._seed)

    @property
    def _rng(self) -> Any:
        return self._np

    def manual_seed(self, seed: int) -> Generator:
        """Reset to ``seed``; returns the generator (as PyTorch)."""
        self._seed = int(seed)
        self._np = np.random.default_rng(self._seed % 2**128)
        return self

    def seed(self) -> int:
        """Reset to a non-deterministic seed and return it."""
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed last set (PyTorch's default 67280421310721 for a fresh generator)."""
        return self._seed

    def get_state(self) -> Any:
        """The generator's state as a uint8 tensor, for :meth:`set_state`."""
        return _encode(self._rng.bit_generator.state)

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state from :meth:`get_state`; returns the generator."""
        self._rng.bit_generator.state = _decode(new_state)
        return self

    def __repr__(self) -> str:
        return f"<minigrad.Generator device={self.device}>"


class _DefaultGenerator(Generator):
    """The CPU backend's own generator (``torch.default_generator``)."""

    def __init__(self) -> None:
        self.device = parse_device("cpu")

    @property
    def _rng(self) -> Any:
        return backend_for(self.device).rng(self.device)

    def manual_seed(self, seed: int) -> Generator:
        manual_seed(seed)
        return self

    def initial_seed(self) -> int:
        return initial_seed()


default_generator: Generator = _DefaultGenerator()


def get_rng_state() -> Any:
    """The CPU generator's state as a uint8 tensor (``torch.get_rng_state``).

    >>> import minigrad as mg
    >>> state = mg.get_rng_state(); a = mg.rand(2)
    >>> mg.set_rng_state(state); a.tolist() == mg.rand(2).tolist()
    True
    """
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Restore the CPU generator's state from :func:`get_rng_state`.

    >>> import minigrad as mg
    >>> mg.set_rng_state(mg.get_rng_state())
    """
    default_generator.set_state(new_state)


def rng_of(generator: Any, device: Any) -> Any:
    """The NumPy-Generator-shaped object to draw from: ``generator``'s (a :class:`Generator`
    or a raw backend generator) or else ``device``'s seeded backend generator."""
    if generator is None:
        return generator_for(device)
    if isinstance(generator, Generator):
        return generator._rng
    return generator


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
