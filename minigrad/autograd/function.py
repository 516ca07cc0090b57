"""PyTorch's ``torch.autograd.Function``: custom ops written with a ``ctx`` on Tensors.

Subclass :class:`Function` with static ``forward(ctx, *args)`` and ``backward(ctx,
*grad_outputs)`` (or a ctx-less ``forward(*args)`` plus ``setup_context(ctx, inputs,
output)``) and call ``MyFn.apply(*args)``. It is an adapter over the internal op contract
(:class:`minigrad.op.Op`): each call records one node, ``MyFnBackward``
(:mod:`minigrad.autograd.function_node`). Backward formulas written with minigrad ops are
differentiable again (``create_graph=True``).

>>> import minigrad as mg
>>> class Exp(mg.autograd.Function):
...     @staticmethod
...     def forward(ctx, i):
...         result = i.exp()
...         ctx.save_for_backward(result)
...         return result
...     @staticmethod
...     def backward(ctx, grad_output):
...         (result,) = ctx.saved_tensors
...         return grad_output * result
>>> x = mg.tensor([0.0, 1.0], requires_grad=True)
>>> y = Exp.apply(x)
>>> y
tensor([1.      , 2.718282], dtype=float32, device='cpu', grad_fn=<ExpBackward>)
>>> y.sum().backward(); x.grad
tensor([1.      , 2.718282], dtype=float32, device='cpu')
"""

from __future__ import annotations

import functools
import inspect
import traceback
import warnings
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from minigrad.autograd.function_node import BackwardFunction, DelayedError
from minigrad.errors import AutogradError, MinigradTypeError
from minigrad.grad_mode import STATE, no_grad
from minigrad.tensor import Tensor

__all__ = ["Function", "FunctionCtx", "InplaceFunction", "once_differentiable"]

F = TypeVar("F", bound=Callable[..., Any])


class FunctionCtx:
    """The ``ctx`` handed to ``forward``/``setup_context`` and ``backward``: saved tensors,
    ``needs_input_grad`` and any attribute you set (``ctx.constant = 3``)."""

    materialize_grads: bool = True
    needs_input_grad: tuple[bool, ...] = ()
    _to_save: tuple[Any, ...] | None = None
    _saved: tuple[Any, ...] = ()
    _freed: bool = False
    _node: Any = None
    _dirty: tuple[Tensor, ...] = ()
    _non_differentiable: tuple[Tensor, ...] = ()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``backward`` (read them back as ``ctx.saved_tensors``); changing
        one in place before backward is an error there, as in PyTorch."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise MinigradTypeError(
                    f"save_for_backward can only save tensors, but argument {i} is of type "
                    f"{type(t).__name__}"
                )
        self._to_save = tensors
        self._saved = tuple((t, t._version) if t is not None else None for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The tensors given to :meth:`save_for_backward`, checked for in-place changes."""
        node = self._node() if self._node is not None else None
        if node is None:  # inside forward / setup_context (or the graph is gone)
            return tuple(s[0] if s is not None else None for s in self._saved)
        return node.unpack_saved()

    saved_variables = saved_tensors  # PyTorch's deprecated name

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that ``forward`` changed in place (and returns)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Declare outputs that carry no gradient (indices, masks): they do not require grad
        and ``backward`` gets zeros for them."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` gets None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)


def _not_implemented_backward(ctx: Any, *grad_outputs: Any) -> Any:
    raise NotImplementedError(
        "You must implement either the backward or vjp method for your custom "
        "autograd.Function to use it with backward mode AD."
    )


class Function:
    """Base class of custom differentiable functions, as ``torch.autograd.Function``.

    Differs from PyTorch: forward-mode AD (``jvp``) and ``vmap`` are not supported.
    """

    _backward_cls: type[BackwardFunction]
    _base_vjp = staticmethod(_not_implemented_backward)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._backward_cls = type(f"{cls.__name__}Backward", (BackwardFunction,),
                                 {"_forward_cls": cls, "__module__": cls.__module__})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself.",
            DeprecationWarning, stacklevel=2,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise AutogradError(
            "Legacy autograd function with non-static forward method is deprecated. Please "
            "use new-style autograd function with static forward method: MyFn.apply(...)"
        )

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    backward = _base_vjp
    vjp = _base_vjp

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        raise NotImplementedError(
            "minigrad has no forward-mode AD: autograd.Function.jvp is never called"
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` without recording and, when an input requires grad, record one
        node whose backward is this class's ``backward``."""
        setup = cls.setup_context is not Function.setup_context
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        inputs = (*args, *kwargs.values())
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in inputs)
        with no_grad():
            if setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not (STATE.grad_enabled and any(ctx.needs_input_grad)):
            return output
        return _record(cls, ctx, inputs, output)


def _record(cls: type[Function], ctx: FunctionCtx, inputs: tuple[Any, ...], output: Any) -> Any:
    """Attach a ``<Name>Backward`` node to the outputs of one ``apply``."""
    multi = isinstance(output, tuple)
    outs = list(output) if multi else [output]
    tensor_pos = tuple(i for i, a in enumerate(inputs) if isinstance(a, Tensor))
    tensors = [inputs[i] for i in tensor_pos]
    node = cls._backward_cls.__new__(cls._backward_cls)
    node.__dict__["ctx"] = ctx
    node.parents = tuple(t.grad_fn if t.grad_fn is not None else (t if t._requires_grad else None)
                         for t in tensors)
    node.needs_input_grad = tuple(p is not None for p in node.parents)
    node.in_meta = tuple((t._data.shape, t._data.dtype) for t in tensors)
    node.backend = tensors[0]._backend
    node._n_inputs, node._tensor_pos = len(inputs), tensor_pos
    node._saved_inputs = node._saved_versions = None
    node._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else None
                           for o in outs)
    first = next((m for m in node._out_meta if m is not None), ((), None))
    node.out_meta = first  # read by minigrad.viz
    if STATE.anomaly:  # anomaly errors name where the Function was applied
        node._trace = traceback.extract_stack()[:-2]
    _check_marks(cls, ctx, tensors, outs)
    node._multi = multi
    node._out_fns = [None] * len(outs)  # a weak reference per differentiable output
    non_diff = {id(t) for t in ctx._non_differentiable}
    dirty = {id(t) for t in ctx._dirty}
    ins = {id(t) for t in tensors}
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            continue
        differentiable = id(o) not in non_diff and o.dtype.kind == "f"
        if id(o) in dirty:
            if o.grad_fn is None and o._requires_grad:
                raise AutogradError(
                    f"{cls.__name__}: a leaf Variable that requires grad (shape {o.shape}) "
                    "has been used in an in-place operation (marked dirty in forward)"
                )
        elif id(o) in ins or o.grad_fn is not None or o._requires_grad:
            o = outs[k] = Tensor._make(o._data, None)  # an alias, as PyTorch's view
        if not differentiable:
            if id(o) in dirty:
                o.grad_fn, o._requires_grad = None, False
            continue
        o.grad_fn, o._requires_grad = node.output_fn(k), True
    node._pack_saved(tuple(outs))
    ctx._node = weakref.ref(node)  # weak: node and ctx never keep each other alive
    ctx._dirty = ctx._non_differentiable = ()  # nor ctx the (rebased) outputs
    return tuple(outs) if multi else outs[0]


def _check_marks(cls: type[Function], ctx: FunctionCtx, tensors: list[Tensor],
                 outs: list[Any]) -> None:
    out_ids = {id(o) for o in outs}
    for t in ctx._dirty:
        if not any(t is i for i in tensors):
            raise AutogradError(f"{cls.__name__}: mark_dirty only accepts input tensors")
        if id(t) not in out_ids:
            raise AutogradError(
                f"{cls.__name__}: some elements marked as dirty during the forward method "
                "were not returned as output"
            )
    for t in ctx._non_differentiable:
        if id(t) not in out_ids:
            raise AutogradError(
                f"{cls.__name__}: mark_non_differentiable only accepts output tensors"
            )


def once_differentiable(fn: F) -> F:
    """Decorate a Function's ``backward`` that is not itself differentiable: it runs without
    recording, and differentiating its result again raises a clear error (as PyTorch).

    >>> import minigrad as mg
    >>> class Square(mg.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     @once_differentiable
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = mg.tensor([3.0], requires_grad=True)
    >>> y = Square.apply(x) * mg.tensor([1.0], requires_grad=True)
    >>> (gx,) = mg.autograd.grad(y.sum(), x, create_graph=True)
    >>> try:
    ...     gx.sum().backward()
    ... except mg.AutogradError as e:
    ...     print(e)
    trying to differentiate twice a function that was marked with @once_differentiable
    """

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        with no_grad():
            outputs = fn(ctx, *args, **kwargs)
        if not STATE.grad_enabled:
            return outputs
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        multi = isinstance(outputs, tuple)
        message = "trying to differentiate twice a function that was marked with " \
                  "@once_differentiable"
        wrapped = [DelayedError.apply(o.detach().requires_grad_(), message=message)
                   if isinstance(o, Tensor) and o.dtype.kind == "f" else o
                   for o in (outputs if multi else (outputs,))]
        return tuple(wrapped) if multi else wrapped[0]

    return wrapper  # type: ignore[return-value]


class InplaceFunction(Function):
    """PyTorch's legacy base class with an ``inplace`` flag (kept for old programs)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

