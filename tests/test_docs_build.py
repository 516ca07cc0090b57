"""The documentation site builds with warnings as errors (Sphinx: autodoc, napoleon, myst).

Behind the ``docs`` marker (it takes a minute or two): ``python -m pytest -m docs``; .ci/run
installs the ``docs`` extra and runs it. Skips, saying why, where Sphinx is not installed.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.docs
def test_sphinx_build_has_no_warnings(tmp_path: pathlib.Path) -> None:
    for module in ("sphinx", "myst_parser", "furo"):
        pytest.importorskip(module, reason=f'{module} is not installed: pip install -e ".[docs]"')
    out = tmp_path / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(ROOT / "docs"), str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=900, check=False,
    )
    assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stdout[-4000:]}{proc.stderr[-8000:]}"
    for page in ("index.html", "api/tensor.html", "api/nn.html", "guides/autograd.html",
                 "pytorch-compat.html", "changelog.html"):
        assert (out / page).is_file(), page
    tensor_page = (out / "api" / "tensor.html").read_text()
    assert "retain_graph" in tensor_page and "minigrad.Tensor.sum" in tensor_page
