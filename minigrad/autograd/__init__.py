"""Reverse-mode automatic differentiation: the engine and its public entry points.

``backward`` accumulates into the ``.grad`` of leaves; ``grad`` returns gradients without
touching ``.grad``; ``detect_anomaly`` names the op that first makes a NaN or Inf.

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0], requires_grad=True)
>>> (dx,) = mg.autograd.grad((x * x).sum(), x)
>>> dx
tensor([2., 4.], dtype=float32, device='cpu')
"""

from minigrad.autograd.engine import backward, grad
from minigrad.grad_mode import detect_anomaly

__all__ = ["backward", "detect_anomaly", "grad"]
