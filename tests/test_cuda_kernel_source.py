"""The CuPy backend's im2col/col2im kernel bodies, compiled as plain C and run on the CPU.

CI has no GPU, so the CUDA kernels would otherwise go unchecked there: their C bodies are
wrapped in a loop over the element index ``i`` (what CuPy's ElementwiseKernel does on the GPU)
and compared with the NumPy backend on random geometries. Skips without a C compiler.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

from minigrad.backends import cupy_backend
from minigrad.backends.numpy_backend import NumpyBackend

CC = shutil.which("cc") or shutil.which("gcc")
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler to build the kernel bodies")

_PARAMS = ("int C, int H, int W, int kH, int kW, int OH, int OW, int sH, int sW, int top, "
           "int left, int dH, int dW")


def _wrap(name: str, body: str, inputs: str, output: str) -> str:
    return f"""
#include <stddef.h>
typedef float T;
void {name}(const T* {inputs}, T* out_, ptrdiff_t total, {_PARAMS}) {{
    for (ptrdiff_t i = 0; i < total; ++i) {{
        T {output};
        {body}
        out_[i] = {output};
    }}
}}
"""


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    src = (_wrap("im2col", cupy_backend._IM2COL_SRC, "x", "col")
           + _wrap("col2im", cupy_backend._COL2IM_SRC, "cols", "x"))
    folder = tmp_path_factory.mktemp("kernels")
    (folder / "k.c").write_text(src)
    subprocess.run([CC, "-O1", "-shared", "-fPIC", "-o", str(folder / "k.so"),
                    str(folder / "k.c")], check=True)
    return ctypes.CDLL(str(folder / "k.so"))


def _geometries(count: int):
    rng = np.random.default_rng(0)
    while count:
        n, c = rng.integers(1, 4, 2)
        h, w = rng.integers(1, 9, 2)
        kh, kw, sh, sw, dh, dw = rng.integers(1, 4, 6)
        top, bottom, left, right = rng.integers(0, 3, 4)
        oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
        ow = (w + left + right - dw * (kw - 1) - 1) // sw + 1
        if oh >= 1 and ow >= 1:
            count -= 1
            yield rng, (n, c, h, w), (kh, kw), (sh, sw), (top, bottom, left, right), (dh, dw), (
                oh, ow)


def test_kernel_bodies_match_numpy_backend(kernels):
    ref = NumpyBackend()
    ptr = ctypes.POINTER(ctypes.c_float)
    for rng, shape, k, s, pad, d, (oh, ow) in _geometries(150):
        _, c, h, w = shape
        geom = [int(v) for v in (c, h, w, k[0], k[1], oh, ow, s[0], s[1], pad[0], pad[2], d[0],
                                 d[1])]
        x = rng.standard_normal(shape).astype(np.float32)
        expected = ref.im2col(x, k, s, pad, d)
        got = np.empty_like(expected)
        kernels.im2col(x.ctypes.data_as(ptr), got.ctypes.data_as(ptr),
                       ctypes.c_ssize_t(got.size), *geom)
        np.testing.assert_array_equal(got, expected)

        cols = rng.standard_normal(expected.shape).astype(np.float32)
        expected_x = ref.col2im(cols, (h, w), k, s, pad, d)
        got_x = np.empty(shape, np.float32)
        kernels.col2im(cols.ctypes.data_as(ptr), got_x.ctypes.data_as(ptr),
                       ctypes.c_ssize_t(got_x.size), *geom)
        np.testing.assert_allclose(got_x, expected_x, atol=1e-5)
