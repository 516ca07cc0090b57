"""Variable-length sequences for recurrent layers, as ``torch.nn.utils.rnn``.

A :class:`PackedSequence` stores a batch of sequences time step by time step: step ``t``
holds the ``batch_sizes[t]`` sequences still running, longest first, so a recurrent layer
never computes on padding. Packing and unpacking are differentiable.

>>> import minigrad as mg
>>> from minigrad.nn.utils.rnn import pack_sequence, pad_packed_sequence
>>> packed = pack_sequence([mg.tensor([1.0, 2.0, 3.0]), mg.tensor([4.0])])
>>> packed.data.tolist(), packed.batch_sizes.tolist()
([1.0, 4.0, 2.0, 3.0], [2, 1, 1])
>>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
>>> padded.tolist(), lengths.tolist()
([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]], [3, 1])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from minigrad import creation, dtypes, ops
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.tensor import Tensor

__all__ = [
    "PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
    "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence",
]


class PackedSequence(NamedTuple):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)`` of a packed batch.

    ``data`` is ``(sum(lengths), *)``; ``batch_sizes`` an int64 CPU tensor, one entry per time
    step; ``sorted_indices`` the batch order of the packed sequences (None when they came
    sorted) and ``unsorted_indices`` its inverse. Build one with :func:`pack_padded_sequence`
    or :func:`pack_sequence`.

    >>> import minigrad as mg
    >>> p = pack_sequence([mg.ones(1, 2), mg.ones(2, 2)], enforce_sorted=False)
    >>> p.batch_sizes.tolist(), p.sorted_indices.tolist(), p.unsorted_indices.tolist()
    ([2, 1], [1, 0], [1, 0])
    >>> p.double().data.dtype
    dtype('float64')
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(...)``; the indices follow to the new device (``batch_sizes`` stays on
        the CPU, as in PyTorch)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def move(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.to(device=data.device)

        return type(self)(data, self.batch_sizes, move(self.sorted_indices),
                          move(self.unsorted_indices))

    def cuda(self, device: Any = None) -> PackedSequence:
        """Move ``data`` and the indices to the GPU."""
        return self.to("cuda" if device is None else device)

    def cpu(self) -> PackedSequence:
        """Move ``data`` and the indices to the CPU."""
        return self.to("cpu")

    def double(self) -> PackedSequence:
        """``data`` as float64."""
        return self.to(dtype="float64")

    def float(self) -> PackedSequence:
        """``data`` as float32."""
        return self.to(dtype="float32")

    def half(self) -> PackedSequence:
        """``data`` as float16."""
        return self.to(dtype="float16")

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a GPU."""
        return self.data.is_cuda


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of ``0..n-1`` (None stays None).

    >>> import minigrad as mg
    >>> invert_permutation(mg.tensor([2, 0, 1])).tolist()
    [1, 2, 0]
    """
    if permutation is None:
        return None
    perm = np.asarray(permutation.tolist(), dtype=np.int64)
    out = np.empty_like(perm)
    out[perm] = np.arange(perm.size)
    return creation.tensor(out, dtype=dtypes.int64, device=permutation.device)


def _int_list(values: Any, op: str, arg: str) -> list[int]:
    if isinstance(values, Tensor):
        if values.dtype.kind not in "iu" or values.ndim != 1:
            raise MinigradTypeError(f"{op}: `{arg}` must be a 1-D integer tensor or a list of "
                                    f"ints, got dtype {values.dtype} and shape {values.shape}")
        return [int(v) for v in values.tolist()]
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise MinigradTypeError(f"{op}: `{arg}` must be a list of ints or a 1-D integer "
                                f"tensor, got {values!r}") from None


def packed_layout(batch_sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``(step, sequence)`` of every row of packed data with these ``batch_sizes``.

    >>> [a.tolist() for a in packed_layout([2, 1, 1])]
    [[0, 0, 1, 2], [0, 1, 0, 0]]
    """
    bs = np.asarray(batch_sizes, dtype=np.int64)
    steps = np.repeat(np.arange(bs.size), bs)
    starts = np.repeat(np.cumsum(bs) - bs, bs)
    return steps, np.arange(steps.size) - starts


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose sequences
    have the given ``lengths``.

    With ``enforce_sorted=True`` the lengths must be in decreasing order; otherwise the batch
    is sorted here and the order is kept in ``sorted_indices`` (stable for equal lengths).

    >>> import minigrad as mg
    >>> x = mg.arange(6.0).reshape(3, 2)                 # T=3, B=2
    >>> pack_padded_sequence(x, [1, 3], enforce_sorted=False).data.tolist()
    [1.0, 0.0, 3.0, 5.0]
    """
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor):
        raise MinigradTypeError(f"{op}: `input` must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ShapeError(f"{op}: `input` must have a time and a batch dim, got shape "
                         f"{input.shape}")
    lens = _int_list(lengths, op, "lengths")
    b_dim = 0 if batch_first else 1
    steps, batch = input.shape[1 - b_dim], input.shape[b_dim]
    if len(lens) != batch:
        raise ShapeError(f"{op}: Expected `len(lengths)` to be equal to batch_size, but got "
                         f"{len(lens)} (batch_size={batch})")
    if any(n <= 0 for n in lens):
        raise ShapeError(f"{op}: Length of all samples has to be greater than 0, but found an "
                         f"element in 'lengths' that is <= 0 (lengths {lens})")
    if max(lens) > steps:
        raise ShapeError(f"{op}: a length in {lens} exceeds the {steps} time steps of input "
                         f"of shape {input.shape} (batch_first={batch_first})")
    order = np.argsort(-np.asarray(lens), kind="stable")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in itertools.pairwise(lens)):
            raise ShapeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability."
            )
    else:
        sorted_indices = creation.tensor(order, dtype=dtypes.int64, device=input.device)
    sorted_lens = [lens[i] for i in order]
    batch_sizes = [sum(1 for n in sorted_lens if n > t) for t in range(sorted_lens[0])]
    t_idx, b_idx = packed_layout(batch_sizes)
    b_idx = order[b_idx]  # rows of the original batch
    xp = input._backend.xp
    key = (t_idx, b_idx) if not batch_first else (b_idx, t_idx)
    data = input[tuple(xp.asarray(k) for k in key)]
    return PackedSequence(data, creation.tensor(batch_sizes, dtype=dtypes.int64), sorted_indices,
                          invert_permutation(sorted_indices))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: ``(padded, lengths)`` in the original batch order,
    padded to the longest sequence or to ``total_length``.

    >>> import minigrad as mg
    >>> p = pack_sequence([mg.ones(2), mg.ones(1)])
    >>> x, lengths = pad_packed_sequence(p, padding_value=-1.0, total_length=3)
    >>> x.tolist(), lengths.tolist()
    ([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0]], [2, 1])
    """
    op = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise MinigradTypeError(f"{op}: expected a PackedSequence, got "
                                f"{type(sequence).__name__}")
    bsz = _int_list(sequence.batch_sizes, op, "batch_sizes")
    steps = len(bsz)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
        steps = total_length
    data = sequence.data
    batch = bsz[0]
    t_idx, b_idx = packed_layout(bsz)
    lengths = np.bincount(b_idx, minlength=batch)
    unsorted = sequence.unsorted_indices
    if unsorted is not None:  # scatter straight to the original batch positions
        b_idx = np.asarray(sequence.sorted_indices.tolist(), dtype=np.int64)[b_idx]
        lengths = lengths[np.asarray(unsorted.tolist(), dtype=np.int64)]
    shape = (batch, steps) if batch_first else (steps, batch)
    base = creation.full((*shape, *data.shape[1:]), padding_value, dtype=data.dtype,
                         device=data.device)
    xp = data._backend.xp
    key = (b_idx, t_idx) if batch_first else (t_idx, b_idx)
    padded = ops.index_put(base, tuple(xp.asarray(k) for k in key), data)
    return padded, creation.tensor(lengths, dtype=dtypes.int64)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences ``(L_i, *)`` into ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``),
    padding each with ``padding_value`` on ``padding_side`` ("right" or "left").

    >>> import minigrad as mg
    >>> pad_sequence([mg.ones(2), mg.ones(1)], batch_first=True, padding_side="left").tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    op = "pad_sequence"
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = list(sequences)
    seqs = list(sequences)
    if not seqs:
        raise ValueError(f"{op}: received an empty list of sequences")
    for i, s in enumerate(seqs):
        if not isinstance(s, Tensor):
            raise MinigradTypeError(f"{op}: sequences[{i}] must be a Tensor, got "
                                    f"{type(s).__name__}")
        if s.ndim == 0 or s.shape[1:] != seqs[0].shape[1:]:
            raise ShapeError(f"{op}: every sequence must be (L, *) with one trailing shape; "
                             f"sequences[0] has shape {seqs[0].shape}, sequences[{i}] "
                             f"{s.shape}")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        extra = longest - s.shape[0]
        if extra:
            widths = [0] * (2 * s.ndim - 2) + ([0, extra] if padding_side == "right"
                                               else [extra, 0])
            s = ops.pad(s, widths, value=padding_value)
        padded.append(s)
    return ops.stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Any,
                   batch_first: bool = False) -> list[Tensor]:
    """Split a padded batch back into its sequences of the given ``lengths``.

    >>> import minigrad as mg
    >>> [s.tolist() for s in unpad_sequence(mg.ones(3, 2), [3, 1])]
    [[1.0, 1.0, 1.0], [1.0]]
    """
    lens = _int_list(lengths, "unpad_sequence", "lengths")
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :n] for i, n in enumerate(lens)]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (``pad_sequence`` then ``pack_padded_sequence``).

    >>> import minigrad as mg
    >>> pack_sequence([mg.ones(1), mg.ones(3)], enforce_sorted=False).batch_sizes.tolist()
    [2, 1, 1]
    """
    lens = [s.shape[0] if isinstance(s, Tensor) and s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lens, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences in a :class:`PackedSequence`, in their original order.

    >>> import minigrad as mg
    >>> [s.tolist() for s in unpack_sequence(pack_sequence([mg.ones(1), mg.ones(2)], False))]
    [[1.0], [1.0, 1.0]]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
