"""How gradients are summed and handed over: one owner per gradient array (``_unshare``),
sums that stay backend arrays (``_add``), and delivery into a leaf's ``.grad`` (``_deliver_leaf``).
"""

from __future__ import annotations

from typing import Any

from minigrad.autograd import graph
from minigrad.backends import backend_of
from minigrad.tensor import Tensor

__all__: list[str] = []


def _unshare(in_grads: Any) -> Any:
    """Copy any array handed to two inputs (``Add`` returns ``g, g``), so every gradient
    array has one owner: leaves may then adopt arrays without copying, and accumulating into
    one leaf's ``.grad`` in place can never change another gradient."""
    if len(in_grads) == 2:  # the common case, without building sets
        a, b = in_grads
        return (a, b.copy()) if a is b and a is not None else in_grads
    ids = [id(g) for g in in_grads if g is not None]
    if len(set(ids)) == len(ids):
        return in_grads
    seen: set[int] = set()
    out = []
    for g in in_grads:
        if g is not None and id(g) in seen:
            g = g.copy()
        elif g is not None:
            seen.add(id(g))
        out.append(g)
    return out


def _add(a: Any, b: Any) -> Any:
    """``a + b`` for two gradients; NumPy turns the sum of 0-d arrays into a scalar, and
    every gradient the engine passes on must stay an array of the backend."""
    s = a + b
    if type(s) is not type(a) and not isinstance(s, Tensor):
        s = backend_of(a).xp.asarray(s)
    return s


def _deliver_leaf(
    leaf: Tensor, g: Any, capture: dict[Any, int] | None, captured: dict[int, Any],
    create_graph: bool, retain: bool = True,
) -> Any:
    """Run the leaf's hooks on ``g`` and accumulate it (or capture it for ``grad()``);
    returns the gradient after the hooks."""
    if leaf._hooks:
        g = graph.run_tensor_hooks(leaf._hooks, g, create_graph)
    if capture is not None:
        slot = capture.get(leaf)
        if slot is not None:
            prev = captured.get(slot)
            captured[slot] = g if prev is None else _add(prev, g)
        return g
    if create_graph:
        leaf.grad = g if leaf.grad is None else _add(leaf.grad, g)
        return g
    if leaf.grad is None:
        # the engine hands each gradient array to one owner only (see _unshare), so a
        # writable array is adopted as it is; a read-only one (a broadcast view) is copied,
        # and so is every array of a retained graph (an op might hand out saved state)
        adopt = not retain and getattr(getattr(g, "flags", None), "writeable", True)
        leaf.grad = Tensor._make(g if adopt else g.copy(), None)
    elif leaf.grad.shape == g.shape and leaf.grad._data.flags.writeable:
        leaf.grad._data += g
        leaf.grad._version += 1
    else:
        leaf.grad = Tensor._make(_add(leaf.grad._data, g), None)
    return g
