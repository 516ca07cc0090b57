"""``state_dict`` / ``load_state_dict`` for modules: collect, validate everything, then copy.

Loading never changes a parameter until every key, shape and value has been checked, so a
failing load leaves the model exactly as it was.

>>> from minigrad import nn
>>> net = nn.Linear(2, 1)
>>> list(net.state_dict())
['weight', 'bias']
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from minigrad.backends import backend_of
from minigrad.errors import DeviceError, MinigradError
from minigrad.tensor import Tensor

__all__ = ["IncompatibleKeys", "StateDictError", "load_state_dict", "state_dict"]


class StateDictError(MinigradError, RuntimeError):
    """``load_state_dict`` found missing or unexpected keys, or shapes that do not match.

    >>> import minigrad as mg
    >>> from minigrad import nn
    >>> try:
    ...     nn.Linear(2, 1).load_state_dict({"weight": mg.zeros(1, 3)})
    ... except StateDictError as e:
    ...     print(str(e).splitlines()[1].strip())
    Missing key(s) in state_dict: 'bias'
    """


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` did not match (as PyTorch's return value).

    >>> from minigrad import nn
    >>> nn.Linear(2, 1).load_state_dict({}, strict=False)
    IncompatibleKeys(missing_keys=['weight', 'bias'], unexpected_keys=[])
    """

    missing_keys: list[str]
    unexpected_keys: list[str]


def state_dict(module: Any, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Any]:
    """Parameters and persistent buffers of ``module`` and its children, by dotted name."""
    out: OrderedDict[str, Any] = OrderedDict()
    _collect(module, prefix, keep_vars, out)
    return out


def _collect(module: Any, prefix: str, keep_vars: bool, out: OrderedDict[str, Any]) -> None:
    for name, p in module._parameters.items():
        if p is not None:
            out[prefix + name] = p if keep_vars else p.detach()
    for name, b in module._buffers.items():
        if b is not None and name not in module._non_persistent_buffers:
            out[prefix + name] = b if keep_vars else b.detach()
    for name, child in module._modules.items():
        if child is not None:
            _collect(child, prefix + name + ".", keep_vars, out)


def _as_array(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value._data
    try:
        backend_of(value)
    except DeviceError:
        return np.asarray(value)
    return value


def load_state_dict(module: Any, state: Mapping[str, Any], strict: bool = True,
                    assign: bool = False) -> IncompatibleKeys:
    """Copy ``state`` into ``module``'s parameters and buffers after validating all of it
    (with ``assign``, each takes the loaded array itself, keeping the array's dtype)."""
    cls = type(module).__name__
    if not isinstance(state, Mapping):
        raise TypeError(
            f"load_state_dict for {cls}: expected a mapping of names to tensors, got "
            f"{type(state).__name__}"
        )
    for prefix, sub in module.named_modules():  # lazy modules take their shapes from state
        if hasattr(type(sub), "_materialize_from_state"):
            sub._materialize_from_state(state, prefix + "." if prefix else "")
    targets = state_dict(module, keep_vars=True)
    missing = [k for k in targets if k not in state]
    unexpected = [k for k in state if k not in targets]
    problems: list[str] = []
    if strict and unexpected:
        problems.append("Unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)))
    if strict and missing:
        problems.append("Missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
    staged: list[tuple[Tensor, Any]] = []
    for name, target in targets.items():
        if name not in state:
            continue
        try:
            arr = _as_array(state[name])
        except (TypeError, ValueError) as exc:
            problems.append(f"value for {name!r} is not array-like ({exc})")
            continue
        if tuple(arr.shape) != tuple(target.shape):
            problems.append(
                f"size mismatch for {name}: copying a param with shape {tuple(arr.shape)} from "
                f"checkpoint, the shape in current model is {tuple(target.shape)}"
            )
            continue
        if arr.dtype.kind not in "biuf":
            problems.append(f"value for {name!r} has unsupported dtype {arr.dtype}")
            continue
        staged.append((target, arr))
    if problems:
        raise StateDictError(
            f"Error(s) in loading state_dict for {cls}:\n\t" + "\n\t".join(problems)
        )
    # convert everything first (device copies can fail), then write: all or nothing
    converted = []
    for target, arr in staged:
        backend = backend_of(target._data)
        if backend_of(arr) is not backend:
            arr = backend.asarray(backend_of(arr).to_numpy(arr), dtype=target.dtype,
                                  device=target.device)
        elif arr.dtype != target.dtype and not (assign and arr.dtype.kind == "f"
                                                 and target.dtype.kind == "f"):
            arr = arr.astype(target.dtype)
        converted.append((target, arr))
    for target, arr in converted:
        if assign:
            target._data = arr
        elif getattr(getattr(target._data, "flags", None), "writeable", True):
            target._data[...] = arr
        else:
            target._data = arr.copy()
        target._version += 1
    return IncompatibleKeys(missing, unexpected)
