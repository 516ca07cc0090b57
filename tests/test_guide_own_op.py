"""The worked example of docs/guides/testing.md (included there verbatim): a user's own op,
written against minigrad's internal contract and as a PyTorch-style Function, tested with
the strategies and gradient checks minigrad.testing ships."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.op import Op
from minigrad.testing import gradcheck, gradgradcheck
from minigrad.testing.strategies import away_from, broadcastable_shapes, tensors


class SmoothMax(Op):
    """log(exp(a) + exp(b)): a smooth maximum of two tensors that broadcast."""

    def forward(self, xp, a, b):
        return xp.logaddexp(a, b)

    def backward(self, m, g, inputs, out):
        a, b = inputs
        # the engine sums each gradient back to its input's shape (un-broadcasting)
        return g * m.sigmoid(a - b), g * m.sigmoid(b - a)


def smooth_max(a, b):
    return SmoothMax.apply(a, b)


class Cube(mg.autograd.Function):
    """x**3 written the PyTorch way (ctx, save_for_backward)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x * x


@st.composite
def two_broadcastable_tensors(draw):
    shape_a, shape_b = draw(broadcastable_shapes(2, max_dims=3))
    a = draw(tensors(shape_a, requires_grad=True))
    b = draw(tensors(shape_b, requires_grad=True))
    return a, b


@settings(max_examples=25, deadline=None)
@given(two_broadcastable_tensors())
def test_smooth_max_forward_matches_numpy(ab):
    a, b = ab
    expected = np.logaddexp(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_allclose(smooth_max(a, b).detach().numpy(), expected, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(two_broadcastable_tensors())
def test_smooth_max_gradients(ab):
    a, b = ab
    assert gradcheck(smooth_max, (a, b))
    assert gradgradcheck(smooth_max, (a, b))  # backward is written over m: differentiable


@settings(max_examples=25, deadline=None)
@given(tensors(st.just((2, 3)), elements=away_from([0.0], margin=0.1), requires_grad=True))
def test_cube_function_gradients(x):
    assert gradcheck(Cube.apply, (x,))
    np.testing.assert_allclose(Cube.apply(x).detach().numpy(), x.detach().numpy() ** 3)
