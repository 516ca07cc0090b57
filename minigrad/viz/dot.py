"""DOT text for a :class:`~minigrad.viz.graph.Graph`, written by hand (graphviz only renders).

Labels are graphviz HTML-like labels, so every user-supplied string goes through
:func:`html_escape` (``&``, ``<``, ``>``, quotes; newlines become line breaks); node and cluster
ids are generated (``n0``, ``cluster_1``) and never contain user text. Layout choices that keep
big graphs readable: the dtype and device common to the whole graph are written once in a
caption instead of on every node; ops sit in rounded boxes, leaves in square ones (parameters
green); modules become nested clusters, or one box each with ``collapse_modules=True``.

>>> import minigrad as mg
>>> from minigrad.viz import build_graph
>>> w = mg.ones(3, requires_grad=True)
>>> text = to_dot(build_graph((w * w).sum(), params={"w": w}))
>>> text.splitlines()[0], "n0 -> n1" in text
('digraph {', True)
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from minigrad.errors import ShapeError
from minigrad.viz.colors import NO_GRAD_COLOR, LogColorScale, format_norm, tick_label
from minigrad.viz.graph import Graph, Node
from minigrad.viz.layout import row_breaks

__all__ = ["html_escape", "to_dot"]

_FONT = "Helvetica"
_OP_FILL, _OP_LINE = "#e8eef7", "#5b6b82"
_PARAM_FILL, _PARAM_LINE = "#dcebd5", "#5f8a4f"
_LEAF_FILL = "#f4f4f4"
_MODULE_FILL = "#fdf1dc"
_CLUSTER_FILLS = ("#f6f7fa", "#eceff5", "#e2e7f0")
_CLUSTER_LINE = "#a9b2c3"
_DIM = "#55657e"
_RANKDIRS = ("TB", "BT", "LR", "RL")


def html_escape(text: object) -> str:
    """Escape text for a graphviz HTML-like label.

    >>> html_escape('a<b> & "c"\\nd')
    'a&lt;b&gt; &amp; &quot;c&quot;<BR/>d'
    """
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace('"', "&quot;").replace("'", "&#39;")
    s = "".join(ch if ch >= " " or ch == "\n" else " " for ch in s)
    return s.replace("\n", "<BR/>")


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape) if shape else "scalar"


def _nbytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def _small(text: str, color: str = _DIM) -> str:
    return f'<FONT POINT-SIZE="9" COLOR="{color}">{text}</FONT>'


@dataclass
class _Box:
    """One drawn node: an id, an HTML label, attributes and the cluster it sits in."""

    id: str
    label: str
    attrs: dict[str, str]
    cluster: str | None
    order: int = 0
    extra: list[str] = field(default_factory=list)


class _Writer:
    def __init__(self, graph: Graph, show_grads: bool, show_saved: bool) -> None:
        self.graph = graph
        self.show_grads = show_grads
        self.show_saved = show_saved
        self.scale = LogColorScale.fit(n.grad_norm for n in graph.nodes) if show_grads else None
        dtypes = Counter(n.dtype for n in graph.nodes)
        devices = Counter(n.device for n in graph.nodes)
        self.dtype = dtypes.most_common(1)[0][0] if dtypes else ""
        self.device = devices.most_common(1)[0][0] if devices else ""
        self.one_device = len(devices) <= 1

    # ------------------------------------------------------------------ node styling
    def fill(self, norm: float | None, default: str) -> dict[str, str]:
        if self.scale is None:
            return {"fillcolor": default}
        color = self.scale.color(norm)
        attrs = {"fillcolor": color, "fontcolor": self.scale.text_color(color)}
        if color == NO_GRAD_COLOR:
            attrs["style"] = "dashed,filled"
        return attrs

    def detail(self, n: Node) -> str:
        parts = [_shape(n.shape)]
        if n.dtype != self.dtype:
            parts.append(n.dtype)
        if not self.one_device and n.device != self.device:
            parts.append(n.device)
        return " · ".join(html_escape(p) for p in parts)

    def node_box(self, n: Node, cluster: str | None) -> _Box:
        lines = []
        fontcolor = _DIM
        if n.kind == "op":
            lines.append(f"<B>{html_escape(n.name)}</B>")
            attrs = {"style": "rounded,filled", "fillcolor": _OP_FILL, "color": _OP_LINE}
        elif n.name:
            lines.append(f"<B>{html_escape(n.name)}</B>")
            attrs = {"style": "filled", "fillcolor": _PARAM_FILL, "color": _PARAM_LINE}
        else:
            lines.append("<I>tensor</I>")
            attrs = {"style": "filled", "fillcolor": _LEAF_FILL, "color": _OP_LINE}
        if self.scale is not None:
            attrs.update(self.fill(n.grad_norm, attrs["fillcolor"]))
            if attrs.get("style") == "dashed,filled" and n.kind == "op":
                attrs["style"] = "rounded,dashed,filled"
            fontcolor = attrs.get("fontcolor", "black")
        lines.append(_small(self.detail(n), fontcolor))
        if self.scale is not None:
            lines.append(_small(f"‖∇‖ {format_norm(n.grad_norm)}", fontcolor))
        if self.show_saved and n.kind == "op":
            lines.append(_small(self.saved_text(n), fontcolor))
        if n.is_output:
            attrs["penwidth"] = "2"
        return _Box(n.id, "<BR/>".join(lines), attrs, cluster)

    @staticmethod
    def saved_text(n: Node) -> str:
        if n.saved is None:
            return "saved: freed by backward"
        if not n.saved:
            return "saved: nothing"
        shown = [f"{html_escape(s.what)} {_shape(s.shape)}" for s in n.saved[:2]]
        if len(n.saved) > 2:
            shown.append(f"+{len(n.saved) - 2}")
        total = sum(s.nbytes for s in n.saved)
        return f"saved: {', '.join(shown)} ({_nbytes(total)})"


def _cluster_label(path: str, type_name: str) -> str:
    if not path:
        return f"<B>{html_escape(type_name or 'model')}</B>"
    return f"<B>{html_escape(path)}</B> {_small(html_escape(type_name))}"


def _collapse(w: _Writer, nodes: list[Node]) -> tuple[list[_Box], dict[str, str]]:
    """One box per module that made nodes; returns the boxes and node id → box id."""
    graph = w.graph
    boxes: list[_Box] = []
    rep: dict[str, str] = {}
    groups: dict[str, list[Node]] = {}
    for n in nodes:
        if n.module is None:
            box = w.node_box(n, None)
            boxes.append(box)
            rep[n.id] = box.id
        else:
            groups.setdefault(n.module, []).append(n)
            if len(groups[n.module]) == 1:
                boxes.append(_Box(f"m{len(groups)}", "", {}, None, order=len(boxes)))
                boxes[-1].extra.append(n.module)
            rep[n.id] = next(b.id for b in boxes if b.extra and b.extra[0] == n.module)
    for box in boxes:
        if not box.extra:
            continue
        path = box.extra[0]
        members = groups[path]
        ops = [m for m in members if m.kind == "op"]
        params = [m for m in members if m.kind == "leaf"]
        box.cluster = path
        head = ops[0] if ops else members[0]
        lines = [_cluster_label(path, graph.modules.get(path, ""))]
        lines.append(_small(f"{len(ops)} op{'s' * (len(ops) != 1)} · out {_shape(head.shape)}"))
        for p in params:
            short = p.name[len(path) + 1 :] if path else p.name
            grad = f" ‖∇‖ {format_norm(p.grad_norm)}" if w.scale is not None else ""
            lines.append(_small(f"{html_escape(short)} {_shape(p.shape)}{grad}"))
        attrs = {"style": "rounded,filled", "fillcolor": _MODULE_FILL, "color": _OP_LINE}
        if w.scale is not None:
            attrs.update(w.fill(head.grad_norm, _MODULE_FILL))
            if attrs.get("style") == "dashed,filled":
                attrs["style"] = "rounded,dashed,filled"
            color = attrs.get("fontcolor", "black")
            lines = [lines[0].replace(_DIM, color)] + [ln.replace(_DIM, color) for ln in lines[1:]]
            lines.append(_small(f"‖∇out‖ {format_norm(head.grad_norm)}", color))
        if head.is_output:
            attrs["penwidth"] = "2"
        box.label = "<BR/>".join(lines)
        box.attrs = attrs
    return boxes, rep


def to_dot(
    graph: Graph,
    show_grads: bool = False,
    show_saved: bool = False,
    rankdir: str = "TB",
    group_by_module: bool = True,
    collapse_modules: bool = False,
) -> str:
    """The DOT source of ``graph``: nodes, gradient-flow edges, module clusters, legend.

    ``show_grads`` colours nodes by their gradient norm on a log scale, writes the norm in
    each label and adds a legend; ``show_saved`` lists what each op keeps for backward;
    ``group_by_module`` draws a cluster per module; ``collapse_modules`` draws one box per
    module instead of its ops. A graph cut by ``max_nodes`` ends in a note saying so. With
    ``rankdir`` LR or RL a chain longer than :data:`WRAP_OPS` ops wraps into rows (the edges
    between rows do not constrain the layout), so a deep network stays readable sideways.

    >>> import minigrad as mg
    >>> from minigrad.viz import build_graph
    >>> x = mg.ones(2, requires_grad=True)
    >>> text = to_dot(build_graph(x.exp().sum(), max_nodes=1))
    >>> [line.strip()[:40] for line in text.splitlines() if "more" in line]
    ['more [label=<… 2 more nodes not shown (m', 'n0 -> more [style=dashed color="#b59a3c"']
    """
    return "digraph {\n" + "".join(dot_body(graph, show_grads, show_saved, rankdir,
                                            group_by_module, collapse_modules)) + "}\n"


def dot_body(
    graph: Graph,
    show_grads: bool = False,
    show_saved: bool = False,
    rankdir: str = "TB",
    group_by_module: bool = True,
    collapse_modules: bool = False,
) -> list[str]:
    """The statements of :func:`to_dot`, one per line (what ``graphviz.Digraph.body`` holds)."""
    if rankdir not in _RANKDIRS:
        raise ShapeError(f"to_dot: `rankdir` must be one of {_RANKDIRS}, got {rankdir!r}")
    w = _Writer(graph, show_grads, show_saved)
    out = [
        f'\tgraph [rankdir={rankdir} fontname="{_FONT}" fontsize=11 nodesep=0.25 '
        'ranksep=0.35 labelloc=b labeljust=l]\n',
        f'\tnode [fontname="{_FONT}" fontsize=11 shape=box margin="0.12,0.04" penwidth=1]\n',
        f'\tedge [color="{_DIM}" arrowsize=0.6 penwidth=0.9]\n',
    ]
    if collapse_modules and group_by_module:
        boxes, rep = _collapse(w, graph.nodes)
    else:
        boxes = []
        for n in graph.nodes:
            boxes.append(w.node_box(n, n.module if group_by_module else None))
        rep = {n.id: n.id for n in graph.nodes}
    if group_by_module:
        out += _clusters(graph, boxes, collapse_modules)
    else:
        out += [_box_line(b, 1) for b in boxes]
    seen: set[tuple[str, str]] = set()
    wraps = row_breaks(graph, rep) if rankdir in ("LR", "RL") else set()
    for e in graph.edges:
        key = (rep[e.src], rep[e.dst])
        if key[0] != key[1] and key not in seen:
            seen.add(key)
            tail = " [constraint=false]" if key in wraps else ""
            out.append(f"\t{key[0]} -> {key[1]}{tail}\n")
    if graph.omitted:
        note = f"… {graph.omitted} more nodes not shown (max_nodes={graph.max_nodes})"
        out.append(f'\tmore [label=<{html_escape(note)}> shape=note style=filled '
                   'fillcolor="#fff4ce" color="#b59a3c"]\n')
        for src in dict.fromkeys(rep[s] for s in graph.cut):
            out.append(f'\t{src} -> more [style=dashed color="#b59a3c"]\n')
    out += _caption(w, show_grads)
    return out


def _box_line(b: _Box, depth: int) -> str:
    attrs = " ".join(f'{k}="{v}"' for k, v in b.attrs.items())
    return f"{chr(9) * depth}{b.id} [label=<{b.label}> {attrs}]\n"


def _clusters(graph: Graph, boxes: list[_Box], inline_single: bool) -> list[str]:
    """Boxes nested in clusters by module path (a module's cluster holds its submodules').

    With ``inline_single`` a cluster holding one box and no sub-cluster is not drawn (the box
    already names its module: the collapsed view).
    """
    modules = graph.modules

    def parent_of(path: str) -> str | None:
        while path:
            path = path.rpartition(".")[0]
            if path in modules:
                return path
        return None

    inside: dict[str | None, list[_Box]] = {}
    for b in boxes:
        inside.setdefault(b.cluster, []).append(b)
    children: dict[str | None, list[str]] = {}
    todo = [p for p in inside if p is not None]
    done: set[str] = set()
    while todo:
        path = todo.pop()
        if path in done:
            continue
        done.add(path)
        parent = parent_of(path) if path else None
        children.setdefault(parent, []).append(path)
        if parent is not None:
            todo.append(parent)
    if inline_single:
        for path in sorted(done, key=len, reverse=True):
            if len(inside.get(path, [])) == 1 and not children.get(path):
                parent = parent_of(path) if path else None
                children[parent].remove(path)
                inside.setdefault(parent, []).append(inside.pop(path)[0])
    first = {b.id: i for i, b in enumerate(boxes)}

    def key(path: str) -> int:
        return min((first[b.id] for b in _all_boxes(path, inside, children)), default=1 << 30)

    lines: list[str] = []
    counter = [0]

    def emit(path: str | None, depth: int) -> None:
        for b in sorted(inside.get(path, []), key=lambda b: first[b.id]):
            lines.append(_box_line(b, depth))
        for child in sorted(children.get(path, []), key=key):
            counter[0] += 1
            tab = "\t" * depth
            fill = _CLUSTER_FILLS[(depth - 1) % len(_CLUSTER_FILLS)]
            lines.append(f"{tab}subgraph cluster_{counter[0]} {{\n")
            lines.append(f"{tab}\tlabel=<{_cluster_label(child, modules.get(child, ''))}>"
                         f' labelloc=t style="rounded,filled" fillcolor="{fill}" '
                         f'color="{_CLUSTER_LINE}" fontsize=10\n')
            emit(child, depth + 1)
            lines.append(f"{tab}}}\n")

    emit(None, 1)
    return lines


def _all_boxes(path: str, inside: dict[str | None, list[_Box]],
               children: dict[str | None, list[str]]) -> list[_Box]:
    stack, found = [path], []
    while stack:
        p = stack.pop()
        found += inside.get(p, [])
        stack += children.get(p, [])
    return found


def _caption(w: _Writer, show_grads: bool) -> list[str]:
    g = w.graph
    ops = sum(n.kind == "op" for n in g.nodes)
    leaves = len(g.nodes) - ops
    facts = [f"{ops} ops", f"{leaves} leaves"]
    if w.dtype:
        facts.append(html_escape(w.dtype))
    if w.one_device and w.device:
        facts.append(html_escape(w.device))
    rows = [f'<TR><TD COLSPAN="{{span}}" ALIGN="LEFT">{_small(" · ".join(facts))}</TD></TR>']
    span = 1
    if show_grads and w.scale is not None:
        ticks = w.scale.ticks()
        span = len(ticks)
        rows.insert(0, f'<TR><TD COLSPAN="{span}" ALIGN="LEFT"><B>gradient norm ‖∇‖</B> '
                       f"{_small('log scale · grey = 0 · dashed = not recorded')}</TD></TR>")
        cells = "".join(
            f'<TD BGCOLOR="{c}" WIDTH="44"><FONT POINT-SIZE="9" '
            f'COLOR="{w.scale.text_color(c)}">{tick_label(e)}</FONT></TD>'
            for e, c in ticks
        )
        rows.insert(1, f"<TR>{cells}</TR>")
    table = "".join(rows).replace("{span}", str(span))
    return [
        f'\tlegend [shape=plain label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="1" '
        f'CELLPADDING="3">{table}</TABLE>>]\n'
    ]
