"""Transformer layers, stacks and the full model against PyTorch: identical weights (float64,
copied through state_dict), outputs and every gradient (inputs, float masks, parameters)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from attention_torch import compare_with_torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.errors import ShapeError

D, H, FF, S, T, N = 8, 2, 12, 5, 4, 2


def _torch() -> Any:
    return pytest.importorskip("torch")


def _activation(name: str, lib: Any) -> Any:
    """The activation argument, in minigrad's or PyTorch's terms."""
    if name in ("relu", "gelu"):
        return name
    if name == "module":
        return lib.nn.GELU(approximate="tanh")
    return lib.nn.functional.silu if lib is not mg else F.silu


def _seq(rng: np.random.Generator, length: int, batch_first: bool, unbatched: bool = False,
         ) -> np.ndarray:
    if unbatched:
        return rng.standard_normal((length, D))
    return rng.standard_normal((N, length, D) if batch_first else (length, N, D))


def _padding(rng: np.random.Generator, length: int, kind: str | None) -> Any:
    if kind is None:
        return None
    pad = np.zeros((N, length), dtype=bool)
    pad[0, -2:] = True
    return pad if kind == "bool" else np.where(pad, -1e9, 0.0) + rng.standard_normal(pad.shape)


def _causal(length: int, kind: str) -> np.ndarray:
    upper = np.triu(np.ones((length, length), dtype=bool), 1)
    return upper if kind == "bool" else np.where(upper, -np.inf, 0.0)


def _pair(cls: str, *args: Any, activation: str = "relu", **kwargs: Any) -> tuple[Any, Any]:
    torch = _torch()
    torch.manual_seed(0)
    with warnings.catch_warnings():  # torch's nested-tensor advice
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn, cls)(*args, activation=_activation(activation, torch),
                                        dtype=torch.float64, **kwargs)
    ours = getattr(nn, cls)(*args, activation=_activation(activation, mg), dtype=mg.float64,
                            **kwargs)
    with torch.no_grad():  # biases start at zero in torch.nn.MultiheadAttention
        for name, p in theirs.named_parameters():
            if name.endswith("bias"):
                p.normal_()
    return ours.eval(), theirs.eval()


ENCODER_CASES = [
    {},
    {"batch_first": True},
    {"norm_first": True},
    {"activation": "gelu", "batch_first": True, "norm_first": True},
    {"activation": "module"},
    {"activation": "silu", "bias": False},
    {"mask": "bool", "kpm": "bool"},
    {"mask": "float", "kpm": "float", "batch_first": True},
    {"mask": "float", "is_causal": True},
    {"unbatched": True, "mask": "bool"},
]


@pytest.mark.parametrize("case", ENCODER_CASES, ids=str)
def test_encoder_layer_matches_pytorch(case: dict[str, Any]) -> None:
    rng = np.random.default_rng(len(str(case)))
    bf = case.get("batch_first", False)
    ours, theirs = _pair("TransformerEncoderLayer", D, H, FF, activation=case.get(
        "activation", "relu"), batch_first=bf, norm_first=case.get("norm_first", False),
        bias=case.get("bias", True))
    src = _seq(rng, S, bf, case.get("unbatched", False))
    mask = _causal(S, case["mask"]) if "mask" in case else None
    kpm = _padding(rng, S, case.get("kpm"))
    causal = case.get("is_causal", False)

    def call(mod: Any, ts: list[Any], lib: Any) -> Any:
        return mod(ts[0], src_mask=ts[1], src_key_padding_mask=ts[2], is_causal=causal)

    compare_with_torch(ours, theirs, [src, mask, kpm], call)


DECODER_CASES = [
    {},
    {"batch_first": True, "norm_first": True},
    {"activation": "gelu", "tgt_mask": "float", "tgt_kpm": "bool", "mem_kpm": "bool"},
    {"tgt_mask": "bool", "memory_mask": True, "batch_first": True},
    {"tgt_mask": "float", "tgt_is_causal": True, "norm_first": True, "bias": False},
]


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")  # both libs
@pytest.mark.parametrize("case", DECODER_CASES, ids=str)
def test_decoder_layer_matches_pytorch(case: dict[str, Any]) -> None:
    rng = np.random.default_rng(len(str(case)))
    bf = case.get("batch_first", False)
    ours, theirs = _pair("TransformerDecoderLayer", D, H, FF, activation=case.get(
        "activation", "relu"), batch_first=bf, norm_first=case.get("norm_first", False),
        bias=case.get("bias", True))
    tgt, memory = _seq(rng, T, bf), _seq(rng, S, bf)
    tgt_mask = _causal(T, case["tgt_mask"]) if "tgt_mask" in case else None
    memory_mask = rng.standard_normal((T, S)) if case.get("memory_mask") else None
    tgt_kpm, mem_kpm = _padding(rng, T, case.get("tgt_kpm")), _padding(rng, S,
                                                                      case.get("mem_kpm"))
    causal = case.get("tgt_is_causal", False)

    def call(mod: Any, ts: list[Any], lib: Any) -> Any:
        return mod(ts[0], ts[1], tgt_mask=ts[2], memory_mask=ts[3], tgt_key_padding_mask=ts[4],
                   memory_key_padding_mask=ts[5], tgt_is_causal=causal)

    compare_with_torch(ours, theirs, [tgt, memory, tgt_mask, memory_mask, tgt_kpm, mem_kpm],
                       call)


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_and_decoder_stacks_match_pytorch(batch_first: bool) -> None:
    torch = _torch()
    rng = np.random.default_rng(3)
    for cls, layer_cls in (("TransformerEncoder", "TransformerEncoderLayer"),
                           ("TransformerDecoder", "TransformerDecoderLayer")):
        torch.manual_seed(1)
        tl = getattr(torch.nn, layer_cls)(D, H, FF, batch_first=batch_first,
                                          dtype=torch.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = getattr(torch.nn, cls)(tl, 2, norm=torch.nn.LayerNorm(
                D, dtype=torch.float64)).eval()
        ours = getattr(nn, cls)(nn.TransformerDecoderLayer(D, H, FF, batch_first=batch_first)
                                if cls == "TransformerDecoder" else
                                nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first),
                                2, norm=nn.LayerNorm(D)).eval()
        with torch.no_grad():
            for p in theirs.parameters():
                p.add_(0.1 * torch.randn_like(p))  # the two layers differ after this
        src, mem = _seq(rng, S, batch_first), _seq(rng, T, batch_first)
        mask = _causal(S, "float")

        def call(mod: Any, ts: list[Any], lib: Any, cls: str = cls) -> Any:
            if cls == "TransformerEncoder":
                return mod(ts[0], mask=ts[2])
            return mod(ts[0], ts[1], tgt_mask=ts[2])

        compare_with_torch(ours.double(), theirs, [src, mem, mask], call)


TRANSFORMER_CASES = [
    {},
    {"batch_first": True, "norm_first": True, "activation": "gelu"},
    {"masks": True},
    {"masks": True, "batch_first": True, "bias": False},
    {"unbatched": True},
]


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")  # both libs
@pytest.mark.parametrize("case", TRANSFORMER_CASES, ids=str)
def test_transformer_matches_pytorch(case: dict[str, Any]) -> None:
    rng = np.random.default_rng(len(str(case)))
    bf = case.get("batch_first", False)
    ours, theirs = _pair("Transformer", D, H, 2, 2, FF, activation=case.get(
        "activation", "relu"), batch_first=bf, norm_first=case.get("norm_first", False),
        bias=case.get("bias", True))
    unbatched = case.get("unbatched", False)
    src, tgt = _seq(rng, S, bf, unbatched), _seq(rng, T, bf, unbatched)
    arrays = [src, tgt, None, None, None, None]
    if case.get("masks"):
        arrays[2:] = [_causal(T, "float"), rng.standard_normal((T, S)),
                      _padding(rng, S, "bool"), _padding(rng, T, "bool")]

    def call(mod: Any, ts: list[Any], lib: Any) -> Any:
        return mod(ts[0], ts[1], tgt_mask=ts[2], memory_mask=ts[3], src_key_padding_mask=ts[4],
                   tgt_key_padding_mask=ts[5], memory_key_padding_mask=ts[4])

    compare_with_torch(ours, theirs, arrays, call, rtol=1e-8, atol=1e-9)


def test_training_mode_without_dropout_matches_pytorch() -> None:
    torch = _torch()
    rng = np.random.default_rng(5)
    ours, theirs = _pair("TransformerEncoderLayer", D, H, FF, dropout=0.0)
    ours.train(), theirs.train()
    compare_with_torch(ours, theirs, [_seq(rng, S, False)], lambda m, ts, lib: m(ts[0]))
    assert torch.is_grad_enabled()


def test_dropout_is_random_in_training_and_off_in_eval() -> None:
    layer = nn.TransformerEncoderLayer(D, H, FF, dropout=0.5)
    x = mg.randn(S, N, D)
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_square_subsequent_mask_as_pytorch() -> None:
    torch = _torch()
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    expect = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert mask.dtype == mg.float32
    np.testing.assert_array_equal(mask.numpy(), expect.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=mg.float64).dtype == \
        mg.float64


def test_layers_are_deep_copies_and_names_match_pytorch() -> None:
    torch = _torch()
    layer = nn.TransformerEncoderLayer(D, H, FF)
    enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=True)
    assert enc.layers[0] is not layer and enc.layers[0] is not enc.layers[1]
    w0, w1 = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert w0 is not w1 and np.array_equal(w0.detach().numpy(), w1.detach().numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.Transformer(D, H, 2, 1, FF)
    ours = nn.Transformer(D, H, 2, 1, FF)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ({k: tuple(v.shape) for k, v in ours.state_dict().items()}
            == {k: tuple(v.shape) for k, v in theirs.state_dict().items()})


def test_transformer_init_is_xavier_uniform() -> None:
    model = nn.Transformer(16, 2, 1, 1, 32)
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    bound = (6 / (16 + 32)) ** 0.5
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


def test_custom_encoder_and_decoder_are_used() -> None:
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF), 1)
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(D, H, FF), 1)
    model = nn.Transformer(D, H, custom_encoder=enc, custom_decoder=dec)
    assert model.encoder is enc and model.decoder is dec
    assert model(mg.randn(S, N, D), mg.randn(T, N, D)).shape == (T, N, D)


def test_errors() -> None:
    with pytest.raises(ValueError, match="activation"):
        nn.TransformerEncoderLayer(D, H, FF, activation="tanh")
    model = nn.Transformer(D, H, 1, 1, FF)
    with pytest.raises(ShapeError, match="batch number"):
        model(mg.randn(S, N, D), mg.randn(T, N + 1, D))
    with pytest.raises(ShapeError, match="d_model"):
        model(mg.randn(S, N, D + 1), mg.randn(T, N, D + 1))
    with pytest.raises(ValueError, match="is_causal"):
        nn.TransformerEncoderLayer(D, H, FF)(mg.randn(S, N, D), is_causal=True)


def test_state_dict_moves_from_minigrad_to_pytorch() -> None:
    torch = _torch()
    ours = nn.Transformer(D, H, 1, 1, FF, batch_first=True, dtype=mg.float64).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.Transformer(D, H, 1, 1, FF, batch_first=True,
                                      dtype=torch.float64).eval()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(6)
    src, tgt = rng.standard_normal((N, S, D)), rng.standard_normal((N, T, D))
    with torch.no_grad():
        expect = theirs(torch.tensor(src), torch.tensor(tgt)).numpy()
    got = ours(mg.tensor(src), mg.tensor(tgt)).detach().numpy()
    np.testing.assert_allclose(got, expect, rtol=1e-10, atol=1e-12)


def test_a_tiny_encoder_learns_to_copy_the_first_token() -> None:
    # every position must output the first token's one-hot vector: only attention can do it
    mg.manual_seed(0)
    vocab, length = 4, 5
    embed = nn.Linear(vocab + length, D)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, 16, dropout=0.0,
                                                           batch_first=True), 1)
    head = nn.Linear(D, vocab)
    params = [*embed.parameters(), *enc.parameters(), *head.parameters()]
    opt = mg.optim.Adam(params, lr=0.01)
    rng = np.random.default_rng(0)
    position = np.broadcast_to(np.eye(length), (32, length, length))
    losses = []
    for _ in range(150):
        tokens = rng.integers(0, vocab, (32, length))
        x = np.concatenate([np.eye(vocab)[tokens], position], axis=-1)
        logits = head(enc(embed(mg.tensor(x, dtype=mg.float32))))
        target = mg.tensor(np.repeat(tokens[:, :1], length, axis=1).reshape(-1))
        loss = F.cross_entropy(logits.reshape(-1, vocab), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert np.mean(losses[:10]) > 1.0 and np.mean(losses[-10:]) < 0.1, losses[-10:]
