"""Layout decisions for the dot text: where a sideways (``LR``/``RL``) chain wraps to a new row.
"""

from __future__ import annotations

from minigrad.viz.graph import Graph

__all__ = ["WRAP_OPS", "row_breaks"]

#: left-to-right pictures wrap their chain of ops into rows of about this many ops
WRAP_OPS = 8


def row_breaks(graph: Graph, rep: dict[str, str]) -> set[tuple[str, str]]:
    """The drawn edges where a sideways chain wraps to a new row: each op box gets its rank
    (the longest path from the output), rows hold about :data:`WRAP_OPS` ranks, and an edge
    from one row into the next stops constraining the layout, so the next row starts again
    at the left. A leaf stays in the row of the op that uses it."""
    ops = {rep[n.id] for n in graph.nodes if n.kind == "op"}
    children: dict[str, list[str]] = {}
    indegree: dict[str, int] = {b: 0 for b in ops}
    for e in graph.edges:
        a, b = rep[e.src], rep[e.dst]
        if a != b and a in ops and b in ops and b not in children.get(a, []):
            children.setdefault(a, []).append(b)
            indegree[b] += 1
    rank = {b: 0 for b in ops}
    ready = [b for b in ops if indegree[b] == 0]
    while ready:  # longest path in topological order (Kahn), no recursion
        a = ready.pop()
        for b in children.get(a, []):
            rank[b] = max(rank[b], rank[a] + 1)
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    ranks = max(rank.values(), default=0) + 1
    if ranks <= WRAP_OPS:
        return set()
    rows = -(-ranks // WRAP_OPS)
    per_row = -(-ranks // rows)  # balanced rows
    return {(a, b) for a, bs in children.items() for b in bs
            if rank[a] // per_row != rank[b] // per_row}
