"""Table-driven property tests of every core op (specs in op_table.py / op_table_more.py).

For every spec and backend: forward against NumPy (float32 and float64, dtype kept, no
NumPy scalars leaking out), gradients against float64 finite differences, second order for
the smooth ops, and — where torch is installed — forward and gradients against PyTorch.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))  # the spec modules beside this file

from op_specs import Case, OpSpec
from op_table import ELEMENTWISE_SPECS
from op_table_activation import ACTIVATION_SPECS, NORM_SPECS
from op_table_attention import ATTENTION_SPECS
from op_table_index import INDEX_SPECS
from op_table_math import MATH_SPECS
from op_table_more import MORE_SPECS
from op_table_named import NAMED_SPECS
from op_table_nn import NN_SPECS
from op_table_nn_more import NN_MORE_SPECS
from op_table_reshape import RESHAPE_SPECS
from op_table_rnn import RNN_SPECS

import minigrad as mg
from minigrad.testing import gradcheck, gradgradcheck

SPECS = ELEMENTWISE_SPECS + MORE_SPECS + ATTENTION_SPECS + MATH_SPECS
SPECS += RNN_SPECS
SPECS += ACTIVATION_SPECS + NORM_SPECS
SPECS += INDEX_SPECS + RESHAPE_SPECS
SPECS += NAMED_SPECS
SPECS += NN_SPECS + NN_MORE_SPECS
SMOOTH = [s for s in SPECS if s.smooth]
CORE_OPS_COVERED = {s.name for s in SPECS}


def _tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _run(spec: OpSpec, case: Case, backend: Any, dtype: Any, requires_grad: bool) -> tuple:
    ts = [mg.tensor(a.astype(dtype), device=backend.device, requires_grad=requires_grad)
          for a in case.arrays]
    return ts, _tuple(spec.fn(*ts, **case.kwargs))


def test_table_covers_the_core_ops() -> None:
    wanted = {"add", "sub", "mul", "div", "pow", "neg", "abs", "exp", "log", "log1p", "sqrt",
              "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "clamp", "maximum",
              "minimum", "where", "sum", "mean", "prod", "amax", "amin", "max_dim", "min_dim",
              "var", "std", "logsumexp", "reshape", "flatten", "squeeze", "unsqueeze",
              "transpose", "permute", "expand", "broadcast_to", "index", "cat", "stack",
              "split", "pad", "gather", "matmul"}
    assert wanted <= CORE_OPS_COVERED, wanted - CORE_OPS_COVERED
    assert len(CORE_OPS_COVERED) == len(SPECS), "spec names must be unique"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_forward_matches_numpy(spec: OpSpec, backend: Any) -> None:
    @given(case=spec.case, dtype=st.sampled_from([np.float32, np.float64]))
    def check(case: Case, dtype: Any) -> None:
        _, outs = _run(spec, case, backend, dtype, False)
        inputs = [a.astype(dtype).astype(np.float64) for a in case.arrays]
        refs = _tuple(spec.reference(*inputs, **case.kwargs))
        assert len(outs) == len(refs)
        for out, ref in zip(outs, refs, strict=True):
            ref = np.asarray(ref)
            assert isinstance(out, mg.Tensor)
            assert type(out._data) is backend.backend.array_type, type(out._data)
            assert out.shape == ref.shape
            if ref.dtype.kind == "f":
                assert out.dtype == dtype
                rtol, atol = (spec.rtol, spec.atol) if dtype == np.float64 else (2e-5, 2e-6)
                np.testing.assert_allclose(backend.to_numpy(out), ref, rtol=rtol, atol=atol)
            else:  # indices are int64, comparisons bool
                assert out.dtype == (mg.bool_ if ref.dtype.kind == "b" else mg.int64)
                np.testing.assert_array_equal(backend.to_numpy(out), ref)

    check()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_gradient_matches_finite_differences(spec: OpSpec, backend: Any) -> None:
    @given(case=spec.case)
    @settings(max_examples=min(settings().max_examples, 30))
    def check(case: Case) -> None:
        ts, outs = _run(spec, case, backend, np.float64, True)
        outs = [o for o in outs if o.requires_grad]
        grads = mg.grad(outs, ts, grad_outputs=[mg.ones_like(o) for o in outs],
                        allow_unused=True)
        for g, x in zip(grads, ts, strict=True):  # real backend arrays, input shape/dtype
            assert g is None or (type(g._data) is backend.backend.array_type
                                 and g.shape == x.shape and g.dtype == x.dtype)
        assert gradcheck(lambda *xs: spec.fn(*xs, **case.kwargs), tuple(ts))

    check()


@pytest.mark.parametrize("spec", SMOOTH, ids=lambda s: s.name)
def test_second_order_matches_finite_differences(spec: OpSpec, backend: Any) -> None:
    @given(case=spec.case)
    @settings(max_examples=min(settings().max_examples, 10))
    def check(case: Case) -> None:
        ts, _ = _run(spec, case, backend, np.float64, True)
        assert gradgradcheck(lambda *xs: spec.fn(*xs, **case.kwargs), tuple(ts),
                             atol=1e-4, rtol=1e-3)

    check()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_matches_pytorch(spec: OpSpec, backend: Any) -> None:
    torch = pytest.importorskip("torch")

    @given(case=spec.case, seed=st.integers(0, 2**16))
    @settings(max_examples=min(settings().max_examples, 25))
    def check(case: Case, seed: int) -> None:
        ts, outs = _run(spec, case, backend, np.float32, True)
        tts = [torch.tensor(a.astype(np.float32), requires_grad=True) for a in case.arrays]
        touts = _tuple(spec.torch_fn(*tts, **case.kwargs))
        assert len(outs) == len(touts)
        rng = np.random.default_rng(seed)
        pairs, seeds, tseeds = [], [], []
        for out, tout in zip(outs, touts, strict=True):
            expect = tout.detach().numpy()
            assert out.shape == tuple(expect.shape)
            assert str(out.dtype) == str(tout.dtype).removeprefix("torch.")
            np.testing.assert_allclose(backend.to_numpy(out), expect, rtol=1e-5, atol=1e-6)
            if out.dtype.kind == "f" and out.requires_grad:
                g = rng.standard_normal(out.shape).astype(np.float32)
                pairs.append((out, tout))
                seeds.append(mg.tensor(g, device=backend.device))
                tseeds.append(torch.from_numpy(g))
        if not pairs:
            return
        grads = mg.grad([o for o, _ in pairs], ts, grad_outputs=seeds, allow_unused=True)
        tgrads = torch.autograd.grad([t for _, t in pairs], tts, grad_outputs=tseeds,
                                     allow_unused=True)
        for i, (g, tg) in enumerate(zip(grads, tgrads, strict=True)):
            expect = np.zeros(case.arrays[i].shape, np.float32) if tg is None else tg.numpy()
            got = np.zeros_like(expect) if g is None else backend.to_numpy(g)
            assert got.dtype == np.float32
            np.testing.assert_allclose(got, expect, rtol=1e-4, atol=1e-5,
                                       err_msg=f"gradient of input {i}")

    check()
