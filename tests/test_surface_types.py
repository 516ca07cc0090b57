"""The top-level PyTorch surface, part 2: legacy typed constructors, finfo/iinfo, print
options and the torch.cuda device controls."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.backends import parse_device

# ----------------------------------------------------------------------------- legacy types


@pytest.mark.parametrize("name, args", [
    ("Tensor", (2, 3)), ("Tensor", ([1, 2],)), ("Tensor", ()), ("Tensor", ([[1.5], [2.0]],)),
    ("Tensor", ((2, 3),)), ("Tensor", ([],)), ("FloatTensor", (3,)),
    ("FloatTensor", ([1, 2],)), ("DoubleTensor", ([1, 2],)), ("LongTensor", ([1.7, -2.2],)),
    ("LongTensor", (2,)), ("IntTensor", ([1, 2],)), ("BoolTensor", ([0, 2],)),
    ("ByteTensor", ([1, 255],)), ("HalfTensor", ([0.5],)), ("ShortTensor", ([3],)),
    ("CharTensor", ([-3],)),
])
def test_legacy_constructors_match_torch(name: str, args: tuple) -> None:
    torch = pytest.importorskip("torch")
    got, want = getattr(mg, name)(*args), getattr(torch, name)(*args)
    assert got.shape == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype).removeprefix("torch.")
    if all(not isinstance(a, int) for a in args):  # data, not uninitialised sizes
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    else:
        assert (got.numpy() == 0).all()  # minigrad zero-fills "uninitialised" memory
    assert got.type() == want.type().replace("torch.", "minigrad.")


def test_legacy_constructor_special_forms() -> None:
    t = mg.ones(2, dtype=mg.int64)
    alias = mg.Tensor(t)
    assert alias.dtype == mg.int64 and alias._data is t._data  # shares, as in PyTorch
    assert mg.Tensor(mg.Size([2, 4])).shape == (2, 4)
    assert mg.Tensor([1, 2], dtype=mg.float64).dtype == mg.float64  # minigrad's keyword
    assert mg.Tensor(2, requires_grad=True).requires_grad
    assert isinstance(mg.ones(1), mg.FloatTensor) and not isinstance(mg.ones(1), mg.LongTensor)
    assert isinstance(mg.ones(1, dtype=mg.int64), mg.LongTensor)
    assert not isinstance(mg.ones(1), mg.cuda.FloatTensor)
    assert repr(mg.cuda.FloatTensor) == "<class 'minigrad.cuda.FloatTensor'>"
    assert mg.LongTensor(mg.tensor([1.5, 2.5])).tolist() == [1, 2]


@pytest.mark.parametrize("args", [(2.5,), (True,), (None,), ([1], [2]), ("ab",), (2, 3.0)])
def test_legacy_constructor_type_errors_like_torch(args: tuple) -> None:
    with pytest.raises(TypeError):
        mg.Tensor(*args)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.Tensor(*args)


def test_legacy_constructor_negative_size() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        mg.Tensor(2, -1)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.Tensor(2, -1)


def test_as_tensor_shares_memory_like_torch() -> None:
    a = np.arange(3.0)
    t = mg.as_tensor(a)
    a[0] = 9
    assert t.tolist() == [9.0, 1.0, 2.0] and t.dtype == mg.float64
    cast = mg.as_tensor(a, dtype=mg.float32)
    a[1] = 7
    assert cast.tolist() == [9.0, 1.0, 2.0]  # a cast is a copy
    x = mg.ones(2, requires_grad=True)
    assert mg.as_tensor(x) is x and mg.as_tensor(x, dtype=mg.float64).grad_fn is not None
    assert mg.as_tensor([1, 2]).dtype == mg.int64 and mg.as_tensor(2.5).dtype == mg.float32


# ----------------------------------------------------------------------------- finfo / iinfo


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_finfo_matches_torch(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    got, want = mg.finfo(getattr(mg, dtype)), torch.finfo(getattr(torch, dtype))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(got, attr) == getattr(want, attr), attr
    assert repr(got) == repr(want)


def test_finfo_default_and_iinfo_match_torch() -> None:
    torch = pytest.importorskip("torch")
    assert mg.finfo().dtype == torch.finfo().dtype == "float32"
    for dtype in ("uint8", "int8", "int16", "int32", "int64"):
        got, want = mg.iinfo(getattr(mg, dtype)), torch.iinfo(getattr(torch, dtype))
        assert (got.bits, got.min, got.max, got.dtype) == (want.bits, want.min, want.max,
                                                             want.dtype)
        assert repr(got) == repr(want)
    for bad_f, bad_i in ((mg.int32, mg.float32), (mg.bool_, mg.bool_)):
        with pytest.raises(TypeError):
            mg.finfo(bad_f)
        with pytest.raises(TypeError):
            mg.iinfo(bad_i)
    with pytest.raises(TypeError):
        torch.iinfo(torch.bool)


# ----------------------------------------------------------------------------- printing


@pytest.fixture()
def printoptions() -> object:
    yield mg.set_printoptions
    mg.set_printoptions(profile="default")


def test_set_printoptions(printoptions: object) -> None:
    x = mg.tensor([1.23456789, 2.0, 1234.5])
    default = repr(x)
    mg.set_printoptions(precision=2)
    assert "1.23," in repr(x) and "1.2346" not in repr(x)
    mg.set_printoptions(sci_mode=True)
    assert "1.23e+00" in repr(x) and "1.23e+03" in repr(x)
    mg.set_printoptions(profile="default")
    assert repr(x) == default and mg.get_printoptions()["threshold"] == 200
    long = mg.arange(300)
    assert "..." in repr(long)
    mg.set_printoptions(threshold=float("inf"))
    assert "..." not in repr(long) and "299" in repr(long)
    mg.set_printoptions(threshold=10, edgeitems=1)
    assert repr(long).startswith("tensor([  0, ..., 299]")
    mg.set_printoptions(profile="short")
    assert mg.get_printoptions()["precision"] == 2 and mg.get_printoptions()["edgeitems"] == 2
    mg.set_printoptions(profile="full", linewidth=20)
    lines = repr(mg.arange(30)).splitlines()  # the last line also holds dtype and device
    assert len(lines) > 3 and max(len(line) for line in lines[:-1]) <= 20
    with pytest.raises(ValueError, match="profile"):
        mg.set_printoptions(profile="tiny")
    torch = pytest.importorskip("torch")
    torch.set_printoptions(profile="default")  # the names and profiles are PyTorch's
    for kw in ({"precision": 3}, {"threshold": 5}, {"edgeitems": 1}, {"linewidth": 40},
               {"sci_mode": False}, {"profile": "short"}, {"profile": "full"}):
        torch.set_printoptions(**kw)
        mg.set_printoptions(**kw)
    torch.set_printoptions(profile="default")


# ----------------------------------------------------------------------------- torch.cuda extras


def test_cuda_queries_without_a_gpu() -> None:
    if mg.cuda.is_available():
        pytest.skip("checks the answers on a machine without a GPU")
    mg.cuda.manual_seed(1)  # silently nothing, as in PyTorch
    mg.cuda.manual_seed_all(1)
    assert mg.cuda.is_bf16_supported() is False
    for call in (mg.cuda.current_device, mg.cuda.reset_peak_memory_stats,
                 lambda: mg.cuda.set_device(0), mg.cuda.get_device_capability,
                 lambda: mg.cuda.Event(enable_timing=True)):
        with pytest.raises(mg.DeviceError, match="not available"):
            call()


@pytest.mark.gpu
def test_cuda_device_control_on_a_gpu() -> None:
    if not mg.cuda.is_available():
        pytest.skip("no CUDA device")
    mg.cuda.set_device(mg.device("cuda", 0))
    assert mg.cuda.current_device() == 0 and parse_device("cuda") == mg.device("cuda", 0)
    major, minor = mg.cuda.get_device_capability(0)
    assert major >= 3 and minor >= 0
    start, end = mg.cuda.Event(enable_timing=True), mg.cuda.Event(enable_timing=True)
    start.record()
    x = mg.ones(256, 256, device="cuda") @ mg.ones(256, 256, device="cuda")
    end.record()
    end.synchronize()
    assert start.elapsed_time(end) >= 0 and end.query()
    mg.cuda.reset_peak_memory_stats()
    assert mg.cuda.max_memory_allocated() >= x.numel() * 4
    with pytest.raises(ValueError, match="no CUDA device"):
        mg.cuda.set_device(mg.cuda.device_count())
    mg.manual_seed(0)
    a = mg.rand(3, device="cuda").tolist()
    mg.cuda.manual_seed(0)
    assert mg.rand(3, device="cuda").tolist() == a
    y = mg.zeros(2, device=mg.device("cuda")).random_(0, 5).bernoulli_(0.5)
    assert y.device == "cuda" and mg.isclose(y, y).all().item()
    assert mg.div(mg.tensor([7, -7], device="cuda"), 2, rounding_mode="trunc").tolist() == [3, -3]
    assert mg.Tensor(2, 3, device="cuda").device == "cuda" and mg.cuda.FloatTensor(2).is_cuda
    assert isinstance(mg.ones(1, device="cuda"), mg.cuda.FloatTensor)
    assert mg.ones(1, device="cuda").type() == "minigrad.cuda.FloatTensor"
