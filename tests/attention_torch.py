"""Helpers for the attention/transformer tests: run a minigrad module and its PyTorch twin
with identical weights (copied through state_dict) and compare outputs and every gradient."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import minigrad as mg

__all__ = ["compare_with_torch", "copy_weights"]


def copy_weights(ours: mg.nn.Module, theirs: Any) -> None:
    """Load the PyTorch module's state_dict into ours; the parameter names must agree."""
    state = {k: mg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    result = ours.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys, result
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def compare_with_torch(ours: mg.nn.Module, theirs: Any, inputs: Sequence[Any],
                       call: Callable[[Any, list[Any], Any], Any], seed: int = 0,
                       rtol: float = 1e-9, atol: float = 1e-10) -> None:
    """Compare ``call(module, tensors, lib)`` in both libraries, then the gradients of every
    float input and every parameter for one random output cotangent per output.

    ``inputs`` are NumPy arrays (float arrays require grad) or None.
    """
    import torch

    copy_weights(ours, theirs)
    ts = [None if a is None else mg.tensor(a, requires_grad=a.dtype.kind == "f")
          for a in inputs]
    tts = [None if a is None else torch.tensor(a, requires_grad=a.dtype.kind == "f")
           for a in inputs]
    outs = call(ours, ts, mg)
    touts = call(theirs, tts, torch)
    outs = outs if isinstance(outs, tuple) else (outs,)
    touts = touts if isinstance(touts, tuple) else (touts,)
    assert len(outs) == len(touts)
    rng = np.random.default_rng(seed)
    pairs = []
    for o, to in zip(outs, touts, strict=True):
        if to is None:
            assert o is None
            continue
        assert o.shape == tuple(to.shape), (o.shape, to.shape)
        np.testing.assert_allclose(o.detach().numpy(), to.detach().numpy(), rtol=rtol,
                                   atol=atol, err_msg="forward")
        pairs.append((o, to, rng.standard_normal(o.shape)))
    leaves = [t for t in ts if t is not None and t.requires_grad]
    tleaves = [t for t in tts if t is not None and t.requires_grad]
    names = [n for n, _ in theirs.named_parameters()]
    leaves += list(ours.parameters())
    tleaves += list(theirs.parameters())
    grads = mg.grad([o for o, _, _ in pairs], leaves,
                    grad_outputs=[mg.tensor(s) for _, _, s in pairs], allow_unused=True)
    tgrads = torch.autograd.grad([t for _, t, _ in pairs], tleaves,
                                 grad_outputs=[torch.tensor(s) for _, _, s in pairs],
                                 allow_unused=True)
    n_in = len(leaves) - len(names)
    labels = [f"input {i}" for i in range(n_in)] + names
    for label, leaf, g, tg in zip(labels, leaves, grads, tgrads, strict=True):
        expect = np.zeros(leaf.shape) if tg is None else tg.numpy()
        got = np.zeros_like(expect) if g is None else g.numpy()
        np.testing.assert_allclose(got, expect, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of {label}")
