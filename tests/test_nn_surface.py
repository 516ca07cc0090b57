"""The nn surface against PyTorch: loss, distance, padding, resampling, block, conv and dropout
modules (float64, identical weights through state_dict, forward and every gradient), their
reprs, and argument errors. The functional forms are in the op table (op_table_nn.py)."""

from __future__ import annotations

import warnings
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
from attention_torch import compare_with_torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.errors import ShapeError

torch = pytest.importorskip("torch")


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _pair(name: str, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """The minigrad module and its PyTorch twin, both float64."""
    return (getattr(nn, name)(*args, **kwargs).double(),
            getattr(torch.nn, name)(*args, **kwargs).double())


def _call(mod: Any, ts: list[Any], lib: Any) -> Any:
    return mod(*ts)


# ---------------------------------------------------------------- modules vs torch
LOSSES = [
    ("L1Loss", {}), ("L1Loss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}),
    ("SmoothL1Loss", {"reduction": "none"}), ("HuberLoss", {"delta": 0.7}),
    ("HuberLoss", {"reduction": "sum"}), ("MSELoss", {"reduction": "none"}),
]


@pytest.mark.parametrize(("name", "kw"), LOSSES, ids=lambda v: str(v))
def test_regression_loss_modules(name: str, kw: dict[str, Any]) -> None:
    ours, theirs = _pair(name, **kw)
    assert repr(ours) == repr(theirs)  # torch shows no arguments of a loss
    compare_with_torch(ours, theirs, [_rand(3, 4), _rand(3, 4, seed=1)], _call)


@pytest.mark.parametrize("reduction", ["sum", "batchmean", "none", "mean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kldiv_loss(reduction: str, log_target: bool) -> None:
    ours, theirs = _pair("KLDivLoss", reduction=reduction, log_target=log_target)
    logp = np.log(np.random.default_rng(2).dirichlet(np.ones(5), size=3))
    target = np.random.default_rng(3).dirichlet(np.ones(5), size=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if reduction == "mean" else "error")
        compare_with_torch(ours, theirs, [logp, np.log(target) if log_target else target], _call)
    if reduction == "mean":
        with pytest.warns(UserWarning, match="batchmean"):
            ours(mg.tensor(logp), mg.tensor(target))


def test_weighted_losses_forward_their_arguments() -> None:
    w = _rand(4, seed=5) ** 2
    target = np.array([0, 3, 1, -100, 2])
    for kw in ({"ignore_index": -100, "label_smoothing": 0.2}, {"reduction": "sum"}):
        ours = nn.CrossEntropyLoss(mg.tensor(w), **kw)
        theirs = torch.nn.CrossEntropyLoss(torch.tensor(w), **kw)
        compare_with_torch(ours, theirs, [_rand(5, 4), target], _call)
    ours = nn.NLLLoss(mg.tensor(w), ignore_index=1)
    compare_with_torch(ours, torch.nn.NLLLoss(torch.tensor(w), ignore_index=1),
                       [_rand(5, 4), np.array([0, 1, 1, 3, 2])], _call)


@pytest.mark.parametrize(("name", "kw", "shapes"), [
    ("CosineSimilarity", {}, [(3, 4, 2), (1, 4, 2)]),
    ("CosineSimilarity", {"dim": -1, "eps": 1e-3}, [(3, 4), (3, 4)]),
    ("PairwiseDistance", {}, [(5, 3), (5, 3)]),
    ("PairwiseDistance", {"p": 1.0, "keepdim": True, "eps": 0.1}, [(2, 5, 3), (5, 3)]),
], ids=lambda v: str(v))
def test_distance_modules(name: str, kw: dict[str, Any], shapes: list[Any]) -> None:
    ours, theirs = _pair(name, **kw)
    compare_with_torch(ours, theirs, [_rand(*s, seed=i) for i, s in enumerate(shapes)], _call)


def test_cosine_similarity_of_a_zero_vector_matches_torch_gradient() -> None:
    a = _rand(3, 4)
    a[1] = 0.0
    ours, theirs = _pair("CosineSimilarity")
    compare_with_torch(ours, theirs, [a, _rand(3, 4, seed=1)], _call, rtol=1e-7)


PADS = [
    ("ZeroPad1d", (2, 1), (2, 3, 4)), ("ZeroPad2d", (1, 0, 2, -1), (2, 3, 4, 4)),
    ("ZeroPad3d", 1, (1, 2, 2, 2, 2)), ("ConstantPad1d", ((1, 2), 3.5), (3, 4)),
    ("ConstantPad2d", (1, -0.5), (2, 3, 3)), ("ConstantPad3d", ((1, 0, 0, 1, 2, 0), 2.0),
                                              (2, 1, 2, 2)),
    ("ReflectionPad1d", (3, 1), (2, 3, 4)), ("ReflectionPad2d", (1, 2, 2, 0), (2, 3, 3, 4)),
    ("ReflectionPad3d", 1, (1, 2, 2, 3, 2)), ("ReplicationPad1d", 2, (3, 2)),
    ("ReplicationPad2d", (3, 0, 1, 2), (1, 2, 2, 3)), ("ReplicationPad3d", (1, 1, 0, 2, 1, 0),
                                                      (2, 2, 2, 2)),
    ("CircularPad1d", (2, 1), (2, 1, 3)), ("CircularPad2d", (1, 2, 2, 1), (1, 2, 3, 3)),
    ("CircularPad3d", 1, (1, 1, 2, 2, 2)),
]


@pytest.mark.parametrize(("name", "arg", "shape"), PADS, ids=lambda v: str(v))
def test_padding_modules(name: str, arg: Any, shape: tuple[int, ...]) -> None:
    args = arg if name.startswith("ConstantPad") else (arg,)
    ours, theirs = _pair(name, *args)
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, [_rand(*shape)], _call)


UPSAMPLES = [
    ("Upsample", {"scale_factor": 2}, (2, 3, 4)),
    ("Upsample", {"scale_factor": 1.5, "mode": "linear"}, (2, 3, 5)),
    ("Upsample", {"size": (5, 7), "mode": "bilinear"}, (2, 2, 3, 4)),
    ("Upsample", {"scale_factor": (2, 0.5), "mode": "bilinear", "align_corners": True},
     (1, 2, 3, 4)),
    ("Upsample", {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True},
     (1, 2, 3, 4)),
    ("Upsample", {"scale_factor": 0.6, "mode": "nearest"}, (1, 2, 5, 4)),
    ("Upsample", {"size": 3, "mode": "trilinear"}, (1, 1, 2, 4, 2)),
    ("Upsample", {"scale_factor": 1.3, "mode": "nearest-exact"}, (1, 2, 4, 3)),
    ("Upsample", {"size": (2, 3), "mode": "area"}, (1, 2, 5, 7)),
    ("Upsample", {"scale_factor": 1.5, "mode": "bicubic"}, (1, 2, 4, 3)),
    ("Upsample", {"size": (3, 5), "mode": "bicubic", "align_corners": True}, (2, 1, 4, 4)),
    ("UpsamplingNearest2d", {"scale_factor": 3}, (1, 2, 2, 3)),
    ("UpsamplingBilinear2d", {"size": (4, 5)}, (2, 1, 3, 3)),
]


@pytest.mark.parametrize(("name", "kw", "shape"), UPSAMPLES, ids=lambda v: str(v))
def test_upsampling_modules(name: str, kw: dict[str, Any], shape: tuple[int, ...]) -> None:
    ours, theirs = _pair(name, **kw)
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, [_rand(*shape)], _call)


@pytest.mark.parametrize("scale", [1.37, 2.5, 0.7, 3.0])
def test_interpolate_float32_numerics_match_torch(scale: float) -> None:
    """float32 sources with fractional factors: the same source indices as torch's (a wrong
    one would be off by O(1)); weights agree to float32 rounding (torch may fuse multiply-adds
    in the source coordinate, so its ulp differs by a few units)."""
    x = _rand(2, 3, 9, 11).astype(np.float32)
    for mode, ac in (("nearest", None), ("nearest-exact", None), ("bilinear", False),
                     ("bilinear", True), ("bicubic", False), ("bicubic", True)):
        got = F.interpolate(mg.tensor(x), scale_factor=scale, mode=mode, align_corners=ac)
        want = torch.nn.functional.interpolate(torch.tensor(x), scale_factor=scale, mode=mode,
                                               align_corners=ac)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("name", "args", "shape"), [
    ("Unfold", ((2, 3),), (2, 3, 5, 6)), ("Fold", ((4, 5), 2), (2, 8, 12)),
    ("PixelShuffle", (2,), (2, 8, 2, 3)), ("PixelUnshuffle", (3,), (1, 2, 6, 3)),
], ids=lambda v: str(v))
def test_block_modules(name: str, args: tuple[Any, ...], shape: tuple[int, ...]) -> None:
    ours, theirs = _pair(name, *args)
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, [_rand(*shape)], _call)


def test_unfold_module_with_every_argument() -> None:
    kw = {"kernel_size": (2, 3), "dilation": (2, 1), "padding": 1, "stride": (1, 2)}
    ours, theirs = _pair("Unfold", **kw)
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, [_rand(2, 3, 5, 6)], _call)
    ours, theirs = _pair("Fold", (5, 6), **kw)
    cols = torch.nn.functional.unfold(torch.zeros(1, 3, 5, 6), **kw).shape[-1]
    compare_with_torch(ours, theirs, [_rand(2, 18, cols)], _call)


CONVS = [
    ("Conv1d", (4, 6, 3), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}, (2, 4, 9)),
    ("Conv1d", (2, 3, 3), {"padding": "same", "padding_mode": "reflect"}, (2, 2, 6)),
    ("Conv1d", (2, 3, 4), {"padding": 2, "padding_mode": "circular", "bias": False},
     (1, 2, 5)),
    ("Conv1d", (2, 3, 2), {"padding": 1, "padding_mode": "replicate"}, (1, 2, 5)),
    ("Conv2d", (2, 4, 3), {"padding": (1, 2), "padding_mode": "reflect"}, (2, 2, 5, 6)),
    ("Conv2d", (2, 4, 3), {"padding": "same", "padding_mode": "circular"}, (1, 2, 4, 4)),
    ("Conv2d", (2, 4, (2, 3)), {"padding": 1, "padding_mode": "replicate", "stride": 2},
     (1, 2, 5, 6)),
    ("ConvTranspose2d", (4, 6, 3), {}, (2, 4, 3, 3)),
    ("ConvTranspose2d", (4, 6, (3, 2)), {"stride": (2, 3), "padding": (1, 0),
                                         "output_padding": (1, 2), "groups": 2,
                                         "dilation": (1, 2)}, (2, 4, 3, 4)),
    ("ConvTranspose2d", (2, 3, 2), {"stride": 2, "bias": False}, (1, 2, 3, 3)),
    ("ConvTranspose1d", (4, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2}, (2, 4, 5)),
    ("Conv3d", (4, 6, 3), {"stride": (1, 2, 1), "padding": (1, 0, 2), "dilation": (2, 1, 1),
                           "groups": 2}, (2, 4, 5, 6, 4)),
    ("Conv3d", (2, 3, (3, 1, 3)), {"padding": "same", "bias": False}, (1, 2, 3, 4, 3)),
    ("Conv3d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}, (1, 2, 3, 4, 3)),
    ("Conv3d", (2, 2, 2), {"padding": (1, 0, 1), "padding_mode": "circular"}, (1, 2, 3, 3, 3)),
]


@pytest.mark.parametrize(("name", "args", "kw", "shape"), CONVS, ids=lambda v: str(v))
def test_conv_modules(name: str, args: tuple[Any, ...], kw: dict[str, Any],
                      shape: tuple[int, ...]) -> None:
    ours, theirs = _pair(name, *args, **kw)
    assert repr(ours) == repr(theirs)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    compare_with_torch(ours, theirs, [_rand(*shape)], _call)


def test_conv_transpose_output_size() -> None:
    ours, theirs = _pair("ConvTranspose2d", 3, 2, 3, stride=2, padding=1)
    for size in ([6, 6], [5, 6], (1, 2, 6, 5)):
        def call(mod: Any, ts: list[Any], lib: Any, size: Any = size) -> Any:
            return mod(ts[0], output_size=size)

        compare_with_torch(ours, theirs, [_rand(1, 3, 3, 3)], call)
    with pytest.raises(ValueError, match="valid sizes range from"):
        ours(mg.ones(1, 3, 3, 3, dtype=mg.float64), output_size=[7, 7])


@pytest.mark.parametrize("name", ["Conv1d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"])
def test_conv_init_bounds_as_torch(name: str) -> None:
    """weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = weight.shape[1] * k."""
    mg.manual_seed(0)
    mod = getattr(nn, name)(8, 16, 3)
    fan_in = mod.weight.shape[1] * int(np.prod(mod.weight.shape[2:]))
    bound = 1 / np.sqrt(fan_in)
    for p in (mod.weight, mod.bias):
        values = p.detach().numpy()
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.5 * bound


POOLS = [
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (2, 3, 8)),
    ("MaxPool1d", (2,), {"dilation": 2}, (3, 7)),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (2, 3, 8)),
    ("AvgPool1d", (4,), {"ceil_mode": True}, (3, 9)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 8)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 8)),
    ("AdaptiveMaxPool2d", ((3, 2),), {}, (2, 3, 7, 5)),
    ("AdaptiveMaxPool2d", ((None, 4),), {}, (3, 7, 5)),
]


@pytest.mark.parametrize(("name", "args", "kw", "shape"), POOLS, ids=lambda v: str(v))
def test_pool_modules(name: str, args: tuple[Any, ...], kw: dict[str, Any],
                      shape: tuple[int, ...]) -> None:
    ours, theirs = _pair(name, *args, **kw)
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, [_rand(*shape)], _call)


@pytest.mark.parametrize(("name", "arg", "shape"), [("MaxPool1d", 2, (2, 3, 7)),
                                                     ("AdaptiveMaxPool1d", 3, (3, 7)),
                                                     ("AdaptiveMaxPool2d", (2, 3), (2, 3, 5, 7))])
def test_pools_return_indices_as_torch(name: str, arg: Any, shape: tuple[int, ...]) -> None:
    x = _rand(*shape)
    out, idx = getattr(nn, name)(arg, return_indices=True)(mg.tensor(x))
    tout, tidx = getattr(torch.nn, name)(arg, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(out.numpy(), tout.numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype == mg.int64


# ---------------------------------------------------------------- dropout
@pytest.mark.parametrize(("name", "shape"), [("Dropout1d", (4, 16, 5)), ("Dropout1d", (16, 5)),
                                             ("Dropout2d", (4, 16, 3, 3)),
                                             ("Dropout3d", (4, 16, 2, 2, 2)),
                                             ("Dropout3d", (16, 2, 2, 2))])
def test_channel_dropout_zeroes_whole_channels(name: str, shape: tuple[int, ...]) -> None:
    mg.manual_seed(0)
    drop = getattr(nn, name)(0.5)
    assert repr(drop) == repr(getattr(torch.nn, name)(0.5))
    x = mg.ones(*shape, requires_grad=True)
    y = drop(x)
    batched = len(shape) == {"Dropout1d": 3, "Dropout2d": 4, "Dropout3d": 5}[name]
    per = y.detach().numpy().reshape(*shape[:2 if batched else 1], -1)
    assert set(np.unique(per)) <= {0.0, 2.0}
    assert (per.min(-1) == per.max(-1)).all()  # one draw per channel
    assert 0 < (per == 0).mean() < 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
    assert drop.eval()(x) is x


def test_dropout2d_warns_as_torch_for_3d_input() -> None:
    with pytest.warns(UserWarning, match="channel-wise 1D"):
        F.dropout2d(mg.ones(2, 3, 4))
    with pytest.raises(ShapeError, match="dropout1d"):
        F.dropout1d(mg.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout2d(mg.ones(1, 2, 2, 2), p=1.5)


# ---------------------------------------------------------------- containers
def test_parameter_list_as_torch() -> None:
    ours = nn.ParameterList([nn.Parameter(mg.ones(2)), mg.zeros(2, 3)])
    theirs = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.zeros(2, 3)])
    ours.append(mg.ones(1))
    theirs.append(torch.ones(1))
    ours += [mg.ones(4)]
    theirs += [torch.ones(4)]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0", "1", "2", "3"]
    assert all(isinstance(p, nn.Parameter) for p in ours)
    assert len(ours) == 4 and ours[-1].shape == (4,) and len(ours[1:3]) == 2
    ours[0] = mg.full((2,), 3.0)
    assert ours[0].requires_grad and ours[0].tolist() == [3.0, 3.0]
    with pytest.raises(IndexError):
        ours[4]
    model = nn.Module()
    model.ps = ours
    assert [n for n, _ in model.named_parameters()] == ["ps.0", "ps.1", "ps.2", "ps.3"]


def test_parameter_dict_as_torch() -> None:
    ours = nn.ParameterDict({"b": mg.ones(2), "a": nn.Parameter(mg.zeros(1))})
    theirs = torch.nn.ParameterDict({"b": torch.ones(2), "a": torch.nn.Parameter(torch.zeros(1))})
    ours["c"] = mg.ones(3)
    theirs["c"] = torch.ones(3)
    ours.update([("d", mg.ones(1))])
    theirs.update([("d", torch.ones(1))])
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["a", "b", "c", "d"]
    assert list(ours.keys()) == list(theirs.keys())
    assert "a" in ours and len(ours) == 4
    assert ours.pop("a").shape == (1,)
    del ours["b"]
    assert list(ours) == ["c", "d"] and [n for n, _ in ours.named_parameters()] == ["c", "d"]
    assert ours.get("zz") is None and ours.setdefault("e", mg.ones(2)).requires_grad
    with pytest.raises(KeyError):
        ours["zz"]


def test_module_containers_methods_as_torch() -> None:
    layers = [nn.Linear(1, 1), nn.ReLU(), nn.Tanh()]
    ml = nn.ModuleList(layers)
    ml.insert(1, nn.Sigmoid())
    del ml[0]
    ml.extend([nn.Identity()])
    assert [type(m).__name__ for m in ml] == ["Sigmoid", "ReLU", "Tanh", "Identity"]
    assert [type(m).__name__ for m in ml[1:3]] == ["ReLU", "Tanh"]
    assert list(dict(ml.named_children())) == ["0", "1", "2", "3"]
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    seq.append(nn.Linear(2, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    md = nn.ModuleDict({"a": nn.ReLU()})
    md["b"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b"] and isinstance(md.pop("a"), nn.ReLU)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: F.pad(mg.ones(1, 2, 3), (3, 0), mode="reflect"), ShapeError, "less than the size"),
    (lambda: F.pad(mg.ones(1, 2, 3), (4, 0), mode="circular"), ShapeError, "more than once"),
    (lambda: F.pad(mg.ones(2, 2, 2, 3), (1, 1), mode="reflect"), ShapeError, "3-D input"),
    (lambda: F.pad(mg.ones(2, 3), (1, 1), mode="wrap"), ValueError, "mode"),
    (lambda: F.pad(mg.ones(2, 3), (1, 1, 1)), ShapeError, "even number"),
    (lambda: F.pad(mg.ones(1, 3), (1, 1), mode="reflect", value=2.0), ValueError, "value"),
    (lambda: F.interpolate(mg.ones(1, 1, 2), size=3, scale_factor=2), ValueError, "exactly one"),
    (lambda: F.interpolate(mg.ones(1, 1, 2), scale_factor=2, mode="bilinear"),
     NotImplementedError, "4-D"),
    (lambda: F.interpolate(mg.ones(1, 1, 2), size=3, align_corners=True), ValueError,
     "align_corners"),
    (lambda: F.interpolate(mg.ones(1, 1, 2, 2), size=(3,)), ShapeError, "spatial"),
    (lambda: F.interpolate(mg.ones(1, 1, 2), size=2, mode="bicubic"), NotImplementedError,
     "4-D"),
    (lambda: F.interpolate(mg.ones(1, 1, 2, 2), size=2, antialias=True), NotImplementedError,
     "antialias"),
    (lambda: F.fold(mg.ones(1, 5, 4), (3, 3), 2), ShapeError, "divisible"),
    (lambda: F.fold(mg.ones(1, 4, 5), (3, 3), 2), ShapeError, "4 blocks"),
    (lambda: F.unfold(mg.ones(1, 1, 2, 2), 3), ShapeError, "no block fits"),
    (lambda: F.pixel_shuffle(mg.ones(1, 3, 2, 2), 2), ShapeError, "divisible"),
    (lambda: F.kl_div(mg.ones(2), mg.ones(2), reduction="avg"), ValueError, "reduction"),
    (lambda: nn.Conv2d(1, 1, 3, padding_mode="mirror"), ValueError, "padding_mode"),
    (lambda: nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect"), ValueError, "zeros"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, groups=2), ValueError, "divisible"),
    (lambda: nn.ZeroPad2d((1, 2)), ValueError, "4 ints"),
    (lambda: F.cosine_similarity(mg.ones(2, 3), mg.ones(4, 3)), ShapeError, r"\(2, 3\)"),
    (lambda: F.grid_sample(mg.ones(1, 1, 2, 2), mg.ones(1, 1, 1, 2), mode="bicubic"),
     NotImplementedError, "bicubic"),
    (lambda: F.grid_sample(mg.ones(1, 1, 2, 2), mg.ones(1, 1, 1, 2), padding_mode="wrap"),
     ValueError, "padding_mode"),
    (lambda: F.grid_sample(mg.ones(1, 1, 2, 2), mg.ones(2, 1, 1, 2)), ShapeError, "N = 1"),
    (lambda: F.affine_grid(mg.ones(1, 3, 3), (1, 1, 2, 2)), ShapeError, r"\(N, 2, 3\)"),
    (lambda: F.affine_grid(mg.ones(1, 3, 4), (1, 1, 2, 2, 2)), NotImplementedError, "2-D"),
])
def test_argument_errors(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


def test_affine_grid_warns_on_unit_sizes_with_align_corners_as_torch() -> None:
    theta = np.eye(2, 3)[None]
    with pytest.warns(UserWarning, match="align_corners"):
        torch.nn.functional.affine_grid(torch.tensor(theta), [1, 1, 1, 3], align_corners=True)
    with pytest.warns(UserWarning, match="align_corners"):
        F.affine_grid(mg.tensor(theta), [1, 1, 1, 3], align_corners=True)


def test_spatial_transformer_round_trip_matches_torch() -> None:
    """affine_grid + grid_sample as in the spatial transformer tutorial, gradients to theta."""
    x, theta = _rand(2, 3, 6, 5), np.eye(2, 3)[None].repeat(2, 0) + 0.1 * _rand(2, 2, 3, seed=1)
    outs = []
    for lib, mk in ((mg, mg.tensor), (torch, torch.tensor)):
        th = mk(theta, requires_grad=True)
        inp = mk(x, requires_grad=True)
        fn = lib.nn.functional
        y = fn.grid_sample(inp, fn.affine_grid(th, [2, 3, 4, 4], align_corners=False),
                           align_corners=False, padding_mode="border")
        (y * mk(_rand(2, 3, 4, 4, seed=2))).sum().backward()
        outs.append([t.detach().numpy() for t in (y, th.grad, inp.grad)])
    for a, b in zip(*outs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def _container_story(lib: Any) -> list[Any]:
    """The same container operations in either library; what they leave, by name and type."""
    nn_ = lib.nn
    seen: list[Any] = []

    def snap(m: Any) -> None:
        seen.append([(k, type(v).__name__) for k, v in m.named_children()])

    seq = nn_.Sequential(OrderedDict([("a", nn_.ReLU()), ("b", nn_.Tanh())]))
    snap(seq)
    seen.append(type(seq.pop(0)).__name__)
    snap(seq)
    seq.insert(0, nn_.Sigmoid())
    seq.append(nn_.Identity())
    snap(seq)
    snap(seq + nn_.Sequential(nn_.ReLU()))
    snap(seq * 2)
    snap(2 * seq[1:])
    seq += nn_.Sequential(nn_.GELU())
    snap(seq)
    seq *= 2
    snap(seq)
    del seq[1:3]
    snap(seq)
    ml = nn_.ModuleList([nn_.ReLU(), nn_.Tanh(), nn_.Identity()])
    seen.append(type(ml.pop(1)).__name__)
    snap(ml.__add__(nn_.ModuleList([nn_.Sigmoid()])))  # ModuleList + iterable
    ml.extend([nn_.GELU()])
    del ml[0]
    snap(ml)
    snap(ml[::-1])
    md = nn_.ModuleDict({"z": nn_.ReLU(), "y": nn_.Tanh()})
    md.update({"x": nn_.Identity()})
    seen.append(list(md.keys()))
    seen.append(type(md.pop("y")).__name__)
    snap(md)
    pd = nn_.ParameterDict({"b": nn_.Parameter(lib.ones(1))}) | nn_.ParameterDict(
        {"a": nn_.Parameter(lib.ones(2))})
    seen.append([(k, tuple(v.shape)) for k, v in pd.items()])
    seen.append(list(pd.fromkeys(["p", "q"])))
    return seen


def test_container_methods_as_torch() -> None:
    assert _container_story(mg) == _container_story(torch)
    with pytest.raises(ValueError, match="Sequential"):
        nn.Sequential() + nn.ModuleList()
    with pytest.raises(ValueError, match="Non-positive"):
        nn.Sequential(nn.ReLU()) * 0


LOSS_NAMES = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HuberLoss", "KLDivLoss",
              "L1Loss", "MSELoss", "NLLLoss", "SmoothL1Loss"]


def _params(fn: Any) -> list[tuple[str, Any]]:
    import inspect

    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()
            if p.name != "self"]


@pytest.mark.parametrize("name", LOSS_NAMES)
def test_loss_module_signatures_are_torch(name: str) -> None:
    assert _params(getattr(nn, name).__init__) == _params(getattr(torch.nn, name).__init__)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "cross_entropy", "kl_div", "l1_loss", "mse_loss", "nll_loss",
                                  "smooth_l1_loss"])
def test_loss_function_signatures_are_torch_up_to_weight(name: str) -> None:
    """Same parameters in the same order (torch 2.13 appends a `weight` to some)."""
    theirs = [p for p in _params(getattr(torch.nn.functional, name))
              if not (p[0] == "weight" and name in ("l1_loss", "mse_loss"))]
    assert _params(getattr(F, name)) == theirs


def _legacy(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; it must warn about the deprecated arguments (other warnings allowed)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    assert any("deprecated" in str(w.message) for w in seen), [str(w.message) for w in seen]
    return out


@pytest.mark.parametrize(("size_average", "reduce"), [(False, None), (None, False),
                                                      (True, True), (False, True)])
def test_legacy_size_average_and_reduce_as_torch(size_average: Any, reduce: Any) -> None:
    a, b = _rand(3, 4), np.abs(_rand(3, 4, seed=1))
    p = 1 / (1 + np.exp(-a))
    cases = [("mse_loss", a, b), ("l1_loss", a, b), ("smooth_l1_loss", a, b),
             ("binary_cross_entropy", p, b / b.max()),
             ("binary_cross_entropy_with_logits", a, b / b.max()),
             ("kl_div", np.log(p), b)]
    kw = {"size_average": size_average, "reduce": reduce}
    for name, x, y in cases:
        got = _legacy(getattr(F, name), mg.tensor(x), mg.tensor(y), **kw)
        want = _legacy(getattr(torch.nn.functional, name), torch.tensor(x), torch.tensor(y),
                       **kw)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, err_msg=name)
    target = np.array([0, 2, 3])
    for name, x in (("cross_entropy", a), ("nll_loss", np.log(p))):
        got = _legacy(getattr(F, name), mg.tensor(x), mg.tensor(target), None, size_average,
                      reduce=reduce)
        want = _legacy(getattr(torch.nn.functional, name), torch.tensor(x),
                       torch.tensor(target), None, size_average, reduce=reduce)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, err_msg=name)
    module = _legacy(nn.MSELoss, size_average, reduce)
    assert module.reduction == _legacy(torch.nn.MSELoss, size_average, reduce).reduction
