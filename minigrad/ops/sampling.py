"""Random sampling: randperm, multinomial, normal (PyTorch's four forms), bernoulli,
randint_like. Not differentiable (as in PyTorch, samples carry no gradient to their
parameters). Each takes ``generator=`` (a :class:`minigrad.Generator`); streams are NumPy's,
so seeds reproduce minigrad's samples, not PyTorch's.

>>> import minigrad as mg
>>> _ = mg.manual_seed(0)
>>> sorted(mg.randperm(4).tolist())
[0, 1, 2, 3]
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.backends import backend_for, parse_device
from minigrad.errors import ShapeError
from minigrad.random import rng_of
from minigrad.tensor import Tensor

from ._util import broadcast_shapes as _broadcast
from ._util import check_tensor

__all__ = ["bernoulli", "multinomial", "normal", "randint_like", "randperm"]
#: bound onto Tensor by minigrad.tensor_methods.bind_ops (see minigrad/ops/__init__.py)
TENSOR_METHODS = ("bernoulli", "multinomial")


def _draw(generator: Any, device: Any, fn: str, *args: Any, **kwargs: Any) -> Any:
    """``rng.<fn>(...)`` as an array of ``device``'s backend (a :class:`Generator` draws on
    the host, the result is copied)."""
    dev = parse_device(device)
    arr = getattr(rng_of(generator, dev), fn)(*args, **kwargs)
    return backend_for(dev).asarray(arr, device=dev)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default).

    >>> import minigrad as mg
    >>> mg.randperm(5).shape, mg.randperm(5).dtype
    (Size([5]), dtype('int64'))
    """
    n = int(n)
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    arr = _draw(generator, device, "permutation", n)
    t = Tensor._make(arr.astype(dtypes.to_dtype(dtype or "int64")), None)
    if requires_grad:
        t.requires_grad = True
    return t


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """Draw ``num_samples`` category indices from each row of non-negative weights
    ``input`` (1-D or 2-D; rows need not sum to 1). Without replacement a category is drawn
    at most once; once the non-zero weights are used up, zero-weight categories follow (as
    PyTorch 2.x does).

    >>> import minigrad as mg
    >>> mg.multinomial(mg.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
    [1, 1]
    """
    check_tensor(input, "multinomial")
    if input.ndim not in (1, 2):
        raise ShapeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {input.shape}")
    if input.dtype.kind != "f":
        raise TypeError(f"multinomial: only supports floating-point dtypes for input, got "
                        f"{input.dtype}")
    n = int(num_samples)
    if n <= 0:
        raise ValueError(f"multinomial: cannot sample n_sample <= 0 samples, got {n}")
    xp = input._backend.xp
    p = input._data.astype("float64").reshape(-1, input.shape[-1])
    k = p.shape[1]
    if not bool(xp.isfinite(p).all()) or bool((p < 0).any()):
        raise ValueError("multinomial: probability tensor contains either `inf`, `nan` or "
                         "element < 0")
    if bool((p.sum(1) <= 0).any()):
        raise ValueError("multinomial: invalid multinomial distribution (sum of "
                         "probabilities <= 0)")
    if not replacement and n > k:
        raise ValueError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) "
                         f"samples without replacement ({n} > {k})")
    u = _draw(generator, input.device, "random", (p.shape[0], n if replacement else k))
    if replacement:  # inverse CDF
        cdf = xp.cumsum(p, axis=1)
        cdf /= cdf[:, -1:]
        shift = xp.arange(p.shape[0])[:, None]  # row i searches in [i, i + 1]: one call
        out = xp.searchsorted((cdf + shift).ravel(), (u + shift).ravel(), side="right")
        last = k - 1 - xp.argmax(p[:, ::-1] > 0, axis=1)[:, None]  # last non-zero weight
        out = xp.minimum(out.reshape(u.shape) - shift * k, last)
    else:  # exponential race: the smallest -log(u)/p come first (zero weights last)
        with input._backend.errstate(divide="ignore"):
            keys = -xp.log1p(-u) / p
        out = xp.argsort(keys, axis=1, kind="stable")[:, :n]
    out = out.astype("int64")
    return Tensor._make(out if input.ndim == 2 else out[0], None)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal samples, in PyTorch's four forms: ``normal(mean_t, std_t)`` (broadcast),
    ``normal(mean_t, std=1.0)``, ``normal(mean, std_t)`` and ``normal(mean, std, size)``.

    >>> import minigrad as mg
    >>> mg.normal(0.0, 1.0, (2, 3)).shape, mg.normal(mg.zeros(4), 2.0).shape
    (Size([2, 3]), Size([4]))
    """
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with float mean and std, pass `size`")
        from minigrad.creation import _float, _shape

        if float(std) < 0:
            raise ValueError(f"normal: expects std >= 0.0, got {std}")
        shape = _shape(tuple(size) if isinstance(size, (tuple, list)) else (size,), "normal")
        arr = _draw(generator, device, "standard_normal", shape) * float(std) + float(mean)
        t = Tensor._make(arr.astype(_float(dtype)), None)
    else:
        if size is not None:
            raise TypeError("normal: `size` is only accepted with float mean and std")
        ref = tensors[0]
        for t in tensors:
            if t.dtype.kind != "f":
                raise TypeError(f"normal: mean and std tensors must be floating point, got "
                                f"{t.dtype}")
        m = mean._data if isinstance(mean, Tensor) else float(mean)
        s = std._data if isinstance(std, Tensor) else float(std)
        xp = ref._backend.xp
        if bool(xp.any(xp.asarray(s) < 0)):
            raise ValueError("normal: expects all elements of std >= 0.0")
        shape = _broadcast("normal", *(t.shape for t in tensors))
        out_dt = dtypes.result_dtype(*tensors)
        arr = _draw(generator, ref.device, "standard_normal", shape) * s + m
        t = Tensor._make(arr.astype(out_dt), None)
    if requires_grad:
        t.requires_grad = True
    return t


def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """0/1 samples, 1 with probability ``input`` (elementwise, in [0, 1]) or, when given,
    the scalar ``p``; the result has ``input``'s shape and dtype.

    >>> import minigrad as mg
    >>> mg.bernoulli(mg.tensor([0.0, 1.0])).tolist()
    [0.0, 1.0]
    """
    check_tensor(input, "bernoulli")
    xp = input._backend.xp
    if p is None:
        if input.dtype.kind != "f":
            raise TypeError(f"bernoulli: expects a floating-point probability tensor, got "
                            f"{input.dtype}")
        probs = input._data
        if probs.size and not bool(((probs >= 0) & (probs <= 1)).all()):
            raise ValueError("bernoulli: expects 0 <= p <= 1 for every element of input")
    else:
        if not 0 <= float(p) <= 1:
            raise ValueError(f"bernoulli: expects 0 <= p <= 1, got {p}")
        probs = float(p)
    u = _draw(generator, input.device, "random", tuple(input.shape))
    return Tensor._make(xp.asarray(u < probs).astype(input.dtype), None)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, dtype: Any = None,
                 device: Any = None, generator: Any = None) -> Tensor:
    """Integers in [low, high) in ``input``'s shape, dtype and device
    (``randint_like(input, high)`` starts at 0).

    >>> import minigrad as mg
    >>> t = mg.randint_like(mg.zeros(3), 5); t.dtype, bool((t < 5).all())
    (dtype('float32'), True)
    """
    from minigrad.creation import randint

    check_tensor(input, "randint_like")
    if high is None:
        low, high = 0, low
    dt = input.dtype if dtype is None else dtypes.to_dtype(dtype)
    return randint(low, high, tuple(input.shape), dtype=dt,
                   device=input.device if device is None else device, generator=generator)
