"""Nonlinear conjugate gradient with Fletcher–Reeves and Polak–Ribière(+) updates.

>>> import minigrad as mg
>>> x = mg.tensor([-1.5, 2.0], dtype=mg.float64, requires_grad=True)
>>> opt = mg.optim.ConjugateGradient([x], beta="PR+", max_iter=500)
>>> def closure():
...     opt.zero_grad()
...     loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
...     loss.backward()
...     return loss
>>> _ = opt.step(closure)
>>> [round(v, 4) for v in x.tolist()]
[1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.optim._check import check_nonneg
from minigrad.optim._flat import FlatParams, as_array, as_tensor, dot, max_abs, to_float
from minigrad.optim.line_search import strong_wolfe
from minigrad.optim.optimizer import Optimizer, ParamsT

__all__ = ["ConjugateGradient"]

_BETAS = ("FR", "PR", "PR+")


class ConjugateGradient(Optimizer):
    """Nonlinear conjugate gradient (Nocedal & Wright, ch. 5.2) with a strong-Wolfe search.

    Directions are ``d_0 = -g_0`` and ``d_k = -g_k + beta_k d_{k-1}`` with

    * ``"FR"`` (Fletcher–Reeves): ``beta = g_k·g_k / g_{k-1}·g_{k-1}``
    * ``"PR"`` (Polak–Ribière): ``beta = g_k·(g_k - g_{k-1}) / g_{k-1}·g_{k-1}``
    * ``"PR+"``: ``max(0, PR)``, which restarts by itself when progress stalls.

    The method restarts (``d = -g``) every ``restart`` iterations when that is an integer
    (``None``: never on a schedule), and whenever ``d`` is not a descent direction
    (``g·d >= 0``). Each iteration searches along ``d`` for a step meeting the strong Wolfe
    conditions with ``c1=1e-4`` and ``c2`` (default 0.1: Fletcher–Reeves needs ``c2 < 1/2``
    to guarantee descent). The first trial step is ``lr * min(1, 1/|g|_1)`` on the first
    iteration and then ``t_prev * (g_prev·d_prev) / (g·d)`` (Nocedal & Wright eq. 3.60),
    capped at ``lr * 1e4``. With ``line_search=None`` the step is the fixed ``lr`` (only sensible
    for well-scaled problems).

    ``step(closure)`` runs up to ``max_iter`` iterations and stops early when
    ``max|g| <= tolerance_grad``, the step or the loss change falls below
    ``tolerance_change``, or after ``max_eval`` closure calls (default ``max_iter * 5``).
    The closure zeros the gradients, computes the loss, calls ``backward`` and returns it;
    ``step`` returns its first value. One group; parameters share a dtype and device.

    >>> import minigrad as mg
    >>> w = mg.zeros(2, dtype=mg.float64, requires_grad=True)
    >>> a = mg.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=mg.float64)
    >>> b = mg.tensor([1.0, 1.0], dtype=mg.float64)
    >>> opt = mg.optim.ConjugateGradient([w], beta="FR", max_iter=10)
    >>> def closure():   # 1/2 wᵀAw - bᵀw: CG solves Aw = b in two iterations
    ...     opt.zero_grad(); loss = (w * (0.5 * (a @ w) - b)).sum(); loss.backward(); return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 6) for v in w.tolist()], opt.state[w]["n_iter"] <= 3
    ([0.2, 0.4], True)
    """

    def __init__(
        self, params: ParamsT, lr: float = 1, beta: str = "PR+", restart: int | None = None,
        line_search: str | None = "strong_wolfe", max_iter: int = 20,
        max_eval: int | None = None, tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9, c2: float = 0.1,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5
        defaults = {"lr": lr, "beta": beta, "restart": restart, "line_search": line_search,
                    "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "c2": c2}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(
                "ConjugateGradient: per-parameter options are not supported (use one group)"
            )
        self._flat = FlatParams(self.param_groups[0]["params"], "ConjugateGradient")

    def _check_group(self, group: dict[str, Any]) -> None:
        name = "ConjugateGradient"
        for key in ("lr", "tolerance_grad", "tolerance_change"):
            check_nonneg(name, key, group[key])
        if group["beta"] not in _BETAS:
            raise ValueError(f"{name}: `beta` must be one of {_BETAS}, got {group['beta']!r}")
        if group["line_search"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"{name}: `line_search` must be 'strong_wolfe' or None, got "
                f"{group['line_search']!r}"
            )
        restart = group["restart"]
        if restart is not None and (not isinstance(restart, int) or restart < 1):
            raise ValueError(f"{name}: `restart` (={restart!r}) must be None or an integer >= 1")
        for key in ("max_iter", "max_eval"):
            if not isinstance(group[key], int) or group[key] < 1:
                raise ValueError(f"{name}: `{key}` (={group[key]!r}) must be an integer >= 1")
        if not 0 < group["c2"] < 1:
            raise ValueError(f"{name}: `c2` (={group['c2']!r}) must be in (0, 1)")

    def _beta(self, kind: str, g: Any, prev_g: Any) -> float:
        denom = dot(prev_g, prev_g)
        if denom == 0:
            return 0.0
        if kind == "FR":
            return dot(g, g) / denom
        pr = dot(g, g - prev_g) / denom
        return max(pr, 0.0) if kind == "PR+" else pr

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` CG iterations; return the closure's first loss."""
        if closure is None:
            raise ValueError(
                "ConjugateGradient.step: a closure that recomputes the loss is required"
            )
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        flat = self._flat
        state = self.param_state(flat.params[0])
        for key, value in (("func_evals", 0), ("n_iter", 0), ("restarts", 0),
                           ("since_restart", 0)):
            state.setdefault(key, value)

        orig_loss = self._eval_closure(closure)
        loss = to_float(orig_loss, type(self).__name__)
        g = flat.grad()
        evals = 1
        state["func_evals"] += 1
        if max_abs(g) <= tol_grad:
            return orig_loss
        d = as_array(state.get("d"))
        prev_g = as_array(state.get("prev_flat_grad"))
        t, prev_gtd = state.get("t"), state.get("prev_gtd")

        for _ in range(max_iter):
            state["n_iter"] += 1
            restart = d is None or (
                group["restart"] is not None and state["since_restart"] >= group["restart"]
            )
            if not restart:
                d = -g + self._beta(group["beta"], g, prev_g) * d
                restart = dot(g, d) >= 0  # lost descent: fall back to steepest descent
            if restart:
                d = -g
                state["since_restart"] = 0
                state["restarts"] += 1
            state["since_restart"] += 1
            gtd = dot(g, d)
            if gtd > -tol_change:
                break
            if t is None:
                t = min(1.0, 1.0 / float(abs(g).sum())) * lr
            elif group["line_search"] is None:
                t = lr
            else:
                t = min(t * prev_gtd / gtd, lr * 1e4)
            prev_g, prev_gtd, prev_loss = g, gtd, loss
            if group["line_search"] == "strong_wolfe":
                x0 = flat.get()
                loss, g, t, ls_evals = strong_wolfe(
                    lambda step, x0=x0, d=d: flat.directional(closure, x0, step, d),
                    t, d, loss, g, gtd, c2=group["c2"], tolerance_change=tol_change,
                )
                flat.add(t, d)
            else:
                flat.add(t, d)
                loss, g = flat.evaluate(closure)
                ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if evals >= max_eval or max_abs(g) <= tol_grad:
                break
            if t == 0:  # the search found no decrease: restart along -g, or give up
                if restart:
                    break
                d, t = None, None
                continue
            if max_abs(d) * abs(t) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state["d"], state["prev_flat_grad"] = as_tensor(d), as_tensor(prev_g)
        state["t"], state["prev_gtd"], state["loss"] = t, prev_gtd, loss
        return orig_loss
