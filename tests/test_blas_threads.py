"""The BLAS thread policy: one thread inside small GEMMs, the BLAS's own count restored after."""

from __future__ import annotations

import numpy as np
import pytest

from minigrad import _threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def _counts() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info()
            if i["internal_api"] in ("openblas", "mkl", "blis")]


def test_small_gemm_runs_single_threaded() -> None:
    if not _threads.policy_active():
        pytest.skip("no OpenBLAS/MKL/BLIS found by threadpoolctl")
    before = _counts()
    with _threads.gemm_threads(_threads.SMALL_GEMM_FLOPS / 2):
        assert _counts() == [1] * len(before)
        with _threads.gemm_threads(10):  # nested: no switch, still one thread
            assert _counts() == [1] * len(before)
        a = np.ones((8, 8)) @ np.ones((8, 8))
    assert _counts() == before
    assert a[0, 0] == 8


def test_big_gemm_keeps_threads_and_errors_restore() -> None:
    before = _counts()
    with _threads.gemm_threads(_threads.SMALL_GEMM_FLOPS * 2):
        assert _counts() == before
    with pytest.raises(RuntimeError), _threads.gemm_threads(1):
        raise RuntimeError("boom")
    assert _counts() == before


def test_blas_info_names_the_kernel() -> None:
    info = _threads.blas_info()
    assert info and {"internal_api", "num_threads"} <= set(info[0])


def test_user_limit_set_later_is_restored() -> None:
    """A threadpool_limits set after the policy's first use is what comes back after a GEMM."""
    if not _threads.policy_active():
        pytest.skip("no OpenBLAS/MKL/BLIS found by threadpoolctl")
    with _threads.gemm_threads(1):
        pass
    full = _counts()
    with threadpoolctl.threadpool_limits(max(full) + 1):  # differs from the count at first use
        inside = _counts()
        assert inside != full
        with _threads.gemm_threads(1):
            assert _counts() == [1] * len(full)
        assert _counts() == inside
    assert _counts() == full
