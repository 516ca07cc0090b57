"""The backprop graph behind a tensor, as plain data: nodes, edges, module names.

:func:`build_graph` walks ``output.grad_fn`` and its parents breadth-first with an explicit
queue (a 20,000-op chain is fine) and returns a :class:`Graph`. One :class:`Node` per op
(``kind="op"``: its name, output shape, dtype and device) and per leaf tensor that requires
grad (``kind="leaf"``: parameter name, shape, dtype). Edges point the way gradients flow: from
an op to the inputs it sends gradients to. Node ids (``n0``, ``n1``, …) follow the walk, so
the same graph always gives the same ids. Pure Python: graphviz is not needed.

>>> import minigrad as mg
>>> from minigrad.viz import build_graph
>>> w = mg.ones(2, 3, requires_grad=True)
>>> g = build_graph((w * 2).sum(), params={"w": w})
>>> [(n.id, n.kind, n.name, n.shape) for n in g.nodes]
[('n0', 'op', 'Sum', ()), ('n1', 'op', 'Mul', (2, 3)), ('n2', 'leaf', 'w', (2, 3))]
>>> [(e.src, e.dst) for e in g.edges]
[('n0', 'n1'), ('n1', 'n2')]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.op import Op
from minigrad.tensor import Tensor
from minigrad.viz.capture import _norm, grad_norm_of, module_of, param_name_of

__all__ = ["Edge", "Graph", "Node", "Saved", "build_graph"]


@dataclass(frozen=True)
class Saved:
    """One array an op keeps for backward: what it is (``input0``, ``out``…) and its size."""

    what: str
    shape: tuple[int, ...]
    dtype: str
    nbytes: int


@dataclass
class Node:
    """One op (``kind="op"``) or leaf tensor (``kind="leaf"``) of the graph.

    ``name`` is the op's name (``"Mul"``) or the leaf's parameter name (``""`` if unknown);
    ``module`` the path of the module that made it (``"features.0"``, ``""`` for the root
    model, None outside any captured module); ``grad_norm`` the norm of the gradient at the
    op's output (recorded by :func:`minigrad.viz.watch`) or of the leaf's ``.grad``;
    ``saved`` what an op keeps for backward (None once backward has freed it).
    """

    id: str
    kind: str
    name: str
    shape: tuple[int, ...]
    dtype: str
    device: str
    module: str | None = None
    grad_norm: float | None = None
    saved: tuple[Saved, ...] | None = ()
    is_output: bool = False


@dataclass(frozen=True)
class Edge:
    """Gradient flows from ``src`` (an op) to ``dst``, its input number ``index``."""

    src: str
    dst: str
    index: int


@dataclass
class Graph:
    """Nodes, edges, and what the walk left out.

    ``modules`` maps each module path seen on a node to its class name (the root model's path
    is ``""``). ``omitted`` counts nodes beyond ``max_nodes``; ``cut`` lists the ids of shown
    ops that had inputs among them.
    """

    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    modules: dict[str, str] = field(default_factory=dict)
    omitted: int = 0
    cut: list[str] = field(default_factory=list)
    max_nodes: int | None = None

    def node(self, node_id: str) -> Node:
        """The node with id ``node_id`` (KeyError if absent)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


def _param_names(params: Any) -> dict[int, str]:
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    items: Iterable[Any] = params.items() if isinstance(params, Mapping) else params
    names: dict[int, str] = {}
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Tensor)):
            raise MinigradTypeError(
                "build_graph: `params` must be a Module, a dict {name: Tensor} or pairs "
                f"(name, Tensor) such as model.named_parameters(); got an item {item!r:.60}"
            )
        names[id(item[1])] = str(item[0])
    return names


def _device(node: Op) -> str:
    backend = node.backend
    if backend.name == "numpy":
        return "cpu"
    saved = getattr(node, "_saved_inputs", None)
    if saved:
        return str(saved[0].device)
    return str(backend.name)  # the exact device is gone with the freed arrays


def _saved(node: Op) -> tuple[Saved, ...] | None:
    if getattr(node, "_freed", False):
        return None
    out: list[Saved] = []
    for i, t in enumerate(getattr(node, "_saved_inputs", None) or ()):
        d = t._data
        out.append(Saved(f"input{i}", tuple(d.shape), str(d.dtype), int(d.nbytes)))
    o = getattr(node, "_saved_out", None)
    if o is not None:
        out.append(Saved("out", tuple(o.shape), str(o.dtype), int(o.nbytes)))
    aux = node.__dict__.get("saved_aux")
    if hasattr(aux, "shape"):  # one array (SDPA's probabilities, conv's columns, ...)
        aux = (aux,)
    items = aux.items() if isinstance(aux, dict) else enumerate(aux or ())
    for k, a in items:
        if hasattr(a, "shape") and hasattr(a, "nbytes"):
            out.append(Saved(f"aux {k}", tuple(a.shape), str(a.dtype), int(a.nbytes)))
    return tuple(out)


def _leaf_module(name: str, modules: Mapping[str, str]) -> str | None:
    best = None
    for path in modules:
        if path and name.startswith(path + ".") and (best is None or len(path) > len(best)):
            best = path
    return best


def build_graph(output: Tensor, params: Any = None, max_nodes: int | None = None) -> Graph:
    """The graph of ops and leaves behind ``output``, walked from the output to the leaves.

    ``params`` names the leaves: a Module, a dict ``{name: tensor}`` or the pairs of
    ``model.named_parameters()``; without it, names recorded by :func:`minigrad.viz.capture`
    or a tensor's ``.name`` are used. ``max_nodes`` keeps the first nodes reached from the
    output and counts the rest in ``Graph.omitted``.

    >>> import minigrad as mg
    >>> x = mg.ones(4, requires_grad=True)
    >>> g = build_graph(x.exp().log().sum(), max_nodes=2)
    >>> [n.name for n in g.nodes], g.omitted
    (['Sum', 'Log'], 2)
    """
    if not isinstance(output, Tensor):
        raise MinigradTypeError(f"build_graph: `output` must be a Tensor, got {type(output)}")
    if max_nodes is not None and max_nodes < 1:
        raise ShapeError(f"build_graph: `max_nodes` must be at least 1, got {max_nodes}")
    names = _param_names(params)
    graph = Graph(max_nodes=max_nodes)
    root: Any = output.grad_fn if output.grad_fn is not None else output
    if root is output and not output.requires_grad:
        raise MinigradTypeError(
            f"build_graph: the output (shape {output.shape}) has no graph: it does not require "
            "grad (was it computed under no_grad(), or from tensors without requires_grad?)"
        )
    ids: dict[int, str | None] = {id(root): None}  # None: reached but not shown (yet)
    queue: deque[Any] = deque([root])
    pending: list[tuple[str, Any, int]] = []  # (src id, parent, input index)
    while queue:
        obj = queue.popleft()
        shown = max_nodes is None or len(graph.nodes) < max_nodes
        if shown:
            nid = f"n{len(graph.nodes)}"
            ids[id(obj)] = nid
            graph.nodes.append(_make_node(nid, obj, names, obj is root, graph.modules))
        else:
            graph.omitted += 1
        if isinstance(obj, Op):
            for i, p in enumerate(obj.parents):
                if p is None:
                    continue
                if shown:
                    pending.append((nid, p, i))
                if id(p) not in ids:
                    ids[id(p)] = None
                    queue.append(p)
    cut: set[str] = set()
    for src, p, i in pending:
        dst = ids[id(p)]
        if dst is None:
            cut.add(src)
        else:
            graph.edges.append(Edge(src, dst, i))
    graph.cut = sorted(cut, key=lambda s: int(s[1:]))
    for n in graph.nodes:
        if n.kind == "leaf" and n.module is None and n.name:
            n.module = _leaf_module(n.name, graph.modules)
    return graph


def _make_node(
    nid: str, obj: Any, names: Mapping[int, str], is_root: bool, modules: dict[str, str]
) -> Node:
    if isinstance(obj, Op):
        shape, dtype = getattr(obj, "out_meta", ((), "?"))
        tag = module_of(obj)
        module = None
        if tag is not None:
            module = tag[0]
            if module not in modules:
                _add_module(module, tag[1], tag[2], modules)
        return Node(nid, "op", obj.op_name, tuple(shape), str(dtype), _device(obj), module,
                    grad_norm_of(obj), _saved(obj), is_root)
    t: Tensor = obj
    name = names.get(id(t)) or param_name_of(t) or t.name or ""
    gnorm = _norm(t.grad) if t.grad is not None else None
    return Node(nid, "leaf", name, tuple(t.shape), str(t.dtype), str(t.device), None, gnorm,
                (), is_root)


def _add_module(path: str, type_name: str, known: Mapping[str, str], modules: dict[str, str]
                ) -> None:
    """Add ``path`` and its ancestors (``a.b.c`` → ``a.b``, ``a``, and the root ``""``)."""
    modules[path] = type_name
    while path:
        path = path.rpartition(".")[0]
        if path in known and path not in modules:
            modules[path] = known[path]
