"""Argument checks shared by the optimizers and schedulers (clear errors, never ``assert``)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "check_adam_group", "check_betas", "check_closed", "check_nonneg", "check_range",
    "impl_options",
]


def check_nonneg(op: str, name: str, value: Any) -> None:
    """Raise ``ValueError`` unless ``value`` is a number >= 0."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{op}: `{name}` (={value!r}) must be a number >= 0")


def check_range(op: str, name: str, value: Any, low: float, high: float) -> None:
    """Raise ``ValueError`` unless ``low <= value < high``."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value < high:
        raise ValueError(f"{op}: `{name}` (={value!r}) must be in [{low}, {high})")


def check_closed(op: str, name: str, value: Any, low: float, high: float) -> None:
    """Raise ``ValueError`` unless ``low <= value <= high``."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{op}: `{name}` (={value!r}) must be in [{low}, {high}]")


def check_betas(op: str, betas: Any) -> None:
    """Raise ``ValueError`` unless ``betas`` is a pair with both entries in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{op}: `betas` must be a pair (beta1, beta2), got {betas!r}")
    check_range(op, "betas[0]", betas[0], 0.0, 1.0)
    check_range(op, "betas[1]", betas[1], 0.0, 1.0)


def check_adam_group(op: str, group: dict[str, Any], extra: tuple[str, ...] = ()) -> None:
    """The checks every Adam-family group shares: ``lr``, ``eps``, ``weight_decay`` (and
    ``extra``) non-negative, ``betas`` a pair in [0, 1)."""
    for key in ("lr", "eps", "weight_decay", *extra):
        check_nonneg(op, key, group[key])
    check_betas(op, group["betas"])


def impl_options(op: str, **options: Any) -> dict[str, Any]:
    """PyTorch's implementation switches (``foreach``, ``fused``, ``capturable``,
    ``differentiable``), validated and returned for the optimizer's defaults.

    minigrad has one code path, so ``foreach``, ``fused`` and ``capturable`` change nothing;
    ``differentiable=True`` (autograd through the step) is not supported.
    """
    if options.get("differentiable"):
        raise NotImplementedError(
            f"{op}: differentiable=True is not supported; minigrad's optimizer steps are not "
            "recorded by autograd"
        )
    if options.get("fused") and options.get("foreach"):
        raise RuntimeError(f"{op}: `fused` and `foreach` cannot be `True` together")
    return options
