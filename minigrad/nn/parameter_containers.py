"""``ParameterList`` and ``ParameterDict``: parameters held in a list or a dict, registered
under their index or key so that ``parameters()``, ``state_dict()`` and optimizers see them
(names ``"0"``, ``"1"``, … or the keys, as PyTorch). A plain Tensor stored in one becomes a
:class:`Parameter`.

>>> import minigrad as mg
>>> from minigrad import nn
>>> ps = nn.ParameterList([nn.Parameter(mg.ones(2)), mg.zeros(3)])
>>> [name for name, _ in ps.named_parameters()], type(ps[1]).__name__
(['0', '1'], 'Parameter')
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from minigrad.errors import MinigradTypeError
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["ParameterDict", "ParameterList"]


def _as_parameter(value: Any) -> Any:
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(key: Any, value: Any) -> str:
    if isinstance(value, Tensor):
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(s) for s in value.shape)
        device = "" if value.device.type == "cpu" else f" ({value.device})"
        return f"  ({key}): {kind} containing: [{value.dtype} of size {size}{device}]"
    return f"  ({key}): Object of type: {type(value).__name__}"


class ParameterList(Module):
    """A list of parameters (or other values), as ``torch.nn.ParameterList``.

    >>> import minigrad as mg
    >>> ps = ParameterList([mg.ones(2)]).append(mg.ones(2, 3))
    >>> ps
    ParameterList(
        (0): Parameter containing: [float32 of size 2]
        (1): Parameter containing: [float32 of size 2x3]
    )
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def _index(self, idx: int) -> int:
        if isinstance(idx, bool) or not isinstance(idx, int):
            raise MinigradTypeError(f"ParameterList: index must be an int or a slice, got "
                                    f"{type(idx).__name__}")
        if not -self._size <= idx < self._size:
            raise IndexError(f"ParameterList: index {idx} is out of range for {self._size} "
                             "values")
        return idx % self._size

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(self._size)[idx]])
        return getattr(self, str(self._index(idx)))

    def __setitem__(self, idx: int, param: Any) -> None:
        setattr(self, str(self._index(idx)), _as_parameter(param))

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return iter(self[i] for i in range(self._size))

    def __iadd__(self, parameters: Iterable[Any]) -> ParameterList:
        return self.extend(parameters)

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end (a Tensor becomes a Parameter); returns the list."""
        self._size += 1
        setattr(self, str(self._size - 1), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of ``values``; returns the list."""
        if isinstance(values, Tensor) or not isinstance(values, Iterable):
            raise MinigradTypeError(f"ParameterList.extend should be called with an iterable, "
                                    f"but got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_describe(k, p) for k, p in enumerate(self))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """An ordered dict of parameters keyed by strings, as ``torch.nn.ParameterDict`` (a plain
    dict argument is added in sorted key order, as PyTorch).

    >>> import minigrad as mg
    >>> pd = ParameterDict({"scale": mg.ones(1)}); pd["shift"] = mg.zeros(1)
    >>> list(pd.keys()), [n for n, _ in pd.named_parameters()]
    (['scale', 'shift'], ['scale', 'shift'])
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def _check_key(self, key: Any) -> str:
        if not isinstance(key, str):
            raise MinigradTypeError(f"ParameterDict: keys must be strings, got "
                                    f"{type(key).__name__}")
        return key

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._keys[self._check_key(key)] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Any:
        """The keys, in insertion order."""
        return self._keys.keys()

    def items(self) -> Any:
        """``(key, value)`` pairs, in insertion order."""
        return [(k, self[k]) for k in self._keys]

    def values(self) -> Any:
        """The values, in insertion order."""
        return [self[k] for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """``self[key]`` if present, else ``default``."""
        return self[key] if key in self._keys else default

    def setdefault(self, key: str, default: Any = None) -> Any:
        """``self[key]``, first set to ``default`` if absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str) -> Any:
        """Remove ``key`` and return its value."""
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted ``(key, value)`` pair."""
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def clear(self) -> None:
        """Remove every entry."""
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same values.

        >>> import minigrad as mg
        >>> ParameterDict({"w": mg.ones(1)}).copy()["w"].shape
        Size([1])
        """
        return ParameterDict(self.items())

    def update(self, parameters: Any) -> None:
        """Add every ``(key, value)`` of an OrderedDict, a ParameterDict or an iterable of pairs
        in their order, or of another mapping in sorted key order (as PyTorch)."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs: Iterable[Any] = list(parameters.items())
        elif isinstance(parameters, Mapping):  # a plain mapping is taken in key order (PyTorch)
            pairs = sorted(parameters.items())
        elif isinstance(parameters, Iterable) and not isinstance(parameters, (str, Tensor)):
            pairs = parameters
        else:
            raise MinigradTypeError(f"ParameterDict.update should be called with an iterable of "
                                    f"key/value pairs, but got {type(parameters).__name__}")
        for j, pair in enumerate(pairs):
            if isinstance(pair, (str, bytes)) or not isinstance(pair, Iterable) or len(
                    pair := tuple(pair)) != 2:
                raise ValueError(f"ParameterDict update sequence element #{j} should be a "
                                 f"(key, value) pair, got {pair!r}")
            self[pair[0]] = pair[1]

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """A new ParameterDict with each of ``keys`` holding ``default``."""
        return ParameterDict((k, default) for k in keys)

    def __or__(self, other: ParameterDict) -> ParameterDict:
        """A copy updated with ``other``.

        >>> import minigrad as mg
        >>> list(ParameterDict({"a": mg.ones(1)}) | ParameterDict({"b": mg.ones(1)}))
        ['a', 'b']
        """
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other: ParameterDict) -> ParameterDict:
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other: ParameterDict) -> ParameterDict:
        self.update(other)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_describe(k, p) for k, p in self.items())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called.")
