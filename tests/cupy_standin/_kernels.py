"""``cupy.ElementwiseKernel`` and ``cupy.RawKernel`` with their C bodies compiled by the host C
compiler (gcc, through ctypes) for float, double and half (``_Float16``).

Arguments are bound from the kernel's own signature string, as CuPy binds them: a type
placeholder (``T``) takes the dtype of the first array given for it, concrete types
(``int32``) cast the scalar passed. An ElementwiseKernel loops ``i`` over the size of its
non-raw arguments; ``raw`` arrays are C pointers indexed by a flat index. A RawKernel runs
every thread of its grid in turn (kernels that need ``__syncthreads`` or ``__shared__``
memory cannot run sequentially and are refused).
"""

from __future__ import annotations

import ctypes
import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ._array import ndarray, wrap
from ._state import COUNTERS, check_device

__all__ = ["ElementwiseKernel", "RawKernel"]

_C_TYPES = {
    "float16": "_Float16", "float32": "float", "float64": "double", "int8": "int8_t",
    "int16": "int16_t", "int32": "int32_t", "int64": "int64_t", "uint8": "uint8_t",
    "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t", "bool": "bool",
}
_CTYPES = {
    "float32": ctypes.c_float, "float64": ctypes.c_double, "int8": ctypes.c_int8,
    "int16": ctypes.c_int16, "int32": ctypes.c_int32, "int64": ctypes.c_int64,
    "uint8": ctypes.c_uint8, "uint16": ctypes.c_uint16, "uint32": ctypes.c_uint32,
    "uint64": ctypes.c_uint64, "bool": ctypes.c_bool,
}
_HEADER = "#include <stddef.h>\n#include <stdint.h>\n#include <stdbool.h>\n#include <math.h>\n"
_CUDA_HEADER = ("#include <cuda_fp16.h>\ntypedef int int32_t;\n"
                "typedef long long int64_t;\n")
_DIR: list[Path] = []
_LIBS: dict[str, ctypes.CDLL] = {}


def compiler() -> str | None:
    """The C compiler the stand-in uses (None when the machine has none)."""
    return shutil.which("gcc") or shutil.which("cc")


def _compile(source: str, cxx: bool = False) -> ctypes.CDLL:
    key = hashlib.sha1(source.encode()).hexdigest()
    lib = _LIBS.get(key)
    if lib is None:
        cc = (shutil.which("g++") or shutil.which("c++")) if cxx else compiler()
        if cc is None:
            raise RuntimeError("cupy stand-in: no C compiler to build kernel bodies")
        if not _DIR:
            _DIR.append(Path(tempfile.mkdtemp(prefix="cupy_standin_")))
        src = _DIR[0] / f"{key}.{'cpp' if cxx else 'c'}"
        src.write_text(source)
        so = _DIR[0] / f"{key}.so"
        done = subprocess.run([cc, "-O1", "-shared", "-fPIC", "-o", str(so), str(src)],
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"cupy stand-in: the kernel does not compile:\n{done.stderr}")
        lib = _LIBS[key] = ctypes.CDLL(str(so))
        COUNTERS.kernels_compiled += 1
    return lib


def _parse(params: str) -> list[tuple[bool, str, str]]:
    """``"raw T x, int32 n"`` -> ``[(True, "T", "x"), (False, "int32", "n")]``."""
    out = []
    for part in filter(None, (p.strip() for p in params.split(","))):
        words = part.split()
        raw = words[0] == "raw"
        words = [w for w in words if w not in ("raw", "const")]
        if len(words) != 2:
            raise ValueError(f"cupy stand-in: cannot parse kernel parameter {part!r}")
        out.append((raw, words[0], words[1]))
    return out


class ElementwiseKernel:
    """``cupy.ElementwiseKernel(in_params, out_params, operation, name)``."""

    def __init__(self, in_params: str, out_params: str, operation: str,
                 name: str = "kernel", reduce_dims: bool = True, preamble: str = "",
                 no_return: bool = False, return_tuple: bool = False, **kwargs: Any) -> None:
        self.in_params, self.out_params = _parse(in_params), _parse(out_params)
        self.operation, self.name, self.preamble = operation, name, preamble
        self.no_return, self.return_tuple = no_return, return_tuple

    def __call__(self, *args: Any, size: int | None = None, **kwargs: Any) -> Any:
        params = self.in_params + self.out_params
        n_in = len(self.in_params)
        if len(args) not in (n_in, len(params)):
            raise TypeError(f"Wrong number of arguments for {self.name!r}: expected {n_in} or "
                            f"{len(params)}, got {len(args)}")
        types = self._bind(args, params)
        loop = [a.shape for a, (raw, _, _) in zip(args, params, strict=False)
                if type(a) is ndarray and not raw]
        shape = np.broadcast_shapes(*loop) if loop else None
        n = int(np.prod(shape)) if size is None else int(size)
        if shape is None and size is None:
            raise ValueError("Loop size is undecided")
        if len(args) == n_in:  # allocate the outputs
            args = args + tuple(wrap(np.empty(shape, dtype=types[t])) for _, t, _ in
                                self.out_params)
        lib = _compile(self._source(types))
        call, copies = [], []
        for i, (a, (raw, t, name)) in enumerate(zip(args, params, strict=True)):
            dt = np.dtype(types.get(t, t))
            if type(a) is ndarray:
                check_device(a._dev, f"ElementwiseKernel {self.name}")
                data = a._a if raw else np.broadcast_to(a._a, shape)
                buf = np.ascontiguousarray(data, dtype=dt)
                if i >= n_in and buf is not a._a:
                    copies.append((a, buf))
                call.append(ctypes.c_void_p(buf.ctypes.data))
                call.append(buf)  # keep alive; dropped below
            elif isinstance(a, np.ndarray):
                raise TypeError(f"Unsupported type {type(a)}")
            else:
                if dt.name not in _CTYPES:
                    raise TypeError(f"cupy stand-in: scalar of type {dt} for {name!r}")
                call.append(_CTYPES[dt.name](a))
        COUNTERS.kernel_launches += 1
        getattr(lib, self.name)(*[c for c in call if not isinstance(c, np.ndarray)],
                                ctypes.c_ssize_t(n))
        for a, buf in copies:
            a._a[...] = buf
        outs = args[n_in:]
        if self.no_return:
            return None
        return outs[0] if len(outs) == 1 and not self.return_tuple else tuple(outs)

    def _bind(self, args: tuple[Any, ...], params: list[tuple[bool, str, str]]) -> dict[str, Any]:
        types: dict[str, Any] = {}
        for a, (_, t, name) in zip(args, params, strict=False):
            if t in _C_TYPES or type(a) is not ndarray:
                continue
            if t in types and types[t] != a.dtype:
                raise TypeError(f"Type is mismatched. {name!r} {a.dtype} {types[t]}")
            types[t] = a.dtype
        for _, t, name in params:
            if t not in _C_TYPES and t not in types:
                raise TypeError(f"cupy stand-in: the type {t!r} of {name!r} is not bound")
            if np.dtype(types.get(t, t)).name not in _C_TYPES:
                raise TypeError(f"cupy stand-in: dtype {types.get(t, t)} has no C type")
        return types

    def cuda_source(self, types: dict[str, Any]) -> str:
        """The kernel as CUDA C++ for NVRTC, bound as :meth:`__call__` binds it (``types``:
        placeholder -> dtype), one thread per element ``i``."""
        return self._source(types, cuda=True)

    def _source(self, types: dict[str, Any], cuda: bool = False) -> str:
        ctypes_ = {**_C_TYPES, "float16": "__half"} if cuda else _C_TYPES
        typedefs = "".join(f"typedef {ctypes_[np.dtype(d).name]} {t};\n"
                           for t, d in types.items())
        args, defines, undefs = [], [], []
        for k, (raw, t, name) in enumerate(self.in_params + self.out_params):
            ctype = t if t in types else _C_TYPES[t]
            const = "const " if k < len(self.in_params) else ""
            if raw:
                args.append(f"{const}{ctype}* {name}")
            elif t in types or k >= len(self.in_params):
                args.append(f"{const}{ctype}* {name}_")
                defines.append(f"#define {name} ({name}_[i])")
                undefs.append(f"#undef {name}")
            else:
                args.append(f"{ctype} {name}")
        if cuda:
            return (f"{_CUDA_HEADER}{typedefs}{self.preamble}\n"
                    f"extern \"C\" __global__ void {self.name}({', '.join(args)}, "
                    f"ptrdiff_t _n) {{\nconst ptrdiff_t i = (ptrdiff_t)blockIdx.x * blockDim.x"
                    f" + threadIdx.x;\nif (i < _n) {{\n" + "\n".join(defines) +
                    f"\n{{\n{self.operation}\n}}\n" + "\n".join(undefs) + "\n}\n}\n")
        return (f"{_HEADER}{typedefs}{self.preamble}\n"
                f"void {self.name}({', '.join(args)}, ptrdiff_t _n) {{\n"
                f"for (ptrdiff_t i = 0; i < _n; ++i) {{\n" + "\n".join(defines) +
                f"\n{{\n{self.operation}\n}}\n" + "\n".join(undefs) + "\n}\n}\n")


_RAW_PRELUDE = """#include <cstddef>
#include <cstdint>
#include <cmath>
struct _mg_dim3 { unsigned int x, y, z; };
static _mg_dim3 threadIdx, blockIdx, blockDim, gridDim;
typedef _Float16 half;
#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__
"""
_RAW_CTYPES = {
    "float": ctypes.c_float, "double": ctypes.c_double, "int": ctypes.c_int,
    "unsigned int": ctypes.c_uint, "long long": ctypes.c_longlong, "size_t": ctypes.c_size_t,
    "ptrdiff_t": ctypes.c_ssize_t, "bool": ctypes.c_bool, "long": ctypes.c_long,
    "int32_t": ctypes.c_int32, "int64_t": ctypes.c_int64, "unsigned long long":
    ctypes.c_ulonglong,
}


class RawKernel:
    """``cupy.RawKernel(code, name)``, launched as ``kernel(grid, block, args)``."""

    def __init__(self, code: str, name: str, options: tuple[str, ...] = (),
                 backend: str = "nvrtc", **kwargs: Any) -> None:
        if "__syncthreads" in code or "__shared__" in code:
            raise NotImplementedError("cupy stand-in: a RawKernel with __syncthreads or "
                                      "__shared__ memory cannot run one thread at a time")
        found = re.search(r'extern\s+"C"\s+__global__\s+void\s+' + re.escape(name)
                          + r"\s*\(([^)]*)\)", code)
        if found is None:
            raise ValueError(f"cupy stand-in: no extern \"C\" __global__ void {name}(...) in "
                             "the code")
        self.code, self.name = code, name
        self.params = []
        for part in filter(None, (p.strip() for p in found.group(1).split(","))):
            ctype = part.rsplit(None, 1)[0] if "*" not in part else "*"
            ctype = " ".join(w for w in ctype.split() if w not in ("const", "__restrict__"))
            self.params.append(ctype)

    def __call__(self, grid: Any, block: Any, args: tuple[Any, ...],
                 shared_mem: int = 0, **kwargs: Any) -> None:
        if len(args) != len(self.params):
            raise TypeError(f"{self.name}: expected {len(self.params)} arguments, got "
                            f"{len(args)}")
        decl = ", ".join(f"{'void*' if p == '*' else p} a{i}"
                         for i, p in enumerate(self.params))
        casts = ", ".join(f"({self._ptr_type(i)})a{i}" if p == "*" else f"a{i}"
                          for i, p in enumerate(self.params))
        source = (_RAW_PRELUDE + self.code + f"""
extern "C" void _mg_launch(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                           unsigned bz{', ' if decl else ''}{decl}) {{
  gridDim = {{gx, gy, gz}}; blockDim = {{bx, by, bz}};
  for (unsigned z = 0; z < gz; ++z) for (unsigned y = 0; y < gy; ++y)
  for (unsigned x = 0; x < gx; ++x) {{
    blockIdx = {{x, y, z}};
    for (unsigned tz = 0; tz < bz; ++tz) for (unsigned ty = 0; ty < by; ++ty)
    for (unsigned tx = 0; tx < bx; ++tx) {{
      threadIdx = {{tx, ty, tz}};
      {self.name}({casts});
    }}
  }}
}}
""")
        lib = _compile(source, cxx=True)
        g = ((*tuple(grid), 1, 1))[:3] if isinstance(grid, tuple) else (grid, 1, 1)
        b = ((*tuple(block), 1, 1))[:3] if isinstance(block, tuple) else (block, 1, 1)
        call: list[Any] = [ctypes.c_uint(int(v)) for v in (*g, *b)]
        for a, p in zip(args, self.params, strict=True):
            if p == "*":
                if type(a) is not ndarray:
                    raise TypeError(f"Unsupported type {type(a)} for a pointer argument")
                check_device(a._dev, f"RawKernel {self.name}")
                call.append(ctypes.c_void_p(a._a.ctypes.data))
            elif type(a) is ndarray or isinstance(a, np.ndarray):
                raise TypeError(f"Unsupported type {type(a)} for a {p} argument")
            else:
                call.append(_RAW_CTYPES[p](a))
        COUNTERS.kernel_launches += 1
        lib._mg_launch(*call)

    def _ptr_type(self, i: int) -> str:
        found = re.search(r'extern\s+"C"\s+__global__\s+void\s+' + re.escape(self.name)
                          + r"\s*\(([^)]*)\)", self.code)
        part = found.group(1).split(",")[i].strip() if found else "void*"
        return part.rsplit("*", 1)[0].strip() + "*"

