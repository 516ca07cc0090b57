"""minigrad.nn.init: gains, fans, bounds, statistics and seeded reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import init


@pytest.mark.parametrize("name, param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None),
])
def test_calculate_gain_matches_torch(name: str, param: float | None) -> None:
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param))


def test_calculate_gain_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fans() -> None:
    assert init._calculate_fan_in_and_fan_out(mg.empty(7, 3)) == (3, 7)
    assert init._calculate_fan_in_and_fan_out(mg.empty(16, 6, 5, 5)) == (150, 400)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mg.empty(3))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(mg.empty(3, 3), mode="fan_avg")


def _check_uniform(w: np.ndarray, bound: float) -> None:
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.95 * bound  # it does reach out to the bound
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.05)


def test_uniform_inits_bounds_and_variance() -> None:
    mg.manual_seed(0)
    w = mg.empty(200, 100)
    init.kaiming_uniform_(w, nonlinearity="relu")
    _check_uniform(w.numpy(), math.sqrt(2) * math.sqrt(3 / 100))
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="tanh")
    _check_uniform(w.numpy(), 5 / 3 * math.sqrt(3 / 200))
    init.xavier_uniform_(w, gain=2.0)
    _check_uniform(w.numpy(), 2.0 * math.sqrt(6 / 300))
    init.uniform_(w, -0.3, 0.3)
    _check_uniform(w.numpy(), 0.3)


def test_normal_inits_std() -> None:
    mg.manual_seed(1)
    w = mg.empty(300, 200)
    init.kaiming_normal_(w, nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 200), rel=0.03)
    init.kaiming_normal_(w, a=0.1, mode="fan_out")
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 1.01) / math.sqrt(300), rel=0.03)
    init.xavier_normal_(w)
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.03)
    init.normal_(w, 2.0, 0.5)
    assert w.numpy().mean() == pytest.approx(2.0, abs=0.01)


def test_constant_inits_on_parameters() -> None:
    p = nn.Parameter(mg.empty(3, 2))
    init.constant_(p, 0.25)
    assert p.requires_grad and np.all(p.detach().numpy() == 0.25)
    init.zeros_(p)
    assert not p.detach().numpy().any()
    init.ones_(p)
    assert np.all(p.detach().numpy() == 1)
    assert p._version > 0 and p.grad_fn is None


def test_linear_and_conv_default_init_like_torch() -> None:
    mg.manual_seed(2)
    lin = nn.Linear(400, 300)
    _check_uniform(lin.weight.detach().numpy(), 1 / math.sqrt(400))
    assert np.abs(lin.bias.detach().numpy()).max() <= 1 / math.sqrt(400)
    conv = nn.Conv2d(6, 64, 5)
    _check_uniform(conv.weight.detach().numpy(), 1 / math.sqrt(150))
    assert np.abs(conv.bias.detach().numpy()).max() <= 1 / math.sqrt(150)


def test_conv_connection_table_init_uses_connected_fan_in() -> None:
    mg.manual_seed(3)
    table = np.zeros((40, 4), dtype=bool)
    table[:20, 0] = True  # first 20 maps read one input, the rest all four
    table[20:] = True
    conv = nn.Conv2d(4, 40, 5, connections=mg.tensor(table))
    w = conv.weight.detach().numpy()
    assert np.abs(w[:20, 0]).max() <= 1 / math.sqrt(25) and not w[:20, 1:].any()
    assert np.abs(w[20:]).max() <= 1 / math.sqrt(100)
    assert np.abs(w[:20, 0]).max() > 1 / math.sqrt(100)


def test_initialisation_is_reproducible_with_manual_seed() -> None:
    def build() -> nn.Module:
        return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Subsampling2d(2), nn.Flatten(),
                             nn.Linear(8, 4), nn.RBF(4, 3))

    mg.manual_seed(42)
    a = build()
    mg.manual_seed(42)
    b = build()
    mg.manual_seed(43)
    c = build()
    for (k, x), (_, y), (_, z) in zip(a.state_dict().items(), b.state_dict().items(),
                                      c.state_dict().items(), strict=True):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
        if k.endswith("weight"):
            assert not np.array_equal(x.numpy(), z.numpy())
