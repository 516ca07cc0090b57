"""Hand-worked CNN examples from the theory: minigrad's gradients equal the closed forms."""

from __future__ import annotations

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F

# a 3x3 image x1..x9 (row-major) and a 2x2 filter theta1..theta4 (row-major)
X = np.array([[1.0, 2.0, -1.0], [0.5, -2.0, 3.0], [1.5, 0.0, -0.5]])
THETA = np.array([[0.3, -0.2], [0.4, 0.1]])


def _u(x: np.ndarray, th: np.ndarray) -> np.ndarray:
    """u1..u4 written out by hand (no loops over the kernel)."""
    x1, x2, x3, x4, x5, x6, x7, x8, x9 = x.ravel()
    t1, t2, t3, t4 = th.ravel()
    return np.array([
        t1 * x1 + t2 * x2 + t3 * x4 + t4 * x5,
        t1 * x2 + t2 * x3 + t3 * x5 + t4 * x6,
        t1 * x4 + t2 * x5 + t3 * x7 + t4 * x8,
        t1 * x5 + t2 * x6 + t3 * x8 + t4 * x9,
    ])


def _dz_dtheta(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """d(w . u)/d(theta_k), e.g. dz/dtheta1 = w1 x1 + w2 x2 + w3 x4 + w4 x5."""
    x1, x2, x3, x4, x5, x6, x7, x8, x9 = x.ravel()
    w1, w2, w3, w4 = w
    return np.array([
        w1 * x1 + w2 * x2 + w3 * x4 + w4 * x5,
        w1 * x2 + w2 * x3 + w3 * x5 + w4 * x6,
        w1 * x4 + w2 * x5 + w3 * x7 + w4 * x8,
        w1 * x5 + w2 * x6 + w3 * x8 + w4 * x9,
    ])


def _leaves() -> tuple[mg.Tensor, mg.Tensor]:
    return (mg.tensor(X.reshape(1, 1, 3, 3), requires_grad=True),
            mg.tensor(THETA.reshape(1, 1, 2, 2), requires_grad=True))


def test_filter_output_is_u() -> None:
    x, th = _leaves()
    np.testing.assert_allclose(F.conv2d(x, th).detach().numpy().ravel(), _u(X, THETA))


def test_filter_then_average_pooling_then_squared_loss() -> None:
    y = 0.7
    x, th = _leaves()
    p = F.avg_pool2d(F.conv2d(x, th), 2)
    loss = ((p - y) ** 2).sum()
    loss.backward()
    pbar = _u(X, THETA).mean()
    assert abs(loss.item() - (pbar - y) ** 2) < 1e-12
    # dL/dtheta_k = 2 (p - y) * (1/4) * sum over the four windows of the pixel under theta_k
    expected = 2 * (pbar - y) * _dz_dtheta(X, np.full(4, 0.25))
    np.testing.assert_allclose(th.grad.numpy().ravel(), expected, rtol=1e-12)
    # dL/dx: each pixel collects 2 (p - y)/4 * theta_k for every window it sits in
    dx = np.zeros((3, 3))
    for i in range(2):
        for j in range(2):
            dx[i:i + 2, j:j + 2] += 2 * (pbar - y) * 0.25 * THETA
    np.testing.assert_allclose(x.grad.numpy()[0, 0], dx, rtol=1e-12)


def test_filter_then_linear_classifier_with_squared_loss() -> None:
    y = -0.4
    w_np = np.array([0.5, -1.0, 0.25, 2.0])
    x, th = _leaves()
    w = mg.tensor(w_np, requires_grad=True)
    u = F.conv2d(x, th).reshape(4)
    z = (u * w).sum()
    ((z - y) ** 2).backward()
    u_np = _u(X, THETA)
    z_np = float(w_np @ u_np)
    np.testing.assert_allclose(w.grad.numpy(), 2 * (z_np - y) * u_np, rtol=1e-12)
    np.testing.assert_allclose(th.grad.numpy().ravel(), 2 * (z_np - y) * _dz_dtheta(X, w_np),
                               rtol=1e-12)


def test_baby_cnn_sigmoid_closed_forms() -> None:
    w_np = np.array([0.8, -0.3, 0.6, -1.1])
    x, th = _leaves()
    w = mg.tensor(w_np, requires_grad=True)
    h = ((F.conv2d(x, th).reshape(4) * w).sum()).sigmoid()
    h.backward()
    u = _u(X, THETA)
    hv = 1 / (1 + np.exp(-(w_np @ u)))
    x1, x2, _, x4, x5 = X.ravel()[:5]
    w1, w2, w3, w4 = w_np
    # the formula as written in the theory, for theta1
    dtheta1 = hv * (1 - hv) * (w1 * x1 + w2 * x2 + w3 * x4 + w4 * x5)
    assert abs(th.grad.numpy().ravel()[0] - dtheta1) < 1e-12
    np.testing.assert_allclose(th.grad.numpy().ravel(), hv * (1 - hv) * _dz_dtheta(X, w_np),
                               rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), hv * (1 - hv) * u, rtol=1e-12)


def test_baby_cnn_binary_cross_entropy_gradient_is_h_minus_y_times_dz() -> None:
    w_np = np.array([0.8, -0.3, 0.6, -1.1])
    for y in (0.0, 1.0):
        x, th = _leaves()
        w = mg.tensor(w_np, requires_grad=True)
        z = (F.conv2d(x, th).reshape(4) * w).sum()
        F.binary_cross_entropy(z.sigmoid(), mg.tensor(y, dtype=mg.float64)).backward()
        u = _u(X, THETA)
        hv = 1 / (1 + np.exp(-(w_np @ u)))
        np.testing.assert_allclose(th.grad.numpy().ravel(), (hv - y) * _dz_dtheta(X, w_np),
                                   rtol=1e-10)
        np.testing.assert_allclose(w.grad.numpy(), (hv - y) * u, rtol=1e-10)
        # the same through the stable logits form
        x2, th2 = _leaves()
        z2 = (F.conv2d(x2, th2).reshape(4) * mg.tensor(w_np)).sum()
        F.binary_cross_entropy_with_logits(z2, mg.tensor(y, dtype=mg.float64)).backward()
        np.testing.assert_allclose(th2.grad.numpy().ravel(), (hv - y) * _dz_dtheta(X, w_np),
                                   rtol=1e-12)
