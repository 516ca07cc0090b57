"""The optimizer base class: parameter groups, per-parameter state, and state dicts.

Optimizers update parameters in place, on the raw backend arrays (``p._data``) with the
array module of the parameter's own backend (``p._backend.xp``), so the same code runs on
NumPy and CuPy. Each update bumps the parameter's version counter, as an in-place op would.
Per-parameter state (momentum buffers, moment estimates) is kept as minigrad Tensors on the
parameter's device and dtype.

>>> import minigrad as mg
>>> w = mg.tensor([1.0, 2.0], requires_grad=True)
>>> opt = mg.optim.SGD([w], lr=0.5)
>>> (w * w).sum().backward()
>>> opt.step(); w.tolist()
[0.0, 0.0]
"""

from __future__ import annotations

import functools
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.grad_mode import enable_grad
from minigrad.nn.hooks import RemovableHandle
from minigrad.tensor import Tensor

__all__ = ["Optimizer", "ParamsT", "grad_data", "writable_data", "zeros_state"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]

StepHook = Callable[[Any, tuple[Any, ...], dict[str, Any]], Any]

# helpers the optimizers share (kept importable from here)
from minigrad.optim._params import (  # noqa: E402
    _cast_like,
    _copy_value,
    _gpu_device_scope,
    grad_data,
    writable_data,
    zeros_state,
)


def _with_step_hooks(step: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a subclass's ``step`` so the registered pre/post hooks run around it (once, also
    when a subclass's step calls ``super().step``)."""

    @functools.wraps(step)
    def wrapper(self: Optimizer, *args: Any, **kwargs: Any) -> Any:
        if self.__dict__.get("_in_step"):
            return step(self, *args, **kwargs)
        self._in_step = True
        try:
            for hook in list(self._step_pre_hooks.values()):
                replaced = hook(self, args, kwargs)
                if replaced is not None:
                    args, kwargs = replaced
            with _gpu_device_scope():  # grad_data enters each parameter's GPU in turn
                result = step(self, *args, **kwargs)
            for hook in list(self._step_post_hooks.values()):
                hook(self, args, kwargs)
        finally:
            self._in_step = False
        return result

    return wrapper


class Optimizer:
    """Base class of all optimizers (PyTorch's ``torch.optim.Optimizer``).

    ``params`` is an iterable of tensors that require grad, or of dicts each holding a
    ``"params"`` entry plus per-group options overriding ``defaults``; ``(name, tensor)``
    pairs (``model.named_parameters()``) also work, the names kept in the group's
    ``"param_names"``. ``state`` maps each parameter to its state dict (a
    ``defaultdict(dict)``, as in PyTorch: a parameter not stepped yet reads as ``{}``).
    Subclasses implement ``step``.

    >>> import minigrad as mg
    >>> a, b = mg.ones(2, requires_grad=True), mg.ones(3, requires_grad=True)
    >>> opt = mg.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01)
    >>> [g["lr"] for g in opt.param_groups]
    [0.01, 0.1]
    >>> sd = opt.state_dict(); sd["param_groups"][1]["params"]
    [1]
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _with_step_hooks(cls.__dict__["step"])  # type: ignore[method-assign]

    _step_pre_hooks: OrderedDict[int, StepHook]
    _step_post_hooks: OrderedDict[int, StepHook]

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self._step_pre_hooks = OrderedDict()
        self._step_post_hooks = OrderedDict()
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise MinigradTypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, "
                f"got a single Tensor (shape {params.shape}); wrap it in a list"
            )
        if isinstance(params, set):
            raise MinigradTypeError(
                f"{type(self).__name__}: params must be an ordered collection, not a set (the "
                "order defines the state dict)"
            )
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones from ``defaults``).

        >>> import minigrad as mg
        >>> opt = mg.optim.SGD([mg.ones(1, requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [mg.ones(2, requires_grad=True)], "lr": 1.0})
        >>> len(opt.param_groups), opt.param_groups[1]["momentum"]
        (2, 0)
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise MinigradTypeError(
                f"{name}.add_param_group: param_group must be a dict, got "
                f"{type(param_group).__name__}"
            )
        group = dict(param_group)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise MinigradTypeError(
                f"{name}: parameters must be an ordered collection, not a set (the order "
                "defines the state dict)"
            )
        elif params is None:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        params = list(params)
        named = [p for p in params if isinstance(p, tuple)]
        if named:  # from Module.named_parameters(): remember the names, as PyTorch does
            if len(named) != len(params):
                raise ValueError(
                    f"{name}: all parameters of a group must be named or all unnamed; "
                    f"{len(named)} of {len(params)} are (name, tensor) pairs"
                )
            group["param_names"] = [n for n, _ in named]
            params = [p for _, p in named]
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise MinigradTypeError(
                    f"{name}: can only optimize Tensors, but params[{i}] is a "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (params[{i}], shape {p.shape}); "
                    "use .detach().requires_grad_() to make a leaf"
                )
            if p.dtype.kind != "f":
                raise MinigradTypeError(
                    f"{name}: params[{i}] has dtype {p.dtype}; only floating-point tensors "
                    "can be optimized"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: a parameter group contains the same tensor twice")
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        for g in self.param_groups:
            if ("param_names" in g) != ("param_names" in group):
                raise ValueError(
                    f"{name}: all parameter groups must be with or all without names; cannot "
                    f"add a group {'with' if 'param_names' in group else 'without'} names"
                )
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate one group's options (subclasses override; called by add_param_group)."""

    # ------------------------------------------------------------------ stepping
    def register_step_pre_hook(self, hook: StepHook) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before every ``step``; it may return new
        ``(args, kwargs)``. As ``torch.optim.Optimizer.register_step_pre_hook``."""
        return RemovableHandle.add(self._step_pre_hooks, hook)

    def register_step_post_hook(self, hook: StepHook) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after every ``step``.

        >>> import minigrad as mg
        >>> w = mg.ones(1, requires_grad=True); opt = mg.optim.SGD([w], lr=0.5)
        >>> h = opt.register_step_post_hook(lambda o, a, k: print("stepped", w.item()))
        >>> (w * w).sum().backward(); opt.step()
        stepped 0.0
        >>> h.remove()
        """
        return RemovableHandle.add(self._step_post_hooks, hook)

    def param_state(self, p: Tensor) -> dict[str, Any]:
        """The state dict of ``p`` (created empty on first use), with its tensors
        moved to ``p``'s device if the parameter moved since (``model.to("cuda")`` after the
        optimizer was made keeps the optimizer consistent, as the tensors follow lazily)."""
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {}
            return state
        atype = type(p._data)
        for key, value in state.items():
            if isinstance(value, Tensor):
                if type(value._data) is not atype:
                    state[key] = _cast_like(value, p, key)
            elif isinstance(value, list) and value and isinstance(value[0], Tensor) and type(
                value[0]._data
            ) is not atype:
                state[key] = _cast_like(value, p, key)
        return state

    def _init_state(self, group: dict[str, Any], p: Tensor, state: dict[str, Any]) -> None:
        """Fill the new state of ``p`` (``step`` is already 0); optimizers that step through
        ``_grads`` override it."""

    def _grads(
        self, group: dict[str, Any], stateful: bool = True
    ) -> Iterator[tuple[Tensor, Any, Any, dict[str, Any] | None, Any]]:
        """The first-order step's prologue: ``(p, xp, g, state, data)`` for each parameter of
        ``group`` that has a gradient, in order.

        ``g`` is the checked gradient array (negated when ``group["maximize"]``), ``xp`` the
        parameter's array module and ``data`` its writable array. ``state`` is ``p``'s state:
        on first use ``step = 0`` and ``_init_state`` fills the rest; then ``step`` is counted
        up by one. Not ``stateful``: the state is not touched (None).

        >>> import minigrad as mg
        >>> w = mg.ones(2, requires_grad=True); opt = mg.optim.Adam([w], maximize=True)
        >>> w.grad = mg.ones(2)
        >>> [(g.tolist(), s["step"]) for _, _, g, s, _ in opt._grads(opt.param_groups[0])]
        [([-1.0, -1.0], 1)]
        """
        name = type(self).__name__
        maximize = group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = grad_data(name, p)
            g = -g if maximize else g
            state = None
            if stateful:
                state = self.param_state(p)
                if not state:
                    state["step"] = 0
                    self._init_state(group, p, state)
                state["step"] = int(state["step"]) + 1
            yield p, p._backend.xp, g, state, writable_data(p)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: drop them (default) or fill them with 0."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g = p.grad.detach() if p.grad.grad_fn is not None else p.grad
                    writable_data(g)[...] = 0
                    g._version += 1
                    p.grad = g

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def _eval_closure(closure: Callable[[], Any] | None) -> Any:
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # ------------------------------------------------------------------ state dicts
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout.

        ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, where
        parameters are numbered in group order. State tensors are returned by reference, as
        in PyTorch; ``load_state_dict`` copies them.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = self.state[p]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict made by :meth:`state_dict` (this class's or PyTorch's layout).

        Group options are taken from the saved groups; state tensors are copied onto each
        parameter's device, floating ones cast to its dtype (``step`` keeps its own).
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' keys"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter "
                f"groups, this optimizer has {len(self.param_groups)}"
            )
        for i, (mine, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            if len(mine["params"]) != len(saved["params"]):
                raise ShapeError(
                    f"{name}.load_state_dict: parameter group {i} has {len(saved['params'])} "
                    f"parameters in the loaded state dict but {len(mine['params'])} here"
                )
        by_index = {}
        for mine, saved in zip(self.param_groups, saved_groups, strict=True):
            for p, idx in zip(mine["params"], saved["params"], strict=True):
                by_index[idx] = p
        new_state: dict[Tensor, dict[str, Any]] = {}
        for idx, value in state_dict["state"].items():
            key = int(idx)
            if key not in by_index:
                raise ValueError(
                    f"{name}.load_state_dict: state entry {idx!r} names no parameter"
                )
            p = by_index[key]
            new_state[p] = {k: _cast_like(v, p, k) for k, v in value.items()}
        new_groups = []
        for mine, saved in zip(self.param_groups, saved_groups, strict=True):
            group = {k: _copy_value(v) for k, v in saved.items() if k != "params"}
            group["params"] = mine["params"]
            if "param_names" in mine and "param_names" not in group:
                group["param_names"] = mine["param_names"]
            new_groups.append(group)
        self.state = defaultdict(dict, new_state)
        self.param_groups = new_groups

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
