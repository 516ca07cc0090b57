"""``Tensor.is_cpu`` / ``is_cuda`` / ``is_mps`` / ``is_xpu``, as PyTorch's (dcgan's
``input.is_cuda or input.is_xpu`` reads them on every forward)."""

from __future__ import annotations

import pytest

import minigrad as mg


def test_flags_on_cpu() -> None:
    t = mg.ones(2, 3)
    assert (t.is_cpu, t.is_cuda, t.is_mps, t.is_xpu) == (True, False, False, False)
    assert t.detach().is_cpu and (t + 1).is_cpu


def test_flags_match_torch() -> None:
    torch = pytest.importorskip("torch")
    t, m = torch.ones(2), mg.ones(2)
    assert [getattr(m, n) for n in ("is_cpu", "is_cuda", "is_mps", "is_xpu")] == [
        getattr(t, n) for n in ("is_cpu", "is_cuda", "is_mps", "is_xpu")]


def test_flags_on_cuda(backend) -> None:
    t = mg.ones(2, device=backend.device)
    assert t.is_cpu == (backend.device == "cpu")
    assert t.is_cuda == (backend.device != "cpu")
    assert not t.is_mps and not t.is_xpu
