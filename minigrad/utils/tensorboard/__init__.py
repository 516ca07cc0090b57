"""TensorBoard logging with PyTorch's ``torch.utils.tensorboard`` API (needs the
``tensorboard`` package: ``pip install "minigrad[tensorboard]"``; ``import minigrad`` does not
import it).

>>> from minigrad.utils.tensorboard import SummaryWriter
>>> SummaryWriter.add_scalar.__name__
'add_scalar'
"""

from minigrad.utils.tensorboard.writer import SummaryWriter

__all__ = ["SummaryWriter"]
