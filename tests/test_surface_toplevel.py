"""The top-level PyTorch surface: device, Size, accelerator, backends flags, utils.data,
predicates, closeness, inference_mode, constants and dtype names (legacy constructors, finfo,
print options and torch.cuda controls: test_surface_types.py)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

import minigrad as mg
from minigrad.backends import parse_device

# ----------------------------------------------------------------------------- device


@pytest.mark.parametrize("args, kwargs", [
    (("cuda:1",), {}), (("cuda", 1), {}), (("cpu",), {}), ((), {"type": "cpu"}),
    (("cuda",), {}), (("cpu", 0), {}), ((), {"type": "cuda", "index": 2}), (("cpu:0",), {}),
])
def test_device_constructor_matches_torch(args: tuple, kwargs: dict) -> None:
    torch = pytest.importorskip("torch")
    d, td = mg.device(*args, **kwargs), torch.device(*args, **kwargs)
    assert (d.type, d.index) == (td.type, td.index)
    assert repr(d) == repr(td) and str(d) == str(td)


def test_device_is_the_device_type_everywhere() -> None:
    assert mg.device is mg.Device and isinstance(mg.ones(1).device, mg.device)
    assert mg.device(mg.device("cuda", 3)) == mg.device("cuda:3")
    assert mg.device(1) == mg.device("cuda", 1)  # an int is a CUDA index, as in PyTorch


@pytest.mark.parametrize("args, error", [
    (("gpu",), ValueError), (("cuda:x",), ValueError), (("cuda:1", 2), ValueError),
    (("cuda", -1), ValueError), ((3.5,), TypeError), (("cuda", "1"), TypeError),
])
def test_bad_devices_are_rejected_like_torch(args: tuple, error: type) -> None:
    with pytest.raises(error):
        mg.device(*args)
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, TypeError)):  # PyTorch: RuntimeError for bad strings
        torch.device(*args)


def test_device_equality_hash_and_pickle() -> None:
    d = mg.device("cuda", 0)
    assert d == "cuda" and d == "cuda:0" and d == mg.device("cuda") and d != "cpu"
    assert d != "not a device" and mg.device("cpu") != mg.device("cuda")
    assert hash(d) == hash(mg.device("cuda")) and len({d, mg.device("cuda:0")}) == 1
    assert pickle.loads(pickle.dumps(d)) == d and repr(pickle.loads(pickle.dumps(d))) == repr(d)
    with pytest.raises(AttributeError):
        d.index = 2  # type: ignore[misc]


def test_device_objects_are_accepted_where_strings_are() -> None:
    cpu = mg.device("cpu")
    for t in (mg.zeros(2, device=cpu), mg.ones(2, device=cpu), mg.rand(2, device=cpu),
              mg.randn(2, device=cpu), mg.tensor([1.0], device=cpu), mg.arange(3, device=cpu),
              mg.full((2,), 1.0, device=cpu), mg.as_tensor([1.0], device=cpu),
              mg.ones(1).to(cpu), mg.ones(1).to(device=cpu), mg.ones(1).new_zeros(2, device=cpu)):
        assert t.device == cpu
    net = mg.nn.Linear(2, 2).to(cpu)
    assert net.weight.device == cpu
    if not mg.cuda.is_available():  # an int is a CUDA index for modules too (model.to(rank))
        with pytest.raises(mg.DeviceError):
            net.to(0)
    assert parse_device(mg.device("cuda")) == mg.device("cuda", 0)
    assert parse_device(mg.device("cuda")).index == 0  # placement always has an index


# ----------------------------------------------------------------------------- Size


def test_size_is_a_tuple_with_numel_and_a_torch_like_repr() -> None:
    s = mg.ones(2, 3).shape
    assert type(s) is mg.Size and isinstance(s, tuple) and s == (2, 3)
    assert repr(s) == "Size([2, 3])" and str(s) == "(2, 3)" and f"{s}" == "(2, 3)"
    assert type(mg.ones(2).size()) is mg.Size and mg.ones(2, 5).size(-1) == 5
    assert repr(mg.tensor(1.0).shape) == "Size([])" and mg.tensor(1.0).shape.numel() == 1
    assert pickle.loads(pickle.dumps(s)) == s and type(pickle.loads(pickle.dumps(s))) is mg.Size
    a, b = s
    assert (a, b) == (2, 3) and s[-1] == 3 and np.zeros(s).shape == (2, 3)
    torch = pytest.importorskip("torch")
    for shape in [(), (0,), (4,), (2, 3, 5)]:
        assert mg.Size(shape).numel() == torch.Size(shape).numel()
        assert repr(mg.Size(shape)) == repr(torch.Size(shape)).removeprefix("torch.")


# ----------------------------------------------------------------------------- accelerator


def test_accelerator_agrees_with_cuda_queries() -> None:
    assert mg.accelerator.is_available() == mg.cuda.is_available()
    assert mg.accelerator.device_count() == mg.cuda.device_count()
    cur = mg.accelerator.current_accelerator()
    if mg.cuda.is_available():
        assert cur == mg.device("cuda") and cur.index is None
    else:
        assert cur is None


def test_accelerator_matches_torch_without_a_gpu() -> None:
    torch = pytest.importorskip("torch")
    if mg.cuda.is_available() or torch.accelerator.is_available():
        pytest.skip("compares the no-GPU answers")
    assert mg.accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    assert mg.accelerator.device_count() == torch.accelerator.device_count() == 0


def test_backends_flags_and_mps() -> None:
    cudnn = mg.backends.cudnn
    assert (cudnn.benchmark, cudnn.deterministic, cudnn.enabled) == (False, False, True)
    cudnn.benchmark = True
    try:
        assert mg.backends.cudnn.benchmark is True
    finally:
        cudnn.benchmark = False
    assert "read by nothing today" in cudnn.__doc__
    assert mg.backends.mps.is_available() is False and mg.backends.mps.is_built() is False
    assert mg.backends.backend_for("cpu").name == "numpy"  # the package still works


def test_backends_cuda_flags_behave_like_torch() -> None:
    torch = pytest.importorskip("torch")
    bc, tbc = mg.backends.cuda, torch.backends.cuda
    assert mg.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    assert bc.matmul.allow_tf32 == tbc.matmul.allow_tf32 and mg.backends.cudnn.allow_tf32
    assert bc.flash_sdp_enabled() == tbc.flash_sdp_enabled()
    try:
        for precision in ("high", "medium", "highest"):
            mg.set_float32_matmul_precision(precision)
            torch.set_float32_matmul_precision(precision)
            assert bc.matmul.allow_tf32 == tbc.matmul.allow_tf32
        for flag in (True, False):
            bc.matmul.allow_tf32 = tbc.matmul.allow_tf32 = flag
            assert mg.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
        bc.enable_flash_sdp(False)
        assert not bc.flash_sdp_enabled() and bc.math_sdp_enabled()
    finally:
        mg.set_float32_matmul_precision("highest")
        torch.set_float32_matmul_precision("highest")
        bc.enable_flash_sdp(True)
    with pytest.raises(ValueError, match="precision"):
        mg.set_float32_matmul_precision("low")  # PyTorch warns and ignores it


def test_utils_data_is_minigrad_data() -> None:
    import minigrad.data
    import minigrad.utils.data as D
    from minigrad.utils.data import DataLoader, TensorDataset

    assert DataLoader is minigrad.data.DataLoader and TensorDataset is D.TensorDataset
    assert mg.utils.data is D and set(minigrad.data.__all__) <= set(D.__all__)
    loader = D.DataLoader(D.TensorDataset(mg.arange(6.0)), batch_size=4)
    assert [b[0].shape for b in loader] == [(4,), (2,)]
    with pytest.raises(AttributeError):
        D.NoSuchThing  # noqa: B018


# ----------------------------------------------------------------------------- predicates


def test_predicates_and_numel_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64", "float16", "int64", "int32", "uint8", "bool"):
        a, t = mg.zeros(2, 3, dtype=dtype), torch.zeros(2, 3, dtype=getattr(torch, dtype))
        assert mg.is_floating_point(a) == torch.is_floating_point(t) == a.is_floating_point()
        assert mg.is_complex(a) == torch.is_complex(t) is False
        assert mg.numel(a) == torch.numel(t) == 6
    assert mg.is_tensor(mg.nn.Parameter(mg.ones(1))) and not mg.is_tensor(np.ones(1))
    for fn in (mg.numel, mg.is_floating_point, mg.is_complex):
        with pytest.raises(TypeError, match="Tensor"):
            fn([1.0])
        with pytest.raises(TypeError):
            getattr(torch, fn.__name__)([1.0])


# ----------------------------------------------------------------------------- closeness

_CLOSE_CASES = [
    ([1.0, 2.0, 3.0], [1.0, 2.00001, 3.1], {}),
    ([1.0, math.nan, math.inf, -math.inf, 0.0], [1.0, math.nan, math.inf, math.inf, 1e-9], {}),
    ([1.0, math.nan, math.inf], [1.0, math.nan, math.inf], {"equal_nan": True}),
    ([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.05], {"rtol": 0.1}),
    ([100.0, 1e-3], [100.5, 2e-3], {"rtol": 0.0, "atol": 1.0}),
]


@pytest.mark.parametrize("a, b, kw", _CLOSE_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_isclose_allclose_match_torch(a: list, b: list, kw: dict, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    x, y = mg.tensor(a, dtype=dtype), mg.tensor(b, dtype=dtype)
    tx, ty = torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(b, dtype=getattr(
        torch, dtype))
    got = mg.isclose(x, y, **kw)
    assert got.dtype == mg.bool_ and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), torch.isclose(tx, ty, **kw).numpy())
    assert mg.allclose(x, y, **kw) is torch.allclose(tx, ty, **kw)
    assert x.allclose(y, **kw) is mg.allclose(x, y, **kw)


def test_isclose_integers_and_errors() -> None:
    torch = pytest.importorskip("torch")
    a, b = [1, 2, 100], [1, 3, 101]
    np.testing.assert_array_equal(mg.isclose(mg.tensor(a), mg.tensor(b)).numpy(),
                                  torch.isclose(torch.tensor(a), torch.tensor(b)).numpy())
    with pytest.raises(mg.MinigradTypeError, match="same dtype"):
        mg.isclose(mg.ones(2), mg.ones(2, dtype=mg.float64))
    with pytest.raises(RuntimeError):
        torch.isclose(torch.ones(2), torch.ones(2, dtype=torch.float64))
    with pytest.raises(mg.ShapeError):
        mg.allclose(mg.ones(2), mg.ones(3))
    with pytest.raises(TypeError):
        mg.isclose(mg.ones(2), [1.0, 1.0])


def test_equal_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    pairs = [([1, 2], [1.0, 2.0]), ([1, 2], [1, 2, 3]), ([[1.0]], [1.0]),
             ([math.nan], [math.nan]), ([1.0, 2.0], [1.0, 2.5]), ([], [])]
    for a, b in pairs:
        want = torch.equal(torch.tensor(a), torch.tensor(b))
        assert mg.equal(mg.tensor(a), mg.tensor(b)) is want, (a, b)
        assert mg.tensor(a).equal(mg.tensor(b)) is want


# ----------------------------------------------------------------------------- inference mode


def test_inference_mode_as_context_and_decorators() -> None:
    x = mg.ones(2, requires_grad=True)
    with mg.inference_mode():
        assert mg.is_inference_mode_enabled() and not mg.is_grad_enabled()
        with mg.inference_mode(False):  # changes nothing, as in PyTorch
            assert not mg.is_grad_enabled()
        assert not (x * 2).requires_grad
    assert not mg.is_inference_mode_enabled() and mg.is_grad_enabled()

    @mg.inference_mode
    def bare(t: mg.Tensor) -> mg.Tensor:
        return t * 2

    @mg.inference_mode()
    def called(t: mg.Tensor) -> mg.Tensor:
        assert mg.is_inference_mode_enabled()
        return t * 2

    assert not bare(x).requires_grad and not called(x).requires_grad
    assert bare.__name__ == "bare" and mg.is_grad_enabled()
    with mg.inference_mode(False):
        assert (x * 2).requires_grad and not mg.is_inference_mode_enabled()


def test_inference_mode_restores_state_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), mg.inference_mode():
        1 / 0  # noqa: B018
    assert mg.is_grad_enabled() and not mg.is_inference_mode_enabled()


# ----------------------------------------------------------------------------- names


def test_constants_and_dtype_names_match_torch() -> None:
    torch = pytest.importorskip("torch")
    for name in ("inf", "pi", "e"):
        assert getattr(mg, name) == getattr(torch, name)
    assert math.isnan(mg.nan) and math.isnan(torch.nan)
    for name in ("float", "double", "half", "long", "int", "short", "uint8", "int8", "bool",
                 "float16", "float32", "float64", "int16", "int32", "int64"):
        assert str(getattr(mg, name)) == str(getattr(torch, name)).removeprefix("torch."), name
    assert not hasattr(mg, "bfloat16") and not hasattr(mg, "cfloat")  # see pytorch-compat.md

