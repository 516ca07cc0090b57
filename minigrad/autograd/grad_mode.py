"""``torch.autograd.grad_mode``'s names, re-exported: the switches live in
:mod:`minigrad.grad_mode` (per thread) and :mod:`minigrad.inference`.

>>> import minigrad as mg
>>> from minigrad.autograd.grad_mode import no_grad
>>> with no_grad():
...     (mg.ones(1, requires_grad=True) * 2).requires_grad
False
"""

from minigrad.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.inference import inference_mode

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "no_grad", "set_grad_enabled"]
