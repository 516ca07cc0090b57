"""PyTorch's legacy typed constructors: ``mg.FloatTensor(2, 3)``, ``mg.LongTensor([1, 2])`` …

Each takes sizes or data as the legacy ``mg.Tensor`` constructor does, with a fixed dtype
(and device, for the ``mg.cuda.*Tensor`` ones). ``isinstance(t, mg.FloatTensor)`` is True
for a float32 CPU tensor, and ``t.type(mg.LongTensor)`` casts, as in PyTorch.

>>> import minigrad as mg
>>> mg.LongTensor([1.7, 2.0]), mg.FloatTensor(2, 3).shape
(tensor([1, 2], dtype=int64, device='cpu'), Size([2, 3]))
>>> isinstance(mg.ones(1), mg.FloatTensor), isinstance(mg.ones(1), mg.LongTensor)
(True, False)
>>> mg.cuda.LongTensor
<class 'minigrad.cuda.LongTensor'>
"""

from __future__ import annotations

from typing import Any

from minigrad import dtypes
from minigrad.tensor import Tensor

__all__ = [
    "CUDA_TYPES", "BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
    "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
]


class _LegacyTensorType(type):
    """The metaclass of the typed constructors: calling one makes a Tensor."""

    dtype: Any
    legacy_device: str

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[override]
        if len(args) == 1 and isinstance(args[0], Tensor):
            return args[0].to(device=device or cls.legacy_device, dtype=cls.dtype)
        return Tensor(*args, dtype=cls.dtype, device=device or cls.legacy_device)

    def __instancecheck__(cls, obj: Any) -> bool:
        return (isinstance(obj, Tensor) and obj._data.dtype == cls.dtype
                and obj.device.type == cls.legacy_device)

    def __repr__(cls) -> str:
        prefix = "minigrad.cuda." if cls.legacy_device == "cuda" else "minigrad."
        return f"<class '{prefix}{cls.__name__}'>"


def _make(name: str, dtype: Any, device: str) -> Any:
    doc = (f"``{name}(*sizes)`` or ``{name}(data)``: a {dtype} tensor on {device}, as "
           f"PyTorch's legacy ``torch.{'cuda.' if device == 'cuda' else ''}{name}``.")
    return _LegacyTensorType(name, (), {"dtype": dtype, "legacy_device": device,
                                        "__doc__": doc, "__module__": __name__})


_TYPES = {
    "FloatTensor": dtypes.float32, "DoubleTensor": dtypes.float64,
    "HalfTensor": dtypes.float16, "LongTensor": dtypes.int64, "IntTensor": dtypes.int32,
    "ShortTensor": dtypes.int16, "CharTensor": dtypes.int8, "ByteTensor": dtypes.uint8,
    "BoolTensor": dtypes.bool_,
}

FloatTensor = _make("FloatTensor", dtypes.float32, "cpu")
DoubleTensor = _make("DoubleTensor", dtypes.float64, "cpu")
HalfTensor = _make("HalfTensor", dtypes.float16, "cpu")
LongTensor = _make("LongTensor", dtypes.int64, "cpu")
IntTensor = _make("IntTensor", dtypes.int32, "cpu")
ShortTensor = _make("ShortTensor", dtypes.int16, "cpu")
CharTensor = _make("CharTensor", dtypes.int8, "cpu")
ByteTensor = _make("ByteTensor", dtypes.uint8, "cpu")
BoolTensor = _make("BoolTensor", dtypes.bool_, "cpu")


#: the ``mg.cuda.FloatTensor`` family: the same names, creating tensors on ``cuda``
CUDA_TYPES: dict[str, Any] = {name: _make(name, dt, "cuda") for name, dt in _TYPES.items()}
