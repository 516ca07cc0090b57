"""minigrad.nn.utils.rnn against torch.nn.utils.rnn: padding, packing, unpacking, gradients
through them, and the errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.errors import ShapeError
from minigrad.nn.utils import rnn as R

RNG = np.random.default_rng(11)


def _np(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _seqs(lengths: list[int], *feature: int) -> list[np.ndarray]:
    return [RNG.standard_normal((n, *feature)) for n in lengths]


def _same_packed(ours: R.PackedSequence, theirs: Any) -> None:
    np.testing.assert_array_equal(_np(ours.data), _np(theirs.data))
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist()
    assert ours.batch_sizes.dtype == mg.int64
    for a, b in ((ours.sorted_indices, theirs.sorted_indices),
                 (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist() and a.dtype == mg.int64


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first: bool, side: str) -> None:
    torch = pytest.importorskip("torch")
    for feature in ((), (2,), (2, 3)):
        seqs = _seqs([3, 1, 4], *feature)
        ours = R.pad_sequence([mg.tensor(s) for s in seqs], batch_first, -1.5, side)
        theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first,
                                                 -1.5, side)
        np.testing.assert_array_equal(_np(ours), _np(theirs))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(("lengths", "enforce_sorted"), [
    ([4, 2, 2, 1], True), ([2, 4, 1, 3], False), ([4, 3, 2, 1], False),
])
def test_pack_and_pad_packed_match_torch(batch_first: bool, lengths: list[int],
                                         enforce_sorted: bool) -> None:
    torch = pytest.importorskip("torch")
    U = torch.nn.utils.rnn
    x = RNG.standard_normal((len(lengths), 5, 2) if batch_first else (5, len(lengths), 2))
    for lens in (lengths, mg.tensor(lengths, dtype=mg.int64)):
        ours = R.pack_padded_sequence(mg.tensor(x), lens, batch_first, enforce_sorted)
        theirs = U.pack_padded_sequence(torch.tensor(x), lengths, batch_first, enforce_sorted)
        _same_packed(ours, theirs)
    for total in (None, 6):
        a, la = R.pad_packed_sequence(ours, batch_first, 9.0, total)
        b, lb = U.pad_packed_sequence(theirs, batch_first, 9.0, total)
        np.testing.assert_array_equal(_np(a), _np(b))
        assert la.tolist() == lb.tolist() and la.dtype == mg.int64
    seqs = _seqs(lengths, 2)
    _same_packed(R.pack_sequence([mg.tensor(s) for s in seqs], enforce_sorted),
                 U.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted))
    for a, b in zip(R.unpack_sequence(ours), U.unpack_sequence(theirs), strict=True):
        np.testing.assert_array_equal(_np(a), _np(b))
    padded = R.pad_sequence([mg.tensor(s) for s in seqs], batch_first)
    for a, s in zip(R.unpad_sequence(padded, lengths, batch_first), seqs, strict=True):
        np.testing.assert_array_equal(_np(a), s)


def test_gradients_flow_through_pack_and_pad_as_in_torch() -> None:
    torch = pytest.importorskip("torch")
    U = torch.nn.utils.rnn
    lengths = [2, 5, 3]
    x = RNG.standard_normal((3, 5, 2))
    w = RNG.standard_normal((6, 3, 2))
    ours_x = mg.tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    packed = R.pack_padded_sequence(ours_x, lengths, True, enforce_sorted=False)
    out, _ = R.pad_packed_sequence(R.PackedSequence(packed.data * 2.0, *packed[1:]),
                                   total_length=6)
    (out * mg.tensor(w)).sum().backward()
    tpacked = U.pack_padded_sequence(theirs_x, lengths, True, enforce_sorted=False)
    tout, _ = U.pad_packed_sequence(U.PackedSequence(tpacked.data * 2.0, *tpacked[1:]),
                                    total_length=6)
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(_np(out), _np(tout))
    np.testing.assert_array_equal(_np(ours_x.grad), _np(theirs_x.grad))
    seqs = [mg.tensor(s, requires_grad=True) for s in _seqs([3, 1], 2)]
    R.pad_sequence(seqs, padding_side="left").sum().backward()
    assert all(np.all(_np(s.grad) == 1.0) for s in seqs)


def test_packed_sequence_tuple_and_conversions() -> None:
    p = R.pack_sequence([mg.ones(1, 2), mg.ones(3, 2)], enforce_sorted=False)
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert data is p.data and batch_sizes.tolist() == [2, 1, 1]
    assert sorted_indices.tolist() == [1, 0] and unsorted_indices.tolist() == [1, 0]
    assert p.double().data.dtype == mg.float64 and p.double().batch_sizes is p.batch_sizes
    assert p.to(mg.float32) is p and not p.is_cuda
    assert R.invert_permutation(None) is None
    assert R.invert_permutation(mg.tensor([3, 0, 2, 1])).tolist() == [1, 3, 2, 0]


def test_errors_speak_torchs_words() -> None:
    x = mg.zeros(3, 2, 4)
    with pytest.raises(ShapeError, match="must be sorted in decreasing order"):
        R.pack_padded_sequence(x, [1, 3])
    with pytest.raises(ShapeError, match="greater than 0"):
        R.pack_padded_sequence(x, [3, 0], enforce_sorted=False)
    with pytest.raises(ShapeError, match=r"len\(lengths\)` to be equal to batch_size"):
        R.pack_padded_sequence(x, [3])
    with pytest.raises(ShapeError, match="exceeds the 3 time steps"):
        R.pack_padded_sequence(x, [4, 1])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        R.pad_packed_sequence(R.pack_padded_sequence(x, [3, 1]), total_length=2)
    with pytest.raises(ValueError, match="padding_side"):
        R.pad_sequence([mg.ones(2)], padding_side="middle")
    with pytest.raises(ValueError, match="empty list"):
        R.pad_sequence([])
    with pytest.raises(ShapeError, match="trailing shape"):
        R.pad_sequence([mg.ones(2, 3), mg.ones(2, 2)])
    with pytest.raises(TypeError, match="PackedSequence"):
        R.pad_packed_sequence(x)
