"""Collation: turn a list of samples into a batch, as PyTorch's ``default_collate``.

``default_collate`` stacks tensors and NumPy arrays along a new first dimension, turns Python
ints into an int64 tensor, floats into a float64 tensor and NumPy scalars into a tensor of
their dtype, leaves strings and bytes as the sequence they came in (a list at the top, a tuple
inside a tuple), and recurses into mappings (keeping their type), namedtuples (kept), tuples
(which become lists) and other sequences, all as in PyTorch.
``collate`` with ``collate_fn_map`` is the extension point, as in PyTorch.

>>> import minigrad as mg
>>> default_collate([{"x": mg.ones(2), "y": 1}, {"x": mg.zeros(2), "y": 0}])["y"]
tensor([1, 0], dtype=int64, device='cpu')
>>> default_collate([(0, "a"), (1, "b")])
[tensor([0, 1], dtype=int64, device='cpu'), ('a', 'b')]
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.errors import ShapeError
from minigrad.tensor import Tensor

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")
_STR_OBJ = re.compile(r"[SaUO]")

CollateFnMap = dict[type | tuple[type, ...], Callable[..., Any]]


def _wrap(array: Any) -> Tensor:
    return Tensor._make(array, None)


def collate_tensor_fn(batch: list[Tensor], *, collate_fn_map: CollateFnMap | None = None
                      ) -> Tensor:
    """Stack tensors of one shape along a new dimension 0 (differentiably if one needs it)."""
    shape = batch[0].shape
    for i, t in enumerate(batch):
        if t.shape != shape:
            raise ShapeError(
                f"default_collate: stack expects each tensor to be equal size, but got "
                f"{list(shape)} at entry 0 and {list(t.shape)} at entry {i}"
            )
    if any(t.requires_grad for t in batch):
        from minigrad import stack

        return stack(batch, 0)
    return _wrap(batch[0]._backend.xp.stack([t._data for t in batch]))


def collate_numpy_array_fn(batch: list[np.ndarray], *,
                           collate_fn_map: CollateFnMap | None = None) -> Any:
    """Arrays become tensors, then are collated as tensors; string/object arrays are refused."""
    if _STR_OBJ.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERR.format(batch[0].dtype))
    return collate([_wrap(np.asarray(b)) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: list[Any], *, collate_fn_map: CollateFnMap | None = None
                            ) -> Tensor:
    """NumPy scalars become a 1-d tensor of their dtype."""
    return _wrap(np.asarray(batch))


def collate_float_fn(batch: list[float], *, collate_fn_map: CollateFnMap | None = None
                     ) -> Tensor:
    """Python floats become a float64 tensor (PyTorch's choice)."""
    return _wrap(np.asarray(batch, dtype=np.float64))


def collate_int_fn(batch: list[int], *, collate_fn_map: CollateFnMap | None = None) -> Tensor:
    """Python ints become an int64 tensor, bools a bool tensor; a float among them makes it
    float32, as ``torch.tensor`` infers."""
    arr = np.asarray(batch)
    kind = arr.dtype.kind
    return _wrap(arr.astype(np.float32 if kind == "f" else np.int64 if kind in "iu" else
                            arr.dtype, copy=False))


def collate_str_fn(batch: list[Any], *, collate_fn_map: CollateFnMap | None = None
                   ) -> list[Any]:
    """Strings and bytes stay as they are, in the batch's own sequence."""
    return batch


default_collate_fn_map: CollateFnMap = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def collate(batch: Any, *, collate_fn_map: CollateFnMap | None = None) -> Any:
    """Collate ``batch`` (a list of samples of one structure), using ``collate_fn_map`` for
    leaves: the function of the element's exact type, else of the first key it is an
    instance of. Containers are walked as :func:`default_collate` describes.

    >>> collate([[1, 2], [3, 4]], collate_fn_map={int: lambda b, *, collate_fn_map: sum(b)})
    [4, 6]
    """
    if len(batch) == 0:
        raise ValueError("default_collate: cannot collate an empty batch")
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for key in collate_fn_map:
            if isinstance(elem, key):
                return collate_fn_map[key](batch, collate_fn_map=collate_fn_map)

    def sub(samples: Any) -> Any:  # columns stay tuples, as in PyTorch (strings show it)
        return collate(samples, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        fields = {key: sub([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(fields)
                return clone
            return elem_type(fields)  # type: ignore[call-arg]
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(sub(s) for s in zip(*batch, strict=False)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(s) != size for s in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [sub(s) for s in zip(*batch, strict=False)]
        if isinstance(elem, tuple):
            return columns  # a list, as in PyTorch
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, c in enumerate(columns):
                    clone[i] = c
                return clone
            return elem_type(columns)  # type: ignore[call-arg]
        except TypeError:
            return columns
    raise TypeError(_ERR.format(elem_type))


def default_collate(batch: Any) -> Any:
    """Stack a list of samples into a batch, field by field, exactly as PyTorch's
    ``default_collate`` (see the module docstring for the rules).

    >>> import minigrad as mg
    >>> x, y = default_collate([(mg.ones(2), 1), (mg.zeros(2), 0)])
    >>> x.shape, y.tolist()
    (Size([2, 2]), [1, 0])
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data: Any) -> Any:
    """Turn NumPy arrays and scalars in ``data`` into tensors, recursing into containers but
    adding no batch dimension: the DataLoader's ``collate_fn`` when ``batch_size=None``.
    Tuples become lists, as in PyTorch.

    >>> default_convert((np.arange(2), 3, "s"))
    [tensor([0, 1], dtype=int64, device='cpu'), 3, 's']
    """
    data_type = type(data)
    if isinstance(data, Tensor):
        return data
    if data_type.__module__ == "numpy" and data_type not in (np.str_, np.bytes_):
        if isinstance(data, np.ndarray) and _STR_OBJ.search(data.dtype.str) is not None:
            return data
        if isinstance(data, (np.ndarray, np.generic)):
            return _wrap(np.asarray(data))
        return data
    if isinstance(data, collections.abc.Mapping):
        fields = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(fields)
                return clone
            return data_type(fields)  # type: ignore[call-arg]
        except TypeError:
            return fields
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return data_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        items = [default_convert(d) for d in data]
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(items):
                    clone[i] = d
                return clone
            return data_type(items)  # type: ignore[call-arg]
        except TypeError:
            return items
    return data
