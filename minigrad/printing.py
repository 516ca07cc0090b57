"""``set_printoptions``: how tensors print, as ``torch.set_printoptions``.

Tensors print through NumPy's ``array2string``, so the numbers look like NumPy's: by default
NumPy's precision (8 significant digits, trailing zeros dropped), line width and edge items,
and a summary past 200 elements (PyTorch: 4 fixed decimals, past 1000). An option left at
None follows NumPy's own print options.

>>> import minigrad as mg
>>> mg.set_printoptions(precision=2)
>>> mg.tensor([1.23456, 2.0])
tensor([1.23, 2.  ], dtype=float32, device='cpu')
>>> mg.set_printoptions(profile="default")
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["format_array", "get_printoptions", "set_printoptions"]

_DEFAULT: dict[str, Any] = {"precision": None, "threshold": 200, "edgeitems": None,
                            "linewidth": None, "sci_mode": None}
_PROFILES: dict[str, dict[str, Any]] = {
    "default": _DEFAULT,
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80,
              "sci_mode": None},
    "full": {**_DEFAULT, "threshold": sys.maxsize},
}
_options: dict[str, Any] = dict(_DEFAULT)


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print: digits after the point (``precision``), the element count
    past which arrays are summarised (``threshold``), items kept at each edge of a summary
    (``edgeitems``), characters per line (``linewidth``), scientific notation always
    (``sci_mode=True``) or never (False). ``profile`` ("default", "short", "full") first
    resets every option, as in PyTorch; options given with it then apply on top.

    >>> import minigrad as mg
    >>> mg.set_printoptions(sci_mode=True, precision=1)
    >>> mg.tensor([1234.5])
    tensor([1.2e+03], dtype=float32, device='cpu')
    >>> mg.set_printoptions(profile="default")
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: `profile` must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        _options.update(_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems,
             "linewidth": linewidth}
    for name, value in given.items():
        if value is not None:
            if value < 0:
                raise ValueError(f"set_printoptions: `{name}` must be >= 0, got {value}")
            _options[name] = sys.maxsize if value == float("inf") else int(value)
    if sci_mode is not None:
        _options["sci_mode"] = bool(sci_mode)


def get_printoptions() -> dict[str, Any]:
    """The current print options (None: NumPy's own setting).

    >>> import minigrad as mg
    >>> mg.get_printoptions()["threshold"]
    200
    """
    return dict(_options)


def format_array(arr: np.ndarray, prefix: str) -> str:
    """The body of a tensor's repr: ``arr`` under the current options."""
    kw: dict[str, Any] = {"separator": ", ", "prefix": prefix,
                          "threshold": _options["threshold"]}
    for name, key in (("precision", "precision"), ("edgeitems", "edgeitems"),
                      ("linewidth", "max_line_width")):
        if _options[name] is not None:
            kw[key] = _options[name]
    if _options["sci_mode"] is False:
        kw["suppress_small"] = True
    elif _options["sci_mode"] and arr.dtype.kind == "f":
        digits = 4 if _options["precision"] is None else _options["precision"]
        kw["formatter"] = {"float_kind": lambda x: f"{x:.{digits}e}"}
    return np.array2string(arr, **kw)
