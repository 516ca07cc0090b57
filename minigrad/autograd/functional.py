"""Higher-level differentiation, as ``torch.autograd.functional``: ``vjp``, ``jvp``,
``jacobian``, ``hessian``, ``vhp`` and ``hvp`` of a function of tensors.

``inputs`` is a Tensor or a tuple of Tensors, and results follow PyTorch's structure (a tuple
where the inputs or outputs were a tuple). Everything is computed in reverse mode (``jvp`` and
``hvp`` by the double-backward trick, as PyTorch does).

Differs from PyTorch: ``strategy="forward-mode"`` is refused (minigrad has no forward-mode
AD); ``vectorize=True`` is accepted and computes row by row, as ``vectorize=False`` does.

>>> import minigrad as mg
>>> from minigrad.autograd.functional import jacobian, hessian
>>> jacobian(lambda x: x ** 2, mg.tensor([1.0, 2.0]))
tensor([[2., 0.],
        [0., 4.]], dtype=float32, device='cpu')
>>> hessian(lambda x: (x ** 3).sum(), mg.tensor([1.0, 2.0]))
tensor([[ 6.,  0.],
        [ 0., 12.]], dtype=float32, device='cpu')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minigrad.autograd.engine import grad as _grad
from minigrad.errors import AutogradError, MinigradTypeError
from minigrad.grad_mode import enable_grad
from minigrad.tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(x: Any, arg: str, fn: str) -> tuple[bool, tuple[Any, ...]]:
    is_tuple = isinstance(x, tuple)
    items = x if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            where = f"the value at index {i} has" if is_tuple else "the given"
            raise MinigradTypeError(
                f"{fn}: the {arg} given to {fn} must be either a Tensor or a tuple of Tensors "
                f"but {where} {arg} has type {type(t).__name__}"
            )
    return is_tuple, items


def _prepare(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    """Fresh leaves to differentiate at (an alias in the graph when create_graph needs it)."""
    return tuple(t.reshape(t.shape) if create_graph and t.requires_grad
                 else t.detach().requires_grad_(True) for t in inputs)


def _finish(items: tuple[Any, ...], create_graph: bool) -> tuple[Any, ...]:
    if create_graph:
        return items
    return tuple(_finish(t, False) if isinstance(t, tuple) else t.detach() for t in items)


def _untuple(res: Any, to_untuple: tuple[bool, ...]) -> Any:
    """Drop the tuple levels that correspond to non-tuple inputs/outputs."""
    if len(to_untuple) == 2:
        if not to_untuple[1]:
            res = tuple(r[0] for r in res)
        if not to_untuple[0]:
            res = res[0]
        return res
    return res if to_untuple[0] else res[0]


def _grads(outputs: tuple[Tensor, ...], inputs: tuple[Tensor, ...], grad_outputs: tuple[Any, ...],
           create_graph: bool, retain_graph: bool | None = None) -> tuple[Any, ...]:
    """``grad`` over the outputs that require grad; None for inputs they do not reach."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs, strict=True) if o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                 retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


def _fill(grads: tuple[Any, ...], refs: tuple[Tensor, ...], strict: bool, fn: str,
          what: str) -> tuple[Tensor, ...]:
    out = []
    for i, (g, r) in enumerate(zip(grads, refs, strict=True)):
        if g is None:
            if strict:
                raise AutogradError(
                    f"{fn}: the {what} is independent of input {i}; this is not allowed in "
                    "strict mode"
                )
            g = r.detach() * 0
        out.append(g)
    return tuple(out)


def _check_v(v: Any, refs: tuple[Tensor, ...], fn: str, what: str) -> tuple[Tensor, ...]:
    if v is None:
        if len(refs) != 1 or refs[0].numel() != 1:
            raise AutogradError(
                f"{fn}: the vector v can only be None if the {what} is a single-element Tensor"
            )
        return (refs[0].detach() * 0 + 1,)
    _, vs = _as_tuple(v, "v", fn)
    if len(vs) != len(refs):
        raise AutogradError(f"{fn}: v has {len(vs)} Tensors but the {what} has {len(refs)}")
    for i, (a, b) in enumerate(zip(vs, refs, strict=True)):
        if a.shape != b.shape:
            raise AutogradError(
                f"{fn}: entry {i} of v has shape {tuple(a.shape)} but the {what} has shape "
                f"{tuple(b.shape)}"
            )
    return vs


def _call(func: Callable[..., Any], inputs: tuple[Tensor, ...], fn: str) -> tuple[bool, Any]:
    with enable_grad():
        out = func(*inputs)
    return _as_tuple(out, "outputs of the user-provided function", fn)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), vᵀ·J)``: the vector-Jacobian product at ``inputs``.

    >>> import minigrad as mg
    >>> out, g = vjp(lambda x: x * 3, mg.ones(2), mg.tensor([1.0, 2.0]))
    >>> g
    tensor([3., 6.], dtype=float32, device='cpu')
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _call(func, ins, "vjp")
    vs = _check_v(v, outs, "vjp", "output of the user-provided function")
    with enable_grad():
        grads = _grads(outs, ins, vs, create_graph)
    res = _fill(grads, ins, strict, "vjp", "output of the user-provided function")
    outs, res = _finish(outs, create_graph), _finish(res, create_graph)
    return _untuple(outs, (out_tuple,)), _untuple(res, (in_tuple,))


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), J·v)``: the Jacobian-vector product (by the double-backward trick).

    >>> import minigrad as mg
    >>> out, g = jvp(lambda x: x.sum(), mg.ones(2), mg.tensor([1.0, 2.0]))
    >>> g
    tensor(3., dtype=float32, device='cpu')
    """
    _, ins = _as_tuple(inputs, "inputs", "jvp")
    vs = _check_v(v, ins, "jvp", "input")
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _call(func, ins, "jvp")
    with enable_grad():
        dummies = tuple(o.detach() * 0 for o in outs)
        for d in dummies:
            d.requires_grad_(True)
        back = _grads(outs, ins, dummies, create_graph=True)
        back = _fill(back, ins, strict, "jvp", "output of the user-provided function")
        pairs = [(b, w) for b, w in zip(back, vs, strict=True) if b.requires_grad]
        if pairs:
            res = _grad([b for b, _ in pairs], dummies, [w for _, w in pairs],
                        create_graph=create_graph, allow_unused=True)
        else:
            res = (None,) * len(dummies)
    res = _fill(res, outs, strict, "jvp", "gradient")
    outs, res = _finish(outs, create_graph), _finish(res, create_graph)
    return _untuple(outs, (out_tuple,)), _untuple(res, (out_tuple,))


def _check_strategy(strategy: str, name: str, fn: str) -> None:
    if strategy == "forward-mode":
        raise NotImplementedError(
            f"{fn}: {name}='forward-mode' is not supported (minigrad has no forward-mode AD); "
            "use 'reverse-mode'"
        )
    if strategy != "reverse-mode":
        raise ValueError(
            f"{fn}: expected {name} to be either 'forward-mode' or 'reverse-mode', got "
            f"{strategy!r}"
        )


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian of ``func`` at ``inputs``: ``out.shape + in.shape`` per (output, input)
    pair, nested in tuples where the outputs / inputs are tuples (as PyTorch).

    >>> import minigrad as mg
    >>> jx, jy = jacobian(lambda x, y: x * y, (mg.tensor([2.0]), mg.tensor([5.0])))
    >>> jx, jy
    (tensor([[5.]], dtype=float32, device='cpu'), tensor([[2.]], dtype=float32, device='cpu'))
    """
    _check_strategy(strategy, "strategy", "jacobian")
    in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    ins = _prepare(ins, create_graph)
    out_tuple, outs = _call(func, ins, "jacobian")
    rows: list[tuple[Any, ...]] = []
    with enable_grad():
        for i, out in enumerate(outs):
            flat = out.reshape(-1)
            per_input: list[list[Any]] = [[] for _ in ins]
            for k in range(flat.numel()):
                seed = flat.detach() * 0
                seed._data[k] = 1
                gs = _grads((flat,), ins, (seed,), create_graph, retain_graph=True)
                for j, (g, x) in enumerate(zip(gs, ins, strict=True)):
                    if g is None:
                        if strict:
                            raise AutogradError(
                                f"jacobian: output {i} of the user-provided function is "
                                f"independent of input {j}; this is not allowed in strict mode"
                            )
                        g = x.detach() * 0
                    per_input[j].append(g)
            rows.append(tuple(_stack(gs, out, x) for gs, x in zip(per_input, ins, strict=True)))
    res = _finish(tuple(rows), create_graph)
    return _untuple(res, (out_tuple, in_tuple))


def _stack(grads: list[Any], out: Tensor, x: Tensor) -> Tensor:
    from minigrad import ops

    if not grads:  # an empty output
        return x.detach().new_zeros((*out.shape, *x.shape))
    return ops.stack(grads).reshape(*out.shape, *x.shape)


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar function: ``in.shape + in.shape`` (tuples of tuples for tuple
    inputs), the Jacobian of its gradient.

    >>> import minigrad as mg
    >>> hessian(lambda x: (x[0] * x[1]), mg.tensor([1.0, 2.0]))
    tensor([[0., 1.],
            [1., 0.]], dtype=float32, device='cpu')
    """
    _check_strategy(outer_jacobian_strategy, "outer_jacobian_strategy", "hessian")
    in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")

    def scalar(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if is_tuple or outs[0].numel() != 1:
            raise AutogradError(
                "hessian: the function given to hessian should return a single element Tensor"
            )
        return outs[0].reshape(())

    def jac_func(*inp: Tensor) -> Any:
        return jacobian(scalar, inp, create_graph=True, strict=strict)

    res = jacobian(jac_func, ins, create_graph=create_graph, strict=strict)
    return _untuple(res, (in_tuple, in_tuple))


def _scalar_out(func: Callable[..., Any], ins: tuple[Tensor, ...], fn: str) -> Tensor:
    out_tuple, outs = _call(func, ins, fn)
    if out_tuple or outs[0].numel() != 1:
        raise AutogradError(
            f"{fn}: the function given to {fn} should return a single element Tensor"
        )
    return outs[0]


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), vᵀ·H)`` for a scalar function.

    >>> import minigrad as mg
    >>> out, g = vhp(lambda x: (x ** 3).sum(), mg.tensor([1.0, 2.0]), mg.ones(2))
    >>> g
    tensor([ 6., 12.], dtype=float32, device='cpu')
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "vhp")
    vs = _check_v(v, ins, "vhp", "input")
    ins = _prepare(ins, create_graph)
    out = _scalar_out(func, ins, "vhp")
    with enable_grad():
        jac = _fill(_grads((out,), ins, (None,), create_graph=True), ins, strict, "vhp",
                    "output of the user-provided function")
        pairs = [(j, w) for j, w in zip(jac, vs, strict=True) if j.requires_grad]
        res = (_grad([j for j, _ in pairs], ins, [w for _, w in pairs],
                     create_graph=create_graph, allow_unused=True)
               if pairs else (None,) * len(ins))
    res = _fill(res, ins, strict, "vhp", "jacobian")
    outs, res = _finish((out,), create_graph), _finish(res, create_graph)
    return outs[0], _untuple(res, (in_tuple,))


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), H·v)`` for a scalar function (by the double-backward trick).

    >>> import minigrad as mg
    >>> out, g = hvp(lambda x: x[0] ** 2 * x[1], mg.tensor([1.0, 2.0]), mg.tensor([1.0, 0.0]))
    >>> g
    tensor([4., 2.], dtype=float32, device='cpu')
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "hvp")
    vs = _check_v(v, ins, "hvp", "input")
    ins = _prepare(ins, create_graph)
    out = _scalar_out(func, ins, "hvp")
    with enable_grad():
        jac = _fill(_grads((out,), ins, (None,), create_graph=True), ins, strict, "hvp",
                    "output of the user-provided function")
        dummies = tuple(x.detach() * 0 for x in ins)
        for d in dummies:
            d.requires_grad_(True)
        back = _fill(_grads(jac, ins, dummies, create_graph=True), ins, strict, "hvp",
                     "jacobian")
        pairs = [(b, w) for b, w in zip(back, vs, strict=True) if b.requires_grad]
        res = (_grad([b for b, _ in pairs], dummies, [w for _, w in pairs],
                     create_graph=create_graph, allow_unused=True)
               if pairs else (None,) * len(ins))
    res = _fill(res, ins, False, "hvp", "jacobian")
    outs, res = _finish((out,), create_graph), _finish(res, create_graph)
    return outs[0], _untuple(res, (in_tuple,))
