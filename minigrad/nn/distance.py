"""Distance modules: ``CosineSimilarity`` and ``PairwiseDistance``, over the functions of ``F``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> nn.PairwiseDistance(eps=0.0)(mg.tensor([[3.0, 4.0]]), mg.zeros(1, 2)).tolist()
[5.0]
"""

from __future__ import annotations

from minigrad.nn import functional as F
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim``, as ``torch.nn.CosineSimilarity``.

    >>> import minigrad as mg
    >>> CosineSimilarity(dim=0)(mg.tensor([1.0, 0.0]), mg.tensor([2.0, 0.0])).item()
    1.0
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``‖x1 - x2 + eps‖_p`` over the last dim, as ``torch.nn.PairwiseDistance``.

    >>> import minigrad as mg
    >>> PairwiseDistance(p=1.0, eps=0.0, keepdim=True)(mg.ones(2, 3), mg.zeros(2, 3)).tolist()
    [[3.0], [3.0]]
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
