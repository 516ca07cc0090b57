"""bench/api_coverage.py: names resolve only to real objects, and docs/pytorch-compat.md's
"Not (yet) provided" table lists exactly the PyTorch names minigrad lacks (so it cannot go
stale). Skips where ../shared/pytorch-api-usage.tsv is absent."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "pytorch-compat.md"


def _load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("api_coverage", REPO / "bench" /
                                                  "api_coverage.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


cov = _load_bench()


@pytest.fixture(scope="module")
def rows() -> list[Any]:
    path = cov.default_tsv()
    if not path.exists():
        pytest.skip(f"no PyTorch usage table at {path}")
    return cov.load_usage(path)


def test_resolution_finds_real_objects_only() -> None:
    import minigrad as mg

    U = cov.Usage
    assert cov.resolve(U("torch", "no_such_name", 1)) is None
    assert cov.resolve(U("Tensor", "no_such_method", 1)) is None
    assert cov.resolve(U("torch", "cuda.no_such_name", 1)) is None
    assert cov.resolve(U("numpy", "zeros", 1)) is None  # unknown namespace
    assert cov.resolve(U("torch", "cuda.is_available", 1)) is mg.cuda.is_available
    assert cov.resolve(U("torch", "Tensor", 1)) is mg.Tensor
    assert cov.resolve(U("Tensor", "view", 1)) is mg.Tensor.view
    assert cov.resolve(U("nn", "Module.parameters", 1)) is mg.nn.Module.parameters
    assert cov.resolve(U("F", "relu", 1)) is mg.nn.functional.relu
    assert cov.resolve(U("data", "DataLoader", 1)) is mg.utils.data.DataLoader
    assert cov.resolve(U("torch", "backends.cudnn", 1)) is mg.backends.cudnn
    assert cov.resolve(U("optim", "Optimizer.param_groups", 1)) is not None  # set in __init__
    assert cov.resolve(U("Tensor", "grad", 1)) is not None  # a property


def test_coverage_figures_add_up(rows: list[Any]) -> None:
    absent = cov.absent_names(rows)
    c = cov.coverage(rows, set(absent))
    assert c.total == len(rows) and c.present == len(rows) - len(absent)
    assert c.files_total == sum(u.files for u in rows)
    assert "names" in c.line("all") and cov.main([str(cov.default_tsv())]) == 0


def _documented_absent() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"^## Not \(yet\) provided\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"{DOC} has no '## Not (yet) provided' section"
    rows = [line for line in match.group(1).splitlines() if line.startswith("| `")]
    return {name for line in rows for name in re.findall(r"`([^`]+)`", line.split(" | ")[0])}


def test_doc_lists_exactly_the_absent_names(rows: list[Any]) -> None:
    absent = {u.qualname for u in cov.absent_names(rows)}
    documented = _documented_absent()
    undocumented = sorted(absent - documented)
    assert not undocumented, (
        f"absent from minigrad but not in the 'Not (yet) provided' table of {DOC.name}: "
        f"{undocumented}")
    stale = sorted(documented - absent)
    assert not stale, f"listed as not provided in {DOC.name} but minigrad has them: {stale}"
