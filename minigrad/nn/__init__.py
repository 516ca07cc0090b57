"""Neural-network building blocks: modules, layers, initialisation and the functional API.

>>> import minigrad.nn.functional as F
>>> F.__name__
'minigrad.nn.functional'
"""

from minigrad.nn import functional

__all__ = ["functional"]
