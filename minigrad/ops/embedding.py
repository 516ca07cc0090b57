"""``embedding``: rows of a weight matrix picked by integer indices, as ``F.embedding``.

The backward scatter-adds the output gradient into the picked rows (the backend's
``scatter_add`` kernel, never a one-hot matmul); rows at ``padding_idx`` get none, and with
``scale_grad_by_freq`` each row's gradient is divided by how often the batch names it.
``max_norm`` renormalises the looked-up rows of the weight in place first, as PyTorch does.

>>> import minigrad as mg
>>> w = mg.ones(4, 2, requires_grad=True)
>>> embedding(mg.tensor([[0, 2, 0]]), w).sum().backward(); w.grad.tolist()
[[2.0, 2.0], [0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
"""

from __future__ import annotations

from typing import Any

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.grad_mode import no_grad
from minigrad.gradmath import register_math
from minigrad.op import Op
from minigrad.tensor import Tensor

from ._util import check_tensor

__all__ = ["embedding"]
TENSOR_METHODS = ()


class Embedding(Op):
    """``weight[indices]``; backward: :class:`EmbeddingBackward` of the output gradient."""

    save_inputs = False

    def forward(self, xp: Any, weight: Any, indices: Any, padding_idx: int | None,
                scale_grad_by_freq: bool) -> Any:
        self.indices, self.padding_idx, self.by_freq = indices, padding_idx, scale_grad_by_freq
        return weight[indices]

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (m.embedding_backward(g, indices=self.indices, shape=self.in_meta[0][0],
                                     padding_idx=self.padding_idx,
                                     scale_grad_by_freq=self.by_freq),)


def _keep_padding(g: Any, indices: Any, padding_idx: int | None) -> Any:
    """``g`` (shape ``indices.shape + (dim,)``) with the ``padding_idx`` positions zeroed."""
    if padding_idx is None:
        return g
    keep = (indices != padding_idx)[..., None]
    if isinstance(g, Tensor):
        keep = Tensor._make(keep, None)
    return g * keep


class EmbeddingBackward(Op):
    """``zeros(shape)`` with ``g`` scatter-added at ``indices`` (the backend's ``scatter_add``):
    nothing for ``padding_idx``, divided by each index's count with ``scale_grad_by_freq``.

    Its own backward gathers without the frequency scaling, as PyTorch's double backward
    does ("the first backward takes care of scaling by frequency")."""

    save_inputs = False

    def forward(self, xp: Any, g: Any, indices: Any, shape: tuple[int, int],
                padding_idx: int | None, scale_grad_by_freq: bool) -> Any:
        from minigrad.backends import backend_of

        self.indices, self.padding_idx = indices, padding_idx
        g = _keep_padding(g, indices, padding_idx)
        if scale_grad_by_freq:
            counts = xp.bincount(indices.ravel(), minlength=shape[0])
            g = g / counts[indices][..., None].astype(g.dtype)
        out = xp.zeros(shape, dtype=g.dtype)
        backend_of(g).scatter_add(out, (indices,), g)
        return out

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        picked = m.embedding(g, indices=self.indices, padding_idx=None,
                             scale_grad_by_freq=False)
        return (_keep_padding(picked, self.indices, self.padding_idx),)


register_math("embedding", Embedding)
register_math("embedding_backward", EmbeddingBackward)


def _renorm_(weight: Tensor, indices: Any, max_norm: float, norm_type: float) -> None:
    """Scale the rows of ``weight`` named in ``indices`` whose ``norm_type``-norm exceeds
    ``max_norm`` down to ``max_norm`` (PyTorch's ``embedding_renorm_``: in place, no grad)."""
    xp = weight._backend.xp
    rows = xp.unique(indices.ravel())
    w = weight._data
    picked = w[rows]
    if norm_type == float("inf"):
        norms = xp.abs(picked).max(axis=1)
    else:
        norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if bool(big.any()):
        factor = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        w[rows[big]] = picked[big] * factor[:, None]
        weight._version += 1


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` (``(num_embeddings, embedding_dim)``) at the integer
    ``input``, as ``F.embedding``; the result has shape ``input.shape + (embedding_dim,)``.

    ``sparse=True`` is refused: minigrad has no sparse gradients (see docs/pytorch-compat.md).

    >>> import minigrad as mg
    >>> w = mg.tensor([[0.0, 0.0], [3.0, 4.0]])
    >>> tuple(embedding(mg.tensor([[1, 0, 1]]), w).shape)
    (1, 3, 2)
    >>> y = embedding(mg.tensor([1]), w, max_norm=1.0)  # renormalises row 1 of w in place
    >>> [round(v, 4) for v in w.tolist()[1]], [round(v, 4) for v in y.tolist()[0]]
    ([0.6, 0.8], [0.6, 0.8])
    """
    check_tensor(input, "embedding", "input")
    check_tensor(weight, "embedding", "weight")
    if sparse:
        raise ValueError("embedding: sparse=True is not supported (minigrad has no sparse "
                         "gradients); use sparse=False")
    if input.dtype.kind not in "iu":
        raise MinigradTypeError(f"embedding: `input` must hold integer indices, got dtype "
                                f"{input.dtype}")
    if weight.ndim != 2:
        raise ShapeError(f"embedding: `weight` must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {weight.shape}")
    n = weight.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within "
                             f"num_embeddings ({n})")
        padding_idx %= n
    indices = input._data
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= n):
        bad = int(indices.min()) if int(indices.min()) < 0 else int(indices.max())
        raise IndexError(f"embedding: index {bad} is out of range for a weight of "
                         f"{n} rows (shape {weight.shape})")
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, indices, float(max_norm), float(norm_type))
    return Embedding.apply(weight, indices=indices, padding_idx=padding_idx,
                           scale_grad_by_freq=bool(scale_grad_by_freq))
