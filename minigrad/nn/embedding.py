"""``Embedding``: a lookup table of ``num_embeddings`` vectors of size ``embedding_dim``.

>>> import minigrad as mg
>>> from minigrad import nn
>>> emb = nn.Embedding(10, 3, padding_idx=0)
>>> tuple(emb(mg.tensor([[1, 2, 0]])).shape), emb.weight[0].tolist()
((1, 3, 3), [0.0, 0.0, 0.0])
"""

from __future__ import annotations

from typing import Any

from minigrad import creation
from minigrad.errors import ShapeError
from minigrad.grad_mode import no_grad
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.ops.embedding import embedding
from minigrad.tensor import Tensor

__all__ = ["Embedding"]


class Embedding(Module):
    """Rows of ``weight`` (``(num_embeddings, embedding_dim)``, initialised ``N(0, 1)`` with the
    ``padding_idx`` row zeroed) looked up by integer indices, as ``torch.nn.Embedding``.

    ``padding_idx`` rows get no gradient; ``max_norm`` renormalises looked-up rows in place;
    ``scale_grad_by_freq`` divides gradients by index frequency in the batch. ``sparse=True`` is
    refused (minigrad has no sparse gradients).

    >>> Embedding(5, 2, padding_idx=1, max_norm=2.0)
    Embedding(5, 2, padding_idx=1, max_norm=2.0)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for arg, v in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"Embedding: `{arg}` must be a non-negative int, got {v!r}")
        if sparse:
            raise ValueError("Embedding: sparse=True is not supported (minigrad has no sparse "
                             "gradients); use sparse=False")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, dtype=dtype,
                                                   device=device), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ShapeError(f"Embedding: `_weight` has shape {_weight.shape}, expected "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """``weight ~ N(0, 1)``, then the ``padding_idx`` row set to zeros."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose ``weight`` is ``embeddings`` (2-D; storage shared), frozen
        (``requires_grad=False``) unless ``freeze=False``.

        >>> import minigrad as mg
        >>> emb = Embedding.from_pretrained(mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> emb(mg.tensor([1])).tolist(), emb.weight.requires_grad
        ([[3.0, 4.0]], False)
        """
        if embeddings.ndim != 2:
            raise ShapeError(f"Embedding.from_pretrained: `embeddings` must be 2-D, got shape "
                             f"{embeddings.shape}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)
