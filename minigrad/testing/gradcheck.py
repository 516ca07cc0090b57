"""Check gradients against float64 central finite differences, first and second order.

:func:`gradcheck` compares the Jacobian the autograd engine computes with
``(f(x + eps·e_k) - f(x - eps·e_k)) / (2·eps)`` for every element ``k`` of every input that
requires grad (or, with ``fast_mode=True``, a few random projections ``vᵀ J u``).
:func:`gradgradcheck` does the same for the gradient itself, computed with
``create_graph=True``. Both return True or raise :class:`GradcheckError` describing the worst
mismatch. Inputs that require grad must be float64: float32 finite differences are too coarse
to tell a wrong gradient from rounding.

>>> import minigrad as mg
>>> from minigrad.testing import gradcheck, gradgradcheck
>>> x = mg.tensor([0.5, 1.0, 2.0], dtype=mg.float64, requires_grad=True)
>>> gradcheck(lambda t: (t.sin() * t).sum(), x)
True
>>> gradgradcheck(lambda t: t ** 3, x)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from minigrad.errors import MinigradError, MinigradTypeError

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(MinigradError, RuntimeError):
    """Raised by :func:`gradcheck` / :func:`gradgradcheck` when gradients disagree.

    A ``RuntimeError`` (as PyTorch's ``GradcheckError``), deliberately not an
    ``AssertionError``: it reports a property of the code under test, and must survive
    ``python -O``. The attributes ``analytic`` and ``numeric`` hold the worst pair found.
    """

    def __init__(self, message: str, analytic: float = float("nan"),
                 numeric: float = float("nan")) -> None:
        super().__init__(message)
        self.analytic, self.numeric = analytic, numeric


def _mg() -> Any:
    import minigrad

    return minigrad


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _host(t: Any) -> np.ndarray:
    """A float64 NumPy copy of a tensor's values (any device)."""
    return np.array(t._backend.to_numpy(t._data), dtype=np.float64)


def _check_inputs(inputs: tuple[Any, ...], op: str) -> list[int]:
    """Indices of the inputs to differentiate; they must be float64 tensors."""
    Tensor = _mg().Tensor
    diff = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad:
            if x.dtype != np.float64:
                raise MinigradTypeError(
                    f"{op}: input {i} (shape {x.shape}) has dtype {x.dtype}; inputs that "
                    "require grad must be float64 (finite differences in lower precision "
                    "cannot tell a wrong gradient from rounding): use x.double()"
                )
            if x.grad_fn is not None:
                raise MinigradTypeError(
                    f"{op}: input {i} (shape {x.shape}) is not a leaf; pass x.detach()"
                    ".requires_grad_() so that perturbing it cannot disturb another graph"
                )
            diff.append(i)
    if not diff:
        raise MinigradTypeError(f"{op}: no input requires grad; nothing to check")
    return diff


def _outputs(fn: Callable[..., Any], inputs: tuple[Any, ...], op: str) -> tuple[Any, ...]:
    """Call fn and keep the floating-point tensor outputs (ints, e.g. indices, are skipped)."""
    Tensor = _mg().Tensor
    outs = _as_tuple(fn(*inputs))
    for j, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise MinigradTypeError(
                f"{op}: fn must return a Tensor or a tuple of Tensors; output {j} is "
                f"{type(o).__name__}"
            )
    return tuple(o for o in outs if o.dtype.kind == "f")


def _numeric_jacobians(fn: Callable[..., Any], inputs: tuple[Any, ...], diff: list[int],
                       eps: float, op: str) -> list[list[np.ndarray]]:
    """jac[i][j] has shape (numel of output j, numel of input diff[i])."""
    base = _outputs(fn, inputs, op)
    jac = []
    for i in diff:
        x = inputs[i]
        arr = x._data
        n = arr.size
        cols = [np.zeros((o.numel(), n)) for o in base]
        for k in range(n):
            idx = np.unravel_index(k, arr.shape)
            with x._backend.device_context(arr):  # the nudges run on x's GPU
                orig = arr[idx].item()
                arr[idx] = orig + eps
            plus = [_host(o).ravel() for o in _outputs(fn, inputs, op)]
            with x._backend.device_context(arr):
                arr[idx] = orig - eps
            minus = [_host(o).ravel() for o in _outputs(fn, inputs, op)]
            with x._backend.device_context(arr):
                arr[idx] = orig
            for c, p, m in zip(cols, plus, minus, strict=True):
                c[:, k] = (p - m) / (2 * eps)
        jac.append(cols)
    return jac


def _vjp(outs: tuple[Any, ...], inputs: tuple[Any, ...], diff: list[int],
         grad_outputs: list[Any]) -> list[np.ndarray]:
    """Gradients of sum_j <grad_outputs[j], outs[j]> w.r.t. each differentiable input."""
    mg = _mg()
    pairs = [(o, g) for o, g in zip(outs, grad_outputs, strict=True) if o.requires_grad]
    if not pairs:
        return [np.zeros(inputs[i].shape) for i in diff]
    grads = mg.grad([o for o, _ in pairs], [inputs[i] for i in diff],
                    grad_outputs=[g for _, g in pairs], retain_graph=True, allow_unused=True)
    return [np.zeros(inputs[i].shape) if g is None else _host(g)
            for i, g in zip(diff, grads, strict=True)]


def _analytic_jacobians(outs: tuple[Any, ...], inputs: tuple[Any, ...],
                        diff: list[int]) -> list[list[np.ndarray]]:
    mg = _mg()
    jac = [[np.zeros((o.numel(), inputs[i].numel())) for o in outs] for i in diff]
    for j, o in enumerate(outs):
        for r in range(o.numel()):
            seeds = []
            for jj, oo in enumerate(outs):
                s = np.zeros(oo.shape, dtype=oo.dtype)
                if jj == j:
                    s.flat[r] = 1.0
                seeds.append(mg.tensor(s, device=oo.device))
            for col, g in zip(jac, _vjp(outs, inputs, diff, seeds), strict=True):
                col[j][r, :] = g.ravel()
    return jac


def _fail(op: str, what: str, a: float, n: float, atol: float, rtol: float) -> GradcheckError:
    return GradcheckError(
        f"{op}: Jacobian mismatch for {what}:\n  analytic = {a!r}\n  numeric  = {n!r}\n"
        f"  |analytic - numeric| = {abs(a - n):.3g} > atol + rtol*|numeric| = "
        f"{atol + rtol * abs(n):.3g}",
        analytic=a, numeric=n,
    )


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    fast_mode: bool = False,
    n_directions: int = 3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Compare the gradients of ``fn(*inputs)`` with float64 central differences.

    ``inputs`` is a tensor or a tuple (non-tensors are passed through unchanged); every
    tensor input with ``requires_grad=True`` must be a float64 leaf and is checked element
    by element. ``fn`` returns a tensor or a tuple of tensors; integer outputs (such as the
    indices of ``max``) are ignored. An element passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``.

    With ``fast_mode=True`` only ``n_directions`` random projections ``vᵀ J u`` (``u``, ``v``
    from a generator seeded by ``seed``) are compared: one backward and two forwards each,
    instead of one backward per output element and two forwards per input element.

    Returns True; on a mismatch raises :class:`GradcheckError` naming the input, the element
    (or direction), the analytic and the numeric values of the worst mismatch — or returns
    False when ``raise_exception=False``.

    >>> import minigrad as mg
    >>> x = mg.tensor([[1.0, -2.0]], dtype=mg.float64, requires_grad=True)
    >>> gradcheck(lambda t: t.exp(), x, fast_mode=True)
    True
    >>> from minigrad.op import Op
    >>> class BadSquare(Op):
    ...     def forward(self, xp, a):
    ...         return a * a
    ...     def backward(self, m, g, inputs, out):
    ...         return (g * inputs[0],)  # forgot the factor 2
    >>> gradcheck(BadSquare.apply, x, raise_exception=False)
    False
    """
    mg = _mg()
    op = "gradcheck"
    inputs = _as_tuple(inputs)
    diff = _check_inputs(inputs, op)
    try:
        with mg.enable_grad():
            if fast_mode:
                _fast_check(fn, inputs, diff, eps, atol, rtol, n_directions, seed, op)
            else:
                _slow_check(fn, inputs, diff, eps, atol, rtol, op)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _slow_check(fn: Callable[..., Any], inputs: tuple[Any, ...], diff: list[int], eps: float,
                atol: float, rtol: float, op: str) -> None:
    outs = _outputs(fn, inputs, op)
    analytic = _analytic_jacobians(outs, inputs, diff)
    numeric = _numeric_jacobians(fn, inputs, diff, eps, op)
    worst = None
    for a_cols, n_cols, i in zip(analytic, numeric, diff, strict=True):
        for j, (a, n) in enumerate(zip(a_cols, n_cols, strict=True)):
            if a.size == 0:
                continue
            excess = np.abs(a - n) - (atol + rtol * np.abs(n))
            excess = np.where(np.isnan(excess), np.inf, excess)
            r, k = np.unravel_index(int(np.argmax(excess)), excess.shape)
            if excess[r, k] > 0 and (worst is None or excess[r, k] > worst[0]):
                in_idx = tuple(int(v) for v in np.unravel_index(k, inputs[i].shape))
                out_idx = tuple(int(v) for v in np.unravel_index(r, outs[j].shape))
                what = (f"input {i} (shape {inputs[i].shape}) element {in_idx}, output {j} "
                        f"(shape {outs[j].shape}) element {out_idx}")
                worst = (excess[r, k], what, float(a[r, k]), float(n[r, k]))
    if worst is not None:
        raise _fail(op, worst[1], worst[2], worst[3], atol, rtol)


def _fast_check(fn: Callable[..., Any], inputs: tuple[Any, ...], diff: list[int], eps: float,
                atol: float, rtol: float, n_directions: int, seed: int, op: str) -> None:
    mg = _mg()
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs, op)
    for d in range(n_directions):
        us = [rng.standard_normal(inputs[i].shape) for i in diff]
        vs = [rng.standard_normal(o.shape) for o in outs]
        seeds = [mg.tensor(v, dtype=o.dtype, device=o.device) for v, o in zip(vs, outs,
                                                                              strict=True)]
        grads = _vjp(outs, inputs, diff, seeds)
        analytic = float(sum(np.sum(g * u) for g, u in zip(grads, us, strict=True)))
        saved = [inputs[i]._data.copy() for i in diff]
        values = []
        for sign in (1.0, -1.0):
            for i, u, s in zip(diff, us, saved, strict=True):
                x = inputs[i]
                x._data[...] = s + sign * eps * x._backend.asarray(u, dtype=s.dtype)
            values.append(sum(float(np.sum(_host(o) * v))
                              for o, v in zip(_outputs(fn, inputs, op), vs, strict=True)))
        for i, s in zip(diff, saved, strict=True):
            inputs[i]._data[...] = s
        numeric = (values[0] - values[1]) / (2 * eps)
        if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
            raise _fail(op, f"random direction {d} (vᵀJu, seed={seed}, fast_mode)", analytic,
                        numeric, atol, rtol)


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Sequence[Any] | Any | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    *,
    fast_mode: bool = False,
    n_directions: int = 3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second-order gradients: :func:`gradcheck` of the gradient of ``fn``.

    The gradient ``grad(fn(*inputs), inputs, grad_outputs, create_graph=True)`` is treated as
    a function of both ``inputs`` and ``grad_outputs`` and checked against finite differences,
    so the backward formulas are differentiated by the engine and compared with numbers.
    ``grad_outputs`` (one per floating output of ``fn``) default to random float64 tensors
    drawn from a generator seeded by ``seed``; if given they must require grad to be checked
    too. Other arguments as in :func:`gradcheck`.

    >>> import minigrad as mg
    >>> x = mg.tensor([0.3, -0.7], dtype=mg.float64, requires_grad=True)
    >>> gradgradcheck(lambda t: t.tanh(), x)
    True
    """
    mg = _mg()
    op = "gradgradcheck"
    inputs = _as_tuple(inputs)
    diff = _check_inputs(inputs, op)
    with mg.enable_grad():
        outs = _outputs(fn, inputs, op)
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = tuple(
            mg.tensor(rng.standard_normal(o.shape), dtype=mg.float64, device=o.device,
                      requires_grad=True) for o in outs
        )
    else:
        grad_outputs = _as_tuple(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise MinigradTypeError(
            f"{op}: fn has {len(outs)} floating-point outputs but {len(grad_outputs)} "
            "grad_outputs were given"
        )
    n = len(inputs)

    def first_grad(*args: Any) -> tuple[Any, ...]:
        ins, gos = args[:n], args[n:]
        outs = _outputs(fn, ins, op)
        pairs = [(o, g) for o, g in zip(outs, gos, strict=True) if o.requires_grad]
        if not pairs:
            return tuple(mg.zeros_like(ins[i]) for i in diff)
        grads = mg.grad([o for o, _ in pairs], [ins[i] for i in diff],
                        grad_outputs=[g for _, g in pairs], create_graph=True,
                        allow_unused=True)
        return tuple(mg.zeros_like(ins[i]) if g is None else g
                     for i, g in zip(diff, grads, strict=True))

    try:
        return gradcheck(first_grad, (*inputs, *grad_outputs), eps, atol, rtol,
                         fast_mode=fast_mode, n_directions=n_directions, seed=seed,
                         raise_exception=True)
    except GradcheckError as e:
        if raise_exception:
            raise GradcheckError(f"{op} (second order): {e}", e.analytic, e.numeric) from None
        return False
