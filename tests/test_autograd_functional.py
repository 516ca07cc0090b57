"""autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against closed forms and
against torch.autograd.functional on the same functions: values and result structure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import functional as AF

A = np.arange(12.0).reshape(3, 4) / 10


def _torch() -> Any:
    return pytest.importorskip("torch")


def _inputs(lib: Any, shapes: tuple[tuple[int, ...], ...]) -> tuple[Any, ...]:
    gen = np.random.default_rng(7)
    return tuple(lib.tensor(gen.standard_normal(s).tolist(), dtype=lib.float64) for s in shapes)


# name -> (function of (lib, *inputs), input shapes, whether inputs are passed as a tuple)
FUNCS: dict[str, tuple[Callable[..., Any], tuple[tuple[int, ...], ...], bool]] = {
    "elementwise": (lambda lib, x: x.exp() * x.sin(), ((3,),), False),
    "tuple_in_out": (lambda lib, x, y: (x * y, x.sum() * y), ((2,), (2,)), True),
    "matrix": (lambda lib, x: x @ lib.tensor(A.tolist(), dtype=lib.float64), ((2, 3),), False),
    "one_tuple": (lambda lib, x: (x.tanh(),), ((2, 2),), True),
}
SCALARS: dict[str, tuple[Callable[..., Any], tuple[tuple[int, ...], ...], bool]] = {
    "cubic": (lambda lib, x: (x ** 3).sum() + (x[0] * x[1]), ((3,),), False),
    "two_inputs": (lambda lib, x, y: (x * y.exp()).sum() + (x ** 3).sum(), ((2,), (2,)), True),
    "matrix_input": (lambda lib, x: (x.sin() * x).sum(), ((2, 2),), False),
}


def _call(lib: Any, spec: Any, api: Callable[..., Any], with_v: bool, v_of: str,
          **kw: Any) -> Any:
    fn, shapes, as_tuple = spec
    ins = _inputs(lib, shapes)

    def func(*a: Any) -> Any:
        return fn(lib, *a)

    args = ins if as_tuple else ins[0]
    if not with_v:
        return api(func, args, **kw)
    if v_of == "inputs":
        vs = tuple(t * 0 + 0.5 + t.new_ones(t.shape).cumsum(-1) for t in ins)
    else:
        out = func(*ins)
        outs = out if isinstance(out, tuple) else (out,)
        vs = tuple(o.detach() * 0 + o.detach().new_ones(o.shape).cumsum(-1) for o in outs)
        vs = vs if isinstance(out, tuple) else vs[0]
        return api(func, args, vs, **kw)
    return api(func, args, vs if as_tuple else vs[0], **kw)


def _same(a: Any, b: Any) -> None:
    """Equal values and equal tuple structure."""
    assert isinstance(a, tuple) == isinstance(b, tuple), (type(a), type(b))
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(np.asarray(a.detach().tolist()),
                               np.asarray(b.detach().tolist()), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize(("api", "with_v", "v_of"), [
    ("jacobian", False, ""), ("vjp", True, "outputs"), ("jvp", True, "inputs")])
def test_first_order_matches_torch(name: str, api: str, with_v: bool, v_of: str) -> None:
    torch = _torch()
    ours = _call(mg, FUNCS[name], getattr(AF, api), with_v, v_of)
    theirs = _call(torch, FUNCS[name], getattr(torch.autograd.functional, api), with_v, v_of)
    _same(ours, theirs)


@pytest.mark.parametrize("name", sorted(SCALARS))
@pytest.mark.parametrize(("api", "with_v"), [("hessian", False), ("vhp", True), ("hvp", True)])
def test_second_order_matches_torch(name: str, api: str, with_v: bool) -> None:
    torch = _torch()
    ours = _call(mg, SCALARS[name], getattr(AF, api), with_v, "inputs")
    theirs = _call(torch, SCALARS[name], getattr(torch.autograd.functional, api), with_v,
                   "inputs")
    _same(ours, theirs)


def test_closed_forms_without_torch() -> None:
    x = mg.tensor([0.5, -1.0, 2.0], dtype=mg.float64)
    xs = x.numpy()
    jac = AF.jacobian(lambda t: t.exp() * t.sin(), x)
    np.testing.assert_allclose(jac.numpy(), np.diag(np.exp(xs) * (np.sin(xs) + np.cos(xs))))
    hes = AF.hessian(lambda t: (t ** 3).sum() + t[0] * t[1], x)
    want = np.diag(6 * xs)
    want[0, 1] = want[1, 0] = 1
    np.testing.assert_allclose(hes.numpy(), want)
    v = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    out, hv = AF.hvp(lambda t: (t ** 3).sum() + t[0] * t[1], x, v)
    np.testing.assert_allclose(hv.numpy(), want @ v.numpy())
    out, vh = AF.vhp(lambda t: (t ** 3).sum() + t[0] * t[1], x, v)
    np.testing.assert_allclose(vh.numpy(), v.numpy() @ want)
    out, jv = AF.jvp(lambda t: t * t, x, v)
    np.testing.assert_allclose(jv.numpy(), 2 * xs * v.numpy())
    out, vj = AF.vjp(lambda t: (t * t).sum(), x)  # v may be omitted for a scalar output
    np.testing.assert_allclose(vj.numpy(), 2 * xs)
    assert not (out.requires_grad or vj.requires_grad)


@pytest.mark.parametrize("lib_name", ["minigrad", "torch"])
def test_create_graph_results_are_differentiable(lib_name: str) -> None:
    lib = mg if lib_name == "minigrad" else _torch()
    functional = AF if lib is mg else lib.autograd.functional
    x = lib.tensor([0.5, 2.0], dtype=lib.float64, requires_grad=True)
    jac = functional.jacobian(lambda t: t ** 3, x, create_graph=True)
    assert jac.requires_grad
    (g,) = lib.autograd.grad(jac.sum(), x)
    np.testing.assert_allclose(np.asarray(g.tolist()), [3.0, 12.0])  # d/dx of 3x^2
    hes = functional.hessian(lambda t: (t ** 4).sum(), x, create_graph=True)
    (g,) = lib.autograd.grad(hes.sum(), x)
    np.testing.assert_allclose(np.asarray(g.tolist()), [12.0, 48.0])  # d/dx of 12x^2


@pytest.mark.parametrize("lib_name", ["minigrad", "torch"])
def test_strict_and_independent_outputs(lib_name: str) -> None:
    lib = mg if lib_name == "minigrad" else _torch()
    functional = AF if lib is mg else lib.autograd.functional
    x, y = lib.ones(2, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
    _, jy = functional.jacobian(lambda a, b: a * 2, (x, y))
    assert tuple(jy.shape) == (2, 3) and float(jy.abs().sum()) == 0.0
    with pytest.raises(RuntimeError, match="independent of input 1"):
        functional.jacobian(lambda a, b: a * 2, (x, y), strict=True)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        functional.vjp(lambda a, b: a * 2, (x, y), lib.ones(2, dtype=lib.float64), strict=True)


def test_argument_errors() -> None:
    x = mg.ones(2)
    with pytest.raises(NotImplementedError, match="strategy='forward-mode'"):
        AF.jacobian(lambda t: t, x, strategy="forward-mode", vectorize=True)
    with pytest.raises(NotImplementedError, match="outer_jacobian_strategy='forward-mode'"):
        AF.hessian(lambda t: t.sum(), x, outer_jacobian_strategy="forward-mode")
    with pytest.raises(ValueError, match="'reverse-mode'"):
        AF.jacobian(lambda t: t, x, strategy="sideways")
    with pytest.raises(RuntimeError, match="single element Tensor"):
        AF.hessian(lambda t: t * 2, x)
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda t: t * 2, x)
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        AF.jacobian(lambda t: t, [x])
    with pytest.raises(RuntimeError, match="shape"):
        AF.jvp(lambda t: t * 2, x, mg.ones(3))
    jac = AF.jacobian(lambda t: t * 2, x, vectorize=True)  # accepted, same result
    np.testing.assert_allclose(jac.numpy(), 2 * np.eye(2))
