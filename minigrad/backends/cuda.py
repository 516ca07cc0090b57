"""``torch.backends.cuda``'s switches and ``set_float32_matmul_precision``.

minigrad has one matmul and one attention implementation per backend, so these are plain
settings that scripts can set and read back, and that are read by nothing today:
``matmul.allow_tf32`` (tied to the float32 matmul precision as in PyTorch: True is "high",
False is "highest"), the reduced-precision reduction flags, and the scaled-dot-product
attention kernel switches (``F.scaled_dot_product_attention`` always runs minigrad's one op).

>>> import minigrad as mg
>>> mg.backends.cuda.matmul.allow_tf32 = True
>>> mg.get_float32_matmul_precision()
'high'
>>> mg.set_float32_matmul_precision("highest"); mg.backends.cuda.matmul.allow_tf32
False
"""

from __future__ import annotations

__all__ = [
    "cudnn_sdp_enabled", "enable_cudnn_sdp", "enable_flash_sdp", "enable_math_sdp",
    "enable_mem_efficient_sdp", "flash_sdp_enabled", "get_float32_matmul_precision",
    "is_built", "math_sdp_enabled", "matmul", "mem_efficient_sdp_enabled",
    "set_float32_matmul_precision",
]

_PRECISIONS = ("highest", "high", "medium")
_state = {"precision": "highest", "flash": True, "mem_efficient": True, "math": True,
          "cudnn": True}


def set_float32_matmul_precision(precision: str) -> None:
    """Record the float32 matmul precision ("highest", "high" or "medium"); read by nothing
    today (minigrad's float32 matmuls are not lowered to TF32 or bfloat16 on purpose).

    >>> import minigrad as mg
    >>> mg.set_float32_matmul_precision("high"); mg.get_float32_matmul_precision()
    'high'
    >>> mg.set_float32_matmul_precision("highest")
    """
    if precision not in _PRECISIONS:
        raise ValueError(f"set_float32_matmul_precision: `precision` must be one of "
                         f"{', '.join(map(repr, _PRECISIONS))}, got {precision!r}")
    _state["precision"] = precision


def get_float32_matmul_precision() -> str:
    """The precision last set by :func:`set_float32_matmul_precision` ("highest" at start).

    >>> import minigrad as mg
    >>> mg.get_float32_matmul_precision()
    'highest'
    """
    return str(_state["precision"])


class _Matmul:
    """``torch.backends.cuda.matmul``: ``allow_tf32`` mirrors the float32 matmul precision."""

    allow_fp16_reduced_precision_reduction: bool = True
    allow_bf16_reduced_precision_reduction: bool = True

    @property
    def allow_tf32(self) -> bool:
        return _state["precision"] != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        _state["precision"] = "high" if value else "highest"


matmul = _Matmul()


def is_built() -> bool:
    """True when CuPy (minigrad's CUDA backend) is installed.

    >>> import minigrad as mg
    >>> mg.backends.cuda.is_built() in (True, False)
    True
    """
    import importlib.util

    return importlib.util.find_spec("cupy") is not None


def enable_flash_sdp(enabled: bool) -> None:
    """Record the flash-attention switch (read by nothing today)."""
    _state["flash"] = bool(enabled)


def flash_sdp_enabled() -> bool:
    """The flash-attention switch (True at start).

    >>> import minigrad as mg
    >>> mg.backends.cuda.flash_sdp_enabled()
    True
    """
    return bool(_state["flash"])


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Record the memory-efficient attention switch (read by nothing today)."""
    _state["mem_efficient"] = bool(enabled)


def mem_efficient_sdp_enabled() -> bool:
    """The memory-efficient attention switch (True at start)."""
    return bool(_state["mem_efficient"])


def enable_math_sdp(enabled: bool) -> None:
    """Record the math attention switch (read by nothing today)."""
    _state["math"] = bool(enabled)


def math_sdp_enabled() -> bool:
    """The math attention switch (True at start)."""
    return bool(_state["math"])


def enable_cudnn_sdp(enabled: bool) -> None:
    """Record the cuDNN attention switch (read by nothing today)."""
    _state["cudnn"] = bool(enabled)


def cudnn_sdp_enabled() -> bool:
    """The cuDNN attention switch (True at start)."""
    return bool(_state["cudnn"])
