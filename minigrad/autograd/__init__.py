"""Reverse-mode automatic differentiation under PyTorch's ``torch.autograd`` names.

``backward`` accumulates into the ``.grad`` of leaves; ``grad`` returns gradients without
touching ``.grad``; :class:`Function` defines custom ops with a ``ctx``; ``functional`` has
``jacobian``/``hessian``/``vjp``/``jvp``/``hvp``/``vhp``; ``graph`` the node API
(``grad_fn.name()``, ``next_functions``, node hooks); ``gradcheck``/``gradgradcheck`` check
gradients numerically; ``detect_anomaly`` names the op that first makes a NaN or Inf.

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0], requires_grad=True)
>>> (dx,) = mg.autograd.grad((x * x).sum(), x)
>>> dx
tensor([2., 4.], dtype=float32, device='cpu')
"""

from minigrad.autograd import functional, grad_mode, graph
from minigrad.autograd.anomaly_mode import detect_anomaly, set_detect_anomaly
from minigrad.autograd.engine import backward, grad
from minigrad.autograd.function import Function, once_differentiable
from minigrad.autograd.grad_mode import set_multithreading_enabled
from minigrad.autograd.gradcheck import gradcheck, gradgradcheck
from minigrad.autograd.variable import Variable
from minigrad.grad_mode import enable_grad, no_grad, set_grad_enabled
from minigrad.inference import inference_mode

__all__ = [
    "Function",
    "Variable",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "grad",
    "grad_mode",
    "gradcheck",
    "gradgradcheck",
    "graph",
    "inference_mode",
    "no_grad",
    "once_differentiable",
    "set_detect_anomaly",
    "set_grad_enabled",
    "set_multithreading_enabled",
]
