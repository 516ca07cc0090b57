"""BLAS thread policy: GEMMs below a FLOP threshold run on one BLAS thread.

Waking BLAS threads costs tens of microseconds, and far more on a busy machine, where a helper
thread may wait a whole scheduler slice for a core: a small GEMM then takes longer on two
threads than on one. The policy: a GEMM of fewer than :data:`SMALL_GEMM_FLOPS` (2*m*n*k;
5e7 unless the environment sets MINIGRAD_SMALL_GEMM_FLOPS) runs with the BLAS limited to one
thread; bigger ones use the BLAS's own thread count.

It needs ``threadpoolctl`` (``pip install "minigrad[fast]"``); without it, or with the
environment variable ``MINIGRAD_BLAS_POLICY=off``, :func:`gemm_threads` does nothing. Only
OpenBLAS, MKL and BLIS are driven (through their set-threads call, a few microseconds).

>>> with gemm_threads(2 * 10 * 10 * 10):  # a tiny GEMM: one thread inside, if available
...     pass
>>> policy_active() in (True, False)
True
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

__all__ = ["SMALL_GEMM_FLOPS", "blas_info", "gemm_threads", "policy_active"]

#: GEMMs below this many floating-point operations (2*m*n*k) run on one BLAS thread
SMALL_GEMM_FLOPS: float = float(os.environ.get("MINIGRAD_SMALL_GEMM_FLOPS", 5e7))

_libs: list[Any] | None = None
_depth = 0


def _controllers() -> list[Any]:
    global _libs
    if _libs is None:
        _libs = []
        if os.environ.get("MINIGRAD_BLAS_POLICY", "on") != "off":
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:
                return _libs
            import numpy  # noqa: F401  (its BLAS must be loaded to be found)

            ctl = ThreadpoolController()
            _libs = [lib for lib in ctl.lib_controllers
                     if lib.internal_api in ("openblas", "mkl", "blis")]
    return _libs


def policy_active() -> bool:
    """Whether the policy can act (threadpoolctl present, a known BLAS found, not switched off).

    >>> isinstance(policy_active(), bool)
    True
    """
    return bool(_controllers())


@contextlib.contextmanager
def gemm_threads(flops: float) -> Iterator[None]:
    """Run the block with one BLAS thread when ``flops`` is below :data:`SMALL_GEMM_FLOPS`.

    Nested uses only switch at the outermost level; the count in force on entry (the BLAS's
    own, or a user's ``threadpool_limits``) is restored on exit.

    >>> with gemm_threads(1e12):  # big: the BLAS keeps its threads
    ...     pass
    """
    global _depth
    libs = _controllers() if flops < SMALL_GEMM_FLOPS else []
    if not libs or _depth:
        yield
        return
    before = [lib.num_threads for lib in libs]
    if all(n == 1 for n in before):
        yield
        return
    _depth += 1
    for lib in libs:
        lib.set_num_threads(1)
    try:
        yield
    finally:
        for lib, n in zip(libs, before, strict=True):
            lib.set_num_threads(n)
        _depth -= 1


def blas_info() -> list[dict[str, Any]]:
    """threadpoolctl's description of the loaded BLAS libraries ([] without threadpoolctl).

    >>> isinstance(blas_info(), list)
    True
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    import numpy  # noqa: F401

    return [i for i in threadpool_info() if i.get("user_api") == "blas"]
