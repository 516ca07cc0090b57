"""Sphinx configuration: the API reference from the docstrings (autodoc + napoleon), the
guides and the PyTorch-compatibility notes in Markdown (myst-parser).

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html``. The docstrings'
examples run as doctests under pytest (``--doctest-modules``), not here.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

from minigrad import __version__

project = "minigrad"
author = "minigrad developers"
copyright = "minigrad developers"
version = release = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_heading_anchors = 3

autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
napoleon_google_docstring = True
napoleon_numpy_docstring = True
# minigrad's docstrings cross-reference freely (``:func:`minigrad.sum```); names the
# reference does not document (private helpers, NumPy, CuPy) stay plain text, not warnings
nitpicky = False

html_theme = "furo"
html_title = f"minigrad {release}"
html_static_path: list[str] = []
