"""The CuPy backend's ElementwiseKernels compiled by NVRTC (CuPy's own CUDA compiler, which
needs no GPU) for float, double and half, each bound from the kernel's signature exactly as
the stand-in binds it for its gcc build. Skips unless NVRTC and the CUDA runtime headers are
installed (``pip install nvidia-cuda-nvrtc-cu12 nvidia-cuda-runtime-cu12``).
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from cupy_standin import _namespace

pytestmark = pytest.mark.nvrtc


def _nvidia_dir(package: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(f"nvidia.{package}")
    except ModuleNotFoundError:  # no nvidia.* wheels at all
        return None
    return Path(next(iter(spec.submodule_search_locations))) if spec else None


def _nvrtc() -> tuple[ctypes.CDLL, Path]:
    nvrtc, runtime = _nvidia_dir("cuda_nvrtc"), _nvidia_dir("cuda_runtime")
    libs = sorted((nvrtc / "lib").glob("libnvrtc.so*")) if nvrtc else []
    if not libs or runtime is None or not (runtime / "include" / "cuda_fp16.h").is_file():
        pytest.skip("NVRTC or the CUDA runtime headers are not installed (pip install "
                    "nvidia-cuda-nvrtc-cu12 nvidia-cuda-runtime-cu12)")
    return ctypes.CDLL(str(libs[0])), runtime / "include"


def _compile(lib: ctypes.CDLL, include: Path, source: str) -> tuple[int, str]:
    prog = ctypes.c_void_p()
    assert lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), b"k.cu", 0, None,
                                  None) == 0
    opts = (ctypes.c_char_p * 2)(f"-I{include}".encode(), b"--gpu-architecture=compute_75")
    result = lib.nvrtcCompileProgram(prog, 2, opts)
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, log)
    lib.nvrtcDestroyProgram(ctypes.byref(prog))
    return result, log.value.decode(errors="replace")


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_backend_kernels_compile_with_nvrtc(dtype, monkeypatch):
    lib, include = _nvrtc()
    cp, cupyx = _namespace.build()
    monkeypatch.setitem(sys.modules, "cupy", cp)
    monkeypatch.setitem(sys.modules, "cupyx", cupyx)
    from minigrad.backends.cupy_backend import CupyBackend

    backend = CupyBackend()
    for kernel in (backend._im2col, backend._col2im):
        result, log = _compile(lib, include, kernel.cuda_source({"T": np.dtype(dtype)}))
        assert result == 0, f"{kernel.name} ({np.dtype(dtype)}) does not compile:\n{log}"


def test_nvrtc_rejects_a_broken_body():
    lib, include = _nvrtc()
    result, log = _compile(lib, include, 'extern "C" __global__ void f() { undefined_x = 1; }')
    assert result != 0 and "undefined_x" in log
