"""L-BFGS: a limited-memory quasi-Newton method, with an optional strong-Wolfe line search.

>>> import minigrad as mg
>>> x = mg.tensor([-1.5, 2.0], dtype=mg.float64, requires_grad=True)
>>> opt = mg.optim.LBFGS([x], line_search_fn="strong_wolfe")
>>> def closure():
...     opt.zero_grad()
...     loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
...     loss.backward()
...     return loss
>>> for _ in range(5):
...     _ = opt.step(closure)
>>> [round(v, 5) for v in x.tolist()]
[1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.optim._check import check_nonneg
from minigrad.optim._flat import FlatParams, as_array, as_tensor, dot, max_abs, to_float
from minigrad.optim.line_search import strong_wolfe
from minigrad.optim.optimizer import Optimizer, ParamsT

__all__ = ["LBFGS"]

_ARRAY_KEYS = ("d", "prev_flat_grad")
_LIST_KEYS = ("old_dirs", "old_stps")


class LBFGS(Optimizer):
    """L-BFGS (Nocedal 1980; Liu & Nocedal 1989), as ``torch.optim.LBFGS``.

    Each ``step(closure)`` runs up to ``max_iter`` iterations: the two-loop recursion turns
    the last ``history_size`` curvature pairs ``(s, y)`` into a quasi-Newton direction, the
    step length is ``lr`` (the first ever step is scaled by ``min(1, 1/|g|_1)``) or is chosen
    by a strong-Wolfe line search when ``line_search_fn="strong_wolfe"``. It stops early when
    ``max|g| <= tolerance_grad``, when the step or the loss change falls below
    ``tolerance_change``, or after ``max_eval`` closure calls (default ``max_iter * 5 // 4``).
    The closure must zero the gradients, compute the loss, call ``backward`` and return the
    loss. ``step`` returns the loss of the first closure call. All parameters form one group
    and must share one dtype and device. State persists between calls to ``step``.

    >>> import minigrad as mg
    >>> w = mg.zeros(3, dtype=mg.float64, requires_grad=True)
    >>> target = mg.tensor([1.0, -2.0, 3.0], dtype=mg.float64)
    >>> opt = mg.optim.LBFGS([w], lr=1, max_iter=50)
    >>> def closure():
    ...     opt.zero_grad(); loss = ((w - target) ** 2).sum(); loss.backward(); return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 6) for v in w.tolist()]
    [1.0, -2.0, 3.0]
    """

    def __init__(
        self, params: ParamsT, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
        tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS: per-parameter options are not supported (use one group)")
        self._flat = FlatParams(self.param_groups[0]["params"], "LBFGS")

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "tolerance_grad", "tolerance_change"):
            check_nonneg("LBFGS", key, group[key])
        for key in ("max_iter", "max_eval", "history_size"):
            if not isinstance(group[key], int) or group[key] < 1:
                raise ValueError(f"LBFGS: `{key}` (={group[key]!r}) must be an integer >= 1")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: `line_search_fn` must be None or 'strong_wolfe', got "
                f"{group['line_search_fn']!r}"
            )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; return the closure's first loss."""
        if closure is None:
            raise ValueError("LBFGS.step: a closure that recomputes the loss is required")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history, line_search = group["history_size"], group["line_search_fn"]
        flat = self._flat
        state = self.param_state(flat.params[0])
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = self._eval_closure(closure)
        loss = to_float(orig_loss, type(self).__name__)
        g = flat.grad()
        evals = 1
        state["func_evals"] += 1
        if max_abs(g) <= tol_grad:
            return orig_loss

        d = as_array(state.get("d"))
        t = state.get("t")
        old_dirs = [as_array(v) for v in state.get("old_dirs", [])]
        old_stps = [as_array(v) for v in state.get("old_stps", [])]
        ro = list(state.get("ro", []))
        h_diag = state.get("H_diag", 1.0)
        prev_g = as_array(state.get("prev_flat_grad"))
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -g, [], [], [], 1.0
            else:
                y = g - prev_g
                s = d * t
                ys = dot(y, s)
                if ys > 1e-10:  # keep the pair only when the curvature is positive
                    if len(old_dirs) == history:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / dot(y, y)
                d = self._two_loop(g, old_dirs, old_stps, ro, h_diag)
            prev_g = g.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = dot(g, d)
            if gtd > -tol_change:  # not a descent direction any more
                break
            if line_search == "strong_wolfe":
                x0 = flat.get()
                loss, g, t, ls_evals = strong_wolfe(
                    lambda step, x0=x0, d=d: flat.directional(closure, x0, step, d),
                    t, d, loss, g, gtd,
                )
                flat.add(t, d)
            else:
                flat.add(t, d)
                ls_evals = 0
                if n_iter != max_iter:
                    loss, g = flat.evaluate(closure)
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or evals >= max_eval:
                break
            if max_abs(g) <= tol_grad:
                break
            if max_abs(d) * abs(t) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state["d"], state["t"] = as_tensor(d), t
        state["old_dirs"] = [as_tensor(v) for v in old_dirs]
        state["old_stps"] = [as_tensor(v) for v in old_stps]
        state["ro"], state["H_diag"] = ro, h_diag
        state["prev_flat_grad"], state["prev_loss"] = as_tensor(prev_g), prev_loss
        return orig_loss

    @staticmethod
    def _two_loop(
        g: Any, dirs: list[Any], stps: list[Any], ro: list[float], h_diag: float
    ) -> Any:
        """The L-BFGS two-loop recursion: approximately ``-H g`` from the stored pairs."""
        q = -g
        alpha = [0.0] * len(dirs)
        for i in range(len(dirs) - 1, -1, -1):
            alpha[i] = dot(stps[i], q) * ro[i]
            q = q - alpha[i] * dirs[i]
        r = q * h_diag
        for i in range(len(dirs)):
            beta = dot(dirs[i], r) * ro[i]
            r = r + (alpha[i] - beta) * stps[i]
        return r
