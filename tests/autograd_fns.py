"""Helpers for the autograd.Function tests: the tutorial's custom Functions written once
against a library (minigrad or torch), so one test body runs on both."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import minigrad as mg


def torch_or_skip() -> Any:
    return pytest.importorskip("torch")


def libs() -> list[Any]:
    """minigrad, and torch where installed (the same test code runs on both)."""
    try:
        import torch
    except ImportError:
        return [mg]
    return [mg, torch]


def as_np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().tolist())


def make_fns(lib: Any) -> SimpleNamespace:
    """The tutorial's custom Functions, written once against ``lib``."""
    Fn = lib.autograd.Function
    once = lib.autograd.function.once_differentiable

    class LegendreP3(Fn):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class Exp(Fn):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class SortWithIndices(Fn):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort()
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            return values, idx

        @staticmethod
        def backward(ctx, g_values, g_idx):
            (idx,) = ctx.saved_tensors
            ctx.seen = (g_values is None, g_idx is None)
            out = g_values.new_zeros(g_values.shape)
            out[idx] = g_values
            return out

    class TwoClones(Fn):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(x)
            return x.clone(), x.clone()

        @staticmethod
        @once
        def backward(ctx, g1, g2):
            (x,) = ctx.saved_tensors
            ctx.seen = (g1 is None, g2 is None)
            grad = lib.zeros_like(x)
            if g1 is not None:
                grad += g1
            if g2 is not None:
                grad += 2 * g2
            return grad

    class TwoClonesMaterialized(Fn):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1.tolist(), g2.tolist())
            return g1 + 3 * g2

    class MulInPlace(Fn):
        @staticmethod
        def forward(ctx, x, k):
            x.mul_(k)
            ctx.mark_dirty(x)
            ctx.k = k
            return x

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class CubeOnce(Fn):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    class Cube(Fn):  # backward written with differentiable ops: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    class ScaleShift(Fn):  # non-tensor inputs, ctx attributes
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.k = k
            ctx.nig = ctx.needs_input_grad
            return x * k + y

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None, g

    class SetupStyle(Fn):
        @staticmethod
        def forward(x, k=2.0):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * ctx.k + 0 * out, None

    return SimpleNamespace(**{k: v for k, v in locals().items() if isinstance(v, type)})
