"""Sphinx configuration: the API reference from the docstrings (autodoc + napoleon), the
guides and the PyTorch-compatibility notes in Markdown (myst-parser).

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html``. The docstrings'
examples run as doctests under pytest (``--doctest-modules``), not here.
"""

from __future__ import annotations

import importlib
import inspect
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

# One object, one entry: a function or class exported by several documented modules (mg.no_grad
# is minigrad.autograd.no_grad; F.softmax is mg.softmax) is described on the first page of this
# list that exports it and skipped on the others, so the reference has no duplicates.
OWNERS = [
    "minigrad.autograd", "minigrad.amp", "minigrad.backends", "minigrad.nn.functional",
    "minigrad", "minigrad.nn", "minigrad.nn.init", "minigrad.nn.utils", "minigrad.optim",
    "minigrad.optim.lr_scheduler", "minigrad.data", "minigrad.distributed", "minigrad.testing",
    "minigrad.viz", "minigrad.linalg", "minigrad.cuda", "minigrad.accelerator", "minigrad.op",
]


def _owners() -> dict[int, str]:
    owner: dict[int, str] = {}
    for name in OWNERS:
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            if inspect.isclass(obj) or inspect.isroutine(obj):
                owner.setdefault(id(obj), name)
    return owner


_OWNER = _owners()
_CURRENT = {"module": ""}


def _track_module(app, what, name, obj, options, lines) -> None:
    if what == "module":  # a module's docstring is processed before its members
        _CURRENT["module"] = name


def _skip_if_documented_elsewhere(app, what, name, obj, skip, options):
    if what == "module" and (inspect.isclass(obj) or inspect.isroutine(obj)):
        owner = _OWNER.get(id(obj))
        if owner is not None and owner != _CURRENT["module"]:
            return True
    return None


def setup(app) -> None:
    app.connect("autodoc-process-docstring", _track_module)
    app.connect("autodoc-skip-member", _skip_if_documented_elsewhere)


html_theme = "furo"
html_title = f"minigrad {release}"
html_static_path: list[str] = []
