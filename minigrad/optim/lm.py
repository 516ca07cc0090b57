"""Levenberg–Marquardt for nonlinear least squares with a residual closure.

>>> import minigrad as mg
>>> x = mg.linspace(0, 1, 10, dtype=mg.float64)
>>> y = 2.0 * mg.exp(-1.5 * x)
>>> p = mg.tensor([1.0, 0.0], dtype=mg.float64, requires_grad=True)
>>> opt = mg.optim.LevenbergMarquardt([p], max_iter=30)
>>> _ = opt.step(lambda: p[0] * mg.exp(p[1] * x) - y)
>>> [round(v, 6) for v in p.tolist()]
[2.0, -1.5]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from minigrad.autograd import grad as autograd_grad
from minigrad.errors import AutogradError, MinigradTypeError
from minigrad.grad_mode import enable_grad, no_grad
from minigrad.optim._check import check_nonneg
from minigrad.optim._flat import FlatParams
from minigrad.optim.optimizer import Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["LevenbergMarquardt"]


class LevenbergMarquardt(Optimizer):
    """Levenberg–Marquardt (Levenberg 1944; Marquardt 1963) on the flattened parameters.

    ``step(closure)``: the closure returns the RESIDUAL vector ``r(θ)`` (a tensor of any
    shape, flattened; it should not call ``backward``). The method minimises the sum of
    squares ``S(θ) = Σ r_i²``. Each iteration

    1. builds the Jacobian ``J = ∂r/∂θ`` (m × n) by reverse mode: one backward pass per
       residual entry, with ``retain_graph=True`` (parameters ``r`` does not use get zero
       columns);
    2. solves, in float64, ``(JᵀJ + λ·D) Δ = −Jᵀr`` with ``D = diag(JᵀJ)`` (Marquardt's
       scaling), each entry floored at ``min_diag · max(1, max D)`` so zero columns cannot
       make the system singular. The damped normal equations are solved by Cholesky
       factorisation when the factor's estimated condition number is below ``cond_limit``;
       otherwise (or if the factorisation fails or gives non-finite values) the equivalent
       augmented problem ``[J; sqrt(λD)] Δ ≈ [−r; 0]`` is solved by SVD-based least squares,
       which never squares the condition number;
    3. evaluates ``r(θ + Δ)`` (without recording). If ``S`` decreased the step is accepted
       and ``λ ← max(λ·lambda_down, lambda_min)``; otherwise the parameters are restored,
       ``λ ← min(λ·lambda_up, lambda_max)`` and the solve is retried (at most
       ``max_attempts`` times, reusing ``J``).

    A ``step`` runs up to ``max_iter`` such iterations and stops early when
    ``max|Jᵀr| <= tolerance_grad``, when an accepted step lowers ``S`` by less than
    ``tolerance_change · S``, or when no damping up to ``lambda_max`` gives a decrease. It
    returns the (detached) residual of the first closure call. The current ``λ``, the sum
    of squares and counters live in ``optimizer.state[first_param]`` (keys ``lambda``,
    ``cost``, ``n_iter``, ``func_evals``, ``accepted``, ``rejected``, ``converged``).

    Memory and time grow as m·n (the Jacobian) and n³ (the solve): this is for small
    networks and curve fits, as in the classic literature.

    >>> import minigrad as mg
    >>> w = mg.zeros(2, dtype=mg.float64, requires_grad=True)
    >>> a = mg.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]], dtype=mg.float64)
    >>> b = mg.tensor([1.0, 3.0, 5.0], dtype=mg.float64)
    >>> opt = mg.optim.LevenbergMarquardt([w], max_iter=5)
    >>> _ = opt.step(lambda: a @ w - b)   # a linear fit
    >>> [round(v, 6) for v in w.tolist()]
    [1.0, 2.0]
    """

    def __init__(
        self, params: ParamsT, lambda_: float = 1e-3, lambda_up: float = 10.0,
        lambda_down: float = 0.1, lambda_min: float = 1e-12, lambda_max: float = 1e12,
        max_iter: int = 1, max_attempts: int = 10, tolerance_grad: float = 1e-12,
        tolerance_change: float = 1e-14, min_diag: float = 1e-12, cond_limit: float = 1e10,
    ) -> None:
        defaults = {"lambda_": lambda_, "lambda_up": lambda_up, "lambda_down": lambda_down,
                    "lambda_min": lambda_min, "lambda_max": lambda_max, "max_iter": max_iter,
                    "max_attempts": max_attempts, "tolerance_grad": tolerance_grad,
                    "tolerance_change": tolerance_change, "min_diag": min_diag,
                    "cond_limit": cond_limit}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(
                "LevenbergMarquardt: per-parameter options are not supported (use one group)"
            )
        self._flat = FlatParams(self.param_groups[0]["params"], "LevenbergMarquardt")

    def _check_group(self, group: dict[str, Any]) -> None:
        name = "LevenbergMarquardt"
        for key in ("lambda_", "lambda_min", "tolerance_grad", "tolerance_change", "min_diag"):
            check_nonneg(name, key, group[key])
        if not group["lambda_up"] > 1:
            raise ValueError(f"{name}: `lambda_up` (={group['lambda_up']!r}) must be > 1")
        if not 0 < group["lambda_down"] < 1:
            raise ValueError(
                f"{name}: `lambda_down` (={group['lambda_down']!r}) must be in (0, 1)"
            )
        if not group["lambda_max"] >= group["lambda_min"]:
            raise ValueError(f"{name}: `lambda_max` must be >= `lambda_min`")
        for key in ("max_iter", "max_attempts"):
            if not isinstance(group[key], int) or group[key] < 1:
                raise ValueError(f"{name}: `{key}` (={group[key]!r}) must be an integer >= 1")

    # ------------------------------------------------------------------ pieces
    def _residual(self, closure: Callable[[], Any], record: bool) -> Tensor:
        with enable_grad() if record else no_grad():
            r = closure()
        if not isinstance(r, Tensor):
            raise MinigradTypeError(
                "LevenbergMarquardt.step: the closure must return the residual vector as a "
                f"Tensor, got {type(r).__name__}"
            )
        if record and not r.requires_grad:
            raise AutogradError(
                f"LevenbergMarquardt.step: the residual (shape {r.shape}) does not depend on "
                "the parameters (it does not require grad)"
            )
        return r

    def jacobian(self, r: Tensor) -> Any:
        """The Jacobian of the residual ``r`` w.r.t. the flattened parameters (float64 array).

        One reverse-mode pass per entry of ``r``; row ``i`` is ``∂r_i/∂θ``.

        >>> import minigrad as mg
        >>> a = mg.tensor([1.0, 2.0], requires_grad=True)
        >>> opt = mg.optim.LevenbergMarquardt([a])
        >>> opt.jacobian(mg.stack([a[0] * a[1], a[1] ** 2])).tolist()
        [[2.0, 1.0], [0.0, 4.0]]
        """
        flat = self._flat
        xp = flat.xp
        m = r.numel()
        jac = xp.zeros((m, flat.numel), dtype=xp.float64)
        seed = xp.zeros(m, dtype=r.dtype)
        for i in range(m):
            seed[...] = 0
            seed[i] = 1
            grads = autograd_grad(r, flat.params, Tensor._make(seed.reshape(r.shape), None),
                                  retain_graph=True, allow_unused=True)
            offset = 0
            for gr, n in zip(grads, flat.sizes, strict=True):
                if gr is not None:
                    jac[i, offset:offset + n] = gr._data.reshape(-1)
                offset += n
        return jac

    @staticmethod
    def _solve(xp: Any, jac: Any, r: Any, a: Any, g: Any, damp: Any, cond_limit: float) -> Any:
        """Δ from (A + diag(damp)) Δ = -g, falling back to the augmented SVD least squares."""
        m = a + xp.diag(damp)
        linalg_error = getattr(xp.linalg, "LinAlgError", ValueError)
        try:
            chol = xp.linalg.cholesky(m)
            dl = xp.abs(xp.diag(chol))
            if float(dl.min()) > 0 and float((dl.max() / dl.min()) ** 2) < cond_limit:
                delta = xp.linalg.solve(m, -g)
                if bool(xp.isfinite(delta).all()):
                    return delta
        except linalg_error:
            pass
        aug = xp.concatenate([jac, xp.diag(xp.sqrt(damp))])
        rhs = xp.concatenate([-r, xp.zeros(jac.shape[1], dtype=r.dtype)])
        return xp.linalg.lstsq(aug, rhs, rcond=None)[0]

    # ------------------------------------------------------------------ step
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` LM iterations; return the first residual (detached)."""
        if closure is None:
            raise ValueError(
                "LevenbergMarquardt.step: a closure returning the residual vector is required"
            )
        group = self.param_groups[0]
        flat = self._flat
        xp = flat.xp
        state = self.param_state(flat.params[0])
        lam = float(state.get("lambda", group["lambda_"]))
        for key in ("n_iter", "func_evals", "accepted", "rejected"):
            state.setdefault(key, 0)
        first = None
        for _ in range(group["max_iter"]):
            r_t = self._residual(closure, record=True)
            state["func_evals"] += 1
            if first is None:
                first = r_t.detach()
            r = r_t._data.reshape(-1).astype(xp.float64)
            cost = float(r @ r)
            state["cost"], state["converged"] = cost, False
            jac = self.jacobian(r_t)
            del r_t
            g = jac.T @ r
            if float(xp.abs(g).max()) <= group["tolerance_grad"]:
                state["converged"] = True
                break
            a = jac.T @ jac
            diag = xp.diag(a).copy()
            floor = group["min_diag"] * max(1.0, float(diag.max()))
            diag = xp.maximum(diag, floor)
            x0 = flat.get()
            accepted = False
            for _attempt in range(group["max_attempts"]):
                delta = self._solve(xp, jac, r, a, g, lam * diag, group["cond_limit"])
                flat.set(x0 + delta.astype(flat.dtype))
                r_new = self._residual(closure, record=False)._data.reshape(-1)
                state["func_evals"] += 1
                new_cost = float(r_new.astype(xp.float64) @ r_new.astype(xp.float64))
                if math.isfinite(new_cost) and new_cost < cost:
                    accepted = True
                    lam = max(lam * group["lambda_down"], group["lambda_min"])
                    break
                flat.set(x0)
                state["rejected"] += 1
                if lam >= group["lambda_max"]:
                    break
                lam = min(lam * group["lambda_up"], group["lambda_max"])
            state["n_iter"] += 1
            state["lambda"] = lam
            if not accepted:
                state["converged"] = True  # no damping gives a decrease: a (local) minimum
                break
            state["accepted"] += 1
            state["cost"] = new_cost
            if cost - new_cost < group["tolerance_change"] * cost:
                state["converged"] = True
                break
        state["lambda"] = lam
        return first
