"""The graph side of :class:`minigrad.autograd.Function`: its node, built on the internal
:class:`~minigrad.op.Op` contract, and what lets one node have several outputs.

``MyFn.apply`` records one :class:`BackwardFunction` node (a subclass named
``MyFnBackward``, as in PyTorch) whose ``backward`` calls the user's static ``backward`` on
Tensors. A Function returning a tuple gives each differentiable output a small
:class:`FunctionOutput` node in front of that one node: the gradients of the outputs reach
the node together, as a :class:`SlotGrads` (one slot per output), and every output's
``grad_fn`` answers ``name()``, ``next_functions``, hooks and ``metadata`` for the one node.

>>> import minigrad as mg
>>> class Twice(mg.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         return x * 2, x * 3
...     @staticmethod
...     def backward(ctx, ga, gb):
...         return ga * 2 + gb * 3
>>> x = mg.ones(2, requires_grad=True)
>>> a, b = Twice.apply(x)
>>> (a + b).grad_fn.next_functions
((<TwiceBackward object at ...>, 0), (<TwiceBackward object at ...>, 1))
"""

from __future__ import annotations

import weakref
from typing import Any

from minigrad.backends import backend_of
from minigrad.errors import AutogradError, MinigradTypeError
from minigrad.op import Op
from minigrad.tensor import Tensor

__all__ = ["BackwardFunction", "DelayedError", "FunctionOutput", "SlotGrads"]


def _add(a: Any, b: Any) -> Any:
    s = a + b
    if type(s) is not type(a) and not isinstance(s, Tensor):  # NumPy 0-d sums are scalars
        s = backend_of(a).xp.asarray(s)
    return s


class SlotGrads:
    """The gradients reaching a multi-output node: one slot per output, None where no
    gradient arrived. The engine adds two of them as it adds arrays."""

    __slots__ = ("grads",)

    def __init__(self, grads: list[Any]) -> None:
        self.grads = grads

    def __add__(self, other: SlotGrads) -> SlotGrads:
        return SlotGrads([b if a is None else a if b is None else _add(a, b)
                          for a, b in zip(self.grads, other.grads, strict=True)])


class _SavedOutput:
    """An output of the node saved for backward, kept without its grad_fn so that node and
    tensor do not hold each other (PyTorch's SavedVariable does the same)."""

    __slots__ = ("data", "ref", "slot", "version")

    def __init__(self, t: Tensor, slot: int) -> None:
        self.ref, self.data, self.slot, self.version = weakref.ref(t), t._data, slot, t._version


def _version_error(node: Any, i: int, t: Any, version: int, saved: int) -> AutogradError:
    return AutogradError(
        f"{node.op_name}: one of the variables needed for gradient computation has been "
        f"modified by an inplace operation: saved tensor {i} of shape {tuple(t.shape)} is at "
        f"version {version}; expected version {saved} instead"
    )


class BackwardFunction(Op):
    """The node of one call of a custom Function (PyTorch's ``BackwardCFunction``); the
    subclass ``<Name>Backward`` of each Function names it in errors and graphs."""

    save_inputs = False
    _forward_cls: Any = None
    #: set by Function.apply
    ctx: Any
    _n_inputs: int
    _tensor_pos: tuple[int, ...]
    _out_meta: tuple[Any, ...]
    _multi: bool
    _out_fns: list[Any]

    def name(self) -> str:
        return type(self).__name__

    def __getattr__(self, attr: str) -> Any:
        # grad_fn.<anything the user put on ctx> (in PyTorch ctx and node are one object)
        if attr.startswith("__") or attr == "ctx":
            raise AttributeError(attr)
        try:
            return getattr(self.__dict__["ctx"], attr)
        except KeyError:
            raise AttributeError(attr) from None

    # ------------------------------------------------------------------ saved tensors
    def _pack_saved(self, outputs: tuple[Any, ...]) -> None:
        """Record the version of every saved tensor; outputs are kept without grad_fn."""
        ctx = self.ctx
        if ctx._to_save is None:
            return
        slots = {id(t): k for k, t in enumerate(outputs) if isinstance(t, Tensor)}
        packed = []
        for t in ctx._to_save:
            if t is None:
                packed.append(None)
            elif id(t) in slots:
                packed.append(_SavedOutput(t, slots[id(t)]))
            else:
                packed.append((t, t._version))
        ctx._saved, ctx._to_save = tuple(packed), None  # no strong path to the outputs left

    def output_fn(self, k: int) -> Op:
        """The grad_fn of output ``k``: this node for a lone output, else the output's
        :class:`FunctionOutput` (made again if the one given out is gone). Kept by weak
        reference, so node and outputs never form a cycle."""
        ref = self._out_fns[k]
        fn = ref() if ref is not None else None
        if fn is None:
            if not self._multi:
                fn = self
            else:
                fn = FunctionOutput.__new__(FunctionOutput)
                fn.core, fn.slot, fn.parents = self, k, (self,)
                fn.needs_input_grad = (True,)
                fn.in_meta = (self._out_meta[k],)
                fn.out_meta, fn.backend = self._out_meta[k], self.backend
                fn._saved_inputs = fn._saved_versions = None
            self._out_fns[k] = weakref.ref(fn)
        return fn

    def unpack_saved(self) -> tuple[Any, ...]:
        """``ctx.saved_tensors``: the saved tensors, after the in-place version check."""
        ctx = self.ctx
        if ctx._freed:
            raise AutogradError(
                f"{self.op_name}: trying to backward through the graph a second time (or "
                "directly access saved tensors after they have already been freed). Saved "
                "values are freed when you call .backward() or autograd.grad(); specify "
                "retain_graph=True to backward through the graph a second time"
            )
        result = []
        for i, s in enumerate(ctx._saved):
            if s is None:
                result.append(None)
            elif isinstance(s, _SavedOutput):
                live = s.ref()
                if live is not None and live._version != s.version:
                    raise _version_error(self, i, live, live._version, s.version)
                fn = self.output_fn(s.slot) if self._out_fns[s.slot] is not None else None
                t = Tensor._make(s.data, fn)
                t._requires_grad = fn is not None
                result.append(t)
            else:
                t, v = s
                if t._version != v:
                    raise _version_error(self, i, t, t._version, v)
                result.append(t)
        return tuple(result)

    def _unpack(self, create_graph: bool) -> tuple[Any, Any]:
        return None, None  # the user's backward reads ctx.saved_tensors itself

    def _release(self) -> None:
        ctx = self.ctx
        if ctx._saved:
            ctx._saved, ctx._freed = (), True

    # ------------------------------------------------------------------ backward
    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        ctx, fwd = self.ctx, self._forward_cls
        create_graph = isinstance(g, Tensor) or (isinstance(g, SlotGrads) and any(
            isinstance(x, Tensor) for x in g.grads))
        grads = g.grads if isinstance(g, SlotGrads) else [g]
        args = []
        for gk, meta in zip(grads, self._out_meta, strict=True):
            if meta is None:  # a non-Tensor output
                args.append(None)
                continue
            if gk is None and ctx.materialize_grads:
                gk = self.backend.xp.zeros(meta[0], dtype=meta[1])
                gk = Tensor._make(gk, None)
            elif gk is not None and not create_graph:
                gk = Tensor._make(gk, None)
            args.append(gk)
        user_fn = fwd.backward if fwd.vjp is fwd._base_vjp else fwd.vjp
        result = user_fn(ctx, *args)
        return self._per_parent(result if isinstance(result, tuple) else (result,),
                                create_graph)

    def _per_parent(self, result: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
        """The user's gradients (one per forward input, trailing Nones allowed) as one per
        Tensor input, in the engine's form."""
        n = self._n_inputs
        if len(result) < n or any(r is not None for r in result[n:]):
            raise AutogradError(
                f"function {self.op_name} returned an incorrect number of gradients "
                f"(expected {n}, got {len(result)})"
            )
        tensor_pos = self._tensor_pos
        for i, r in enumerate(result[:n]):
            if r is None:
                continue
            if not isinstance(r, Tensor):
                raise MinigradTypeError(
                    f"function {self.op_name} returned a gradient of type "
                    f"{type(r).__name__} for input {i}; expected a Tensor or None"
                )
            if i not in tensor_pos:
                raise AutogradError(
                    f"function {self.op_name} returned a gradient different than None at "
                    f"position {i}, but the corresponding forward input was not a Tensor"
                )
        # a gradient for an input that needs none is kept (node hooks see it, as PyTorch's);
        # the engine passes nothing to such an input
        return tuple(None if result[i] is None else result[i] if create_graph
                     else result[i]._data for i in tensor_pos)


class FunctionOutput(Op):
    """Output ``slot`` of a multi-output Function: hands its gradient to the one node."""

    save_inputs = False
    core: BackwardFunction
    slot: int

    @property
    def output_edge(self) -> tuple[Any, int]:
        return self.core, self.slot

    @property
    def hook_target(self) -> BackwardFunction:
        return self.core

    @property
    def op_name(self) -> str:
        return self.core.op_name

    def name(self) -> str:
        return self.core.name()

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return self.core.next_functions

    @property
    def metadata(self) -> dict[str, Any]:
        return self.core.metadata

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr == "core":
            raise AttributeError(attr)
        return getattr(self.__dict__["core"], attr)

    def __repr__(self) -> str:
        return repr(self.core)

    def _unpack(self, create_graph: bool) -> tuple[Any, Any]:
        return None, None

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        grads = [None] * len(self.core._out_meta)
        grads[self.slot] = g
        return (SlotGrads(grads),)

    def _fit_grad(self, i: int, g: Any, m: Any) -> Any:
        return g  # the slot's gradient was checked against the output it belongs to

    def _check_grad_finite(self, g: Any, i: int) -> None:
        return None


class DelayedError(Op):
    """Identity whose backward raises: what ``@once_differentiable`` puts on its results."""

    save_inputs = False

    def forward(self, xp: Any, x: Any, message: str = "") -> Any:
        self.message = message
        return x

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        raise AutogradError(self.message)
