"""Vector normalisation and distances: ``normalize``, ``cosine_similarity``,
``pairwise_distance``, with PyTorch's formulas (and so its gradients at the clamps).

All three are compositions of :func:`minigrad.linalg.vector_norm` and elementwise ops, so they
are differentiable to any order.

>>> import minigrad as mg
>>> normalize(mg.tensor([[3.0, 4.0]]), dim=1)
tensor([[0.6, 0.8]], dtype=float32, device='cpu')
"""

from __future__ import annotations

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

from ._util import broadcast_shapes, normalize_dim
from .conv_args import check_float
from .norms import vector_norm

__all__ = ["cosine_similarity", "normalize", "pairwise_distance"]


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: None = None) -> Tensor:
    """``input / max(‖input‖_p, eps)`` along ``dim``, as ``torch.nn.functional.normalize``.

    >>> import minigrad as mg
    >>> normalize(mg.tensor([1.0, -1.0, 2.0]), p=1, dim=0).tolist()
    [0.25, -0.25, 0.5]
    """
    if out is not None:
        raise TypeError("normalize: `out=` is not supported in minigrad")
    (input,) = check_float("normalize", input=input)
    d = normalize_dim(dim, input.ndim, "normalize")
    denom = vector_norm(input, p, d if input.ndim else None, keepdim=True).clamp(min=eps)
    return input / denom


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """``Σ (x1/‖x1‖)(x2/‖x2‖)`` along ``dim`` (inputs broadcast), each norm clamped to at
    least ``eps``, as ``torch.nn.functional.cosine_similarity``.

    As PyTorch, the clamp is invisible to the gradient: it flows through each norm as if
    unclamped (so a zero vector gets the gradient ``x2/(‖x2‖ eps)``).

    >>> import minigrad as mg
    >>> cos = cosine_similarity(mg.tensor([[1.0, 0.0], [1.0, 1.0]]), mg.tensor([[1.0, 1.0]]))
    >>> [round(c, 4) for c in cos.tolist()]
    [0.7071, 1.0]
    """
    x1, x2 = check_float("cosine_similarity", x1=x1, x2=x2)
    shape = broadcast_shapes("cosine_similarity", tuple(x1.shape), tuple(x2.shape))
    d = normalize_dim(dim, len(shape), "cosine_similarity")
    x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)
    return ((x1 / _clamped_norm(x1, d, eps)) * (x2 / _clamped_norm(x2, d, eps))).sum(d)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """``max(‖x‖, eps)`` in value, with the gradient of ``‖x‖`` (PyTorch clamps in no_grad)."""
    n = vector_norm(x, 2, dim, keepdim=True)
    return n + (n.clamp(min=eps) - n).detach()


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """``‖x1 - x2 + eps‖_p`` over the last dim (inputs broadcast), as
    ``torch.nn.functional.pairwise_distance``.

    >>> import minigrad as mg
    >>> pairwise_distance(mg.tensor([[3.0, 4.0]]), mg.zeros(1, 2), eps=0.0)
    tensor([5.], dtype=float32, device='cpu')
    """
    x1, x2 = check_float("pairwise_distance", x1=x1, x2=x2)
    ndim = max(x1.ndim, x2.ndim)
    if ndim == 0:
        raise ShapeError("pairwise_distance: expected inputs with at least one dim, got 0-d "
                         "tensors")
    return vector_norm(x1 - x2 + eps, p, ndim - 1, keepdim=keepdim)
