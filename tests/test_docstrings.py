"""Every public name has a docstring: ``help(mg.Tensor.sum)`` and the API reference say
something for each function, class and Tensor attribute a user can reach."""

from __future__ import annotations

import importlib
import inspect

import pytest

import minigrad as mg

MODULES = [
    "minigrad", "minigrad.nn", "minigrad.nn.functional", "minigrad.nn.init", "minigrad.nn.utils",
    "minigrad.optim", "minigrad.optim.lr_scheduler", "minigrad.data", "minigrad.autograd",
    "minigrad.testing", "minigrad.viz", "minigrad.linalg", "minigrad.cuda",
    "minigrad.accelerator", "minigrad.backends", "minigrad.distributed", "minigrad.amp",
]


def _undocumented(obj: object) -> bool:
    return not (inspect.getdoc(obj) or "").strip()


def _public_objects(modname: str) -> list[tuple[str, object]]:
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None)
    assert names is not None, f"{modname} has no __all__"
    out = []
    for name in names:
        obj = getattr(mod, name)
        # data (dtypes, constants, instances such as default_generator) document themselves
        # by their module; functions, classes and modules must carry their own text
        if inspect.isroutine(obj) or inspect.isclass(obj) or inspect.ismodule(obj):
            out.append((f"{modname}.{name}", obj))
    return out


@pytest.mark.parametrize("modname", MODULES)
def test_public_names_have_docstrings(modname: str) -> None:
    missing = [name for name, obj in _public_objects(modname) if _undocumented(obj)]
    assert not missing, f"no docstring: {missing}"


def test_module_docstrings() -> None:
    missing = [m for m in MODULES if _undocumented(importlib.import_module(m))]
    assert not missing, f"no module docstring: {missing}"


def test_tensor_attributes_have_docstrings() -> None:
    missing = []
    for name in dir(mg.Tensor):
        if name.startswith("_"):
            continue
        static = inspect.getattr_static(mg.Tensor, name)
        if isinstance(static, property):
            doc = static.__doc__
        elif inspect.ismemberdescriptor(static):
            doc = inspect.getdoc(static)  # from the __slots__ dict
        else:
            doc = inspect.getdoc(getattr(mg.Tensor, name))
        if not (doc or "").strip():
            missing.append(name)
    assert not missing, f"Tensor attributes without a docstring: {missing}"


def test_backward_explains_its_arguments() -> None:
    doc = inspect.getdoc(mg.Tensor.backward)
    for arg in ("gradient", "retain_graph", "create_graph", "inputs"):
        assert f"``{arg}``" in doc, arg


def test_help_of_a_table_bound_method_points_to_its_function() -> None:
    assert ":func:`minigrad.sum`" in mg.Tensor.sum.__doc__
    assert ":func:`minigrad.exp`" in mg.Tensor.exp.__doc__
