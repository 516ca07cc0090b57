"""nn.MultiheadAttention against torch.nn.MultiheadAttention: identical weights (float64,
copied through state_dict), outputs, attention weights and every gradient (inputs, float
masks, all parameters), for each constructor and forward option."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attention_torch import compare_with_torch

import minigrad as mg
from minigrad import nn
from minigrad.errors import ShapeError
from minigrad.testing import gradgradcheck

E, H, L, S, N = 8, 2, 3, 4, 2


def _mask(kind: str | None, shape: tuple[int, ...], rng: np.random.Generator) -> Any:
    """A mask of ``shape`` whose key 0 always takes part (no fully masked row)."""
    if kind is None:
        return None
    if kind == "bool":
        m = rng.random(shape) < 0.4
        m[..., 0] = False
        return m
    if kind == "causal":
        return np.triu(np.ones(shape, dtype=bool), 1)
    return rng.standard_normal(shape)


CASES = [
    ({}, {}),
    ({"batch_first": True}, {}),
    ({"kdim": 5, "vdim": 3}, {}),
    ({"kdim": 5, "vdim": 3, "batch_first": True}, {"kpm": "bool"}),
    ({"bias": False}, {}),
    ({"add_bias_kv": True}, {}),
    ({"add_zero_attn": True}, {}),
    ({"add_bias_kv": True, "add_zero_attn": True}, {"kpm": "bool", "mask": "bool"}),
    ({"add_bias_kv": True, "add_zero_attn": True}, {"kpm": "float", "mask3": "float"}),
    ({}, {"kpm": "bool"}),
    ({}, {"kpm": "float"}),
    ({}, {"mask": "bool"}),
    ({}, {"mask": "float"}),
    ({}, {"mask3": "bool"}),
    ({"batch_first": True}, {"mask3": "float", "kpm": "float"}),
    ({}, {"mask": "bool", "kpm": "bool"}),
    ({}, {"causal": True}),
    ({"batch_first": True}, {"causal": True, "kpm": "bool"}),
    ({}, {"unbatched": True}),
    ({"batch_first": True}, {"unbatched": True, "kpm": "float", "mask3": "float"}),
    ({}, {"unbatched": True, "kpm": "bool", "mask3": "bool"}),
]


@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("ctor, fwd", CASES, ids=[f"{c}-{f}" for c, f in CASES])
def test_matches_pytorch(ctor: dict[str, Any], fwd: dict[str, Any], need_weights: bool,
                         average: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(str(ctor)) * 31 + len(str(fwd)))
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, H, **ctor, dtype=torch.float64)
    theirs.eval()
    ours = nn.MultiheadAttention(E, H, **ctor, dtype=mg.float64).eval()
    if ctor.get("bias", True):  # torch zeroes them at init: give them values to compare
        with torch.no_grad():
            theirs.in_proj_bias.normal_()
            theirs.out_proj.bias.normal_()
    unbatched = fwd.get("unbatched", False)
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)
    lead = ((N,) if ctor.get("batch_first") else ()) if not unbatched else ()

    def seq(length: int, dim: int) -> np.ndarray:
        if unbatched:
            return rng.standard_normal((length, dim))
        if ctor.get("batch_first"):
            return rng.standard_normal((*lead, length, dim))
        return rng.standard_normal((length, N, dim))

    q, k, v = seq(L, E), seq(S, kdim), seq(S, vdim)
    kpm = _mask(fwd.get("kpm"), (S,) if unbatched else (N, S), rng)
    mask = _mask(fwd.get("mask"), (L, S), rng)
    if "mask3" in fwd:
        mask = _mask(fwd["mask3"], (H if unbatched else N * H, L, S), rng)
    causal = fwd.get("causal", False)
    if causal:
        mask = _mask("causal", (L, S), rng)

    def call(mod: Any, ts: list[Any], lib: Any) -> Any:
        return mod(ts[0], ts[1], ts[2], key_padding_mask=ts[3], attn_mask=ts[4],
                   need_weights=need_weights, average_attn_weights=average, is_causal=causal)

    compare_with_torch(ours, theirs, [q, k, v, kpm, mask], call)


def test_init_and_parameter_shapes_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for kw in ({}, {"kdim": 5, "vdim": 3, "add_bias_kv": True}, {"bias": False}):
        ours = nn.MultiheadAttention(12, 3, **kw)
        theirs = torch.nn.MultiheadAttention(12, 3, **kw)
        assert ({n: p.shape for n, p in ours.named_parameters()}
                == {n: tuple(p.shape) for n, p in theirs.named_parameters()})
        assert list(ours.state_dict()) == list(theirs.state_dict())
    mha = nn.MultiheadAttention(64, 4)
    bound = (6 / (64 + 3 * 64)) ** 0.5  # xavier_uniform_ over the packed (3E, E) weight
    w = mha.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert (mha.in_proj_bias.detach().numpy() == 0).all()
    assert (mha.out_proj.bias.detach().numpy() == 0).all()


def test_fully_masked_rows_as_pytorch() -> None:
    # PyTorch's weights path (matmul + softmax) gives NaN for a query row with no key;
    # its fused path (need_weights=False) gives the output projection of zeros
    torch = pytest.importorskip("torch")
    theirs = torch.nn.MultiheadAttention(E, H, dtype=torch.float64).eval()
    ours = nn.MultiheadAttention(E, H, dtype=mg.float64).eval()
    ours.load_state_dict({k: mg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((L, N, E))
    mask = np.zeros((L, L), dtype=bool)
    mask[1] = True
    for need in (True, False):
        out, _ = ours(*[mg.tensor(x)] * 3, attn_mask=mg.tensor(mask), need_weights=need)
        tout, _ = theirs(*[torch.tensor(x)] * 3, attn_mask=torch.tensor(mask),
                         need_weights=need)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
        assert np.isnan(out.detach().numpy()[1]).all() == need


def test_dropout_on_weights_in_training_only() -> None:
    mha = nn.MultiheadAttention(E, H, dropout=0.5)
    x = mg.randn(L, N, E)
    _, w = mha(x, x, x, average_attn_weights=False)
    assert (w.detach().numpy() == 0).any()
    _, w = mha.eval()(x, x, x)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1.0, rtol=1e-6)
    out, _ = mha(x, x, x, need_weights=False)
    assert out.shape == (L, N, E)


def test_deepcopy_keeps_values_not_identity() -> None:
    mha = nn.MultiheadAttention(E, H)
    twin = copy.deepcopy(mha)
    assert twin.in_proj_weight is not mha.in_proj_weight
    np.testing.assert_array_equal(twin.in_proj_weight.detach().numpy(),
                                  mha.in_proj_weight.detach().numpy())


@pytest.mark.parametrize("kwargs, match", [
    ({"embed_dim": 10, "num_heads": 3}, "divisible"),
    ({"embed_dim": 0, "num_heads": 1}, "embed_dim"),
    ({"embed_dim": 4, "num_heads": 2, "dropout": 1.5}, "dropout"),
])
def test_constructor_errors(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        nn.MultiheadAttention(**kwargs)


def test_forward_errors_name_the_argument() -> None:
    mha = nn.MultiheadAttention(E, H)
    x = mg.randn(L, N, E)
    with pytest.raises(ShapeError, match="query"):
        mha(mg.randn(E), x, x)
    with pytest.raises(ShapeError, match="attn_mask"):
        mha(x, x, x, attn_mask=mg.zeros(L, L + 1))
    with pytest.raises(ShapeError, match="key_padding_mask"):
        mha(x, x, x, key_padding_mask=mg.zeros(N, L + 1, dtype=mg.bool_))
    with pytest.raises(ShapeError, match="key"):
        mha(x, mg.randn(L, N, E + 1), x)
    with pytest.raises(ValueError, match="is_causal"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(TypeError, match="attn_mask"):
        mha(x, x, x, attn_mask=mg.zeros(L, L, dtype=mg.int64))


def test_mixed_mask_types_warn_as_pytorch() -> None:
    mha = nn.MultiheadAttention(E, H)
    x = mg.randn(L, N, E)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        mha(x, x, x, key_padding_mask=mg.zeros(N, L, dtype=mg.bool_), attn_mask=mg.zeros(L, L))


@pytest.mark.parametrize("need_weights", [True, False])
def test_second_order_through_multihead_attention(need_weights: bool) -> None:
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=2, add_bias_kv=True, dtype=mg.float64)
    rng = np.random.default_rng(2)
    q, k, v = (mg.tensor(rng.standard_normal(s), requires_grad=True)
               for s in ((2, 1, 4), (3, 1, 3), (3, 1, 2)))
    mask = mg.tensor(rng.standard_normal((2, 3)), requires_grad=True)

    def fn(q: mg.Tensor, k: mg.Tensor, v: mg.Tensor, mask: mg.Tensor) -> mg.Tensor:
        return mha(q, k, v, attn_mask=mask, need_weights=need_weights)[0]

    assert gradgradcheck(fn, (q, k, v, mask), atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("variant", ["packed", "separate", "static", "unbatched"])
def test_functional_form_matches_pytorch(variant: str, need_weights: bool) -> None:
    torch = pytest.importorskip("torch")
    import minigrad.nn.functional as F

    rng = np.random.default_rng(4)
    kdim = 5 if variant == "separate" else E
    lead = () if variant == "unbatched" else (N,)
    arrays = {"q": rng.standard_normal((L, *lead, E)), "k": rng.standard_normal((S, *lead, kdim)),
              "v": rng.standard_normal((S, *lead, kdim)), "b": rng.standard_normal(3 * E),
              "wo": rng.standard_normal((E, E)), "bo": rng.standard_normal(E),
              "mask": rng.standard_normal((L, S))}
    if variant == "separate":
        arrays |= {"wq": rng.standard_normal((E, E)), "wk": rng.standard_normal((E, kdim)),
                   "wv": rng.standard_normal((E, kdim))}
    else:
        arrays["w"] = rng.standard_normal((3 * E, E))
    if variant == "static":
        arrays |= {"sk": rng.standard_normal((N * H, S, E // H)),
                   "sv": rng.standard_normal((N * H, S, E // H))}

    def run(lib: Any, t: dict[str, Any]) -> Any:
        fn = (F if lib is mg else lib.nn.functional).multi_head_attention_forward
        return fn(t["q"], t["k"], t["v"], E, H, t.get("w"), t["b"], None, None, False, 0.0,
                  t["wo"], t["bo"], attn_mask=t["mask"], need_weights=need_weights,
                  use_separate_proj_weight=variant == "separate", q_proj_weight=t.get("wq"),
                  k_proj_weight=t.get("wk"), v_proj_weight=t.get("wv"),
                  static_k=t.get("sk"), static_v=t.get("sv"))

    ours = {k: mg.tensor(a, requires_grad=True) for k, a in arrays.items()}
    theirs = {k: torch.tensor(a, requires_grad=True) for k, a in arrays.items()}
    (out, w), (tout, tw) = run(mg, ours), run(torch, theirs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10)
    assert (w is None) == (tw is None)
    if w is not None:
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-10)
    seed = rng.standard_normal(out.shape)
    names = list(arrays)
    grads = mg.grad([out], [ours[n] for n in names], [mg.tensor(seed)], allow_unused=True)
    tgrads = torch.autograd.grad([tout], [theirs[n] for n in names], [torch.tensor(seed)],
                                 allow_unused=True)
    for name, g, tg in zip(names, grads, tgrads, strict=True):
        expect = np.zeros(arrays[name].shape) if tg is None else tg.numpy()
        got = np.zeros(arrays[name].shape) if g is None else g.numpy()
        np.testing.assert_allclose(got, expect, rtol=1e-9, atol=1e-11, err_msg=name)
