"""The op contract: a :class:`Op` states its forward and its backward together.

``forward(self, xp, *arrays, **params)`` computes on raw arrays of the backend's array module
``xp`` and may keep small facts on ``self`` (axes, shapes). ``backward(self, m, g, inputs,
out)`` returns one gradient per input (None where ``self.needs_input_grad[i]`` is False).

Backward formulas are written over ``m``, a namespace with the same function names in two
forms: plain arrays (fast, the default) or minigrad Tensors (recorded, when
``create_graph=True``), so every gradient is itself differentiable. ``inputs`` and ``out`` come
in the matching form. Broadcasting is undone by the engine, not by the ops: a backward may
return a gradient of the broadcast output shape.

>>> import minigrad as mg
>>> from minigrad.op import Op
>>> class Cube(Op):
...     def forward(self, xp, x):
...         return x * x * x
...     def backward(self, m, g, inputs, out):
...         (x,) = inputs
...         return (g * 3 * x * x,)
>>> x = mg.tensor([2.0], requires_grad=True)
>>> Cube.apply(x).backward(mg.ones(1)); x.grad
tensor([12.], dtype=float32, device='cpu')
"""

from __future__ import annotations

import os
import traceback
from typing import Any, ClassVar

from minigrad.amp.state import AUTOCAST
from minigrad.backends import _BY_ARRAY_TYPE as _BACKEND_BY_TYPE
from minigrad.backends import Backend, backend_of
from minigrad.errors import (
    AnomalyError,
    AutogradError,
    DeviceError,
    MinigradTypeError,
    ShapeError,
)
from minigrad.grad_mode import STATE
from minigrad.tensor import Tensor

__all__ = ["Op"]

# frames inside the minigrad package are skipped when naming where an op was created (a
# substring test such as "/minigrad/" would also skip a user's checkout named minigrad)
_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class Op:
    """Base class of every differentiable op; an instance is one node of the graph."""

    #: keep the input tensors for backward (False when backward needs only shapes)
    save_inputs: ClassVar[bool] = True
    #: keep the output array for backward (exp, tanh, sigmoid …)
    save_output: ClassVar[bool] = False
    #: False for ops whose result never carries gradient (comparisons, argmax)
    differentiable: ClassVar[bool] = True

    # per-node state; class-level defaults spare apply() three assignments per op
    _freed: bool = False
    _pre_hooks: list[Any] | None = None
    #: PyTorch-style node hooks (``register_prehook`` / ``register_hook``), see autograd.graph
    _fn_hooks: Any = None
    _trace: Any = None
    #: a GPU node's device (``Backend.device_context`` of its output), entered by backward
    _device: Any = None
    _saved_out: Any = None
    #: set when the saved output array is overwritten in place (tensor_methods._mark_modified)
    _out_modified: bool = False

    # filled by apply() when the node is recorded
    parents: tuple[Any, ...]
    needs_input_grad: tuple[bool, ...]
    backend: Backend
    in_meta: tuple[tuple[tuple[int, ...], Any], ...]
    out_meta: tuple[tuple[int, ...], Any]

    # ------------------------------------------------------------------ contract
    def forward(self, xp: Any, *arrays: Any, **params: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def backward(self, m: Any, g: Any, inputs: Any, out: Any) -> tuple[Any, ...]:
        raise AutogradError(f"{type(self).__name__}: this op has no gradient")

    # ------------------------------------------------------------------ recording
    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        """Run the op on tensors and, when recording, attach the node to the result."""
        plain = STATE.plain  # recording on, anomaly and autocast off: the one thread-local read
        if not plain and AUTOCAST.cast is not None:  # cast inputs per minigrad.amp.policy
            inputs = AUTOCAST.cast(cls, inputs)
        arrays = []
        requires = False
        for t in inputs:
            if not isinstance(t, Tensor):
                raise MinigradTypeError(
                    f"{cls.__name__}: expected Tensor inputs, got {type(t).__name__}"
                )
            arrays.append(t._data)
            if t._requires_grad:
                requires = True
        atype = type(arrays[0])
        backend = _BACKEND_BY_TYPE.get(atype) or backend_of(arrays[0])
        if len(arrays) > 1:
            for a in arrays:
                if type(a) is not atype:
                    _raise_device_mismatch(cls.__name__, inputs)
            if backend.name != "numpy" and len({backend.device_of(a) for a in arrays}) > 1:
                _raise_device_mismatch(cls.__name__, inputs)
        node = cls.__new__(cls)
        if backend.enters_device:  # a GPU: the op runs, and allocates, on its inputs' device
            with backend.device_context(arrays[0]):
                try:
                    out = _forward(node, backend, arrays, params)
                except backend.oom_error as e:  # say what was asked and what the pool holds
                    raise backend.out_of_memory(cls.__name__, e, arrays[0]) from e
        elif not plain and STATE.anomaly:
            out = _forward(node, backend, arrays, params)
        else:
            out = node.forward(backend.xp, *arrays, **params)
            if type(out) is not atype:
                out = backend.xp.asarray(out)
        if not (requires and (plain or STATE.grad_enabled) and cls.differentiable) or (
            out.dtype.kind != "f"
        ):
            return Tensor._make(out, None)
        node._record(inputs, out, backend)
        return Tensor._make(out, node)

    def _record(self, inputs: tuple[Tensor, ...], out: Any, backend: Backend) -> None:
        """Link this node to its inputs and save what backward needs."""
        parents = []
        meta = []
        for t in inputs:
            d = t._data
            meta.append((d.shape, d.dtype))
            if t.grad_fn is not None:
                parents.append(t.grad_fn)
            else:
                parents.append(t if t._requires_grad else None)
        cls = type(self)
        self.parents = tuple(parents)
        self.needs_input_grad = tuple([p is not None for p in parents])
        self.in_meta = tuple(meta)
        self.out_meta = (out.shape, out.dtype)  # read by minigrad.viz (graph pictures)
        self.backend = backend
        if backend.enters_device:
            self._device = backend.device_context(out)
        self._saved_inputs = inputs if cls.save_inputs else None
        self._saved_versions = tuple(t._version for t in inputs) if cls.save_inputs else None
        self._saved_out = out if cls.save_output else None
        if not STATE.plain and STATE.anomaly:
            self._trace = traceback.extract_stack()[:-3]

    # ------------------------------------------------------------------ engine side
    @property
    def op_name(self) -> str:
        """The op's name as shown in errors and graphs (e.g. ``"Mul"``)."""
        return type(self).__name__

    def _register_tensor_hook(self, hook: Any) -> None:
        """Run ``hook(grad)`` on the gradient arriving at this node's output (the hooks of
        ``Tensor.register_hook`` / ``retain_grad`` on a non-leaf tensor)."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(hook)

    # ------------------------------------------------------------------ PyTorch's Node API
    # (thin: the logic lives in minigrad.autograd.graph, imported on first use)
    def name(self) -> str:
        """PyTorch's name of this node, e.g. ``"MulBackward0"`` (``torch.autograd.graph.Node``)."""
        from minigrad.autograd import graph

        return graph.node_name(self)

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """One ``(node, output_index)`` pair per input: its grad_fn, an ``AccumulateGrad`` for
        a leaf that requires grad, or ``(None, 0)``."""
        from minigrad.autograd import graph

        return graph.next_functions(self)

    @property
    def metadata(self) -> dict[str, Any]:
        """A dict for the user's own notes about this node (empty at first)."""
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d

    def register_hook(self, fn: Any) -> Any:
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward; a returned tuple
        replaces ``grad_inputs``. Returns a handle with ``remove()``."""
        from minigrad.autograd import graph

        return graph.add_node_hook(self, fn, pre=False)

    def register_prehook(self, fn: Any) -> Any:
        """Call ``fn(grad_outputs)`` before this node's backward; a returned tuple replaces
        ``grad_outputs``. Returns a handle with ``remove()``."""
        from minigrad.autograd import graph

        return graph.add_node_hook(self, fn, pre=True)

    def _unpack(self, create_graph: bool) -> tuple[Any, Any]:
        """The saved inputs and output, as arrays or (for create_graph) as Tensors."""
        if self._freed:
            raise AutogradError(
                f"{self.op_name}: trying to backward through the graph a second time (its saved "
                "values were freed after the first backward). Pass retain_graph=True to the "
                "first backward() if you need to call it again."
            )
        inputs = self._saved_inputs
        if inputs is not None:
            for i, (t, v) in enumerate(zip(inputs, self._saved_versions, strict=True)):
                if t._version != v:
                    raise AutogradError(
                        f"{self.op_name}: input {i} of shape {t.shape} was modified by an in-place "
                        f"operation after it was saved for backward (it is at version "
                        f"{t._version}; expected version {v})"
                    )
            if not create_graph:
                inputs = tuple(t._data for t in inputs)
        out = self._saved_out
        if self._out_modified:
            raise AutogradError(
                f"{self.op_name}: its output of shape {tuple(self.out_meta[0])} was modified by an "
                "in-place operation after it was saved for backward; compute the in-place "
                "change out of place, or .clone() the output first"
            )
        if create_graph and out is not None:
            out = Tensor._make(out, self)
        return inputs, out

    def _release(self) -> None:
        if self.save_inputs or self.save_output or self.__dict__.get("saved_aux") is not None:
            self._saved_inputs = self._saved_out = None
            self.__dict__.pop("saved_aux", None)
            self._freed = True

    def _fit_grad(self, i: int, g: Any, m: Any) -> Any:
        """Undo broadcasting and match the input's dtype; reject impossible shapes."""
        shape, dtype = self.in_meta[i]
        if type(g) not in _BACKEND_BY_TYPE and not isinstance(g, Tensor):
            g = self.backend.xp.asarray(g)  # NumPy turns 0-d results into scalars
        if g.shape != shape:
            if not _reducible(g.shape, shape):
                raise AutogradError(
                    f"{self.op_name} returned an invalid gradient for input {i}: got shape "
                    f"{tuple(g.shape)}, expected {tuple(shape)} (or a shape it broadcasts to); "
                    f"input shapes {[tuple(s) for s, _ in self.in_meta]}"
                )
            g = m.sum_to(g, shape=shape)
        if g.dtype != dtype:
            if g.dtype.kind != "f":
                raise AutogradError(
                    f"{self.op_name} returned a gradient of dtype {g.dtype} for input {i} "
                    f"of dtype {dtype}"
                )
            g = m.astype(g, dtype=dtype)
        return g

    def _check_grad_finite(self, g: Any, i: int) -> None:
        if isinstance(g, Tensor):
            g = g._data
        _check_finite(self.op_name, f"gradient for input {i}", g, self.backend, self._trace)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


def _forward(node: Op, backend: Backend, arrays: list[Any], params: dict[str, Any]) -> Any:
    """``node.forward`` as a backend array, checked for NaN/Inf in anomaly mode."""
    name = type(node).__name__
    if STATE.anomaly:  # NaN/Inf become an AnomalyError below, so NumPy need not warn
        with backend.errstate(all="ignore"):
            out = node.forward(backend.xp, *arrays, **params)
        _check_finite(name, "forward output", out, backend, traceback.extract_stack(),
                      arrays)
    else:
        out = node.forward(backend.xp, *arrays, **params)
    if type(out) is not type(arrays[0]):
        out = backend.xp.asarray(out)
    return out


def _reducible(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """True if ``shape`` broadcasts to ``grad_shape`` (so summing undoes the broadcast)."""
    if len(shape) > len(grad_shape):
        return False
    for s, gs in zip(reversed(shape), reversed(grad_shape), strict=False):
        if s != gs and s != 1:
            return False
    return True


def _raise_device_mismatch(op: str, inputs: tuple[Tensor, ...]) -> None:
    listed = ", ".join(f"input {i} on {t.device}" for i, t in enumerate(inputs))
    raise DeviceError(f"{op}: expected all tensors on one device, got {listed}")


def _check_finite(
    op: str, what: str, array: Any, backend: Backend, trace: Any, inputs: Any = ()
) -> None:
    """Raise AnomalyError for a NaN, or for an infinity the op made from finite ``inputs``
    (an infinity passed on from an input, such as a ``-inf`` attention mask, is data)."""
    if array.dtype.kind not in "fc":
        return
    xp = backend.xp
    finite = xp.isfinite(array)
    if bool(finite.all()):
        return
    nan = xp.isnan(array)
    has_nan = bool(nan.any())
    if not has_nan and any(
        a.dtype.kind in "fc" and not bool(xp.isfinite(a).all()) for a in inputs
    ):
        return
    bad = array[nan].ravel()[0] if has_nan else array[~finite].ravel()[0]
    kind = "NaN" if has_nan else ("inf" if bad > 0 else "-inf")
    where = ""
    if trace:
        frames = [f for f in trace if not os.path.abspath(f.filename).startswith(_PKG_DIR)]
        if frames:
            f = frames[-1]
            where = f"\nthe op was created at {f.filename}:{f.lineno} in {f.name}: {f.line}"
    raise AnomalyError(f"anomaly: {op} produced {kind} in its {what} (shape {array.shape}){where}")


def raise_shape(op: str, message: str) -> None:
    """Raise a :class:`ShapeError` prefixed by the op's name (helper for ops)."""
    raise ShapeError(f"{op}: {message}")
