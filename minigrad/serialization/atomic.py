"""Atomic file replacement, shared by :func:`minigrad.save` and the training loop's JSON files.

A file is written to a temporary ``.NAME.XXXX.tmp`` beside it and renamed into place, so a
reader sees the old file or the new one, never half of one. Two details that ``mkstemp`` leaves
out: the file gets the mode a plain ``open`` would give (``0666`` less the umask, so ``0644``
under umask 022; ``mkstemp`` makes ``0600``), and the temporary files a killed writer left
behind are removed by the next save or load of the same target once they are ``STALE_AFTER``
seconds old (a writer still at work touches its file more often than that).

>>> import os, tempfile
>>> d = tempfile.mkdtemp(); p = os.path.join(d, "x.txt")
>>> with atomic_replace(p, "w") as f:
...     _ = f.write("hi")
>>> with open(p) as f:
...     f.read(), os.stat(p).st_mode & 0o777 == file_mode()
('hi', True)
"""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import time
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["STALE_AFTER", "atomic_replace", "file_mode", "remove_stale_temps", "temp_prefix"]

#: seconds after which a leftover temporary file of a target counts as a killed writer's
STALE_AFTER = 60.0


def file_mode() -> int:
    """The mode ``open()`` gives a new file: ``0o666`` less the process's umask.

    >>> file_mode() & 0o600
    384
    """
    try:  # Linux shows the umask without changing it (os.umask would, for all threads)
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def temp_prefix(path: str) -> str:
    """The prefix of ``path``'s temporary files: ``.NAME.`` (they end in ``.tmp``).

    >>> temp_prefix("/runs/a/checkpoint.mg")
    '.checkpoint.mg.'
    """
    return f".{os.path.basename(path)}."


def remove_stale_temps(path: str, max_age: float = STALE_AFTER) -> list[str]:
    """Remove the temporary files of ``path`` older than ``max_age`` seconds; returns them.

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp(); t = os.path.join(d, ".m.json.abc.tmp")
    >>> with open(t, "w"):
    ...     pass
    >>> os.utime(t, (0, 0)); remove_stale_temps(os.path.join(d, "m.json")) == [t]
    True
    """
    directory = os.path.dirname(os.path.abspath(path))
    pattern = os.path.join(glob.escape(directory), glob.escape(temp_prefix(path)) + "*.tmp")
    now, removed = time.time(), []
    for tmp in glob.glob(pattern):
        with contextlib.suppress(OSError):  # gone already, or not ours to remove
            if now - os.stat(tmp).st_mtime > max_age:
                os.unlink(tmp)
                removed.append(tmp)
    return removed


@contextlib.contextmanager
def atomic_replace(path: str, mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on success it is flushed, synced,
    given the usual mode and renamed over ``path``; on any error (Ctrl-C too) it is removed
    and ``path`` is left as it was. Stale temporaries of ``path`` are cleaned up first."""
    directory = os.path.dirname(os.path.abspath(path))
    remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
