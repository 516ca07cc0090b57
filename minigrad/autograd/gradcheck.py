"""``torch.autograd.gradcheck`` / ``gradgradcheck`` with PyTorch's keyword names, built on
:mod:`minigrad.testing`'s float64 finite-difference checks.

Differs from PyTorch: inputs that require grad must be float64 (PyTorch only warns); the
checks of forward-mode AD and of batched (vmap) gradients do not exist here and asking for
them raises; ``nondet_tol``, ``check_undefined_grad``, ``check_grad_dtypes`` and
``gen_non_contig_grad_outputs`` are accepted and have no effect (minigrad's backward is
deterministic, casts gradients to the input's dtype, and has no memory layouts).

>>> import minigrad as mg
>>> x = mg.randn(3, dtype=mg.float64, requires_grad=True)
>>> mg.autograd.gradcheck(lambda t: (t * t).sin(), (x,), eps=1e-6, atol=1e-4)
True
>>> mg.autograd.gradgradcheck(lambda t: t.tanh(), x)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from minigrad.testing import gradcheck as _impl
from minigrad.testing import gradgradcheck as _impl_gg
from minigrad.testing.gradcheck import GradcheckError

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


def _refuse(**flags: bool) -> None:
    for name, on in flags.items():
        if on:
            raise NotImplementedError(
                f"gradcheck: {name}=True is not supported (minigrad has no forward-mode AD "
                "and no vmap); leave it False"
            )


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check ``func``'s gradients against central finite differences (as PyTorch's).

    Returns True, or raises :class:`GradcheckError` (False with ``raise_exception=False``).

    >>> import minigrad as mg
    >>> x = mg.tensor([0.5, 2.0], dtype=mg.float64, requires_grad=True)
    >>> mg.autograd.gradcheck(mg.exp, x, fast_mode=True)
    True
    """
    _refuse(check_batched_grad=check_batched_grad,
            check_batched_forward_grad=check_batched_forward_grad,
            check_forward_ad=check_forward_ad, masked=bool(masked))
    if not check_backward_ad:
        return True
    return _impl(func, inputs, eps, atol, rtol, fast_mode=fast_mode,
                 raise_exception=raise_exception)


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any | Sequence[Any] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second-order gradients (the gradient of ``func``'s vector-Jacobian product).

    >>> import minigrad as mg
    >>> x = mg.tensor([0.3, -0.7], dtype=mg.float64, requires_grad=True)
    >>> mg.autograd.gradgradcheck(lambda t: t ** 3, (x,))
    True
    """
    _refuse(check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev,
            masked=masked)
    if not check_rev_over_rev:
        return True
    return _impl_gg(func, inputs, grad_outputs, eps, atol, rtol, fast_mode=fast_mode,
                    raise_exception=raise_exception)

