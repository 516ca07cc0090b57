"""How much of the PyTorch API that real programs use does minigrad provide?

Reads ``pytorch-api-usage.tsv`` (namespace, name, files, share: how many files of a corpus of
real PyTorch code use each name), looks every name up in minigrad, and prints the coverage of
the 200 most used names, by count and weighted by files, then the names that are absent.

A name counts only when the object really exists: it is looked up attribute by attribute
(``torch`` -> ``minigrad``, ``Tensor`` -> ``minigrad.Tensor``, ``nn`` -> ``minigrad.nn``, ``F`` ->
``minigrad.nn.functional``, ``optim``, ``lr_scheduler``, ``data``, ``autograd``, ``init`` ->
``minigrad.nn.init``, ``utils`` -> ``minigrad.nn.utils``); ``Module.X``, ``Optimizer.X``,
``LRScheduler.X`` are attributes of those classes, or of a small instance of them when ``X`` is
set in ``__init__`` (``Optimizer.param_groups``). Submodules not imported yet are imported.

Usage::

    python bench/api_coverage.py [TSV or its folder] [--top 200] [--absent-only]

The TSV is found in ``$MINIGRAD_SHARED`` or else in ``<repo>/../shared``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

TSV_NAME = "pytorch-api-usage.tsv"

#: TSV namespace -> the minigrad module it maps to
NAMESPACES = {
    "torch": "minigrad",
    "Tensor": "minigrad",  # names are looked up under "Tensor." below
    "nn": "minigrad.nn",
    "F": "minigrad.nn.functional",
    "optim": "minigrad.optim",
    "lr_scheduler": "minigrad.optim.lr_scheduler",
    "data": "minigrad.data",
    "autograd": "minigrad.autograd",
    "init": "minigrad.nn.init",
    "utils": "minigrad.nn.utils",
}


@dataclass(frozen=True)
class Usage:
    """One row of the TSV."""

    namespace: str
    name: str
    files: int

    @property
    def qualname(self) -> str:
        """``namespace.name`` as written in docs/pytorch-compat.md (``Tensor.view``)."""
        return f"{self.namespace}.{self.name}"


def default_tsv() -> Path:
    """``$MINIGRAD_SHARED/pytorch-api-usage.tsv``, else ``<repo>/../shared/...``."""
    shared = os.environ.get("MINIGRAD_SHARED")
    folder = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    return folder / TSV_NAME


def load_usage(path: Path) -> list[Usage]:
    """The TSV's rows, most used first (comment lines start with '#')."""
    if path.is_dir():
        path = path / TSV_NAME
    rows = []
    header_seen = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if not header_seen and cols[0] == "namespace":
            header_seen = True
            continue
        rows.append(Usage(cols[0], cols[1], int(cols[2])))
    rows.sort(key=lambda u: -u.files)
    return rows


def _instances() -> dict[Any, Callable[[], Any]]:
    """Small instances of the classes whose attributes may be set in ``__init__``."""
    import minigrad as mg
    from minigrad import nn, optim

    def optimizer() -> Any:
        return optim.SGD([nn.Parameter(mg.zeros(1))], lr=0.1)

    def scheduler() -> Any:
        return optim.lr_scheduler.StepLR(optimizer(), step_size=1)

    out: dict[Any, Callable[[], Any]] = {
        mg.Tensor: lambda: mg.ones(1, requires_grad=True) * 1,
        nn.Module: nn.Module,
        optim.Optimizer: optimizer,
    }
    base = getattr(optim.lr_scheduler, "LRScheduler", None)
    if base is not None:
        out[base] = scheduler
    return out


_MISSING = object()


def _attr(obj: Any, part: str, instances: dict[Any, Callable[[], Any]]) -> Any:
    try:
        return getattr(obj, part)
    except AttributeError:
        pass
    except Exception:  # a property that fails on the class itself
        return _MISSING
    if hasattr(obj, "__path__"):  # a package: the submodule may not be imported yet
        try:
            return importlib.import_module(f"{obj.__name__}.{part}")
        except ImportError:
            return _MISSING
    make = instances.get(obj) if isinstance(obj, type) else None
    if make is not None:
        try:
            return getattr(make(), part)
        except AttributeError:
            return _MISSING
    return _MISSING


def resolve(usage: Usage, instances: dict[Any, Callable[[], Any]] | None = None) -> Any:
    """The minigrad object standing for ``usage``, or None when minigrad has none."""
    instances = _instances() if instances is None else instances
    if usage.namespace not in NAMESPACES:
        return None
    try:
        obj: Any = importlib.import_module(NAMESPACES[usage.namespace])
    except ImportError:
        return None
    parts = usage.name.split(".")
    if usage.namespace == "Tensor":
        parts = ["Tensor", *parts]
    for part in parts:
        obj = _attr(obj, part, instances)
        if obj is _MISSING:
            return None
    return obj


@dataclass(frozen=True)
class Coverage:
    """Names present out of names asked for, by count and weighted by files."""

    present: int
    total: int
    files_present: int
    files_total: int

    def line(self, label: str) -> str:
        return (f"{label}: {self.present}/{self.total} names "
                f"({100 * self.present / max(self.total, 1):.1f}%), weighted by files "
                f"{100 * self.files_present / max(self.files_total, 1):.1f}%")


def coverage(rows: list[Usage], absent: set[Usage]) -> Coverage:
    have = [u for u in rows if u not in absent]
    return Coverage(len(have), len(rows), sum(u.files for u in have), sum(u.files for u in rows))


def absent_names(rows: list[Usage]) -> list[Usage]:
    """The rows minigrad has no object for, most used first."""
    instances = _instances()
    return [u for u in rows if resolve(u, instances) is None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tsv", nargs="?", type=Path, default=None,
                        help=f"{TSV_NAME} or its folder (default: $MINIGRAD_SHARED or ../shared)")
    parser.add_argument("--top", type=int, default=200, help="size of the headline set")
    parser.add_argument("--absent-only", action="store_true",
                        help="print only the absent names, one `namespace.name` a line")
    args = parser.parse_args(argv)
    path = args.tsv or default_tsv()
    if not (path / TSV_NAME if path.is_dir() else path).exists():
        print(f"api_coverage: no usage table at {path}", file=sys.stderr)
        return 2
    rows = load_usage(path)
    missing = absent_names(rows)
    if args.absent_only:
        for u in missing:
            print(u.qualname)
        return 0
    gone = set(missing)
    print(coverage(rows[: args.top], gone).line(f"top {min(args.top, len(rows))}"))
    print(coverage(rows, gone).line(f"all {len(rows)}"))
    print(f"\nabsent ({len(missing)}), most used first: files  name")
    for u in missing:
        print(f"  {u.files:5d}  {u.qualname}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
