"""The reverse-mode engine: an iterative walk of the graph in reverse topological order.

``backward`` accumulates into the ``.grad`` of leaves; ``grad`` returns gradients without
touching ``.grad``. Both run in two passes: count how many consumers each node has (an
explicit stack, so a 20,000-op chain never meets Python's recursion limit), then release
nodes whose consumers are all done, summing the gradients that reach each node.

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0], requires_grad=True)
>>> (dx,) = mg.grad((x * x).sum(), x)
>>> dx
tensor([2., 4.], dtype=float32, device='cpu')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from minigrad.autograd import graph
from minigrad.backends import backends
from minigrad.errors import AutogradError
from minigrad.grad_mode import STATE, detect_anomaly, set_grad_enabled
from minigrad.gradmath import TENSOR_MATH, array_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from .accumulate import _add, _deliver_leaf, _unshare

__all__ = ["backward", "detect_anomaly", "grad"]


def _as_tuple(x: Any) -> tuple[Any, ...]:
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, Mapping):  # inputs={"name": tensor} (PyTorch 2.x)
        return tuple(x.values())
    return tuple(x)


def _root_grads(
    outputs: tuple[Tensor, ...], grad_outputs: tuple[Any, ...], create_graph: bool, op: str
) -> list[tuple[Tensor, Any]]:
    if grad_outputs and len(grad_outputs) != len(outputs):
        raise AutogradError(
            f"{op}: got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs"
        )
    roots = []
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{op}: outputs must be Tensors, got {type(out).__name__}")
        if not out.requires_grad:
            raise AutogradError(
                f"{op}: output {i} (shape {out.shape}) does not require grad and has no "
                "grad_fn; did you compute it under no_grad() or from tensors without "
                "requires_grad=True?"
            )
        g = grad_outputs[i] if grad_outputs else None
        if g is None:
            if out.numel() != 1:
                raise AutogradError(
                    f"{op}: grad can be implicitly created only for scalar outputs; output {i} "
                    f"has shape {out.shape}: pass a gradient of that shape"
                )
            with out._backend.device_context(out._data):  # the seed goes to out's device
                g = out._backend.xp.ones(out._data.shape, dtype=out._data.dtype)
        else:
            if not isinstance(g, Tensor):
                g = Tensor._from_data(g, out.dtype, out.device)
            if g.shape != out.shape:
                raise AutogradError(
                    f"{op}: gradient for output {i} has shape {g.shape} but the output has "
                    f"shape {out.shape}"
                )
            if not create_graph:  # a leaf may adopt it: never alias
                with g._backend.device_context(g._data):
                    g = g._data.copy()
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._make(g, None)
        roots.append((out, g))
    return roots


def _run(
    roots: list[tuple[Tensor, Any]],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[Any, int] | None,
) -> dict[int, Any]:
    """:func:`_walk`, restoring the GPU's current device after it (each node's backward runs
    on its own device, as its forward did)."""
    gpu = next((b for b in backends() if b.enters_device), None)
    if gpu is None:
        return _walk(roots, retain_graph, create_graph, capture)
    with gpu.device_scope():
        return _walk(roots, retain_graph, create_graph, capture)


def _walk(
    roots: list[tuple[Tensor, Any]],
    retain_graph: bool,
    create_graph: bool,
    capture: dict[Any, int] | None,
) -> dict[int, Any]:
    """Propagate gradients from ``roots``.

    With ``capture`` (a map from leaf tensors / nodes to slot numbers) the gradients reaching
    those are returned by slot and no ``.grad`` is touched; without it leaves accumulate.
    """
    captured: dict[int, Any] = {}
    grads: dict[Op, Any] = {}
    deps: dict[Op, int] = {}
    nodes = []
    # post-accumulate-grad hooks run in backward() only (None: none registered)
    post = graph.POST_ACCUMULATE_HOOKS if capture is None and graph.POST_ACCUMULATE_HOOKS \
        else None
    for t, g in roots:
        if t.grad_fn is None:  # a leaf as root: its gradient is the seed itself
            g = _deliver_leaf(t, g, capture, captured, create_graph)
            if post is not None and id(t) in post:
                graph.run_post_accumulate_hooks({id(t): t}, {id(t): g})
        else:
            node = t.grad_fn
            grads[node] = g if node not in grads else _add(grads[node], g)
            nodes.append(node)

    # pass 1: count consumers (iteratively), and the edges into each leaf with hooks: its
    # gradient is summed over them first, then its tensor hooks run once on the sum and its
    # post-accumulate hooks right after (PyTorch's AccumulateGrad: the same result for a
    # nonlinear hook such as clamp, and DDP can reduce a bucket while backward goes on)
    pending: dict[int, int] = {}
    buffered: dict[int, Any] = {}
    stack = list(dict.fromkeys(nodes))
    seen = set(stack)
    while stack:
        node = stack.pop()
        for p in node.parents:
            if isinstance(p, Op):
                deps[p] = deps.get(p, 0) + 1
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
            elif p is not None and (p._hooks or (post is not None and id(p) in post)):
                pending[id(p)] = pending.get(id(p), 0) + 1

    # pass 2: release nodes whose consumers are done
    ready = [n for n in dict.fromkeys(nodes) if deps.get(n, 0) == 0]
    anomaly = STATE.anomaly
    while ready:
        node = ready.pop()
        g = grads.pop(node, None)
        if g is not None:
            if node._device is not None:  # a GPU node: its backward runs on its device
                node.backend.use_device(node._device)
            if node._pre_hooks:
                g = graph.run_tensor_hooks(node._pre_hooks, g, create_graph)
            node_hooks = node._fn_hooks
            if node_hooks is not None:
                g = graph.run_prehooks(node, g, create_graph)
            if capture is not None and node in capture:
                captured[capture[node]] = g
            m = TENSOR_MATH if create_graph else array_math(node.backend.xp)
            inputs, out = node._unpack(create_graph)
            if anomaly:  # NaN/Inf become an AnomalyError below, so NumPy need not warn
                with node.backend.errstate(all="ignore"):
                    in_grads = node.backward(m, g, inputs, out)
            else:
                in_grads = node.backward(m, g, inputs, out)
            if not retain_graph:
                node._release()
            if not isinstance(in_grads, (tuple, list)):
                in_grads = (in_grads,)  # a lone gradient for a one-input op, as PyTorch allows
            n_in = len(node.parents)
            if len(in_grads) != n_in:
                raise AutogradError(
                    f"{node.op_name}.backward returned {len(in_grads)} gradients but the op has "
                    f"{len(node.parents)} inputs (return None for inputs without a gradient)"
                )
            if node_hooks is not None:
                in_grads = graph.run_posthooks(node, in_grads, g, m, create_graph)
            if not create_graph and len(in_grads) > 1:
                in_grads = _unshare(in_grads)
        else:
            in_grads = None
        for i, p in enumerate(node.parents):
            if p is None:
                continue
            gi = None if in_grads is None else in_grads[i]
            if gi is not None:
                gi = node._fit_grad(i, gi, m)
                if anomaly:
                    node._check_grad_finite(gi, i)
            if isinstance(p, Op):
                if gi is not None:
                    prev = grads.get(p)
                    grads[p] = gi if prev is None else _add(prev, gi)
                left = deps[p] - 1
                deps[p] = left
                if left == 0:
                    ready.append(p)
            elif pending and id(p) in pending:
                if gi is not None:
                    prev = buffered.get(id(p))
                    buffered[id(p)] = gi if prev is None else _add(prev, gi)
                left = pending[id(p)] - 1
                pending[id(p)] = left
                if left == 0:  # its last edge: hooks, .grad, post-accumulate hooks
                    total = buffered.pop(id(p), None)
                    if total is not None:
                        total = _deliver_leaf(p, total, capture, captured, create_graph,
                                              retain_graph)
                        if post is not None and id(p) in post:
                            graph.run_post_accumulate_hooks({id(p): p}, {id(p): total})
            elif gi is not None:
                _deliver_leaf(p, gi, capture, captured, create_graph, retain_graph)
    return captured


def backward(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Any = None,
    inputs: Tensor | Sequence[Tensor] | Mapping[str, Tensor] | None = None,
) -> None:
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad`` (see ``Tensor.backward``).

    As ``torch.autograd.backward``: with ``inputs`` only those tensors (leaves or not)
    accumulate into their ``.grad``; ``grad_variables`` is the old name of ``grad_tensors``.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> mg.autograd.backward((x * 3).sum()); x.grad
    tensor([3., 3.], dtype=float32, device='cpu')
    >>> w = mg.ones(2, requires_grad=True)
    >>> mg.autograd.backward((x * w).sum(), inputs=[w]); w.grad, x.grad
    (tensor([1., 1.], dtype=float32, device='cpu'), tensor([3., 3.], dtype=float32, device='cpu'))
    """
    if grad_variables is not None:
        if grad_tensors is not None:
            raise AutogradError("backward: pass grad_tensors or grad_variables, not both")
        grad_tensors = grad_variables
    outputs = _as_tuple(tensors)
    grad_outputs = _as_tuple(grad_tensors) if grad_tensors is not None else ()
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        _backward_into(outputs, _as_tuple(inputs), grad_outputs, retain_graph, create_graph)
        return
    with set_grad_enabled(create_graph):
        roots = _root_grads(outputs, grad_outputs, create_graph, "backward")
        _run(roots, retain_graph, create_graph, None)


def _backward_into(outputs: tuple[Tensor, ...], inputs: tuple[Tensor, ...],
                   grad_outputs: tuple[Any, ...], retain_graph: bool, create_graph: bool) -> None:
    """``backward(inputs=...)``: accumulate into the ``.grad`` of ``inputs`` only."""
    if not inputs:
        raise AutogradError("backward: the 'inputs' argument cannot be empty")
    grads = grad(outputs, inputs, grad_outputs or None, retain_graph, create_graph,
                 allow_unused=True)
    reached, incoming = {}, {}
    with set_grad_enabled(create_graph):
        for t, g in zip(inputs, grads, strict=True):
            if g is None:
                continue
            t.grad = g if t.grad is None else t.grad + g
            if t.grad_fn is None and id(t) in graph.POST_ACCUMULATE_HOOKS:
                reached[id(t)], incoming[id(t)] = t, g
    if reached:
        graph.run_post_accumulate_hooks(reached, incoming)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor] | Mapping[str, Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...] | dict[str, Tensor | None]:
    """Gradients of ``outputs`` with respect to ``inputs``, leaving ``.grad`` untouched.

    As ``torch.autograd.grad``: ``grad_outputs`` defaults to ones for scalar outputs;
    ``create_graph=True`` records the backward pass so the result can be differentiated again;
    an input the outputs do not depend on is an error, or None with ``allow_unused=True``, or
    zeros with ``materialize_grads=True``; ``inputs`` given as a dict give a dict of
    gradients. ``only_inputs`` is ignored (as in PyTorch);
    ``is_grads_batched=True`` (vmap) is not supported.

    >>> import minigrad as mg
    >>> x = mg.tensor(3.0, requires_grad=True)
    >>> (dy,) = mg.grad(x ** 3, x, create_graph=True)
    >>> (d2y,) = mg.grad(dy, x)
    >>> float(dy), float(d2y)
    (27.0, 18.0)
    """
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True needs vmap, which minigrad lacks")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError("grad: expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got allow_unused=False")
    outs = _as_tuple(outputs)
    ins = _as_tuple(inputs)
    keys = list(inputs) if isinstance(inputs, Mapping) else None
    grad_outs = _as_tuple(grad_outputs) if grad_outputs is not None else ()
    if retain_graph is None:
        retain_graph = create_graph
    capture: dict[Any, int] = {}
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise AutogradError(f"grad: input {i} is not a Tensor that requires grad")
        capture[t.grad_fn if t.grad_fn is not None else t] = i
    with set_grad_enabled(create_graph):
        roots = _root_grads(outs, grad_outs, create_graph, "grad")
        captured = _run(roots, retain_graph, create_graph, capture)
    result: list[Tensor | None] = []
    for i, t in enumerate(ins):
        g = captured.get(i)
        if g is None and materialize_grads:
            g = t._backend.xp.zeros(t._data.shape, dtype=t._data.dtype)
            g = Tensor._make(g, None) if create_graph else g
        if g is None:
            if not allow_unused:
                raise AutogradError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            result.append(None)
        else:
            result.append(g if create_graph else Tensor._make(g, None))
    if keys is not None:
        return dict(zip(keys, result, strict=True))  # type: ignore[return-value]
    return tuple(result)
