"""Every differentiable op, grouped by family; each written once over the backend's ``xp``.

The public functions here are re-exported as ``minigrad.<name>`` and as Tensor methods.

>>> import minigrad as mg
>>> mg.ops.exp is mg.exp
True
"""

# ---- families of the PyTorch surface -------------------------------------------------------
# Each family module declares ``__all__`` (public as ``minigrad.ops.<name>`` and, through
# minigrad/__init__.py, as ``minigrad.<name>``), ``TENSOR_METHODS`` (names that are also Tensor
# methods taking the tensor as first argument) and optionally ``INPLACE_METHODS`` (names that
# also get an in-place ``<name>_`` method). Add a family with one import line here, one entry
# in _FAMILIES, and one star import in minigrad/__init__.py.
from minigrad.ops import (
    activation,
    activation_piecewise,
    binary_more,
    broadcasting,
    closeness,
    counting,
    diagonal,
    einsum,
    joining,
    linalg,
    linalg_dense,
    named,
    normalization,
    norms,
    reduce_more,
    reshaping,
    sampling,
    scan,
    scatter,
    select,
    sorting,
    unary_math,
)
from minigrad.ops._util import normalize_dim
from minigrad.ops.binary import (
    add,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    div,
    eq,
    ge,
    gt,
    le,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    pow,
    sub,
    where,
)
from minigrad.ops.elementwise import (
    abs,
    clamp,
    cos,
    exp,
    leaky_relu,
    log,
    log1p,
    neg,
    reciprocal,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    tanh,
)
from minigrad.ops.index import gather, index, index_put
from minigrad.ops.joining import cat, pad, split, stack
from minigrad.ops.linear import linear
from minigrad.ops.matmul import matmul
from minigrad.ops.reduce import (
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from minigrad.ops.shape import (
    astype,
    broadcast_to,
    expand,
    flatten,
    permute,
    reshape,
    squeeze,
    to_device,
    transpose,
    unsqueeze,
)

_FAMILIES: tuple = (unary_math, binary_more, reduce_more, einsum, linalg, diagonal, norms,
                    linalg_dense, scan, sorting, counting,
                    activation, activation_piecewise, normalization, named, closeness,
                    broadcasting, joining, reshaping, sampling, scatter, select)

# the families' public functions are attributes of minigrad.ops too (mg.ops.acos is mg.acos);
# a core name a family re-exports with more options (add with alpha=) keeps the core function
# here, so Tensor's operators (``a + b`` calls ops.add) skip the extra layer
globals().update({
    name: getattr(fam, name) for fam in _FAMILIES for name in fam.__all__
    if name not in globals()
})

#: method name -> function, bound onto Tensor by minigrad.tensor_methods.bind_ops
TENSOR_METHODS: dict = {
    name: getattr(fam, name) for fam in _FAMILIES for name in getattr(fam, "TENSOR_METHODS", ())
}
#: names whose in-place ``<name>_`` method is generated from the out-of-place function
INPLACE_METHODS: dict = {
    name: getattr(fam, name) for fam in _FAMILIES for name in getattr(fam, "INPLACE_METHODS", ())
}

__all__ = [
    *(name for fam in _FAMILIES for name in fam.__all__),
    "abs",
    "add",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "astype",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "broadcast_to",
    "cat",
    "clamp",
    "cos",
    "div",
    "eq",
    "exp",
    "expand",
    "flatten",
    "gather",
    "ge",
    "gt",
    "index",
    "index_put",
    "le",
    "leaky_relu",
    "linear",
    "log",
    "log1p",
    "logsumexp",
    "lt",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "ne",
    "neg",
    "normalize_dim",
    "pad",
    "permute",
    "pow",
    "prod",
    "reciprocal",
    "relu",
    "reshape",
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
    "to_device",
    "transpose",
    "unsqueeze",
    "var",
    "where",
]
