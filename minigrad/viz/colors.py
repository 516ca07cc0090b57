"""Colours for gradient norms: a log scale over the viridis palette, and its legend.

Small norms (vanishing gradients) are dark violet, large ones (exploding) bright yellow; the
palette is perceptually uniform and readable by colour-blind viewers. The scale spans whole
decades covering the norms of one graph, so the legend's ticks are round powers of ten.

>>> scale = LogColorScale.fit([1e-4, 3e-2, 0.5])
>>> scale.lo, scale.hi
(-4, 0)
>>> scale.color(1e-4), scale.color(1.0)
('#440154', '#fde725')
>>> scale.text_color(scale.color(1e-4))
'white'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["NO_GRAD_COLOR", "ZERO_GRAD_COLOR", "LogColorScale", "format_norm", "tick_label"]

# viridis at 0, 1/8, …, 1 (sampled from matplotlib's table; interpolated linearly between)
_VIRIDIS = (
    "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30",
    "#fde725",
)
#: fill for a node whose gradient is exactly zero
ZERO_GRAD_COLOR = "#c8c8c8"
#: fill for a node whose gradient was not recorded (or never arrived)
NO_GRAD_COLOR = "#ffffff"


def _rgb(hex_color: str) -> tuple[int, int, int]:
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _interpolate(t: float) -> str:
    t = min(1.0, max(0.0, t))
    pos = t * (len(_VIRIDIS) - 1)
    i = min(int(pos), len(_VIRIDIS) - 2)
    frac = pos - i
    a, b = _rgb(_VIRIDIS[i]), _rgb(_VIRIDIS[i + 1])
    r, g, bl = (round(x + (y - x) * frac) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def tick_label(exponent: int) -> str:
    """The legend's label for ``10**exponent``.

    >>> [tick_label(e) for e in (-3, -1, 0, 1, 4)]
    ['1e-3', '0.1', '1', '10', '1e4']
    """
    return {-1: "0.1", 0: "1", 1: "10"}.get(exponent, f"1e{exponent}")


def format_norm(value: float | None) -> str:
    """A gradient norm in three significant digits (``"n/a"`` when unknown).

    >>> format_norm(0.000123456), format_norm(0.0), format_norm(None), format_norm(12.5)
    ('1.23e-04', '0', 'n/a', '12.5')
    """
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return str(value)
    if 1e-2 <= abs(value) < 1e4:
        return f"{value:.3g}"
    return f"{value:.2e}"


@dataclass(frozen=True)
class LogColorScale:
    """Maps a norm to a colour by ``log10(norm)`` between decades ``lo`` and ``hi``."""

    lo: int
    hi: int

    @classmethod
    def fit(cls, norms: Iterable[float | None]) -> LogColorScale:
        """The smallest whole-decade range holding every positive finite norm (≥ 1 decade).

        >>> LogColorScale.fit([0.0, None, 2.0])
        LogColorScale(lo=0, hi=1)
        """
        logs = [math.log10(v) for v in norms if v is not None and v > 0 and math.isfinite(v)]
        if not logs:
            return cls(-1, 0)
        lo, hi = math.floor(min(logs)), math.ceil(max(logs))
        if hi <= lo:
            hi = lo + 1
        return cls(lo, hi)

    def color(self, norm: float | None) -> str:
        """The fill colour for ``norm`` (grey for 0, white when unknown, yellow for inf/NaN)."""
        if norm is None:
            return NO_GRAD_COLOR
        if norm == 0:
            return ZERO_GRAD_COLOR
        if not math.isfinite(norm):
            return _VIRIDIS[-1]
        return _interpolate((math.log10(norm) - self.lo) / (self.hi - self.lo))

    @staticmethod
    def text_color(fill: str) -> str:
        """Black or white, whichever contrasts more with ``fill`` (WCAG relative luminance)."""

        def linear(c: int) -> float:
            v = c / 255
            return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(c) for c in _rgb(fill))
        lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
        return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"

    def ticks(self, max_ticks: int = 9) -> list[tuple[int, str]]:
        """``(exponent, colour)`` at powers of ten from ``lo`` to ``hi`` (≤ ``max_ticks``).

        >>> [e for e, _ in LogColorScale(-2, 0).ticks()]
        [-2, -1, 0]
        """
        step = max(1, math.ceil((self.hi - self.lo) / (max_ticks - 1)))
        exps = list(range(self.lo, self.hi + 1, step))
        if exps[-1] != self.hi:
            exps.append(self.hi)
        return [(e, self.color(10.0**e)) for e in exps]
