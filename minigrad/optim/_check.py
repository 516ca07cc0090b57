"""Argument checks shared by the optimizers and schedulers (clear errors, never ``assert``)."""

from __future__ import annotations

from typing import Any

__all__ = ["check_nonneg", "check_range"]


def check_nonneg(op: str, name: str, value: Any) -> None:
    """Raise ``ValueError`` unless ``value`` is a number >= 0."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValueError(f"{op}: `{name}` (={value!r}) must be a number >= 0")


def check_range(op: str, name: str, value: Any, low: float, high: float) -> None:
    """Raise ``ValueError`` unless ``low <= value < high``."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value < high:
        raise ValueError(f"{op}: `{name}` (={value!r}) must be in [{low}, {high})")
