"""Record, during a forward pass, which module made each op, and the gradients backward sends.

Nothing here costs anything per op when it is not in use: :func:`capture` installs forward
hooks on the model's modules for the length of a ``with`` block and removes them after. Each
forward hook walks back from the module's outputs to its inputs and tags the ops it finds with
the module's name (the innermost module wins, since inner hooks run first). It also puts a
pre-hook on each of those ops that records the norm of the gradient reaching the op's output
during ``backward()`` (PyTorch's ``Tensor.register_hook``, on the node). :func:`watch` does the
same for any graph, for ops made outside a module (the loss) or for plain tensors.

The tags live in weak registries keyed by the graph nodes themselves, so they vanish with the
graph; :func:`minigrad.viz.build_graph` and :func:`minigrad.viz.draw` read them.

>>> import minigrad as mg
>>> from minigrad import viz
>>> w = mg.ones(3, requires_grad=True)
>>> loss = (w * 2).sum()
>>> viz.watch(loss)
2
>>> loss.backward()
>>> round(viz.grad_norm_of(loss.grad_fn), 3)
1.0
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

from minigrad.errors import MinigradTypeError
from minigrad.op import Op
from minigrad.tensor import Tensor

__all__ = ["GraphCapture", "capture", "grad_norm_of", "module_of", "watch"]

#: node -> (module path, module class name, {path: class name} of every module of the model)
_NODE_MODULE: weakref.WeakKeyDictionary[Op, tuple[str, str, dict[str, str]]] = (
    weakref.WeakKeyDictionary()
)
#: node -> norm of the gradient that reached its output in the last backward
_NODE_GRAD: weakref.WeakKeyDictionary[Op, float] = weakref.WeakKeyDictionary()
#: nodes that already carry a gradient-recording pre-hook
_WATCHED: weakref.WeakSet[Op] = weakref.WeakSet()
#: id(parameter) -> (weak reference to it, its name in the last captured model); keyed by id
#: because Tensor.__eq__ is elementwise, which a WeakKeyDictionary cannot use
_PARAM_NAMES: dict[int, tuple[weakref.ref[Tensor], str]] = {}


def module_of(node: Op) -> tuple[str, str, dict[str, str]] | None:
    """``(module path, class name, all modules)`` of the module that made ``node``, or None.

    >>> import minigrad as mg
    >>> module_of((mg.ones(1, requires_grad=True) * 2).grad_fn) is None
    True
    """
    return _NODE_MODULE.get(node)


def grad_norm_of(node: Op) -> float | None:
    """The gradient norm recorded at ``node``'s output by :func:`watch`, or None.

    >>> import minigrad as mg
    >>> grad_norm_of((mg.ones(1, requires_grad=True) * 2).grad_fn) is None
    True
    """
    return _NODE_GRAD.get(node)


def param_name_of(t: Tensor) -> str | None:
    """The name :func:`capture` found for a parameter tensor, or None."""
    entry = _PARAM_NAMES.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1]


def _remember_name(t: Tensor, name: str) -> None:
    key = id(t)
    _PARAM_NAMES[key] = (weakref.ref(t, lambda _: _forget(key)), name)


def _forget(key: int) -> None:
    entry = _PARAM_NAMES.get(key)
    if entry is not None and entry[0]() is None:
        del _PARAM_NAMES[key]


def _norm(g: Tensor) -> float:
    xp = g._backend.xp
    d = g._data
    if d.dtype.kind == "f" and d.dtype.itemsize < 4:
        d = d.astype(xp.float32)
    return float(xp.sqrt(xp.sum(d * d)))


def _recorder(node: Op) -> Any:
    ref = weakref.ref(node)

    def record(grad: Tensor) -> None:
        n = ref()
        if n is not None:
            _NODE_GRAD[n] = _norm(grad)

    return record


def _watch_node(node: Op) -> bool:
    if node in _WATCHED:
        return False
    _WATCHED.add(node)
    node._register_tensor_hook(_recorder(node))
    return True


def _nodes_of(values: Any) -> Iterator[Op]:
    """The grad_fn of every tensor in a (nested) output: a tensor, tuple, list or dict."""
    stack = [values]
    while stack:
        v = stack.pop()
        if isinstance(v, Tensor):
            if v.grad_fn is not None:
                yield v.grad_fn
        elif isinstance(v, (list, tuple)):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())


def watch(output: Any) -> int:
    """Record the norm of the gradient reaching every op of ``output``'s graph.

    Call it before ``backward()``; :func:`minigrad.viz.draw` with ``show_grads=True`` then
    colours the ops by those norms. Returns how many ops were newly hooked. Leaves need no
    hook: their norms come from ``.grad``.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> watch(x.exp().sum())
    2
    """
    stack = list(_nodes_of(output))
    seen = set(stack)
    added = 0
    while stack:
        node = stack.pop()
        added += _watch_node(node)
        for p in node.parents:
            if isinstance(p, Op) and p not in seen:
                seen.add(p)
                stack.append(p)
    return added


class GraphCapture:
    """The context manager :func:`capture` returns; see there.

    Attributes: ``model``, ``modules`` (``{path: class name}`` of the model's modules) and
    ``tagged`` (how many ops were tagged with a module so far). A module called more than once
    in the block (one activation module shared by every layer) is drawn once per use: its
    second call's ops belong to ``"path (use 2)"``, and so on, so each use stays beside the
    layers it serves instead of pulling them all into one cluster.
    """

    def __init__(self, model: Any = None, grads: bool = True) -> None:
        self.model = model
        self.grads = grads
        self.modules: dict[str, str] = {}
        self.tagged = 0
        self._uses: dict[str, int] = {}
        self._handles: list[Any] = []
        self._active = False

    # ------------------------------------------------------------------ context
    def __enter__(self) -> GraphCapture:
        if self._active:
            raise RuntimeError("capture: this capture block is already active")
        self._active = True
        self._uses.clear()
        model = self.model
        if model is None:
            return self
        for attr in ("named_modules", "named_parameters", "register_forward_hook"):
            if not hasattr(model, attr):
                raise MinigradTypeError(
                    f"capture: `model` must be a Module with {attr}() (got "
                    f"{type(model).__name__}); pass None to capture plain tensors"
                )
        for name, p in model.named_parameters():
            if isinstance(p, Tensor):
                _remember_name(p, name)
        try:
            for path, module in model.named_modules():
                self.modules[path] = type(module).__name__
                self._handles.append(module.register_forward_hook(self._hook_for(path, module)))
        except BaseException:
            self._remove_hooks()
            self._active = False
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._remove_hooks()
        self._active = False

    def _remove_hooks(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    # ------------------------------------------------------------------ the hook
    def _hook_for(self, path: str, module: Any) -> Any:
        first = (path, type(module).__name__, self.modules)
        prefix = path + "."

        def inside(other: str) -> bool:
            return path == "" or other == path or other.startswith(prefix)

        def hook(mod: Any, args: Any, output: Any) -> None:
            use = self._uses[path] = self._uses.get(path, 0) + 1
            tag = first
            if use > 1 and path:  # a shared module: this call's ops form a cluster of their own
                tag = (f"{path} (use {use})", first[1], self.modules)
                self.modules[tag[0]] = first[1]
            boundary = set(_nodes_of(args))
            stack = [n for n in _nodes_of(output) if n not in boundary]
            seen = set(stack)
            while stack:
                node = stack.pop()
                owner = _NODE_MODULE.get(node)
                if owner is None:
                    _NODE_MODULE[node] = tag
                    self.tagged += 1
                    if self.grads:
                        _watch_node(node)
                elif not inside(owner[0]):
                    continue  # made by an earlier module that is not one of ours: stop here
                for p in node.parents:
                    if isinstance(p, Op) and p not in seen and p not in boundary:
                        seen.add(p)
                        stack.append(p)

        return hook

    def watch(self, output: Any) -> int:
        """Hook every op of ``output``'s graph as :func:`watch` does (e.g. the loss)."""
        return watch(output)

    def __repr__(self) -> str:
        state = "active" if self._active else "inactive"
        return f"<GraphCapture {state}: {len(self.modules)} modules, {self.tagged} ops tagged>"


def capture(model: Any = None, grads: bool = True) -> GraphCapture:
    """Tag the ops made inside a ``with`` block with the module that made them.

    While the block runs, every module of ``model`` (anything with ``named_modules()``,
    ``named_parameters()`` and PyTorch's ``register_forward_hook``) carries a forward hook;
    the hooks are removed at the end of the block. With ``grads=True`` the tagged ops also
    record the gradient norm at their output during a later ``backward()`` (see :func:`watch`;
    call ``cap.watch(loss)`` to include ops made outside the model). Parameter names from
    ``model.named_parameters()`` are remembered for the graph's labels.

    >>> import minigrad as mg
    >>> from minigrad import viz
    >>> with viz.capture() as cap:   # no model: only the grad hooks of cap.watch
    ...     y = (mg.ones(2, requires_grad=True) * 3).sum()
    >>> cap.watch(y)
    2
    """
    return GraphCapture(model, grads)
