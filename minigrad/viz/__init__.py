"""See the gradients: pictures of the backprop graph, and plots of gradient flow.

``build_graph`` and ``to_dot`` are pure Python; ``draw`` needs the graphviz package and the
``dot`` program, ``GradientFlow.plot`` needs matplotlib (``pip install "minigrad[viz]"``).
Both are imported only when those functions run, so ``import minigrad.viz`` is cheap.

>>> import minigrad as mg
>>> from minigrad import viz
>>> x = mg.ones(3, requires_grad=True)
>>> [n.name for n in viz.build_graph((x * 2).sum()).nodes]
['Sum', 'Mul', '']
"""

from minigrad.viz.capture import GraphCapture, capture, grad_norm_of, module_of, watch
from minigrad.viz.colors import LogColorScale
from minigrad.viz.dot import html_escape, to_dot
from minigrad.viz.draw import MissingDependencyError, draw
from minigrad.viz.flow import GradientFlow
from minigrad.viz.graph import Edge, Graph, Node, Saved, build_graph

__all__ = [
    "Edge", "GradientFlow", "Graph", "GraphCapture", "LogColorScale", "MissingDependencyError",
    "Node", "Saved", "build_graph", "capture", "draw", "grad_norm_of", "html_escape", "module_of",
    "to_dot", "watch",
]
