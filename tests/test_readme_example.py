"""The README's first example works pasted into the Python REPL, line by line, and as a script,
and prints the loss its comment states."""

from __future__ import annotations

import code
import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def _first_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A first example", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _stated_loss(src: str) -> str:
    return re.search(r"# (loss \d\.\d+)", src).group(1)


def test_first_example_pastes_into_the_repl() -> None:
    src = _first_example()
    console = code.InteractiveConsole()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        more = False
        for line in src.splitlines():
            more = console.push(line)  # what the REPL does with each pasted line
        if more:
            console.push("")
    assert "Error" not in err.getvalue(), err.getvalue()
    assert _stated_loss(src) in out.getvalue()


def test_first_example_runs_as_a_script() -> None:
    src = _first_example()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(src, "README first example", "exec"), {"__name__": "__main__"})
    assert out.getvalue().strip() == _stated_loss(src)
