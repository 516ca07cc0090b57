"""Ports of public PyTorch tutorial and example programs, run on PyTorch and on minigrad by
``tests/test_ports.py``. Each module's ``run(fw)`` is the program's code with only its import
lines changed (they read the modules from ``fw``, a :class:`ports._framework.Framework`) and
its data and epochs made small; it returns the numbers the program prints."""
