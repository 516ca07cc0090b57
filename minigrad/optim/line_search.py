"""Strong-Wolfe line search (Nocedal & Wright, Algorithms 3.5 and 3.6), shared by LBFGS and CG.

The search works on a one-dimensional slice ``phi(t) = f(x + t d)`` of the objective. It
first brackets an interval containing a step that satisfies the strong Wolfe conditions::

    f(x + t d) <= f(x) + c1 t g·d           (sufficient decrease)
    |g(x + t d)·d| <= c2 |g·d|              (curvature)

by growing the step with safeguarded cubic extrapolation, then shrinks the bracket ("zoom")
with safeguarded cubic interpolation. It follows the same steps as PyTorch's
``torch.optim.lbfgs._strong_wolfe`` so that LBFGS matches it iterate for iterate.

>>> import numpy as np
>>> from minigrad.optim.line_search import strong_wolfe
>>> def phi(t, d):   # f(x) = (x - 3)^2 at x = 0 + t d
...     x = 0.0 + t * d
...     return float(((x - 3) ** 2).sum()), 2 * (x - 3)
>>> d = np.array([1.0]); f0, g0 = phi(0.0, d)
>>> f, g, t, n = strong_wolfe(lambda t: phi(t, d), 1.0, d, f0, g0, float(g0 @ d), c2=0.1)
>>> round(t, 6)
3.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["cubic_interpolate", "strong_wolfe"]


def cubic_interpolate(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """Minimiser of the cubic through two points with values and slopes, clipped to ``bounds``.

    Without ``bounds`` it is clipped to ``[min(x1, x2), max(x1, x2)]``; when the cubic has no
    real minimiser the midpoint of the bounds is returned (Nocedal & Wright eq. 3.59).

    >>> from minigrad.optim.line_search import cubic_interpolate
    >>> round(cubic_interpolate(0.0, 1.0, -2.0, 2.0, 1.0, 2.0), 6)   # (x - 1)^2
    1.0
    """
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, lo), hi)


class _Point:
    """One evaluated step: its length, loss, gradient and directional derivative."""

    __slots__ = ("f", "g", "gtd", "t")

    def __init__(self, t: float, f: float, g: Any, gtd: float) -> None:
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def strong_wolfe(
    evaluate: Callable[[float], tuple[float, Any]],
    t: float, d: Any, f: float, g: Any, gtd: float,
    c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25,
) -> tuple[float, Any, float, int]:
    """Find a step length ``t`` along ``d`` meeting the strong Wolfe conditions.

    ``evaluate(t)`` returns ``(loss, flat_gradient)`` at ``x + t d`` (and leaves the
    parameters at ``x``); ``f``, ``g``, ``gtd`` are the loss, gradient and ``g·d`` at ``x``;
    ``t`` is the first trial step. Returns ``(loss, gradient, t, evaluations)`` at the step
    chosen, after at most ``max_ls`` evaluations. ``d`` must be a descent direction.
    """
    d_scale = float(abs(d).max())
    start = _Point(0.0, f, g.copy(), gtd)
    f_new, g_new = evaluate(t)
    evals = 1
    new = _Point(t, f_new, g_new, float(g_new @ d))
    prev = start
    bracket: list[_Point] = []
    done = False
    ls_iter = 0
    # phase 1: grow the step until an interval holds an acceptable point
    while ls_iter < max_ls:
        if new.f > f + c1 * new.t * gtd or (ls_iter > 1 and new.f >= prev.f):
            bracket = [prev, _Point(new.t, new.f, new.g.copy(), new.gtd)]
            break
        if abs(new.gtd) <= -c2 * gtd:
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [prev, _Point(new.t, new.f, new.g.copy(), new.gtd)]
            break
        lo = new.t + 0.01 * (new.t - prev.t)
        hi = new.t * 10
        t_next = cubic_interpolate(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd, (lo, hi))
        prev = _Point(new.t, new.f, new.g.copy(), new.gtd)
        f_new, g_new = evaluate(t_next)
        evals += 1
        new = _Point(t_next, f_new, g_new, float(g_new @ d))
        ls_iter += 1
    if ls_iter == max_ls:
        bracket = [start, new]
    # phase 2: zoom into the bracket
    insufficient = False
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    while not done and ls_iter < max_ls:
        a, b = bracket[0], bracket[1]
        if abs(b.t - a.t) * d_scale < tolerance_change:
            break
        t_try = cubic_interpolate(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        t_lo, t_hi = min(a.t, b.t), max(a.t, b.t)
        margin = 0.1 * (t_hi - t_lo)
        if min(t_hi - t_try, t_try - t_lo) < margin:
            # too close to an end: step back inside, unless progress was fine last time
            if insufficient or t_try >= t_hi or t_try <= t_lo:
                t_try = t_hi - margin if abs(t_try - t_hi) < abs(t_try - t_lo) else t_lo + margin
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t_try)
        evals += 1
        ls_iter += 1
        point = _Point(t_try, f_new, g_new.copy(), float(g_new @ d))
        if point.f > f + c1 * point.t * gtd or point.f >= bracket[low].f:
            bracket[high] = point
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if abs(point.gtd) <= -c2 * gtd:
                done = True
            elif point.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = point
    best = bracket[low] if len(bracket) > 1 else bracket[0]
    return best.f, best.g, best.t, evals
