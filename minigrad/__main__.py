"""``python -m minigrad``: the ``minigrad`` command line (see :mod:`minigrad.cli`)."""

from minigrad.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
