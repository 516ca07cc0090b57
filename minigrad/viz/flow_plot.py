"""The matplotlib picture of a :class:`~minigrad.viz.flow.GradientFlow` (no pyplot, no windows).

Three panels: gradient norm per parameter over the steps (lines, log scale), update-to-weight
ratio over the steps (lines, with the customary 1e-3 reference), and a parameters × steps
heatmap of ``log10`` gradient norm in viridis, the palette the graph pictures use. Line
colours follow depth (first layer dark, last layer light) so that a fan-out of lines reads as
a gradient that shrinks or grows with depth. The legend sits outside the panels (a depth
colour bar past 12 parameters); dotted lines mark epoch boundaries
(:meth:`GradientFlow.mark_epoch`). Update ratios below the weights' floating-point resolution
(ε, 1.2e-7 for float32) are rounding artefacts, not training dynamics: that band is shaded
and labelled, and a ratio of exactly 0 (an update too small to change any weight) is drawn
at ε/2 rather than dropped from the log scale.

>>> import minigrad as mg
>>> from minigrad.viz import GradientFlow
>>> w = mg.ones(2, requires_grad=True)
>>> flow = GradientFlow({"w": w})
>>> (w * 3).sum().backward(); flow.step()
>>> fig = plot_flow(flow)
>>> len(fig.axes) >= 3
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from minigrad.viz.draw import MissingDependencyError

if TYPE_CHECKING:
    from minigrad.viz.flow import GradientFlow

__all__ = ["plot_flow", "require_matplotlib"]


def require_matplotlib() -> Any:
    """``matplotlib.figure.Figure``, or a :class:`MissingDependencyError` saying what to install.

    >>> require_matplotlib().__name__
    'Figure'
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise MissingDependencyError(
            'minigrad.viz plots need matplotlib, which is not installed: pip install '
            '"minigrad[viz]"'
        ) from e
    return Figure


def _log10(v: float) -> float:
    return math.log10(v) if v > 0 and math.isfinite(v) else math.nan


def _resolution(flow: GradientFlow) -> tuple[float, str] | None:
    """The coarsest floating-point resolution (ε, dtype name) among the parameters."""
    import numpy as np

    dtypes = {np.dtype(p.dtype) for _, p in flow.params if np.dtype(p.dtype).kind == "f"}
    if not dtypes:
        return None
    coarse = max(dtypes, key=lambda d: float(np.finfo(d).eps))
    return float(np.finfo(coarse).eps), coarse.name


def _mark_epochs(flow: GradientFlow, axes: list[Any], label_ax: Any) -> bool:
    """Dotted lines between the last step of an epoch and the first of the next."""
    steps = flow.steps
    inside = [b for b in flow.epochs if steps and steps[0] < b <= steps[-1]]
    every = max(1, math.ceil(len(inside) / 12))  # at most about 12 labels
    for k, b in enumerate(inside):
        x = b - 0.5
        for ax in axes:
            ax.axvline(x, color="#9a9a9a", ls=":", lw=0.9, zorder=0.5)
        if k % every == 0:
            label_ax.text(x, 1.0, f" epoch {flow.epochs.index(b) + 2}",
                          transform=label_ax.get_xaxis_transform(), ha="left", va="top",
                          fontsize=7, color="#777777")
    return bool(inside)


def plot_flow(flow: GradientFlow, path: Any = None, title: str | None = None) -> Any:
    """Draw ``flow`` into a new ``Figure``; save it to ``path`` when given (see
    :meth:`GradientFlow.plot`)."""
    figure_cls = require_matplotlib()
    import matplotlib as mpl
    import numpy as np

    names = flow.names
    n = len(names)
    steps = flow.steps
    fig = figure_cls(figsize=(12, 4.2 + 0.22 * n), layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1.0, max(0.6, 0.08 * n)])
    ax_g = fig.add_subplot(grid[0, 0])
    ax_u = fig.add_subplot(grid[0, 1], sharex=ax_g)
    ax_h = fig.add_subplot(grid[1, :])
    depth = mpl.colormaps["plasma"]
    colors = [depth(0.85 * i / max(1, n - 1)) for i in range(n)]
    resolution = _resolution(flow)
    floor = resolution[0] / 2 if resolution else 0.0
    ratios = {name: [max(v, floor) if math.isfinite(v) else v for v in vs]
              for name, vs in flow.update_ratios.items()}
    for i, name in enumerate(names):
        ax_g.plot(steps, flow.grad_norms[name], color=colors[i], lw=1.4, label=name)
        ax_u.plot(steps, ratios[name], color=colors[i], lw=1.4, label=name)
    panels = ((ax_g, "gradient norm ‖∇w‖", flow.grad_norms),
              (ax_u, "update / weight  ‖Δw‖ / ‖w‖", ratios))
    for ax, what, series in panels:
        if any(v > 0 and math.isfinite(v) for vs in series.values() for v in vs):
            ax.set_yscale("log")
        else:
            ax.text(0.5, 0.5, "nothing positive recorded", transform=ax.transAxes,
                    ha="center", va="center", color="#888888")
        ax.set_xlabel("step")
        ax.set_title(what, loc="left", fontsize=11)
        ax.grid(True, which="major", color="#dddddd", lw=0.6)
        ax.spines[["top", "right"]].set_visible(False)
    ax_u.axhline(1e-3, color="#888888", ls="--", lw=1)
    ax_u.annotate("1e-3 (rule of thumb)", (0.99, 1e-3), xycoords=("axes fraction", "data"),
                  ha="right", va="top", fontsize=8, color="#666666",
                  bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    lowest = min((v for vs in ratios.values() for v in vs if v > 0 and math.isfinite(v)),
                 default=math.inf)
    if resolution is not None and lowest < 100 * resolution[0]:  # near the rounding floor
        eps, dtype = resolution
        bottom = min(ax_u.get_ylim()[0], eps / 4)
        ax_u.axhspan(bottom, eps, color="#ececec", zorder=0)
        ax_u.set_ylim(bottom=bottom)
        ax_u.text(0.01, eps, f"below {dtype} resolution (ε = {eps:.1e}): rounding "
                  "artefacts; 0 drawn at ε/2", transform=ax_u.get_yaxis_transform(),
                  ha="left", va="top", fontsize=7.5, color="#666666")
    if n <= 12:
        fig.legend(handles=ax_g.get_lines(), loc="outside right upper", fontsize=8,
                   frameon=False, title="parameter", title_fontsize=8)
    else:
        sm = mpl.cm.ScalarMappable(cmap=depth, norm=mpl.colors.Normalize(0, (n - 1) / 0.85))
        fig.colorbar(sm, ax=ax_u, label="parameter index (depth)")

    data = np.array([[_log10(v) for v in flow.grad_norms[name]] for name in names], dtype=float)
    if data.size == 0 or np.all(np.isnan(data)):
        data = np.full((n, max(1, len(steps))), np.nan)
    finite = data[np.isfinite(data)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 0.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    cmap = mpl.colormaps["viridis"].with_extremes(bad="#d0d0d0")
    half = flow.every / 2
    extent = (steps[0] - half, steps[-1] + half) if steps else (-0.5, 0.5)
    img = ax_h.imshow(np.ma.masked_invalid(data), aspect="auto", cmap=cmap, vmin=lo, vmax=hi,
                      interpolation="nearest", extent=(*extent, n - 0.5, -0.5))
    ax_h.set_yticks(range(n), names, fontsize=8 if n > 8 else 9)
    if _mark_epochs(flow, [ax_g, ax_u, ax_h], ax_g):
        for ax in (ax_g, ax_u, ax_h):
            ax.set_xlabel("step (dotted: epoch boundaries)")
    else:
        ax_h.set_xlabel("step")
    ax_h.set_title("log10 gradient norm, parameters × steps (grey: no gradient)", loc="left",
                   fontsize=11)
    fig.colorbar(img, ax=ax_h, label="log10 ‖∇w‖", pad=0.01)
    fig.suptitle(title or f"Gradient flow: {n} parameters, {len(steps)} recorded steps",
                 fontsize=13, x=0.01, ha="left")
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
