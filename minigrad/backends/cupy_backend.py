"""The CuPy (CUDA GPU) backend, loaded only when a tensor asks for ``"cuda"``.

Importing minigrad never imports CuPy: :func:`load_cupy_backend` is called by
``minigrad.backends.backend_for("cuda")`` on first use and explains what is missing (CuPy, or a
GPU) when it cannot load.

>>> from minigrad.backends.cupy_backend import cupy_status
>>> isinstance(cupy_status(), str)
True
"""

from __future__ import annotations

import re
from typing import Any

from minigrad.backends.base import Backend, Device
from minigrad.errors import DeviceError, OutOfMemoryError

__all__ = ["CupyBackend", "cupy_status", "load_cupy_backend"]

_INSTALL_HINT = 'pip install "minigrad[cuda]"  (CuPy 13+ for CUDA 12: cupy-cuda12x)'


def cupy_status() -> str:
    """``"ok"`` when CuPy imports and sees a GPU, else a sentence saying what is missing."""
    try:
        import cupy
    except ImportError:
        return f"CuPy is not installed; install it with: {_INSTALL_HINT}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDA driver missing or broken
        return f"CuPy is installed but no CUDA GPU is usable ({type(e).__name__}: {e})"
    if count == 0:
        return "CuPy is installed but this machine has no CUDA GPU"
    # the driver sees a GPU; minigrad's kernels also need NVRTC (CuPy's compiler) and cuBLAS
    for part, check in (("NVRTC, the CUDA compiler of its kernels,",
                         lambda: cupy.cuda.nvrtc.getVersion()),
                        ("cuBLAS", lambda: cupy.cuda.device.get_cublas_handle())):
        try:
            check()
        except Exception as e:  # a missing or mismatched CUDA library
            return (f"CuPy sees {count} CUDA GPU(s) but cannot load {part} "
                    f"({type(e).__name__}: {e}); install the CUDA libraries with: "
                    f'pip install "minigrad[cuda]"  (cupy-cuda12x[ctk])')
    return "ok"


def load_cupy_backend() -> CupyBackend:
    """The CuPy backend, or a :class:`DeviceError` saying whether CuPy or a GPU is missing."""
    status = cupy_status()
    if status != "ok":
        raise DeviceError(f"device 'cuda' is not available: {status}")
    return CupyBackend()


class _CupyRng:
    """NumPy-Generator-shaped methods over one seeded ``cupy.random.RandomState``, drawing on
    its own device whichever device is current."""

    def __init__(self, cupy: Any, seed: int | None, index: int = 0) -> None:
        self._rs = cupy.random.RandomState(seed)
        self._device = cupy.cuda.Device(index)

    def random(self, size: Any = None) -> Any:
        with self._device:
            return self._rs.random_sample(size, dtype="float64")

    def standard_normal(self, size: Any = None) -> Any:
        with self._device:
            return self._rs.standard_normal(size, dtype="float64")

    def integers(self, low: int, high: int | None = None, size: Any = None) -> Any:
        with self._device:
            return self._rs.randint(low, high, size=size, dtype="int64")

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None) -> Any:
        with self._device:
            return self._rs.uniform(low, high, size, dtype="float64")

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None) -> Any:
        with self._device:
            return self._rs.normal(loc, scale, size, dtype="float64")

    def permutation(self, n: int) -> Any:
        with self._device:
            return self._rs.permutation(n)


_IM2COL_SRC = """
ptrdiff_t t = i;
const int ow = t % OW; t /= OW;
const int oh = t % OH; t /= OH;
const int kj = t % kW; t /= kW;
const int ki = t % kH; t /= kH;
const int c = t % C;
const ptrdiff_t n = t / C;
const int h = oh * sH + ki * dH - top;
const int w = ow * sW + kj * dW - left;
col = (h >= 0 && h < H && w >= 0 && w < W) ? x[((n * C + c) * H + h) * W + w] : (T)0;
"""

# gather-style fold: each output pixel sums the columns that read it (no atomics)
_COL2IM_SRC = """
ptrdiff_t t = i;
const int w = t % W; t /= W;
const int h = t % H; t /= H;
const int c = t % C;
const ptrdiff_t n = t / C;
T acc = 0;
for (int ki = 0; ki < kH; ++ki) {
    const int hp = h + top - ki * dH;
    if (hp < 0 || hp % sH != 0) continue;
    const int oh = hp / sH;
    if (oh >= OH) continue;
    for (int kj = 0; kj < kW; ++kj) {
        const int wp = w + left - kj * dW;
        if (wp < 0 || wp % sW != 0) continue;
        const int ow = wp / sW;
        if (ow >= OW) continue;
        acc += cols[((((n * C + c) * kH + ki) * kW + kj) * OH + oh) * OW + ow];
    }
}
x = acc;
"""

_GEOMETRY = ("int32 C, int32 H, int32 W, int32 kH, int32 kW, int32 OH, int32 OW, int32 sH, "
             "int32 sW, int32 top, int32 left, int32 dH, int32 dW")


class CupyBackend(Backend):
    """GPU arrays through CuPy; cuBLAS serves the GEMMs through ``xp.matmul``."""

    name = "cupy"
    enters_device = True
    cheap_host_reads = False  # a read waits for the queued kernels: none in training steps

    def __init__(self) -> None:
        import cupy
        import cupyx

        self.xp = cupy
        self._cupyx = cupyx
        self.array_type = cupy.ndarray
        self.oom_error = cupy.cuda.memory.OutOfMemoryError
        self._rngs: dict[int, _CupyRng] = {}
        self._seed: int | None = None
        self._im2col = cupy.ElementwiseKernel(
            f"raw T x, {_GEOMETRY}", "T col", _IM2COL_SRC, "minigrad_im2col")
        self._col2im = cupy.ElementwiseKernel(
            f"raw T cols, {_GEOMETRY}", "T x", _COL2IM_SRC, "minigrad_col2im")

    def device_of(self, array: Any) -> Device:
        return Device("cuda", int(array.device.id))

    def asarray(self, data: Any, dtype: Any = None, device: Device | None = None) -> Any:
        index = 0 if device is None or device.index is None else device.index
        with self.xp.cuda.Device(index):
            if isinstance(data, self.array_type) and data.device.id != index:
                data = data.copy()  # cupy.asarray keeps an array on its own device: copy it
            return self.xp.asarray(data, dtype=dtype)

    def out_of_memory(self, op: str, error: BaseException, device: Any) -> Exception:
        """An :class:`OutOfMemoryError` naming the op, the device, the bytes asked for and
        what CuPy's memory pool holds (in use and cached)."""
        asked = re.search(r"allocating ([\d,]+) bytes", str(error))
        size = f"{int(asked.group(1).replace(',', '')) / 2**20:,.1f} MiB" if asked else "memory"
        pool = self.xp.get_default_memory_pool()
        used, total = pool.used_bytes() / 2**20, pool.total_bytes() / 2**20
        return OutOfMemoryError(
            f"{op}: CUDA out of memory on {self.device_of(device)}: tried to allocate {size}; "
            f"the memory pool holds {used:,.1f} MiB in live arrays and "
            f"{total - used:,.1f} MiB cached (mg.cuda.empty_cache() frees the cache) "
            f"[{error}]")

    def device_context(self, array: Any) -> Any:
        return array.device  # a cupy.cuda.Device: entering it makes it current

    def on_device(self, device: Device) -> Any:
        return self.xp.cuda.Device(device.index or 0)

    def use_device(self, handle: Any) -> None:
        handle.use()

    def use_device_of(self, array: Any) -> None:
        array.device.use()

    def device_scope(self) -> Any:
        return self.xp.cuda.Device()  # exiting restores the device current at entry

    def to_numpy(self, array: Any) -> Any:
        return self.xp.asnumpy(array)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        with target.device:
            self._cupyx.scatter_add(target, index, values)

    def im2col(
        self, x: Any, kernel_size: tuple[int, int], stride: tuple[int, int],
        padding: tuple[int, int, int, int], dilation: tuple[int, int],
    ) -> Any:
        """See :meth:`Backend.im2col`; one thread per column element."""
        x = self.xp.ascontiguousarray(x)
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
        top, bottom, left, right = padding
        oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
        ow = (w + left + right - dw * (kw - 1) - 1) // sw + 1
        cols = self.xp.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
        self._im2col(x, c, h, w, kh, kw, oh, ow, sh, sw, top, left, dh, dw, cols)
        return cols

    def col2im(
        self, cols: Any, in_size: tuple[int, int], kernel_size: tuple[int, int],
        stride: tuple[int, int], padding: tuple[int, int, int, int], dilation: tuple[int, int],
    ) -> Any:
        """See :meth:`Backend.col2im`; one thread per image pixel, gathering its columns."""
        cols = self.xp.ascontiguousarray(cols)
        n, c, kh, kw, oh, ow = cols.shape
        (h, w), (sh, sw), (dh, dw) = in_size, stride, dilation
        top, _, left, _ = padding
        x = self.xp.empty((n, c, h, w), dtype=cols.dtype)
        self._col2im(cols, c, h, w, kh, kw, oh, ow, sh, sw, top, left, dh, dw, x)
        return x

    def rng(self, device: Device) -> _CupyRng:
        index = device.index or 0
        rng = self._rngs.get(index)
        if rng is None:
            with self.xp.cuda.Device(index):
                seed = None if self._seed is None else self._seed + index
                rng = self._rngs[index] = _CupyRng(self.xp, seed, index)
        return rng

    def seed(self, seed: int) -> None:
        self._seed = seed
        self._rngs.clear()
