"""The CuPy stand-in itself (tests/cupy_standin): as strict as CuPy, counting host reads,
fake devices, kernels compiled from their C bodies; and the names minigrad calls checked
against the stand-in's list and, where CuPy imports (it does without a GPU), against CuPy's
own namespace. Runs with or without ``MINIGRAD_CUPY_STANDIN``: nothing here installs the
stand-in for other tests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import cupy_standin
import numpy as np
import pytest
from cupy_standin import COUNTERS, _namespace, names, reset_counters
from cupy_standin import _kernels as kernels
from cupy_standin._array import METHODS

from minigrad.backends.numpy_backend import NumpyBackend

PKG = Path(__file__).resolve().parent.parent / "minigrad"
cp, cupyx = _namespace.build()

#: what minigrad and the stand-in use beyond the NumPy-shared names
EXTRAS = ("asnumpy", "ndarray", "cuda", "linalg", "random", "ElementwiseKernel", "RawKernel",
          "get_default_memory_pool", "get_default_pinned_memory_pool", "from_dlpack",
          "get_array_module")
CUDA_EXTRAS = ("Device", "Stream", "Event", "get_current_stream", "get_elapsed_time",
               "runtime.getDeviceCount", "runtime.getDevice", "runtime.deviceCanAccessPeer")


def test_mixing_numpy_arrays_in_raises_as_cupy():
    a = cp.ones(3)
    for op in (lambda: a + np.ones(3), lambda: np.ones(3) * a, lambda: cp.add(a, np.ones(3)),
               lambda: cp.concatenate([a, np.ones(3)]), lambda: np.asarray(a),
               lambda: np.array(a), lambda: a + [1.0, 2.0, 3.0]):  # noqa: RUF005
        with pytest.raises(TypeError):
            op()
    assert isinstance(a + np.float32(2), cp.ndarray)  # NumPy scalars are fine
    assert isinstance(np.exp(a), cp.ndarray)  # NumPy functions dispatch to the stand-in


def test_host_reads_are_counted():
    a = cp.arange(4.0)
    reset_counters()
    a.get(), cp.asnumpy(a), float(a.sum()), bool(a.any()), a[1].item(), a.tolist()
    assert COUNTERS.d2h == 6
    reset_counters()
    b = (a * 2 + 1).sum()
    a.shape, a.dtype, len(a), b.ndim
    assert COUNTERS.d2h == 0
    cp.asarray(np.ones(2))
    assert COUNTERS.h2d == 1
    reset_counters()
    a[a > 1], cp.nonzero(a), a.nonzero(), cp.unique(a)  # sized by the data: CuPy syncs
    assert COUNTERS.d2h == 4


def test_pytest_header_announces_the_stand_in():
    import os

    env = {**os.environ, cupy_standin.ENV: "1"}
    out = subprocess.run([sys.executable, "-m", "pytest", "--co", "-p", "no:randomly",
                          str(Path(__file__).parent / "test_gpu_standin.py")],
                         capture_output=True, text=True, env=env, cwd=PKG.parent)
    assert "cupy: the NumPy-backed stand-in" in out.stdout, out.stdout[-2000:]


def test_arrays_remember_their_device_and_kernels_refuse_others():
    with cp.cuda.Device(1):
        b = cp.ones(2)
        assert b.device.id == 1 and (b + 1).device.id == 1
    assert cp.cuda.runtime.getDevice() == 0
    with pytest.raises(ValueError, match="different from the current device"):
        b + 1
    assert b.reshape(2, 1).device.id == 1  # views launch nothing
    with cp.cuda.Device(0):
        c = b.copy()  # a peer copy lands on the current device
    assert c.device.id == 0
    with pytest.raises(cp.cuda.runtime.CUDARuntimeError):
        cp.cuda.Device(cupy_standin.STATE.count)


@pytest.mark.skipif(kernels.compiler() is None, reason="no C compiler")
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_elementwise_kernel_binds_its_signature(dtype):
    k = cp.ElementwiseKernel("T x, raw T y, int32 shift, int32 n", "T z",
                             "z = x * (T)2 + y[(i + shift) % n];", "standin_test_k")
    x, y = cp.asarray(np.arange(5, dtype=dtype)), cp.asarray(np.arange(5, dtype=dtype) * 10)
    z = k(x, y, 1, 5)
    assert z.dtype == dtype
    np.testing.assert_array_equal(z.get(), np.arange(5) * 2 + np.roll(np.arange(5) * 10, -1))
    with pytest.raises(TypeError, match="mismatched"):
        k(x, cp.asarray(np.arange(5, dtype=np.int64)), 1, 5)


@pytest.mark.skipif(kernels.compiler() is None, reason="no C compiler")
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_backend_im2col_col2im_kernels_match_numpy(dtype, monkeypatch):
    """The CuPy backend's own call sites (argument order included) on the stand-in."""
    monkeypatch.setitem(sys.modules, "cupy", cp)
    monkeypatch.setitem(sys.modules, "cupyx", cupyx)
    from minigrad.backends.cupy_backend import CupyBackend

    gpu, ref = CupyBackend(), NumpyBackend()
    rng = np.random.default_rng(0)
    tol = 1e-2 if dtype == np.float16 else 1e-6
    for n, c, h, w, kh, kw, sh, sw, dh, dw, top, bottom, left, right in (
            (2, 3, 7, 9, 2, 3, 2, 1, 1, 2, 1, 0, 2, 1), (1, 2, 5, 4, 3, 1, 1, 2, 2, 1, 0, 2, 1, 0)):
        args = ((kh, kw), (sh, sw), (top, bottom, left, right), (dh, dw))
        x = rng.standard_normal((n, c, h, w)).astype(dtype)
        cols = gpu.im2col(cp.asarray(x), *args)
        np.testing.assert_array_equal(cols.get(), ref.im2col(x, *args))
        g = rng.standard_normal(cols.shape).astype(dtype)
        back = gpu.col2im(cp.asarray(g), (h, w), *args)
        np.testing.assert_allclose(back.get(), ref.col2im(g, (h, w), *args), rtol=tol,
                                   atol=tol)


@pytest.mark.skipif(kernels.compiler() is None, reason="no C compiler")
def test_raw_kernel_runs_its_grid():
    src = r'''
    extern "C" __global__ void saxpy(const float* x, float* y, float a, int n) {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) y[i] = a * x[i] + y[i];
    }'''
    k = cp.RawKernel(src, "saxpy")
    x, y = cp.arange(10, dtype=np.float32), cp.ones(10, dtype=np.float32)
    k((3,), (4,), (x, y, np.float32(2.0), np.int32(10)))
    np.testing.assert_array_equal(y.get(), np.arange(10) * 2 + 1)
    with pytest.raises(NotImplementedError):
        cp.RawKernel('extern "C" __global__ void f() { __syncthreads(); }', "f")


def test_scatter_add_pools_and_streams():
    a = cp.zeros(3)
    cupyx.scatter_add(a, cp.asarray(np.array([0, 0, 2])), cp.ones(3))
    np.testing.assert_array_equal(a.get(), [2, 0, 1])
    reset_counters()
    pool = cp.get_default_memory_pool()
    big = cp.zeros(1000)
    assert pool.used_bytes() >= big.nbytes
    pool.free_all_blocks()
    with cp.cuda.Stream():
        cp.cuda.get_current_stream().synchronize()
    assert COUNTERS.pool_calls == 2 and COUNTERS.stream_calls >= 2
    assert COUNTERS.synchronize == 1


def _xp_names() -> set[str]:
    """Every ``xp.NAME`` (and ``xp.linalg.NAME``) written in minigrad's source."""
    found = set()
    for path in PKG.rglob("*.py"):
        text = path.read_text()
        found |= {f"linalg.{m}" for m in re.findall(r"\bxp\.linalg\.(\w+)", text)}
        found |= set(re.findall(r"\bxp\.(\w+)", text))
    return found


def test_stand_in_offers_every_xp_name_minigrad_calls():
    offered = set(names.FUNCTIONS + names.TYPES + names.CONSTANTS + EXTRAS)
    offered |= {f"linalg.{n}" for n in (*names.LINALG, "LinAlgError")}
    missing = sorted(_xp_names() - offered)
    assert not missing, f"minigrad calls xp names the stand-in lacks: {missing}"


_CHECK = """
import sys, cupy, cupyx
names = sys.argv[1].split(",")
missing = []
for n in names:
    obj = cupy
    path = n.split(".")
    if path[0] == "ndarray" and len(path) == 2:
        obj, path = cupy.ndarray, path[1:]
    elif path[0] == "cupyx":
        obj, path = cupyx, path[1:]
    for p in path:
        obj = getattr(obj, p, missing)
    if obj is missing:
        missing.append(n)
print(",".join(missing))
"""


def test_names_exist_in_real_cupy():
    """Every function, type, method and module name the stand-in offers (so every one that
    minigrad calls) exists in the real CuPy; CuPy is imported in a fresh interpreter."""
    probe = subprocess.run([sys.executable, "-c", "import cupy"], capture_output=True,
                           text=True, env={k: v for k, v in __import__("os").environ.items()
                                           if k != cupy_standin.ENV})
    if probe.returncode:
        pytest.skip("CuPy is not importable here (pip install cupy-cuda12x; no GPU needed)")
    wanted = (list(names.FUNCTIONS + names.TYPES + names.CONSTANTS + EXTRAS)
              + [f"linalg.{n}" for n in names.LINALG] + [f"ndarray.{m}" for m in METHODS]
              + [f"cuda.{n}" for n in CUDA_EXTRAS] + ["random.RandomState", "cupyx.scatter_add"])
    out = subprocess.run([sys.executable, "-c", _CHECK, ",".join(wanted)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "", f"not in CuPy: {out.stdout.strip()}"
