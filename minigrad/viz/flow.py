"""Gradient flow over training: per-parameter gradient norms and update-to-weight ratios.

:class:`GradientFlow` watches a model's parameters. A tensor hook on each parameter fires
during ``backward()`` and, on the steps that are recorded, keeps a copy of the weights as
they were before the optimizer moves them; :meth:`GradientFlow.step`, called once per
training step after ``optimizer.step()``, then reads each ``.grad`` and measures the update
``‖w_after − w_before‖ / ‖w_before‖``. An optimizer with PyTorch's
``register_step_post_hook`` can call ``step`` itself (pass ``optimizer=``).

>>> import minigrad as mg
>>> w = mg.tensor([3.0, 4.0], requires_grad=True)
>>> flow = GradientFlow({"w": w})
>>> for _ in range(2):
...     (w * w).sum().backward()
...     with mg.no_grad():
...         _ = w.sub_(0.1 * w.grad)
...     flow.step()
...     w.grad = None
>>> flow.steps, [round(v, 3) for v in flow.grad_norms["w"]]
([0, 1], [10.0, 8.0])
>>> [round(v, 3) for v in flow.update_ratios["w"]]
[0.2, 0.2]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.tensor import Tensor
from minigrad.viz.capture import _norm

__all__ = ["GradientFlow"]


def _named(params: Any) -> list[tuple[str, Tensor]]:
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    items = params.items() if isinstance(params, Mapping) else params
    out = []
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], Tensor)):
            raise MinigradTypeError(
                "GradientFlow: `model` must be a Module, a dict {name: Tensor} or pairs "
                f"(name, Tensor); got an item {item!r:.60}"
            )
        if item[1].requires_grad:
            out.append((str(item[0]), item[1]))
    if not out:
        raise ShapeError("GradientFlow: the model has no parameters that require grad")
    return out


def _array_norm(xp: Any, a: Any) -> float:
    a = a.astype(xp.float64)
    return float(xp.sqrt(xp.sum(a * a)))


class GradientFlow:
    """Record gradient norms and update-to-weight ratios of ``model``'s parameters.

    ``model`` is a Module (``named_parameters()``), a dict ``{name: tensor}`` or pairs.
    Every ``every``-th call of :meth:`step` is recorded (the first one always is). After
    training, :meth:`plot` draws the picture and :meth:`summary` gives the table; call
    :meth:`remove` (or use ``with``) to take the hooks off. Attributes: ``names``, ``steps``
    (the step numbers recorded), ``grad_norms``, ``update_ratios`` and ``weight_norms``
    (``{name: [value per recorded step]}``; NaN where a parameter had no gradient), and
    ``epochs``, the steps where an epoch began (see :meth:`mark_epoch`), drawn as marks.

    >>> import minigrad as mg
    >>> w = mg.ones(3, requires_grad=True)
    >>> with GradientFlow({"w": w}, every=2) as flow:
    ...     for _ in range(5):
    ...         (2 * w).sum().backward(); flow.step(); w.grad = None
    >>> flow.steps
    [0, 2, 4]
    """

    def __init__(self, model: Any, every: int = 1, optimizer: Any = None) -> None:
        if not isinstance(every, int) or every < 1:
            raise ShapeError(f"GradientFlow: `every` must be a positive int, got {every!r}")
        self.params = _named(model)
        self.names = [n for n, _ in self.params]
        self.every = every
        self.steps: list[int] = []
        self.grad_norms: dict[str, list[float]] = {n: [] for n in self.names}
        self.update_ratios: dict[str, list[float]] = {n: [] for n in self.names}
        self.weight_norms: dict[str, list[float]] = {n: [] for n in self.names}
        self.epochs: list[int] = []
        self._count = 0
        self._before: dict[int, Any] = {}
        self._handles = [p.register_hook(self._snapshot_hook(i, p))
                         for i, (_, p) in enumerate(self.params)]
        if optimizer is not None:
            register = getattr(optimizer, "register_step_post_hook", None)
            if register is None:
                self.remove()
                raise MinigradTypeError(
                    f"GradientFlow: {type(optimizer).__name__} has no register_step_post_hook; "
                    "leave `optimizer` out and call flow.step() after optimizer.step()"
                )
            self._handles.append(register(lambda opt, args, kwargs: self.step()))

    def _recording(self) -> bool:
        return self._count % self.every == 0

    def _snapshot_hook(self, i: int, p: Tensor) -> Any:
        def hook(grad: Tensor) -> None:
            if self._recording() and i not in self._before:
                self._before[i] = p._data.copy()  # the weights before this step's update

        return hook

    def step(self) -> None:
        """Record this training step if it is one of every ``every``; call after the update."""
        if self._recording():
            self.steps.append(self._count)
            for i, (name, p) in enumerate(self.params):
                xp = p._backend.xp
                w = _array_norm(xp, p._data)
                g = _norm(p.grad) if p.grad is not None else math.nan
                before = self._before.get(i)
                ratio = math.nan
                if before is not None:
                    ratio = _array_norm(xp, p._data - before) / max(_array_norm(xp, before),
                                                                   1e-12)
                self.grad_norms[name].append(g)
                self.update_ratios[name].append(ratio)
                self.weight_norms[name].append(w)
        self._before.clear()
        self._count += 1

    def mark_epoch(self) -> None:
        """Mark the end of an epoch: the plot draws a boundary before the next step.

        >>> import minigrad as mg
        >>> w = mg.ones(1, requires_grad=True)
        >>> flow = GradientFlow({"w": w})
        >>> for epoch in range(2):
        ...     for _ in range(3):
        ...         w.sum().backward(); flow.step()
        ...     flow.mark_epoch()
        >>> flow.epochs
        [3, 6]
        """
        self.epochs.append(self._count)

    def remove(self) -> None:
        """Take the hooks off the parameters (and the optimizer)."""
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def __enter__(self) -> GradientFlow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    # ------------------------------------------------------------------ reports
    def summary(self) -> str:
        """A text table: per parameter, gradient norm (last, mean, min, max) and update ratio.

        >>> import minigrad as mg
        >>> w = mg.ones(2, requires_grad=True)
        >>> flow = GradientFlow({"layer.w": w})
        >>> (w * 3).sum().backward(); flow.step()
        >>> print(flow.summary())  # doctest: +NORMALIZE_WHITESPACE
        parameter  shape  grad norm  mean      min       max       update/weight
        layer.w    2      4.24e+00   4.24e+00  4.24e+00  4.24e+00  0.00e+00
        1 recorded step (every 1)
        """
        head = ["parameter", "shape", "grad norm", "mean", "min", "max", "update/weight"]
        rows = [head]
        for name, p in self.params:
            gs = [v for v in self.grad_norms[name] if not math.isnan(v)]
            us = [v for v in self.update_ratios[name] if not math.isnan(v)]
            last = self.grad_norms[name][-1] if self.steps else math.nan
            stats = (sum(gs) / len(gs), min(gs), max(gs)) if gs else (math.nan,) * 3
            rows.append([name, "×".join(map(str, p.shape)) or "scalar", _fmt(last),
                         *(_fmt(v) for v in stats), _fmt(us[-1] if us else math.nan)])
        widths = [max(len(r[c]) for r in rows) for c in range(len(head))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        n = len(self.steps)
        lines.append(f"{n} recorded step{'s' * (n != 1)} (every {self.every})")
        return "\n".join(lines)

    def plot(self, path: Any = None, title: str | None = None) -> Any:
        """Draw the gradient norms (lines and a layers × steps heatmap) and update ratios.

        Saves to ``path`` when given (the format follows its suffix: png, svg, pdf) and
        returns the matplotlib ``Figure``. Uses no pyplot: no window ever opens.

        >>> import minigrad as mg
        >>> w = mg.ones(2, requires_grad=True)
        >>> flow = GradientFlow({"w": w})
        >>> (w * 3).sum().backward(); flow.step()
        >>> type(flow.plot()).__name__
        'Figure'
        """
        from minigrad.viz.flow_plot import plot_flow

        return plot_flow(self, path, title)


def _fmt(v: float) -> str:
    return "–" if math.isnan(v) else f"{v:.2e}"
