"""``GradScaler``: loss scaling for float16 training, with PyTorch's defaults and state machine.

``scale(loss)`` multiplies by the scale (2¹⁶ at first) so small float16 gradients do not flush
to zero; ``step(optimizer)`` unscales the gradients (once per optimizer per step), checks them
for inf/NaN in one fused check (one read to the host per device, not one per parameter) and
skips the optimizer step if any is not finite; ``update()`` halves the scale after an overflow
and doubles it after ``growth_interval`` (2,000) clean steps in a row.

>>> import minigrad as mg
>>> w = mg.ones(2, requires_grad=True); opt = mg.optim.SGD([w], lr=0.1)
>>> scaler = mg.amp.GradScaler("cpu")
>>> scaler.scale((w * 3).sum()).backward()
>>> scaler.step(opt); scaler.update()
>>> w.tolist(), scaler.get_scale()
([0.699999988079071, 0.699999988079071], 65536.0)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from enum import Enum
from typing import Any

import numpy as np

from minigrad import dtypes
from minigrad.backends import backend_of
from minigrad.tensor import Tensor

__all__ = ["GradScaler", "OptState"]


class OptState(Enum):
    """Where an optimizer is within one iteration (PyTorch's names)."""

    READY = 0
    UNSCALED = 1
    STEPPED = 2


def _fresh_state() -> dict[str, Any]:
    return {"stage": OptState.READY, "found_inf_per_device": {}}


class GradScaler:
    """Dynamic loss scaling, as ``torch.amp.GradScaler``.

    Args:
        device: ``"cuda"`` (PyTorch's default) or ``"cpu"``. On ``"cuda"`` without a GPU the
            scaler warns and disables itself, as PyTorch's does.
        init_scale: the first scale (2¹⁶).
        growth_factor: multiplies the scale after ``growth_interval`` clean steps (2.0).
        backoff_factor: multiplies the scale after a step with inf/NaN gradients (0.5).
        growth_interval: clean steps in a row before growing (2000).
        enabled: False makes every method a pass-through (``scale`` returns its input).

    The scale is kept on the host as a float32 value (PyTorch keeps a device tensor): scaling a
    loss and updating the scale need no host read either way; the one read per step is the
    finiteness flag in ``step``.

    >>> import minigrad as mg
    >>> s = mg.amp.GradScaler("cpu", init_scale=8.0)
    >>> s.scale(mg.tensor(2.0)).item(), s.state_dict()["scale"]
    (16.0, 8.0)
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0**16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        self._device = device
        self._enabled = bool(enabled)
        if self._enabled and device == "cuda":
            from minigrad import cuda

            if not cuda.is_available():
                warnings.warn("GradScaler is enabled, but CUDA is not available.  Disabling.",
                              UserWarning, stacklevel=2)
                self._enabled = False
        if self._enabled:
            if growth_factor <= 1.0:
                raise ValueError(f"GradScaler: `growth_factor` must be > 1.0, got {growth_factor}")
            if backoff_factor >= 1.0:
                raise ValueError(f"GradScaler: `backoff_factor` must be < 1.0, got "
                                 f"{backoff_factor}")
        self._init_scale = float(init_scale)
        self._scale: float | None = None
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._init_growth_tracker = 0
        self._growth_tracker: int | None = None
        self._per_optimizer_states: dict[int, dict[str, Any]] = {}

    # ------------------------------------------------------------------ scaling
    def _lazy_init(self) -> None:
        self._scale = float(np.float32(self._init_scale))
        self._growth_tracker = self._init_growth_tracker

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or a list/tuple/iterable of tensors) times the scale.

        >>> import minigrad as mg
        >>> mg.amp.GradScaler("cpu", init_scale=4.0).scale([mg.tensor(1.0)])[0].item()
        4.0
        """
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._lazy_init()
        scale = self._scale

        def apply(val: Any) -> Any:
            if isinstance(val, Tensor):
                return val * scale
            if isinstance(val, Iterable) and not isinstance(val, (str, bytes)):
                out = map(apply, val)
                return type(val)(out) if isinstance(val, (list, tuple)) else out
            raise ValueError("GradScaler.scale: outputs must be a Tensor or an iterable of "
                             f"Tensors, got {type(val).__name__}")

        return apply(outputs)

    def _check_init(self, funcname: str) -> None:
        if self._scale is None:
            raise RuntimeError(f"GradScaler: attempted {funcname} but the scale is not set. This "
                               "may indicate your script did not use scaler.scale(loss or "
                               "outputs) earlier in the iteration.")

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer_states.setdefault(id(optimizer), _fresh_state())

    def _unscale_grads(self, optimizer: Any, inv_scale: float, allow_fp16: bool) -> dict[Any, Any]:
        """Multiply every gradient by ``inv_scale`` in place; per device, one flag array that
        is True if any gradient held inf/NaN (device arrays: nothing is read to the host)."""
        per_device: dict[Any, list[Any]] = {}
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                data = g._data
                if not allow_fp16 and data.dtype == dtypes.float16:
                    raise ValueError("GradScaler.unscale_: attempting to unscale float16 "
                                     "gradients (parameters must be float32; autocast keeps "
                                     "them so)")
                backend = backend_of(data)
                xp = backend.xp
                ok = xp.isfinite(data).all()
                if getattr(getattr(data, "flags", None), "writeable", True):
                    data *= data.dtype.type(inv_scale)
                else:  # a read-only (broadcast) view: give the gradient its own memory
                    g._data = data * data.dtype.type(inv_scale)
                g._version += 1
                per_device.setdefault(backend.device_of(data), []).append((xp, ok))
        found: dict[Any, Any] = {}
        for dev, flags in per_device.items():
            xp = flags[0][0]
            found[dev] = ~xp.stack([ok for _, ok in flags]).all()  # one fused flag per device
        return found

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale in place (e.g. before clipping them);
        at most once per optimizer between two ``update()`` calls.

        >>> import minigrad as mg
        >>> w = mg.ones(1, requires_grad=True); opt = mg.optim.SGD([w])
        >>> s = mg.amp.GradScaler("cpu", init_scale=4.0)
        >>> s.scale(w.sum()).backward(); s.unscale_(opt); w.grad.tolist()
        [1.0]
        """
        if not self._enabled:
            return
        self._check_init("unscale_")
        state = self._state(optimizer)
        if state["stage"] is OptState.UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the "
                               "last update().")
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv_scale = float(np.float32(1.0 / self._scale))  # PyTorch: double reciprocal, float32
        state["found_inf_per_device"] = self._unscale_grads(optimizer, inv_scale, False)
        state["stage"] = OptState.UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """Unscale (if ``unscale_`` was not called), then ``optimizer.step(*args, **kwargs)``
        unless a gradient holds inf/NaN; returns what the step returns (None when skipped)."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        self._check_init("step")
        state = self._state(optimizer)
        if state["stage"] is OptState.STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is OptState.READY:
            self.unscale_(optimizer)
        found = state["found_inf_per_device"]
        # one host read per device: the fused flag (PyTorch: found_inf.item())
        state["found_inf_host"] = any(bool(v) for v in found.values())
        retval = None
        if not state["found_inf_host"]:
            retval = optimizer.step(*args, **kwargs)
        state["stage"] = OptState.STEPPED
        return retval

    def update(self, new_scale: Any = None) -> None:
        """Set the scale for the next iteration: ``new_scale`` if given, else back off after an
        overflow (any optimizer) or grow after ``growth_interval`` clean steps.

        >>> import minigrad as mg
        >>> s = mg.amp.GradScaler("cpu"); _ = s.scale(mg.tensor(1.0)); s.update(2.0)
        >>> s.get_scale()
        2.0
        """
        if not self._enabled:
            return
        self._check_init("update")
        if new_scale is not None:
            if isinstance(new_scale, Tensor):
                if new_scale.numel() != 1 or new_scale.requires_grad:
                    raise ValueError("GradScaler.update: a tensor `new_scale` must have one "
                                     "element and not require grad")
                new_scale = new_scale.item()
            self._scale = float(np.float32(new_scale))
        else:
            states = self._per_optimizer_states.values()
            if not any(s["found_inf_per_device"] for s in states):
                raise RuntimeError("GradScaler.update: no inf checks were recorded prior to "
                                   "update() (call step() or unscale_() first)")
            found_inf = any(
                s["found_inf_host"] if "found_inf_host" in s
                else any(bool(v) for v in s["found_inf_per_device"].values())
                for s in states
            )
            self._update_scale(found_inf)
        self._per_optimizer_states = {}

    def _update_scale(self, found_inf: bool) -> None:
        """PyTorch's ``_amp_update_scale_``, in float32."""
        if found_inf:
            self._scale = float(np.float32(self._scale) * np.float32(self._backoff_factor))
            self._growth_tracker = 0
            return
        successful = self._growth_tracker + 1
        if successful == self._growth_interval:
            with np.errstate(over="ignore"):
                grown = np.float32(self._scale) * np.float32(self._growth_factor)
            if np.isfinite(grown):
                self._scale = float(grown)
            successful = 0
        self._growth_tracker = successful

    # ------------------------------------------------------------------ accessors
    def get_scale(self) -> float:
        """The current scale (``init_scale`` before the first ``scale``; 1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        """The growth factor."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the growth factor."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The backoff factor."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the backoff factor."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """The number of clean steps before the scale grows."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the number of clean steps before the scale grows."""
        self._growth_interval = int(new_interval)

    def _get_growth_tracker(self) -> int:
        if not self._enabled:
            return 0
        return self._init_growth_tracker if self._growth_tracker is None else self._growth_tracker

    def is_enabled(self) -> bool:
        """False when constructed with ``enabled=False`` (or for CUDA without a GPU)."""
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """``scale``, ``growth_factor``, ``backoff_factor``, ``growth_interval`` and
        ``_growth_tracker`` (PyTorch's keys); empty when disabled."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._get_growth_tracker()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned.

        >>> import minigrad as mg
        >>> a = mg.amp.GradScaler("cpu", init_scale=8.0); b = mg.amp.GradScaler("cpu")
        >>> b.load_state_dict(a.state_dict()); b.get_scale()
        8.0
        """
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = float(np.float32(self._init_scale))
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._init_growth_tracker = int(state_dict["_growth_tracker"])
        if self._growth_tracker is not None:
            self._growth_tracker = self._init_growth_tracker
