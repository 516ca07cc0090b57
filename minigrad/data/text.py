"""Character-level text corpora: the installed standard library's docstrings, or any text.

:func:`stdlib_docstrings` reads every ``.py`` file of the standard library's folder with
:mod:`ast` (nothing is imported), in sorted path order, and joins the docstrings of modules,
classes and functions: the same text on every machine with the same Python version, without a
download. :class:`CharCorpus` turns a text into a character vocabulary and a fixed train /
validation split (the last 10 %); :func:`batch_offsets` draws the random block starts of one
training step from ``(seed, step)`` alone, so a resumed run sees the same batches.

>>> corpus = CharCorpus("hello world, hello minigrad\\n" * 4)
>>> corpus.vocab_size, corpus.decode(corpus.encode("hello"))
(15, 'hello')
>>> x, y = corpus.batch("train", block_size=8, batch_size=2, seed=0, step=0)
>>> x.shape, y.shape, bool((x[:, 1:] == y[:, :-1]).all())
(Size([2, 8]), Size([2, 8]), True)
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import sys
import sysconfig
import warnings
from typing import Any

import numpy as np

from minigrad import creation, dtypes
from minigrad.tensor import Tensor

__all__ = ["SKIPPED_DIRS", "CharCorpus", "batch_offsets", "stdlib_docstrings",
           "stdlib_source_files"]

#: standard-library folders left out: tests, demos, the IDE, the 2to3 fixers, installed packages
SKIPPED_DIRS = frozenset({"site-packages", "dist-packages", "__pycache__", "test", "tests",
                          "idlelib", "lib2to3", "turtledemo"})
_DOC_NODES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def stdlib_source_files(root: str | None = None) -> list[str]:
    """The standard library's ``.py`` files (paths relative to ``root``, ``/``-separated,
    sorted), without the folders in :data:`SKIPPED_DIRS`.

    ``root`` defaults to ``sysconfig.get_paths()["stdlib"]``.

    >>> files = stdlib_source_files()
    >>> "json/decoder.py" in files, files == sorted(files)
    (True, True)
    """
    root = root or sysconfig.get_paths()["stdlib"]
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        rel = os.path.relpath(folder, root)
        for name in names:
            if name.endswith(".py"):
                path = name if rel == "." else os.path.join(rel, name)
                found.append(path.replace(os.sep, "/"))
    return sorted(found)


def _docstrings(source: bytes) -> list[str]:
    with warnings.catch_warnings():  # old escape sequences in some files
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return []
    docs = (ast.get_docstring(node) for node in ast.walk(tree) if isinstance(node, _DOC_NODES))
    return [d for d in docs if d]


@functools.lru_cache(maxsize=4)
def _gather(root: str, files: tuple[str, ...]) -> str:
    parts: list[str] = []
    for rel in files:
        with open(os.path.join(root, rel), "rb") as f:
            parts.extend(_docstrings(f.read()))
    return "\n\n".join(parts) + "\n"


def stdlib_docstrings(root: str | None = None, files: list[str] | None = None) -> str:
    """The docstrings of the standard library, joined by blank lines (cached per process).

    Files are read in the order of :func:`stdlib_source_files` (or ``files``, relative to
    ``root``); within a file, :func:`ast.walk` order (module, then classes and functions
    breadth first). The text depends only on the Python version's standard library.

    >>> text = stdlib_docstrings(files=["json/__init__.py"])
    >>> text.startswith("JSON (JavaScript Object Notation)")
    True
    """
    root = root or sysconfig.get_paths()["stdlib"]
    chosen = stdlib_source_files(root) if files is None else list(files)
    return _gather(root, tuple(chosen))


def batch_offsets(n: int, block_size: int, batch_size: int, seed: int, step: int) -> np.ndarray:
    """Start positions of ``batch_size`` random blocks in a text of ``n`` tokens for training
    step ``step``: NumPy's ``default_rng([seed, step])``, so any framework (and a resumed run)
    draws the same batches.

    >>> batch_offsets(100, 8, 3, seed=0, step=5).tolist() == batch_offsets(100, 8, 3, 0, 5).tolist()
    True
    """
    high = n - block_size - 1
    if high < 1:
        raise ValueError(f"batch_offsets: a text of {n} tokens is too short for blocks of "
                         f"{block_size} (+1 target)")
    return np.random.default_rng([int(seed), int(step)]).integers(0, high, size=batch_size)


class CharCorpus:
    """A text as character ids: vocabulary (the sorted distinct characters), the whole text
    encoded, and a fixed split (the first ``1 - val_fraction`` for training, the rest for
    validation).

    Attributes: ``text``, ``chars``, ``vocab_size``, ``train`` and ``val`` (int64 NumPy
    arrays), ``sha256`` (of the UTF-8 text).

    >>> c = CharCorpus("abcabcabcd", val_fraction=0.2)
    >>> c.chars, len(c.train), len(c.val)
    ('abcd', 8, 2)
    """

    def __init__(self, text: str, val_fraction: float = 0.1, chars: str | None = None) -> None:
        if not 0.0 <= val_fraction < 1.0:
            raise ValueError(f"CharCorpus: `val_fraction` must be in [0, 1), got {val_fraction}")
        if not text:
            raise ValueError("CharCorpus: the text is empty")
        self.text = text
        self.chars = chars if chars is not None else "".join(sorted(set(text)))
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}
        data = self.encode_array(text)
        split = len(data) - round(len(data) * val_fraction)
        self.train, self.val = data[:split], data[split:]
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def vocab_size(self) -> int:
        """Number of distinct characters."""
        return len(self.chars)

    def encode_array(self, text: str) -> np.ndarray:
        """Character ids of ``text`` as an int64 NumPy array."""
        unknown = set(text) - self.stoi.keys()
        if unknown:
            raise ValueError(f"CharCorpus.encode: characters not in the vocabulary: "
                             f"{''.join(sorted(unknown))!r}")
        table = {ord(ch): i for ch, i in self.stoi.items()}
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        lookup = np.zeros(max(table) + 1, dtype=np.int64)
        lookup[list(table)] = list(table.values())
        return lookup[codes]

    def encode(self, text: str) -> list[int]:
        """Character ids of ``text``."""
        return self.encode_array(text).tolist()

    def decode(self, ids: Any) -> str:
        """The text of a sequence of character ids."""
        return "".join(self.chars[int(i)] for i in ids)

    def split(self, name: str) -> np.ndarray:
        """The ``"train"`` or ``"val"`` ids."""
        if name not in ("train", "val"):
            raise ValueError(f"CharCorpus: split must be 'train' or 'val', got {name!r}")
        return self.train if name == "train" else self.val

    def batch(self, split: str, block_size: int, batch_size: int, seed: int, step: int,
              device: Any = None) -> tuple[Tensor, Tensor]:
        """Inputs and next-character targets, ``(batch_size, block_size)`` int64 each, of
        the random blocks of :func:`batch_offsets`."""
        return self.blocks(split, batch_offsets(len(self.split(split)), block_size, batch_size,
                                                seed, step), block_size, device)

    def blocks(self, split: str, offsets: Any, block_size: int,
               device: Any = None) -> tuple[Tensor, Tensor]:
        """Inputs and targets of the blocks starting at ``offsets``."""
        data = self.split(split)
        idx = np.asarray(offsets)[:, None] + np.arange(block_size + 1)
        rows = data[idx]
        x = creation.tensor(rows[:, :-1], dtype=dtypes.int64, device=device)
        y = creation.tensor(rows[:, 1:], dtype=dtypes.int64, device=device)
        return x, y

    def info(self) -> dict[str, Any]:
        """What identifies the corpus in metrics: sizes, vocabulary, hash, Python version."""
        return {"chars": len(self.text), "vocab_size": self.vocab_size,
                "train_tokens": len(self.train), "val_tokens": len(self.val),
                "sha256": self.sha256, "python": sys.version.split()[0]}
