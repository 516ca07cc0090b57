"""The guides' code runs: every ```python block of docs/guides/*.md, in order, one namespace
per guide (as a reader pasting them one after another would), so the guides cannot rot."""

from __future__ import annotations

import pathlib
import re

import pytest

from minigrad.viz import MissingDependencyError

GUIDES = sorted((pathlib.Path(__file__).parent.parent / "docs" / "guides").glob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
OPTIONAL = {"matplotlib", "graphviz", "hypothesis", "cupy", "tqdm"}


def test_the_guides_are_found() -> None:
    assert len(GUIDES) >= 6


@pytest.mark.parametrize("path", GUIDES, ids=[p.stem for p in GUIDES])
def test_guide_code_runs(path: pathlib.Path, tmp_path: pathlib.Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # pictures and files a guide writes land here
    namespace: dict = {"__name__": f"guide_{path.stem}"}
    for i, code in enumerate(BLOCK.findall(path.read_text())):
        try:
            exec(compile(code, f"{path.name}[block {i}]", "exec"), namespace)
        except ImportError as e:  # an optional extra (matplotlib for the plots) is missing
            if not (isinstance(e, MissingDependencyError)
                    or (e.name or "").split(".")[0] in OPTIONAL):
                raise
            pytest.skip(f"{path.name} block {i} needs an optional package: {e}")
