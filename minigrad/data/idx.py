"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a big-endian header (two zero bytes, a type code, the number of dimensions,
then one uint32 per dimension) followed by the raw array. MNIST images are ``0x00000803``
(= 2051: unsigned bytes, 3 dims), labels ``0x00000801`` (= 2049, 1 dim). Files may be gzipped
(by name: ``*.gz``).

>>> import numpy as np, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "x-idx3-ubyte.gz")
>>> write_idx(path, np.arange(24, dtype=np.uint8).reshape(2, 3, 4))
>>> read_idx(path, expected_magic=2051).shape
(2, 3, 4)
"""

from __future__ import annotations

import gzip
import os
import struct
from typing import Any

import numpy as np

__all__ = ["IDXError", "read_idx", "write_idx"]

_DTYPES = {
    0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_CODES = {v.newbyteorder(">") if v.itemsize > 1 else v: k for k, v in _DTYPES.items()}


class IDXError(ValueError):
    """A file is not a valid IDX file (bad magic number, truncated, wrong length)."""


def _open(path: str | os.PathLike[str]) -> Any:
    return gzip.open(path, "rb") if os.fspath(path).endswith(".gz") else open(path, "rb")


def read_idx(path: str | os.PathLike[str], expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file (gzipped when its name ends in ``.gz``) into a native-endian array.

    Checks the magic number (against ``expected_magic`` when given), that the payload length
    equals the product of the dimensions, and that the file is not truncated or padded; raises
    :class:`IDXError` naming the file otherwise.

    >>> import numpy as np, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "y-idx1-ubyte")
    >>> write_idx(p, np.array([3, 1, 4], dtype=np.uint8))
    >>> read_idx(p, expected_magic=2049).tolist()
    [3, 1, 4]
    """
    name = os.fspath(path)
    try:
        with _open(path) as f:
            raw = f.read()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise IDXError(f"read_idx: cannot read {name}: {e}") from e
    if len(raw) < 4:
        raise IDXError(f"read_idx: {name} is truncated ({len(raw)} bytes, no IDX header)")
    magic = struct.unpack(">I", raw[:4])[0]
    if expected_magic is not None and magic != expected_magic:
        raise IDXError(
            f"read_idx: {name} has magic number {magic}, expected {expected_magic}; it is not "
            "the IDX file it is named as (or it is corrupted)"
        )
    zero, code, ndim = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zero != 0 or code not in _DTYPES or ndim == 0:
        raise IDXError(f"read_idx: {name} has magic number {magic:#010x}, not an IDX header")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"read_idx: {name} is truncated inside its header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _DTYPES[code]
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "longer than its header says"
        raise IDXError(
            f"read_idx: {name} is {what}: header says shape {tuple(shape)} ({expected} bytes), "
            f"file has {len(raw)} bytes"
        )
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write ``array`` as an IDX file (gzipped when the name ends in ``.gz``).

    >>> import numpy as np, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "z.idx")
    >>> write_idx(p, np.zeros((2, 2), dtype=np.float32)); os.path.getsize(p)
    28
    """
    arr = np.asarray(array)
    big = arr.dtype.newbyteorder(">") if arr.dtype.itemsize > 1 else arr.dtype
    if big not in _CODES:
        raise TypeError(f"write_idx: IDX cannot store dtype {arr.dtype}")
    header = struct.pack(">I", (_CODES[big] << 8) | arr.ndim)
    header += struct.pack(f">{arr.ndim}I", *arr.shape)
    payload = header + arr.astype(big, copy=False).tobytes()
    name = os.fspath(path)
    if name.endswith(".gz"):
        with gzip.open(name, "wb") as f:
            f.write(payload)
    else:
        with open(name, "wb") as f:
            f.write(payload)
