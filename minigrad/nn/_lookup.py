"""Dotted-path lookups for :class:`~minigrad.nn.Module`: ``get_submodule``,
``get_parameter``, ``get_buffer`` (a mixin, so module.py stays about the module tree itself).

>>> from minigrad import nn
>>> net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
>>> net.get_parameter("0.bias").shape, net.get_buffer("1.running_mean").shape
(Size([3]), Size([3]))
"""

from __future__ import annotations

from typing import Any

__all__ = ["SubmoduleLookup"]


class SubmoduleLookup:
    """``get_submodule`` / ``get_parameter`` / ``get_buffer`` by dotted name, as PyTorch's."""

    _modules: dict[str, Any]
    _parameters: dict[str, Any]
    _buffers: dict[str, Any]

    def get_submodule(self, target: str) -> Any:
        """The descendant at dotted path ``target`` (``""`` is this module).

        >>> from minigrad import nn
        >>> type(nn.Sequential(nn.Sequential(nn.ReLU())).get_submodule("0.0")).__name__
        'ReLU'
        """
        module: Any = self
        if target == "":
            return module
        for item in target.split("."):
            child = module._modules.get(item)
            if child is None:
                raise AttributeError(f"{module._get_name()} has no submodule `{item}` "
                                     f"(looking up {target!r})")
            module = child
        return module

    def get_parameter(self, target: str) -> Any:
        """The parameter at dotted path ``target``.

        >>> from minigrad import nn
        >>> nn.Sequential(nn.Linear(2, 3)).get_parameter("0.weight").shape
        Size([3, 2])
        """
        mod_path, _, name = target.rpartition(".")
        module = self.get_submodule(mod_path)
        if module._parameters.get(name) is None:
            raise AttributeError(f"{module._get_name()} has no parameter `{name}`")
        return module._parameters[name]

    def get_buffer(self, target: str) -> Any:
        """The buffer at dotted path ``target`` (persistent or not).

        >>> from minigrad import nn
        >>> nn.Sequential(nn.BatchNorm1d(4)).get_buffer("0.num_batches_tracked").tolist()
        0
        """
        mod_path, _, name = target.rpartition(".")
        module = self.get_submodule(mod_path)
        if module._buffers.get(name) is None:
            raise AttributeError(f"{module._get_name()} has no buffer `{name}`")
        return module._buffers[name]
