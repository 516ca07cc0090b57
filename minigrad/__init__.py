"""minigrad: a define-by-run autodiff framework with a PyTorch-shaped API.

>>> import minigrad as mg
>>> x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward()
>>> x.grad
tensor([2., 4., 6.], dtype=float32, device='cpu')
"""

import math as _math

from minigrad import accelerator, amp, autograd, backends, cuda, nn, ops, optim, utils
from minigrad._version import __version__
from minigrad.amp import autocast, get_autocast_dtype, is_autocast_enabled
from minigrad.autograd import grad
from minigrad.backends import Device
from minigrad.backends.cuda import get_float32_matmul_precision, set_float32_matmul_precision
from minigrad.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from minigrad.dtypes import (
    bool_,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    set_default_dtype,
    uint8,
)
from minigrad.errors import (
    AnomalyError,
    AutogradError,
    DeviceError,
    MinigradError,
    MinigradTypeError,
    OutOfMemoryError,
    ShapeError,
)
from minigrad.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.inference import inference_mode, is_inference_mode_enabled
from minigrad.legacy import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from minigrad.ops import (
    abs,
    add,
    amax,
    amin,
    argmax,
    argmin,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    broadcast_to,
    cat,
    clamp,
    cos,
    div,
    eq,
    exp,
    expand,
    flatten,
    gather,
    ge,
    gt,
    le,
    leaky_relu,
    log,
    log1p,
    logsumexp,
    lt,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mul,
    ne,
    neg,
    pad,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    split,
    sqrt,
    square,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from minigrad.printing import get_printoptions, set_printoptions
from minigrad.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from minigrad.serialization import load, save
from minigrad.size import Size
from minigrad.tensor import Tensor
from minigrad.typeinfo import finfo, iinfo, is_complex, is_floating_point, is_tensor, numel

bool = bool_
float = float32
double = float64
long = int64
half = float16
int = int32  # as torch.int; note that mg.long is int64
short = int16
clip = clamp
device = Device
inf, nan, pi, e = _math.inf, _math.nan, _math.pi, _math.e

# ---- families of the PyTorch surface (see minigrad/ops/__init__.py): one star import each
# here (`from minigrad.ops.<family> import *`, with noqa E402 and F403); their __all__ joins ours
# at the end of this file
from minigrad import linalg  # noqa: E402
from minigrad import tensor_methods as _tensor_methods  # noqa: E402
from minigrad.ops.activation import *  # noqa: E402, F403
from minigrad.ops.activation_piecewise import *  # noqa: E402, F403
from minigrad.ops.binary_more import *  # noqa: E402, F403
from minigrad.ops.broadcasting import *  # noqa: E402, F403
from minigrad.ops.closeness import *  # noqa: E402, F403
from minigrad.ops.counting import *  # noqa: E402, F403
from minigrad.ops.diagonal import *  # noqa: E402, F403
from minigrad.ops.einsum import *  # noqa: E402, F403
from minigrad.ops.joining import *  # noqa: E402, F403
from minigrad.ops.linalg import *  # noqa: E402, F403
from minigrad.ops.linalg_dense import *  # noqa: E402, F403
from minigrad.ops.named import *  # noqa: E402, F403
from minigrad.ops.normalization import *  # noqa: E402, F403
from minigrad.ops.norms import *  # noqa: E402, F403
from minigrad.ops.reduce_more import *  # noqa: E402, F403
from minigrad.ops.reshaping import *  # noqa: E402, F403
from minigrad.ops.sampling import *  # noqa: E402, F403
from minigrad.ops.scan import *  # noqa: E402, F403
from minigrad.ops.scatter import *  # noqa: E402, F403
from minigrad.ops.select import *  # noqa: E402, F403
from minigrad.ops.sorting import *  # noqa: E402, F403
from minigrad.ops.unary_math import *  # noqa: E402, F403

# Tensor's operators call minigrad.ops; connect them once everything is imported
_tensor_methods.bind_ops(ops)

__all__ = [
    "AnomalyError",
    "AutogradError",
    "Device",
    "DeviceError",
    "Generator",
    "MinigradError",
    "MinigradTypeError",
    "OutOfMemoryError",
    "ShapeError",
    "Tensor",
    "__version__",
    "abs",
    "add",
    "amax",
    "amin",
    "amp",
    "arange",
    "argmax",
    "argmin",
    "as_tensor",
    "autocast",
    "autograd",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "bool",
    "bool_",
    "broadcast_to",
    "cat",
    "clamp",
    "clip",
    "cos",
    "cuda",
    "default_generator",
    "div",
    "double",
    "empty",
    "empty_like",
    "enable_grad",
    "eq",
    "exp",
    "expand",
    "eye",
    "flatten",
    "float",
    "float16",
    "float32",
    "float64",
    "from_dlpack",
    "from_numpy",
    "full",
    "full_like",
    "gather",
    "ge",
    "get_autocast_dtype",
    "get_default_dtype",
    "get_rng_state",
    "grad",
    "gt",
    "initial_seed",
    "int8",
    "int16",
    "int32",
    "int64",
    "is_autocast_enabled",
    "is_grad_enabled",
    "le",
    "leaky_relu",
    "linalg",
    "linspace",
    "load",
    "log",
    "log1p",
    "logspace",
    "logsumexp",
    "long",
    "lt",
    "manual_seed",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "ne",
    "neg",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "ops",
    "optim",
    "pad",
    "permute",
    "pow",
    "prod",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "reciprocal",
    "relu",
    "reshape",
    "save",
    "seed",
    "set_default_dtype",
    "set_grad_enabled",
    "set_rng_state",
    "sigmoid",
    "sign",
    "sin",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "transpose",
    "uint8",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]
__all__ += [  # the top-level surface of docs/pytorch-compat.md
    "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor", "HalfTensor",
    "IntTensor", "LongTensor", "ShortTensor", "Size", "accelerator", "backends", "device", "e",
    "finfo", "get_float32_matmul_precision", "get_printoptions", "half", "iinfo", "inf",
    "inference_mode", "int", "is_complex", "is_floating_point", "is_inference_mode_enabled",
    "is_tensor", "nan", "numel", "pi", "set_float32_matmul_precision", "set_printoptions",
    "short", "utils",
]
__all__ += [name for fam in ops._FAMILIES for name in fam.__all__]
__all__ = list(dict.fromkeys(__all__))  # a family may re-export a core name (add, div, sub)


def __getattr__(name: str) -> object:
    """Lazy submodules: ``mg.viz`` is imported on first use (it never imports graphviz or
    matplotlib at import time either; those load only when a picture is drawn)."""
    if name == "viz":
        import importlib

        return importlib.import_module("minigrad.viz")
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
