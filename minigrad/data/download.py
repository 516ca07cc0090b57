"""Fetching dataset files: try each mirror, verify the md5, move into place atomically.

Nothing here runs unless a dataset is created with ``download=True``. URLs go through
``urllib``, so a ``file://`` mirror works too (that is how the tests exercise this code
offline).

>>> import hashlib, pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "f.bin"
>>> _ = p.write_bytes(b"minigrad")
>>> check_md5(p, hashlib.md5(b"minigrad").hexdigest())
True
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence

__all__ = ["DownloadError", "check_md5", "download_file", "file_md5"]


class DownloadError(RuntimeError):
    """No mirror delivered a file with the expected checksum."""


def file_md5(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """The hex md5 digest of a file, read in chunks.

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "empty"; p.touch()
    >>> file_md5(p)
    'd41d8cd98f00b204e9800998ecf8427e'
    """
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            h.update(block)
    return h.hexdigest()


def check_md5(path: str | os.PathLike[str], md5: str | None) -> bool:
    """True when ``path`` exists and its md5 is ``md5`` (any existing file if ``md5`` is None).

    >>> check_md5("/nonexistent/file", None)
    False
    """
    if not os.path.isfile(path):
        return False
    return md5 is None or file_md5(path) == md5.lower()


def download_file(
    filename: str,
    directory: str | os.PathLike[str],
    mirrors: Sequence[str],
    md5: str | None,
    timeout: float = 60.0,
) -> str:
    """Fetch ``filename`` into ``directory`` from the first mirror that gives the right md5.

    A file already present with the right checksum is kept. Each download goes to a
    temporary file in ``directory`` that is renamed into place only after its md5 matched, so
    an interrupted or corrupted download never leaves a half-written file under the real
    name. Raises :class:`DownloadError` listing every mirror's failure.

    >>> import pathlib, tempfile
    >>> src = pathlib.Path(tempfile.mkdtemp()); dst = tempfile.mkdtemp()
    >>> _ = (src / "a.txt").write_bytes(b"hi")
    >>> path = download_file("a.txt", dst, [src.as_uri() + "/"], file_md5(src / "a.txt"))
    >>> pathlib.Path(path).read_bytes()
    b'hi'
    """
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, filename)
    if check_md5(target, md5):
        return target
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=directory)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as r:
                for block in iter(lambda r=r: r.read(1 << 20), b""):
                    out.write(block)
            got = file_md5(tmp)
            if md5 is not None and got != md5.lower():
                failures.append(f"{url}: md5 {got} != expected {md5}")
                continue
            os.replace(tmp, target)
            return target
        except (urllib.error.URLError, OSError, ValueError) as e:
            failures.append(f"{url}: {e}")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise DownloadError(
        f"download: could not fetch {filename} into {directory}:\n  " + "\n  ".join(failures)
    )
