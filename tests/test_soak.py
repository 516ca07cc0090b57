"""Soak: 10,000 training steps of a small CNN keep the process's resident memory flat (no
graph, saved tensor, hook or optimizer-state leak). Behind the ``slow`` marker."""

from __future__ import annotations

import gc
import os

import pytest

import minigrad as mg
from minigrad import nn, optim

STEPS = 10_000
WARMUP = 1_000
TOLERANCE = 8 * 2**20  # bytes: allocator noise, not a leak (a leak of one 8x1x8x8 batch per
# step would be 20 MB; of one conv graph per step, far more)


def _rss() -> int:
    """Resident set size in bytes, from /proc/self/statm."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_rss_stays_flat_over_10000_cnn_steps() -> None:
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x, y = mg.randn(8, 1, 8, 8), mg.randint(0, 10, (8,))
    samples = []
    for step in range(STEPS):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if step + 1 >= WARMUP and (step + 1) % 1_000 == 0:
            gc.collect()
            samples.append(_rss())
    assert loss.item() < 2.0  # it trained
    growth = max(samples) - samples[0]
    assert growth < TOLERANCE, f"RSS grew by {growth / 2**20:.1f} MiB after warm-up: {samples}"
