"""``nn.DataParallel`` as PyTorch runs it on one device: the module is called as it is.

PyTorch's ``DataParallel`` splits each batch over the GPUs of one process; with no GPU or a
single one it just calls the wrapped module. minigrad always does the latter (one device per
process): for several GPUs or hosts use :class:`~minigrad.nn.parallel.
DistributedDataParallel` with one process per GPU, as PyTorch recommends too.

>>> import minigrad as mg
>>> from minigrad import nn
>>> dp = DataParallel(nn.Linear(3, 2))
>>> dp(mg.ones(4, 3)).shape, list(dp.state_dict())
(Size([4, 2]), ['module.weight', 'module.bias'])
"""

from __future__ import annotations

from typing import Any

from minigrad.nn.module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Wrap ``module`` (``torch.nn.DataParallel``); forward calls it unchanged.

    ``device_ids``, ``output_device`` and ``dim`` are kept for PyTorch's signature; the batch
    is never scattered (see the module docstring). ``.module`` is the wrapped model and the
    state dict's keys carry the ``module.`` prefix, as in PyTorch.
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be an nn.Module, got "
                            f"{type(module).__name__}")
        self.module = module
        self.device_ids = list(device_ids) if device_ids is not None else []
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Call the wrapped module."""
        return self.module(*inputs, **kwargs)
