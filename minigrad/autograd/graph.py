"""PyTorch's view of the graph: node names, ``next_functions``, node hooks, ``AccumulateGrad``.

Every node (``t.grad_fn``) answers ``name()`` with PyTorch's name (``"MulBackward0"``) and
``next_functions`` with one ``(node, output_index)`` pair per input, as
``torch.autograd.graph.Node`` does; a leaf that requires grad appears as an
:class:`AccumulateGrad` whose ``.variable`` is the leaf. Errors keep minigrad's own op names
(``node.op_name``, e.g. ``"Mul"``).

>>> import minigrad as mg
>>> a = mg.ones(2, requires_grad=True)
>>> y = (a * 2).sum()
>>> y.grad_fn.name()
'SumBackward0'
>>> mul, idx = y.grad_fn.next_functions[0]
>>> mul.name(), idx, mul.next_functions[0][0].variable is a, mul.next_functions[1]
('MulBackward0', 0, True, (None, 0))
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from minigrad.autograd.function_node import BackwardFunction, SlotGrads
from minigrad.errors import AutogradError
from minigrad.op import Op
from minigrad.tensor import Tensor

__all__ = ["AccumulateGrad", "Node", "next_functions", "node_name",
           "register_post_accumulate_grad_hook"]

#: PyTorch's ``torch.autograd.graph.Node``: the base class of every ``grad_fn``
Node = Op

# minigrad's op class name -> PyTorch's node name, where the two differ beyond "Backward0"
_TORCH_NAMES = {
    "PowScalar": "PowBackward0", "Pow": "PowBackward1", "RPowScalar": "PowBackward2",
    "Square": "PowBackward0", "DivRounded": "DivBackward2", "Reshape": "ViewBackward0",
    "SwapLast": "TransposeBackward0", "BroadcastTo": "ExpandBackward0",
    "Cast": "ToCopyBackward0", "ToDevice": "ToCopyBackward0", "Clamp": "ClampBackward1",
    "Log1p": "Log1PBackward0", "LogSumExp": "LogsumexpBackward0",
    "CumSum": "CumsumBackward0", "CumProd": "CumprodBackward0",
    "LogCumSumExp": "LogcumsumexpBackward0", "VectorNorm": "LinalgVectorNormBackward0",
    "Inv": "LinalgInvExBackward0", "Det": "LinalgDetBackward0",
    "Solve": "LinalgSolveExBackward0", "Cholesky": "LinalgCholeskyExBackward0",
    "Conv2d": "ConvolutionBackward0", "ConvTranspose2d": "ConvolutionBackward0",
    "MaxPool2d": "MaxPool2DWithIndicesBackward0", "AvgPool2d": "AvgPool2DBackward0",
    "Pad": "ConstantPadNdBackward0", "CrossEntropy": "NllLossBackward0",
    "ScatterAddAlong": "ScatterAddBackward0", "ScatterAlong": "ScatterBackward0",
    "IndexAddInto": "IndexAddBackward0", "Prelu": "PreluKernelBackward0",
    "MaxAll": "MaxBackward1", "MinAll": "MinBackward1", "LogAddExp": "LogaddexpBackward0",
}


def _reduction_name(node: Any, base: str) -> str:
    """``SumBackward0`` for a full reduction, ``SumBackward1`` along dims (as PyTorch)."""
    full = len(getattr(node, "dim", ())) == len(node.in_meta[0][0]) and not node.keepdim
    return f"{base}Backward{0 if full else 1}"


def _index_name(node: Any) -> str:
    key = getattr(node, "key", ())
    key = key if isinstance(key, tuple) else (key,)
    if key and all(isinstance(k, int) for k in key):
        return "SelectBackward0"
    if all(isinstance(k, slice) or k is Ellipsis for k in key):
        return "SliceBackward0"
    return "IndexBackward0"


def _matmul_name(node: Any) -> str:
    ndims = tuple(len(shape) for shape, _ in node.in_meta)
    return {(1, 1): "DotBackward0", (2, 1): "MvBackward0"}.get(
        ndims, "MmBackward0" if max(ndims) <= 2 else "BmmBackward0")


_REFINED: dict[str, Callable[[Any], str]] = {
    "Sum": lambda n: _reduction_name(n, "Sum"),
    "Mean": lambda n: _reduction_name(n, "Mean"),
    "Prod": lambda n: _reduction_name(n, "Prod"),
    "Index": _index_name,
    "Matmul": _matmul_name,
    "Linear": lambda n: "AddmmBackward0" if len(n.in_meta) == 3 else "MmBackward0",
    "Triangle": lambda n: "TriuBackward0" if n.upper else "TrilBackward0",
}


def node_name(node: Any) -> str:
    """PyTorch's name of ``node`` (``grad_fn.name()``): from the table for the common ops,
    else ``f"{OpName}Backward0"``.

    >>> import minigrad as mg
    >>> node_name((mg.ones(2, 3, requires_grad=True).sum(1)).grad_fn)
    'SumBackward1'
    """
    op = type(node).__name__
    refine = _REFINED.get(op)
    if refine is not None:
        try:
            return refine(node)
        except (AttributeError, IndexError, TypeError):
            pass  # a node built outside Op.apply: fall back to the plain rule
    return _TORCH_NAMES.get(op) or f"{op}Backward0"


class AccumulateGrad:
    """The node PyTorch shows for a leaf in ``next_functions``; ``.variable`` is the leaf.

    >>> import minigrad as mg
    >>> w = mg.ones(2, requires_grad=True)
    >>> acc, _ = (w * 3).grad_fn.next_functions[0]
    >>> acc.name(), acc.variable is w, acc.next_functions
    ('torch::autograd::AccumulateGrad', True, ())
    """

    next_functions: tuple[tuple[Any, int], ...] = ()

    def __init__(self, variable: Tensor) -> None:
        self._ref = weakref.ref(variable)
        self.metadata: dict[str, Any] = {}

    @property
    def variable(self) -> Tensor | None:
        return self._ref()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def register_prehook(self, fn: Any) -> Any:
        """``fn(grad_outputs)`` on the leaf's whole gradient of a backward, before it is
        accumulated; a returned 1-tuple replaces it (a tensor hook on the leaf)."""

        def hook(grad: Tensor) -> Tensor | None:
            result = _replace(fn((grad,)), (grad,), "grad_outputs", fn)
            return None if result[0] is grad else result[0]

        hook.__qualname__ = getattr(fn, "__qualname__", type(fn).__name__)
        return self._leaf().register_hook(hook)

    def register_hook(self, fn: Any) -> Any:
        """``fn(grad_inputs, grad_outputs)`` after the gradient is accumulated into ``.grad``
        (``grad_inputs`` is ``()``, ``grad_outputs`` the gradient received), once per
        ``backward()``; its result must be None. Returns a handle with ``remove()``."""
        return register_post_accumulate_grad_hook(self._leaf(), _AccumulateGradHook(fn))

    def _leaf(self) -> Tensor:
        leaf = self._ref()
        if leaf is None:
            raise AutogradError("AccumulateGrad: its leaf tensor no longer exists")
        return leaf

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


class _AccumulateGradHook:
    """An ``AccumulateGrad.register_hook`` hook among a leaf's post-accumulate hooks."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.__qualname__ = getattr(fn, "__qualname__", type(fn).__name__)


# one AccumulateGrad per live leaf, keyed by id (Tensor.__eq__ is elementwise, so tensors
# cannot be dictionary keys); an entry goes when its leaf is collected
_ACCUMULATORS: dict[int, AccumulateGrad] = {}


def accumulate_grad(leaf: Tensor) -> AccumulateGrad:
    """The (cached) :class:`AccumulateGrad` of ``leaf``."""
    acc = _ACCUMULATORS.get(id(leaf))
    if acc is None or acc.variable is not leaf:
        acc = _ACCUMULATORS[id(leaf)] = AccumulateGrad(leaf)
        weakref.finalize(leaf, _ACCUMULATORS.pop, id(leaf), None)
    return acc


def next_functions(node: Any) -> tuple[tuple[Any, int], ...]:
    """``node.next_functions``: per input its grad_fn (and which of that node's outputs it
    is), an :class:`AccumulateGrad` for a leaf that requires grad, or ``(None, 0)``."""
    result = []
    for p in node.parents:
        if p is None:
            result.append((None, 0))
        elif isinstance(p, Tensor):
            result.append((accumulate_grad(p), 0))
        else:
            edge = getattr(p, "output_edge", None)  # one output of a multi-output Function
            result.append(edge if edge is not None else (p, 0))
    return tuple(result)


# ---------------------------------------------------------------------- tensor hooks
def run_tensor_hooks(hooks: list[Any], g: Any, create_graph: bool) -> Any:
    """Run tensor hooks in order; a returned tensor replaces the gradient. The hook that
    ``retain_grad()`` installs runs last, so ``.grad`` keeps the post-hook gradient (PyTorch)."""
    retain = None
    for hook in hooks:
        if getattr(hook, "_retains_grad", False):
            retain = hook
            continue
        arg = g if create_graph else Tensor._make(g, None)
        result = hook(arg)
        if result is not None:
            _check_hook_result(hook, result, arg)
            g = result if create_graph else result._data
    if retain is not None:
        retain(g if create_graph else Tensor._make(g, None))
    return g


def _check_hook_result(hook: Any, result: Any, grad: Tensor) -> None:
    """A hook may return a new gradient, but of the same type, shape, dtype and device."""
    name = getattr(hook, "__qualname__", None) or type(hook).__name__
    if not isinstance(result, Tensor):
        raise AutogradError(
            f"hook {name!r} returned {type(result).__name__!r}; a gradient hook must return "
            "None or a Tensor"
        )
    for what, got, want in (("shape", result.shape, grad.shape),
                            ("dtype", result.dtype, grad.dtype),
                            ("device", result.device, grad.device)):
        if got != want:
            raise AutogradError(
                f"hook {name!r} changed the {what} of the gradient: it returned {got}, the "
                f"gradient has {want} (shape {tuple(grad.shape)})"
            )


# ---------------------------------------------------------------------- node hooks
class _NodeHooks:
    """The PyTorch-style hooks of one node: ``pre(grad_outputs)``, ``post(grad_inputs,
    grad_outputs)``, each an ordered dict of id -> hook (nn.hooks.RemovableHandle's form)."""

    def __init__(self) -> None:
        self.pre: OrderedDict[int, Any] = OrderedDict()
        self.post: OrderedDict[int, Any] = OrderedDict()


def add_node_hook(node: Any, fn: Any, pre: bool) -> Any:
    """Register ``fn`` on ``node`` (``Node.register_prehook`` / ``register_hook``)."""
    from minigrad.nn.hooks import RemovableHandle

    if not callable(fn):
        kind = "register_prehook" if pre else "register_hook"
        raise TypeError(f"{kind}: expected a callable hook, got {type(fn).__name__}")
    target = getattr(node, "hook_target", node)  # a multi-output Function's one node
    if target._fn_hooks is None:
        target._fn_hooks = _NodeHooks()
    return RemovableHandle.add(target._fn_hooks.pre if pre else target._fn_hooks.post, fn)


def _outputs_tuple(g: Any) -> tuple[Any, ...]:
    """The gradient(s) reaching a node, one per output (a multi-output Function's come as a
    SlotGrads)."""
    return tuple(g.grads) if isinstance(g, SlotGrads) else (g,)


def _outputs_from(grads: tuple[Any, ...], g: Any) -> Any:
    return SlotGrads(list(grads)) if isinstance(g, SlotGrads) else grads[0]


def _wrap(g: Any, create_graph: bool) -> Any:
    if g is None or create_graph:
        return g
    return Tensor._make(g, None)


def _unwrap(g: Any, create_graph: bool, what: str, hook: Any) -> Any:
    if g is None:
        return None
    if not isinstance(g, Tensor):
        name = getattr(hook, "__qualname__", None) or type(hook).__name__
        raise AutogradError(
            f"hook {name!r} returned a {type(g).__name__} among the {what}; expected "
            "Tensors or None"
        )
    return g if create_graph else g._data


def _replace(result: Any, old: tuple[Any, ...], what: str, hook: Any) -> tuple[Any, ...]:
    if result is None:
        return old
    name = getattr(hook, "__qualname__", None) or type(hook).__name__
    if not isinstance(result, (tuple, list)) or len(result) != len(old):
        raise AutogradError(
            f"hook {name!r} returned {type(result).__name__}; a node hook must return None "
            f"or a tuple of {len(old)} {what}"
        )
    return tuple(result)


def run_prehooks(node: Any, g: Any, create_graph: bool) -> Any:
    """Run ``node``'s PyTorch-style pre-hooks on the gradient(s) arriving at its output(s)."""
    hooks = node._fn_hooks
    if not hooks.pre:
        return g
    outs = _outputs_tuple(g)
    wrapped = tuple(_wrap(x, create_graph) for x in outs)
    for hook in list(hooks.pre.values()):
        wrapped = _replace(hook(wrapped), wrapped, "grad_outputs", hook)
    node._last_grad_outputs = wrapped
    return _outputs_from(tuple(_unwrap(x, create_graph, "grad_outputs", hook)
                               for x in wrapped), g)


def run_posthooks(node: Any, in_grads: Any, g: Any, m: Any, create_graph: bool) -> Any:
    """Run ``node``'s ``hook(grad_inputs, grad_outputs)``: grad_inputs are checked and
    un-broadcast first (as PyTorch validates them before its post-hooks)."""
    hooks = node._fn_hooks
    outs = node.__dict__.pop("_last_grad_outputs", None)
    if not hooks.post:
        return in_grads
    if outs is None:
        outs = tuple(_wrap(x, create_graph) for x in _outputs_tuple(g))
    # inputs that need no gradient show None, except what a custom Function's backward
    # returned for them (as PyTorch)
    custom = isinstance(node, BackwardFunction)
    grads = tuple(
        None if gi is None or (p is None and not custom)
        else _wrap(node._fit_grad(i, gi, m), create_graph)
        for i, (gi, p) in enumerate(zip(in_grads, node.parents, strict=True))
    )
    for hook in list(hooks.post.values()):
        grads = _replace(hook(grads, outs), grads, "grad_inputs", hook)
    return tuple(_unwrap(x, create_graph, "grad_inputs", hook) for x in grads)


# ---------------------------------------------------------------------- post-accumulate hooks
#: leaf id -> hooks run after the leaf's .grad is final in a backward (empty: no cost)
POST_ACCUMULATE_HOOKS: dict[int, OrderedDict[int, Any]] = {}


def register_post_accumulate_grad_hook(tensor: Tensor, hook: Any) -> Any:
    """``Tensor.register_post_accumulate_grad_hook``: ``hook(tensor)`` runs once per
    ``backward()`` after ``tensor.grad`` has received all its gradient (leaves only).

    >>> import minigrad as mg
    >>> w = mg.ones(2, requires_grad=True)
    >>> _ = w.register_post_accumulate_grad_hook(lambda p: print(p.grad))
    >>> (w * w).sum().backward()
    tensor([2., 2.], dtype=float32, device='cpu')
    """
    from minigrad.nn.hooks import RemovableHandle

    if not tensor.requires_grad:
        raise AutogradError("register_post_accumulate_grad_hook: cannot register a hook on a "
                            "tensor that doesn't require gradient")
    if tensor.grad_fn is not None:
        raise AutogradError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                            "cannot be registered on non-leaf tensors")
    key = id(tensor)
    hooks = POST_ACCUMULATE_HOOKS.get(key)
    if hooks is None:
        hooks = POST_ACCUMULATE_HOOKS[key] = OrderedDict()
        weakref.finalize(tensor, POST_ACCUMULATE_HOOKS.pop, key, None)
    return RemovableHandle.add(hooks, hook)


def run_post_accumulate_hooks(leaves: dict[int, Tensor],
                               incoming: dict[int, Any] | None = None) -> None:
    """Fire the post-accumulate hooks of the leaves a backward pass reached; ``incoming``
    holds the gradient each received (what an :class:`AccumulateGrad` hook is shown)."""
    for key, leaf in leaves.items():
        for hook in list(POST_ACCUMULATE_HOOKS.get(key, {}).values()):
            if isinstance(hook, _AccumulateGradHook):
                g = (incoming or {}).get(key)
                g = leaf.grad if g is None else g if isinstance(g, Tensor) else Tensor._make(
                    g, None)
                result = hook.fn((), (g,))
            else:
                result = hook(leaf)
            if result is not None:
                name = getattr(hook, "__qualname__", None) or type(hook).__name__
                raise AutogradError(f"post accumulate grad hook {name!r} must return None")

