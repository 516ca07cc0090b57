"""Grad mode and anomaly mode are per thread: concurrent training equals sequential training."""

from __future__ import annotations

import threading

import numpy as np

import minigrad as mg
from minigrad import nn


def _make(seed: int) -> tuple[nn.Module, mg.Tensor, mg.Tensor]:
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    x = mg.randn(64, 6)
    y = mg.randint(0, 3, (64,))
    return model, x, y


def _train(model: nn.Module, x: mg.Tensor, y: mg.Tensor, steps: int = 60) -> None:
    opt = mg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        opt.zero_grad()
        loss = mg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()


def _weights(model: nn.Module) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]


def test_two_threads_train_exactly_as_one_after_the_other() -> None:
    sequential = [_make(s) for s in (1, 2)]
    for m, x, y in sequential:
        _train(m, x, y)
    concurrent = [_make(s) for s in (1, 2)]
    threads = [threading.Thread(target=_train, args=args) for args in concurrent]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (a, _, _), (b, _, _) in zip(sequential, concurrent, strict=True):
        for wa, wb in zip(_weights(a), _weights(b), strict=True):
            np.testing.assert_array_equal(wa, wb)


def test_no_grad_in_another_thread_changes_nothing_here() -> None:
    inside, release = threading.Event(), threading.Event()

    def inference() -> None:
        with mg.no_grad():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=inference)
    t.start()
    inside.wait(5)
    try:
        x = mg.ones(2, requires_grad=True)
        assert mg.is_grad_enabled()
        y = (x * 3).sum()
        assert y.requires_grad
        y.backward()
        np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    finally:
        release.set()
        t.join()


def test_backward_in_one_thread_leaves_recording_on_in_another() -> None:
    started, finish = threading.Event(), threading.Event()
    seen: list[bool] = []

    def hook(g: mg.Tensor) -> None:
        started.set()  # the backward walk of the main thread is in progress now
        finish.wait(5)

    def observer() -> None:
        started.wait(5)
        x = mg.ones(1, requires_grad=True)
        seen.append((x * 2).requires_grad)
        finish.set()

    t = threading.Thread(target=observer)
    t.start()
    w = mg.ones(1, requires_grad=True)
    w.register_hook(hook)
    (w * 5).sum().backward()
    t.join()
    assert seen == [True]


def test_new_thread_starts_with_default_modes() -> None:
    seen: list[tuple[bool, bool]] = []
    with mg.no_grad(), mg.autograd.detect_anomaly():
        t = threading.Thread(
            target=lambda: seen.append((mg.is_grad_enabled(), mg.grad_mode.is_anomaly_enabled()))
        )
        t.start()
        t.join()
    assert seen == [(True, False)]


def test_no_grad_generator_never_records() -> None:
    x = mg.ones(2, requires_grad=True)

    @mg.no_grad()
    def gen():
        yield (x * 2).requires_grad
        yield (x * 3).requires_grad
        return "done"

    g = gen()
    assert next(g) is False
    assert (x * 2).requires_grad  # the caller's code between steps keeps recording
    assert next(g) is False
    try:
        next(g)
    except StopIteration as stop:
        assert stop.value == "done"


def test_enable_grad_generator_records_inside_no_grad() -> None:
    x = mg.ones(2, requires_grad=True)

    @mg.enable_grad()
    def gen():
        yield (x * 2).requires_grad

    with mg.no_grad():
        assert next(gen()) is True
