"""Render the backprop graph with graphviz: :func:`draw` returns a ``graphviz.Digraph``.

The DOT text comes from :func:`minigrad.viz.to_dot`; graphviz only lays it out and renders it
(``.render()``, ``.pipe(format="png")``, inline display in Jupyter). The graphviz package and
the ``dot`` program are looked up when ``draw`` runs, never at import.

>>> import minigrad as mg
>>> from minigrad import viz
>>> w = mg.ones(2, 2, requires_grad=True)
>>> g = viz.draw((w @ w).sum(), params={"w": w})
>>> g.pipe(format="svg").startswith(b"<?xml")
True
"""

from __future__ import annotations

import shutil
from typing import Any

from minigrad.errors import MinigradError
from minigrad.tensor import Tensor
from minigrad.viz.dot import dot_body
from minigrad.viz.graph import build_graph

__all__ = ["DEFAULT_MAX_NODES", "MissingDependencyError", "draw", "require_graphviz"]

#: graphviz needs seconds for a few hundred nodes and minutes for thousands: draw cuts there
DEFAULT_MAX_NODES = 400

_INSTALL = (
    'install it with `pip install "minigrad[viz]"` (the graphviz Python package) and '
    "`apt-get install graphviz` (Debian/Ubuntu; `brew install graphviz` on macOS) for the "
    "`dot` program"
)


class MissingDependencyError(MinigradError, ImportError):
    """An optional dependency of :mod:`minigrad.viz` (graphviz, dot, matplotlib) is missing."""


def require_graphviz() -> Any:
    """The ``graphviz`` module, after checking that the ``dot`` program is on PATH.

    >>> require_graphviz().__name__
    'graphviz'
    """
    try:
        import graphviz
    except ImportError as e:
        raise MissingDependencyError(
            f"minigrad.viz.draw needs the graphviz Python package, which is not installed: "
            f"{_INSTALL}"
        ) from e
    if shutil.which("dot") is None:
        raise MissingDependencyError(
            f"minigrad.viz.draw needs the graphviz `dot` program, which is not on PATH: {_INSTALL}"
        )
    return graphviz


def draw(
    output: Tensor,
    params: Any = None,
    show_grads: bool = False,
    show_saved: bool = False,
    rankdir: str = "TB",
    group_by_module: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    collapse_modules: bool = False,
) -> Any:
    """A ``graphviz.Digraph`` of the graph behind ``output``, with gradients flowing down.

    ``params`` names the leaves (a Module, a dict, or ``model.named_parameters()``); names and
    modules recorded by :func:`minigrad.viz.capture` are used as well. After ``backward()``,
    ``show_grads=True`` colours every node by the norm of its gradient on a log scale, writes
    the norm in its label and adds a legend: leaves use ``.grad``; ops need their gradients
    recorded before backward (ops made inside ``capture(model)`` are; for others call
    :func:`minigrad.viz.watch` on the output first). ``show_saved`` lists what each op keeps
    for backward. ``group_by_module`` clusters the ops of each module, ``collapse_modules``
    draws one box per module. Graphs with more than ``max_nodes`` nodes are cut, with a note
    (None: no limit). Raises :class:`MissingDependencyError` without graphviz or ``dot``.

    >>> import minigrad as mg
    >>> x = mg.ones(3, requires_grad=True)
    >>> draw(x.exp().sum()).source.splitlines()[0]
    'digraph {'
    """
    graphviz = require_graphviz()
    graph = build_graph(output, params, max_nodes)
    dot = graphviz.Digraph()
    dot.body.extend(dot_body(graph, show_grads, show_saved, rankdir, group_by_module,
                             collapse_modules))
    return dot
