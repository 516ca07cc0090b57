"""Module hooks: removable handles, and full backward hooks built from tensor hooks.

A full backward hook is called as ``hook(module, grad_input, grad_output)`` with the gradients
of the loss with respect to the module's positional tensor inputs and its outputs, as in
PyTorch. It is built from the graph itself: the inputs and outputs of a hooked call pass
through an identity op whose gradient pre-hook records what flows through it, so nothing in
the engine knows about modules.

>>> import minigrad as mg
>>> from minigrad import nn
>>> layer = nn.Linear(2, 1)
>>> seen = []
>>> h = layer.register_full_backward_hook(
...     lambda mod, gin, gout: seen.append((gin[0].shape, gout[0].shape)))
>>> layer(mg.ones(3, 2, requires_grad=True)).sum().backward()
>>> seen
[(Size([3, 2]), Size([3, 1]))]
>>> h.remove()
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any

from minigrad.errors import AutogradError
from minigrad.grad_mode import STATE
from minigrad.op import Op
from minigrad.tensor import Tensor

__all__ = ["RemovableHandle"]

_ids = itertools.count()


class RemovableHandle:
    """Returned by ``register_*_hook``; ``remove()`` (or leaving a ``with`` block) unhooks.

    >>> from collections import OrderedDict
    >>> hooks = OrderedDict()
    >>> h = RemovableHandle.add(hooks, print)
    >>> len(hooks)
    1
    >>> h.remove(); len(hooks)
    0
    """

    def __init__(self, hooks: OrderedDict[int, Any], hook_id: int) -> None:
        self._hooks = hooks
        self.id = hook_id

    @classmethod
    def add(cls, hooks: OrderedDict[int, Any], hook: Any, prepend: bool = False) -> RemovableHandle:
        """Insert ``hook`` into ``hooks`` (first when ``prepend``) and return its handle."""
        hook_id = next(_ids)
        hooks[hook_id] = hook
        if prepend:
            hooks.move_to_end(hook_id, last=False)
        return cls(hooks, hook_id)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _HookIdentity(Op):
    """Identity op whose node carries the gradient pre-hooks of a module's backward hook."""

    save_inputs = False

    def forward(self, xp: Any, x: Any) -> Any:
        return x

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (g,)


class BackwardHookCall:
    """The bookkeeping of one hooked forward call: wraps inputs/outputs, gathers gradients."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.n_inputs = 0
        self.input_slots: list[int] = []  # positions (among tensor args) that require grad
        self.n_outputs = 0
        self.output_slots: list[int] = []
        self.output_is_tuple = False
        self._reset()

    def _reset(self) -> None:
        self.grad_inputs: list[Any] = [None] * self.n_inputs
        self.grad_outputs: list[Any] = [None] * self.n_outputs
        self.inputs_seen = 0
        self.outputs_seen = 0

    # ---------------------------------------------------------------- forward side
    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Route every positional tensor that requires grad through a hooked identity."""
        out, self.n_inputs = self._wrap(args, self._input_hook, self.input_slots)
        self._reset()
        return tuple(out)

    def wrap_outputs(self, output: Any) -> Any:
        """Route the forward's tensor output(s) through hooked identities."""
        self.output_is_tuple = isinstance(output, tuple)
        outs, self.n_outputs = self._wrap(output if self.output_is_tuple else (output,),
                                          self._output_hook, self.output_slots)
        self._reset()
        return tuple(outs) if self.output_is_tuple else outs[0]

    @staticmethod
    def _wrap(items: tuple[Any, ...], make_hook: Any, slots: list[int]) -> tuple[list[Any], int]:
        """Replace each tensor that requires grad by a hooked identity of it; the k-th tensor
        gets ``make_hook(k)``. Returns the new items and the number of tensors seen."""
        out = list(items)
        k = 0
        for i, a in enumerate(items):
            if not isinstance(a, Tensor):
                continue
            if a.requires_grad and STATE.grad_enabled:
                wrapped = _HookIdentity.apply(a)
                wrapped.grad_fn._register_tensor_hook(make_hook(k))
                slots.append(k)
                out[i] = wrapped
            k += 1
        return out, k

    # ---------------------------------------------------------------- backward side
    def _output_hook(self, k: int) -> Any:
        def hook(grad: Tensor) -> None:
            self.grad_outputs[k] = grad
            self.outputs_seen += 1
            if not self.input_slots and self.outputs_seen == len(self.output_slots):
                self._fire()  # no input needs a gradient: PyTorch calls with grad_input None

        return hook

    def _input_hook(self, k: int) -> Any:
        def hook(grad: Tensor) -> Tensor | None:
            self.grad_inputs[k] = grad
            self.inputs_seen += 1
            if self.inputs_seen < len(self.input_slots):
                return None
            replaced = self._fire()
            if replaced is None:
                return None
            if len(self.input_slots) > 1:
                raise AutogradError(
                    f"{type(self.module).__name__} full backward hook: returning a new "
                    "grad_input is supported only when one input requires grad; this call "
                    f"had {len(self.input_slots)}"
                )
            return replaced[k]

        return hook

    def _fire(self) -> tuple[Any, ...] | None:
        grad_input, grad_output = tuple(self.grad_inputs), tuple(self.grad_outputs)
        self._reset()  # ready for another backward through a retained graph
        result = None
        for hook in list(self.module._backward_hooks.values()):
            out = hook(self.module, grad_input, grad_output)
            if out is not None:
                out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
                if len(out) != len(grad_input):
                    raise AutogradError(
                        f"{type(self.module).__name__} full backward hook returned "
                        f"{len(out)} gradients, expected {len(grad_input)} (one per tensor "
                        "input)"
                    )
                grad_input = result = out
        return result


def call_with_hooks(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``module(*args, **kwargs)`` with its forward pre-hooks, forward hooks and backward hooks."""
    with_kwargs = module.__dict__.get("_hooks_with_kwargs", ())
    for hook_id, hook in list(module._forward_pre_hooks.items()):
        if hook_id in with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise TypeError(f"forward pre-hook must return None or a tuple of (new_args, "
                                    f"new_kwargs), but got {result!r}")
                args, kwargs = result
            continue
        result = hook(module, args)
        if result is not None:
            args = result if isinstance(result, tuple) else (result,)
    bw = None
    if module._backward_hooks and STATE.grad_enabled:
        bw = BackwardHookCall(module)
        args = bw.wrap_inputs(args)
    output = module.forward(*args, **kwargs)
    for hook_id, hook in list(module._forward_hooks.items()):
        if hook_id in with_kwargs:
            result = hook(module, args, kwargs, output)
        else:
            result = hook(module, args, output)
        if result is not None:
            output = result
    if bw is not None:
        output = bw.wrap_outputs(output)
    return output
