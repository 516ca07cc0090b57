"""gradcheck/gradgradcheck at torch.autograd's location, testing.assert_close (messages as
PyTorch's), Variable, set_detect_anomaly and the grad_mode re-exports."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
from minigrad.op import Op
from minigrad.testing import GradcheckError, assert_close


def _torch() -> Any:
    return pytest.importorskip("torch")


class _BadSquare(Op):
    def forward(self, xp: Any, a: Any) -> Any:
        return a * a

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any]:
        return (g * inputs[0],)  # the factor 2 is missing


# ---------------------------------------------------------------------- gradcheck
def test_gradcheck_takes_torch_keywords() -> None:
    x = mg.randn(3, dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(lambda t: t.sin() * t, (x,), eps=1e-6, atol=1e-5, rtol=1e-3,
                                 nondet_tol=0.0, check_undefined_grad=True,
                                 check_grad_dtypes=True, fast_mode=True)
    assert mg.autograd.gradgradcheck(lambda t: t.tanh(), (x,), grad_outputs=None,
                                     gen_non_contig_grad_outputs=True, check_rev_over_rev=True)
    assert not mg.autograd.gradcheck(_BadSquare.apply, (x,), raise_exception=False)
    assert not mg.autograd.gradgradcheck(lambda t: _BadSquare.apply(t) * t, (x,),
                                         raise_exception=False)
    with pytest.raises(GradcheckError, match="Jacobian mismatch"):
        mg.autograd.gradcheck(_BadSquare.apply, x)
    assert mg.autograd.gradcheck(_BadSquare.apply, x, check_backward_ad=False)  # nothing to do
    assert issubclass(GradcheckError, RuntimeError)
    assert mg.autograd.gradcheck.__module__ == "minigrad.autograd.gradcheck"


@pytest.mark.parametrize("flag", ["check_forward_ad", "check_batched_grad",
                                  "check_batched_forward_grad"])
def test_gradcheck_refuses_what_minigrad_lacks(flag: str) -> None:
    x = mg.randn(2, dtype=mg.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match=flag):
        mg.autograd.gradcheck(mg.exp, x, **{flag: True})
    with pytest.raises(NotImplementedError, match="check_fwd_over_rev"):
        mg.autograd.gradgradcheck(mg.exp, x, check_fwd_over_rev=True)


# ---------------------------------------------------------------------- assert_close
VALUE_CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.1, 3.0], "float32"),
    ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.5, 0.0]], "float32"),
    ([1.0, 2.0], [1.0, 2.5], "float64"),
    ([0.0, 2.0], [1e-9, 0.0], "float32"),
    ([1.0, 2.0], [1.0, float("inf")], "float32"),
    ([float("nan"), 1.0], [float("nan"), 1.0], "float32"),
    ([1, 2], [1, 3], "int64"),
    ([True, False], [True, True], "bool"),
    (1.0, 1.5, "float32"),
]


def _message(lib: Any, fn: Any, *args: Any, **kwargs: Any) -> str | None:
    try:
        fn(*args, **kwargs)
    except AssertionError as e:
        return str(e)
    return None


@pytest.mark.parametrize(("a", "b", "dtype"), VALUE_CASES)
def test_assert_close_messages_match_torch(a: Any, b: Any, dtype: str) -> None:
    torch = _torch()
    ours = _message(mg, assert_close, mg.tensor(a, dtype=getattr(mg, dtype)),
                    mg.tensor(b, dtype=getattr(mg, dtype)))
    theirs = _message(torch, torch.testing.assert_close, torch.tensor(a, dtype=getattr(
        torch, dtype)), torch.tensor(b, dtype=getattr(torch, dtype)))
    assert ours == theirs
    assert ours is not None


def test_assert_close_nested_and_scalars_match_torch() -> None:
    torch = _torch()
    cases = [
        ([mg.ones(2), mg.zeros(2)], [torch.ones(2), torch.zeros(2)],
         [mg.ones(2), mg.ones(2)], [torch.ones(2), torch.ones(2)]),
        ({"a": mg.ones(2)}, {"a": torch.ones(2)}, {"a": mg.zeros(2)}, {"a": torch.zeros(2)}),
        ([1.0, 2.0], [1.0, 2.0], [1.0, 2.5], [1.0, 2.5]),
        (1, 1, 2, 2),
    ]
    for a_mg, a_t, b_mg, b_t in cases:
        ours = _message(mg, assert_close, a_mg, b_mg)
        assert ours is not None
        assert ours == _message(torch, torch.testing.assert_close, a_t, b_t)


def test_assert_close_tolerances_attributes_and_errors() -> None:
    assert_close(mg.tensor([1.0]), mg.tensor([1.0 + 5e-6]))  # within float32's atol
    with pytest.raises(AssertionError, match="not close"):
        assert_close(mg.tensor([1.0], dtype=mg.float64), mg.tensor([1.0 + 5e-6],
                                                                   dtype=mg.float64))
    assert_close(mg.tensor([1.0]), mg.tensor([1.1]), rtol=0.2, atol=0.0)
    assert_close(mg.tensor([float("nan")]), mg.tensor([float("nan")]), equal_nan=True)
    with pytest.raises(AssertionError, match=r"'shape' do not match: Size\(\[2\]\) != "):
        assert_close(mg.ones(2), mg.ones(3))
    with pytest.raises(AssertionError, match="'dtype' do not match: float32 != float64"):
        assert_close(mg.ones(2), mg.ones(2, dtype=mg.float64))
    assert_close(mg.ones(2), mg.ones(2, dtype=mg.float64), check_dtype=False)
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol'"):
        assert_close(mg.ones(1), mg.ones(1), rtol=0.1)
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(mg.ones(2), 1.0)
    with pytest.raises(AssertionError, match=r"^custom$"):
        assert_close(mg.ones(1), mg.zeros(1), msg="custom")
    with pytest.raises(AssertionError, match=r"^wrapped: Tensor-likes"):
        assert_close(mg.ones(1), mg.zeros(1), msg=lambda m: "wrapped: " + m)
    with pytest.raises(AssertionError, match="length of the sequences mismatch: 1 != 2"):
        assert_close([mg.ones(1)], [mg.ones(1), mg.ones(1)])
    assert_close(np.ones(2), np.ones(2))


# ---------------------------------------------------------------------- small surfaces
def test_variable_is_tensor_as_in_torch() -> None:
    from minigrad.autograd import Variable

    t = mg.ones(2)
    v = Variable(t, True)
    assert type(v) is mg.Tensor and v.requires_grad and v.is_leaf
    v.data[0] = 5.0
    assert float(t[0]) == 5.0  # shares the data
    assert isinstance(t, Variable) and not isinstance(3, Variable)
    assert Variable().shape == (0,)
    w = mg.ones(2, requires_grad=True) * 2
    assert Variable(w).grad_fn is None and not Variable(w).requires_grad
    with pytest.raises(TypeError, match="has to be a tensor"):
        Variable([1.0])
    with pytest.warns(UserWarning, match="volatile was removed"):
        assert not Variable(t, volatile=True).requires_grad
    with pytest.raises(ValueError, match="volatile"), pytest.warns(UserWarning):
        Variable(t, requires_grad=True, volatile=True)


def test_set_detect_anomaly() -> None:
    from minigrad.grad_mode import is_anomaly_enabled

    x = mg.tensor([-1.0], requires_grad=True)
    mg.autograd.set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
        with pytest.raises(mg.AnomalyError, match="Sqrt produced NaN"):
            x.sqrt()
    finally:
        mg.autograd.set_detect_anomaly(False)
    assert not is_anomaly_enabled()
    with mg.autograd.set_detect_anomaly(True, check_nan=True):
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    with mg.autograd.detect_anomaly():
        assert is_anomaly_enabled()
    with mg.autograd.detect_anomaly(check_nan=True):
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


def test_torch_locations_exist() -> None:
    from minigrad.autograd import grad_mode

    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode"):
        assert getattr(grad_mode, name) is getattr(mg, name)
        assert getattr(mg.autograd, name) is getattr(mg, name)
    for name in ("Function", "Variable", "backward", "grad", "gradcheck", "gradgradcheck",
                 "detect_anomaly", "set_detect_anomaly", "functional", "graph", "grad_mode",
                 "set_multithreading_enabled"):
        assert hasattr(mg.autograd, name)
    assert mg.autograd.function.FunctionCtx is not None
    assert callable(mg.autograd.function.once_differentiable)
    torch = _torch()
    import inspect

    for ours, theirs in [(mg.autograd.backward, torch.autograd.backward),
                         (mg.autograd.grad, torch.autograd.grad),
                         (mg.autograd.functional.jacobian, torch.autograd.functional.jacobian),
                         (mg.autograd.functional.hessian, torch.autograd.functional.hessian),
                         (mg.autograd.functional.vjp, torch.autograd.functional.vjp),
                         (mg.autograd.gradcheck, torch.autograd.gradcheck),
                         (mg.autograd.gradgradcheck, torch.autograd.gradgradcheck),
                         (mg.autograd.detect_anomaly, torch.autograd.detect_anomaly),
                         (mg.autograd.set_detect_anomaly, torch.autograd.set_detect_anomaly),
                         (assert_close, torch.testing.assert_close)]:
        want = [(p.name, p.kind, p.default) for p in inspect.signature(theirs).parameters.values()]
        got = [(p.name, p.kind, p.default) for p in inspect.signature(ours).parameters.values()]
        assert got == want, ours.__name__
