"""Convolution, transposed convolution and pooling with different settings along H and W
(padding, stride, dilation, kernel and image sizes), on every backend: a kernel that swapped
``top`` and ``left`` (or H and W anywhere) fails here. Forward against a direct NumPy loop
and gradients by finite differences; forward and gradients against PyTorch when installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.testing import gradcheck

# (kernel (kH, kW), stride, padding, dilation): every pair differs between H and W
GEOMETRIES = [
    ((2, 3), (2, 1), (1, 2), (1, 2)),
    ((3, 2), (1, 3), (2, 0), (2, 1)),
    ((1, 3), (3, 2), (0, 1), (1, 1)),
]


def _ids(g: Any) -> str:
    return "k{}s{}p{}d{}".format(*("x".join(map(str, v)) for v in g))


def _np_conv2d(x: np.ndarray, w: np.ndarray, stride: Any, padding: Any,
               dilation: Any) -> np.ndarray:
    """Cross-correlation by the definition: one loop over output pixels."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, _, h, wd = x.shape
    co, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, co, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                       j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w)
    return out


def _np_max_pool2d(x: np.ndarray, k: Any, stride: Any, padding: Any,
                   dilation: Any) -> np.ndarray:
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = k, stride, padding, dilation
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                                 j * sw:j * sw + dw * (kw - 1) + 1:dw].max(axis=(2, 3))
    return out


def _data(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("geom", GEOMETRIES, ids=_ids)
def test_conv2d_asymmetric(geom: Any, backend: Any) -> None:
    k, s, p, d = geom
    x, w = _data((2, 3, 7, 9), 0), _data((4, 3, *k), 1)
    xt = mg.tensor(x, device=backend.device, requires_grad=True)
    wt = mg.tensor(w, device=backend.device, requires_grad=True)
    out = F.conv2d(xt, wt, stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(backend.to_numpy(out), _np_conv2d(x, w, s, p, d), rtol=1e-10,
                               atol=1e-10)
    assert gradcheck(lambda a, b: F.conv2d(a, b, stride=s, padding=p, dilation=d), (xt, wt))


@pytest.mark.parametrize("geom", GEOMETRIES, ids=_ids)
def test_max_pool2d_asymmetric(geom: Any, backend: Any) -> None:
    k, s, p, d = geom
    p = tuple(min(pi, ki // 2) for pi, ki in zip(p, k, strict=True))  # pad <= kernel / 2
    x = _data((2, 3, 8, 9), 2)
    xt = mg.tensor(x, device=backend.device, requires_grad=True)
    out = F.max_pool2d(xt, k, stride=s, padding=p, dilation=d)
    np.testing.assert_array_equal(backend.to_numpy(out), _np_max_pool2d(x, k, s, p, d))
    assert gradcheck(lambda a: F.max_pool2d(a, k, stride=s, padding=p, dilation=d), (xt,))


@pytest.mark.parametrize("geom", GEOMETRIES, ids=_ids)
def test_conv_transpose2d_and_pools_match_pytorch(geom: Any, backend: Any) -> None:
    torch = pytest.importorskip("torch")
    k, s, p, d = geom
    pool_p = tuple(min(pi, ki // 2) for pi, ki in zip(p, k, strict=True))
    out_pad = tuple(min(si - 1, di - 1) if si > 1 else 0 for si, di in zip(s, d, strict=True))
    x, w = _data((2, 4, 6, 7), 3), _data((4, 3, *k), 4)
    cases = [
        (lambda a, b: F.conv_transpose2d(a, b, stride=s, padding=p, output_padding=out_pad,
                                         dilation=d),
         lambda a, b: torch.nn.functional.conv_transpose2d(
             a, b, stride=s, padding=p, output_padding=out_pad, dilation=d), (x, w)),
        (lambda a, b: F.conv2d(a, b.transpose(0, 1), stride=s, padding=p, dilation=d),
         lambda a, b: torch.nn.functional.conv2d(a, b.transpose(0, 1), stride=s, padding=p,
                                                 dilation=d), (x, w)),
        (lambda a: F.avg_pool2d(a, k, stride=s, padding=pool_p),
         lambda a: torch.nn.functional.avg_pool2d(a, k, stride=s, padding=pool_p), (x,)),
        (lambda a: F.max_pool2d(a, k, stride=s, padding=pool_p, dilation=d),
         lambda a: torch.nn.functional.max_pool2d(a, k, stride=s, padding=pool_p, dilation=d),
         (x,)),
    ]
    for ours, theirs, arrays in cases:
        ts = [mg.tensor(a, device=backend.device, requires_grad=True) for a in arrays]
        tts = [torch.tensor(a, requires_grad=True) for a in arrays]
        out, tout = ours(*ts), theirs(*tts)
        np.testing.assert_allclose(backend.to_numpy(out), tout.detach().numpy(), rtol=1e-10,
                                   atol=1e-10)
        seed = _data(tuple(tout.shape), 5)
        grads = mg.grad(out, ts, grad_outputs=mg.tensor(seed, device=backend.device))
        tgrads = torch.autograd.grad(tout, tts, grad_outputs=torch.tensor(seed))
        for g, tg in zip(grads, tgrads, strict=True):
            np.testing.assert_allclose(backend.to_numpy(g), tg.numpy(), rtol=1e-10, atol=1e-10)
