"""The functional API (``import minigrad.nn.functional as F``), with PyTorch's names.

>>> import minigrad as mg
>>> import minigrad.nn.functional as F
>>> F.relu(mg.tensor([-1.0, 2.0]))
tensor([0., 2.], dtype=float32, device='cpu')
"""

from minigrad.ops import leaky_relu, pad, relu, sigmoid, tanh

__all__ = ["leaky_relu", "pad", "relu", "sigmoid", "tanh"]
