"""The nn surface against PyTorch: distance, padding, resampling, block, conv, pooling and dropout
modules (float64, identical weights through state_dict, forward and every gradient), their
reprs, and argument errors. Functional forms: op_table_nn*.py; losses and containers:
test_nn_surface_losses.py, test_nn_surface_containers.py."""

from __future__ import annotations

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


def _dcgan_generator(lib: Any) -> Any:
    """DCGAN's generator (pytorch/examples), scaled down: transposed convs, BatchNorm, Tanh."""
    n = lib.nn
    return n.Sequential(
        n.ConvTranspose2d(8, 16, 4, 1, 0, bias=False), n.BatchNorm2d(16), n.ReLU(True),
        n.ConvTranspose2d(16, 8, 4, 2, 1, bias=False), n.BatchNorm2d(8), n.ReLU(True),
        n.ConvTranspose2d(8, 3, 4, 2, 1, bias=False), n.Tanh())


def _unet_up(lib: Any) -> Any:
    """A U-Net/GAN upsampling block: Upsample, reflection pad, conv, pixel shuffle, dropout."""
    n = lib.nn
    return n.Sequential(
        n.Upsample(scale_factor=2, mode="bilinear", align_corners=True), n.ReflectionPad2d(1),
        n.Conv2d(4, 8, 3), n.LeakyReLU(0.2), n.Dropout2d(0.0), n.PixelShuffle(2),
        n.ZeroPad2d((1, 0, 1, 0)), n.AvgPool2d(2), n.Upsample(scale_factor=2),
        n.Conv2d(2, 3, 3, padding=1, padding_mode="replicate"))


@pytest.mark.parametrize(("build", "shape"), [(_dcgan_generator, (2, 8, 1, 1)),
                                              (_unet_up, (2, 4, 3, 5))])
def test_generator_blocks_match_torch(build: Any, shape: tuple[int, ...]) -> None:
    ours, theirs = build(mg).double(), build(torch).double()
    assert repr(ours) == repr(theirs)
    compare_with_torch(ours, theirs, [_rand(*shape)], _call, rtol=1e-8, atol=1e-9)
