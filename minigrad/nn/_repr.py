"""The PyTorch-style ``repr`` tree of a module: its ``extra_repr`` and its children, indented.

>>> from minigrad import nn
>>> print(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))
Sequential(
  (0): Linear(in_features=2, out_features=3, bias=True)
  (1): ReLU()
)
"""

from __future__ import annotations

from typing import Any

__all__ = ["module_repr"]


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def module_repr(module: Any) -> str:
    """``Name(extra)`` for a leaf, or ``Name(`` + one indented line per child + ``)``."""
    extra = module.extra_repr()
    extra_lines = extra.split("\n") if extra else []
    child_lines = [f"({key}): {_addindent(repr(m), 2)}" for key, m in module._modules.items()]
    lines = extra_lines + child_lines
    body = ""
    if lines:
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        else:
            body = "\n  " + "\n  ".join(lines) + "\n"
    return f"{module._get_name()}({body})"
