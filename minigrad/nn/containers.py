"""Containers: ``Sequential``, ``ModuleList`` and ``ModuleDict``, as in ``torch.nn``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
>>> net(mg.ones(5, 4)).shape
Size([5, 2])
>>> len(net), type(net[1]).__name__, len(net[:2])
(3, 'ReLU', 2)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from minigrad.errors import MinigradTypeError
from minigrad.nn.module import Module

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _index(op: str, idx: int, n: int) -> int:
    if not isinstance(idx, int):
        raise MinigradTypeError(f"{op}: index must be an int or a slice, got {type(idx).__name__}")
    if not -n <= idx < n:
        raise IndexError(f"{op}: index {idx} is out of range for {n} modules")
    return idx + n if idx < 0 else idx


class _Indexed(Module):
    """Shared machinery of the two list-like containers (modules named "0", "1", …)."""

    def _values(self) -> list[Module]:
        return list(self._modules.values())

    def _reset(self, modules: Iterable[Module]) -> None:
        self._modules.clear()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __setitem__(self, idx: int, module: Module) -> None:
        i = _index(f"{type(self).__name__}.__setitem__", idx, len(self))
        self.add_module(str(i), module)

    def __delitem__(self, idx: int | slice) -> None:
        values = self._values()
        if isinstance(idx, slice):
            del values[idx]
        else:
            del values[_index(f"{type(self).__name__}.__delitem__", idx, len(self))]
        self._reset(values)

    def append(self, module: Module) -> _Indexed:
        """Add ``module`` at the end; returns the container."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _Indexed:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        values = self._values()
        values.insert(index, module)
        self._reset(values)

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module (or container of modules) at ``key``; the rest are
        renumbered, as PyTorch."""
        value = self[key]  # type: ignore[index]
        del self[key]
        return value

    def __dir__(self) -> list[str]:
        return [k for k in super().__dir__() if not k.isdigit()]


class Sequential(_Indexed):
    """Modules applied one after another: ``Sequential(m1, m2)(x) == m2(m1(x))``.

    Also ``Sequential(OrderedDict([("name", module), ...]))`` for named children.

    >>> from minigrad import nn
    >>> nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    Sequential(
      (0): Linear(in_features=2, out_features=2, bias=True)
      (1): Tanh()
    )
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    @overload
    def __getitem__(self, idx: int) -> Module: ...

    @overload
    def __getitem__(self, idx: slice) -> Sequential: ...

    def __getitem__(self, idx: int | slice) -> Module:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return self._values()[_index("Sequential.__getitem__", idx, len(self))]

    def __setitem__(self, idx: int, module: Module) -> None:
        i = _index("Sequential.__setitem__", idx, len(self))
        self.add_module(list(self._modules)[i], module)

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input

    def __add__(self, other: Sequential) -> Sequential:
        """A new Sequential of this one's modules then ``other``'s.

        >>> from minigrad import nn
        >>> len(nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh(), nn.ReLU()))
        3
        """
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        for module in list(other):
            self.append(module)
        return self

    def __mul__(self, other: int) -> Sequential:
        """The modules repeated ``other`` times (the same module objects, as PyTorch).

        >>> from minigrad import nn
        >>> len(nn.Sequential(nn.ReLU(), nn.Tanh()) * 3)
        6
        """
        if isinstance(other, bool) or not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        return Sequential(*(list(self) * other))

    __rmul__ = __mul__

    def __imul__(self, other: int) -> Sequential:
        repeated = self * other
        self._reset(list(repeated))
        return self


class ModuleList(_Indexed):
    """A list of modules, registered so their parameters are found (no ``forward``).

    >>> from minigrad import nn
    >>> layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @overload
    def __getitem__(self, idx: int) -> Module: ...

    @overload
    def __getitem__(self, idx: slice) -> ModuleList: ...

    def __getitem__(self, idx: int | slice) -> Module:
        if isinstance(idx, slice):
            return ModuleList(self._values()[idx])
        return self._values()[_index("ModuleList.__getitem__", idx, len(self))]

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        self.extend(modules)
        return self

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        """A new ModuleList of this one's modules then ``other``'s.

        >>> from minigrad import nn
        >>> len(nn.ModuleList([nn.ReLU()]) + [nn.Tanh()])
        2
        """
        return ModuleList([*self, *other])


class ModuleDict(Module):
    """An ordered dict of modules, registered under their keys (no ``forward``).

    >>> from minigrad import nn
    >>> heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Identity()})
    >>> list(heads.keys()), "a" in heads
    (['a', 'b'], True)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Any:
        return self._modules.keys()

    def items(self) -> Any:
        return self._modules.items()

    def values(self) -> Any:
        return self._modules.values()

    def pop(self, key: str) -> Module:
        return self._modules.pop(key)

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, m in pairs:
            self[key] = m
