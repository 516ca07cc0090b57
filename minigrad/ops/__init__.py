"""Every differentiable op, grouped by family; each written once over the backend's ``xp``.

The public functions here are re-exported as ``minigrad.<name>`` and as Tensor methods.

>>> import minigrad as mg
>>> mg.ops.exp is mg.exp
True
"""

from minigrad.ops._util import normalize_dim
from minigrad.ops.binary import (
    add,
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
    cat,
    expand,
    flatten,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    to_device,
    transpose,
    unsqueeze,
)

__all__ = [
    "abs", "add", "amax", "amin", "argmax", "argmin", "astype", "broadcast_to", "cat", "clamp",
    "cos", "div", "eq", "exp", "expand", "flatten", "gather", "ge", "gt", "index", "index_put",
    "le", "leaky_relu", "linear", "log", "log1p", "logsumexp", "lt", "matmul", "max", "maximum",
    "mean", "min", "minimum", "mul", "ne", "neg", "normalize_dim", "pad", "permute", "pow", "prod",
    "reciprocal", "relu", "reshape", "sigmoid", "sign", "sin", "split", "sqrt", "square",
    "squeeze", "stack", "std", "sub", "sum", "tanh", "to_device", "transpose", "unsqueeze", "var",
    "where",
]
