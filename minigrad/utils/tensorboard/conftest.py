"""Doctests here need the optional ``tensorboard`` package: skip collecting them without it."""

from importlib.util import find_spec

collect_ignore_glob = [] if find_spec("tensorboard") is not None else ["*.py"]
