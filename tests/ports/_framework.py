"""What a port's ``run(fw)`` is handed: the framework's modules, under the names its import
lines bind, and the few shims that let PyTorch and minigrad see the same random numbers.

A port is a public PyTorch program with only its import lines changed (``torch = fw.torch``
instead of ``import torch``) and its data made small. It runs twice, once on PyTorch and once
on minigrad. The two libraries draw from different random streams, so in the comparing run:

* ``torch.rand/randn/rand_like/randn_like`` (through ``fw.torch``) draw from one NumPy stream
  seeded alike for both runs;
* ``fw.sync(model)`` (one line a port adds after building a model) records the model's
  initial ``state_dict`` in the PyTorch run and loads it into the minigrad model;
* ``DataLoader(..., shuffle=True)`` takes its order from the shared stream, and
  ``nn.Dropout``/``nn.Dropout2d`` their masks (minigrad's own dropout and shuffling run in
  the verbatim run).

In the verbatim run (``shared=False``) none of these shims is active: the program runs on the
framework's own random numbers, samplers and dropout.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

SEED = 1234


class Proxy:
    """``real`` with some attributes replaced; a dotted key (``"utils.data.DataLoader"``)
    replaces an attribute of a sub-module, reached through a nested proxy."""

    def __init__(self, real: Any, overrides: dict[str, Any]) -> None:
        self._real = real
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        prefix = name + "."
        sub = {k[len(prefix):]: v for k, v in self._overrides.items() if k.startswith(prefix)}
        if sub:
            return Proxy(getattr(self._real, name), sub)
        return getattr(self._real, name)


def _modules(name: str) -> dict[str, Any]:
    if name == "torch":
        import torch
        import torch.nn
        import torch.nn.functional
        import torch.optim
        import torch.optim.lr_scheduler
        import torch.utils.data

        return {"torch": torch, "nn": torch.nn, "F": torch.nn.functional,
                "optim": torch.optim, "lr_scheduler": torch.optim.lr_scheduler,
                "data": torch.utils.data}
    import minigrad
    import minigrad.nn
    import minigrad.nn.functional
    import minigrad.optim
    import minigrad.optim.lr_scheduler
    import minigrad.utils.data

    return {"torch": minigrad, "nn": minigrad.nn, "F": minigrad.nn.functional,
            "optim": minigrad.optim, "lr_scheduler": minigrad.optim.lr_scheduler,
            "data": minigrad.utils.data}


class Framework:
    """The modules a port imports, for ``name`` ("torch" or "minigrad"), shimmed as the
    module docstring says when ``shared``; ``states`` carries initial weights from the
    PyTorch run to the minigrad run."""

    def __init__(self, name: str, *, shared: bool = True,
                 states: list[dict[str, np.ndarray]] | None = None) -> None:
        self.name = name
        self.shared = shared
        self.states = states if states is not None else []
        self._next_state = 0
        self._rng = np.random.default_rng(SEED)
        real = _modules(name)
        self.real = real
        if not shared:
            for key, mod in real.items():
                setattr(self, key, mod)
            return
        data = Proxy(real["data"], {"DataLoader": self._data_loader})
        dropout, dropout2d = self._dropout_class("Dropout"), self._dropout_class("Dropout2d")
        nn = Proxy(real["nn"], {"Dropout": dropout, "Dropout2d": dropout2d,
                                "modules.dropout.Dropout": dropout,
                                "modules.dropout.Dropout2d": dropout2d})
        self.torch: Any = Proxy(real["torch"], {
            "rand": self._sampler("random"), "randn": self._sampler("standard_normal"),
            "rand_like": self._like("random"), "randn_like": self._like("standard_normal"),
            "utils.data": data, "nn": nn, "optim": real["optim"],
        })
        self.nn: Any = nn
        self.F: ModuleType = real["F"]
        self.optim: ModuleType = real["optim"]
        self.lr_scheduler: ModuleType = real["lr_scheduler"]
        self.data: Any = data

    # -- shared random numbers -------------------------------------------------------------

    def _tensor(self, arr: np.ndarray, dtype: Any = None, requires_grad: bool = False) -> Any:
        t = self.real["torch"].from_numpy(arr)
        t = t.to(dtype if dtype is not None else self.real["torch"].get_default_dtype())
        return t.requires_grad_(requires_grad)

    def _sampler(self, kind: str) -> Callable[..., Any]:
        def sample(*size: Any, dtype: Any = None, requires_grad: bool = False,
                   **_: Any) -> Any:
            if len(size) == 1 and isinstance(size[0], (tuple, list)):
                size = tuple(size[0])
            arr = getattr(self._rng, kind)(size).astype(np.float64)
            return self._tensor(arr, dtype, requires_grad)
        return sample

    def _like(self, kind: str) -> Callable[..., Any]:
        def sample(like: Any, dtype: Any = None, **kw: Any) -> Any:
            return self._sampler(kind)(tuple(like.shape), dtype=dtype or like.dtype, **kw)
        return sample

    def shared_permutation(self, n: int) -> list[int]:
        """A permutation of ``range(n)`` from the shared stream."""
        return [int(i) for i in self._rng.permutation(n)]

    def _data_loader(self, dataset: Any, *args: Any, shuffle: bool | None = None,
                     **kw: Any) -> Any:
        real = self.real["data"].DataLoader
        if not shuffle:
            return real(dataset, *args, shuffle=shuffle, **kw)
        fw = self

        class SharedShuffle:
            def __len__(self) -> int:
                return len(dataset)

            def __iter__(self) -> Any:
                return iter(fw.shared_permutation(len(dataset)))

        return real(dataset, *args, sampler=SharedShuffle(), **kw)

    def _dropout_class(self, name: str) -> type:
        """``nn.<name>`` zeroing elements by a mask from the shared stream (one draw per
        element, whatever the module's own pattern: channels for Dropout2d)."""
        real = getattr(self.real["nn"], name)
        fw = self

        class SharedDropout(real):  # type: ignore[misc, valid-type]
            def forward(self, input: Any) -> Any:
                if not self.training or self.p == 0:
                    return input
                keep = fw._rng.random(tuple(input.shape)) >= self.p
                mask = fw._tensor(keep.astype(np.float64) / (1 - self.p), input.dtype)
                return input * mask

        SharedDropout.__name__ = name  # prints as the module it stands for
        # a module-level name, so that pickling a whole model (torch.save(model)) finds it
        SharedDropout.__qualname__ = f"Shared{name}_{self.name}"
        globals()[SharedDropout.__qualname__] = SharedDropout
        return SharedDropout

    # -- shared initial weights ------------------------------------------------------------

    def sync(self, model: Any) -> Any:
        """Record (PyTorch run) or load (minigrad run) ``model``'s initial weights."""
        if not self.shared:
            return model
        if self.name == "torch":
            self.states.append({k: v.detach().cpu().numpy().copy()
                                for k, v in model.state_dict().items()})
            return model
        state = self.states[self._next_state]
        self._next_state += 1
        own = model.state_dict()
        model.load_state_dict({k: self.real["torch"].tensor(v).to(own[k].dtype)
                               for k, v in state.items()})
        return model


def run_port(run: Callable[[Framework], dict[str, Any]], fw: Framework,
             default_dtype: str | None = None) -> tuple[str, dict[str, Any]]:
    """Run a port, returning what it printed and the numbers it returned. The library's
    global generator starts from ``SEED`` (so PyTorch's initial weights, and the test, are
    the same each time) and, with its default dtype (``default_dtype`` if given), is
    restored afterwards, as is NumPy's global generator. PyTorch runs on one thread (its
    thread pool only slows small ops on a busy machine); minigrad summarises printed tensors
    as PyTorch does by default (past 1000 elements, 3 at each edge; its own default
    differs, see docs/pytorch-compat.md)."""
    out = io.StringIO()
    lib = fw.real["torch"]
    saved = lib.get_num_threads() if fw.name == "torch" else lib.get_printoptions()
    rng_states = lib.get_rng_state(), np.random.get_state()  # programs seed them
    dtype = lib.get_default_dtype()
    try:
        lib.manual_seed(SEED)
        if default_dtype is not None:
            lib.set_default_dtype(getattr(lib, default_dtype))
        if fw.name == "torch":
            lib.set_num_threads(1)
        else:
            lib.set_printoptions(threshold=1000, edgeitems=3)
        with contextlib.redirect_stdout(out):
            result = run(fw)
    finally:
        if fw.name == "torch":
            lib.set_num_threads(saved)
        else:
            lib.set_printoptions(profile="default",
                                 **{k: v for k, v in saved.items() if v is not None})
        lib.set_default_dtype(dtype)
        lib.set_rng_state(rng_states[0])
        np.random.set_state(rng_states[1])
    return out.getvalue(), result


# -- comparing printed output ---------------------------------------------------------------

_NOISE = re.compile(
    r"<[\w.]+ object at 0x[0-9a-fA-F]+>|dtype=[\w.]+|device='[^']*'|device=\w+|grad_fn=<\w+>"
    r"|requires_grad=True|torch\.|\bSize\b")
_TOKEN = re.compile(
    r"(?<![A-Za-z_\d.])[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
    r"|[A-Za-z_][A-Za-z_\d]*")


def printed_tokens(text: str) -> list[str]:
    """The numbers and words a program printed, in order, leaving out what the two
    libraries print differently on purpose (dtype and device annotations, autograd nodes,
    the name ``Size``). The nodes a program prints are compared apart, by name."""
    return _TOKEN.findall(_NOISE.sub("", text))


def _resolution(token: str) -> float:
    """Half a unit in the last printed place of ``token``."""
    mant, _, exp = token.lower().partition("e")
    decimals = len(mant.partition(".")[2])
    return 0.5 * 10.0 ** (int(exp or 0) - decimals)


def same_printed_numbers(expected: str, actual: str, rtol: float, atol: float = 0.0
                         ) -> list[str]:
    """Where two printouts' numbers differ beyond print rounding plus ``atol + rtol * |x|``;
    empty when they agree."""
    a, b = printed_tokens(expected), printed_tokens(actual)
    if len(a) != len(b):
        return [f"{len(a)} numbers printed by torch, {len(b)} by minigrad"]
    bad = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            continue
        try:
            fx, fy = float(x), float(y)
        except ValueError:
            bad.append(f"#{i}: {x} vs {y}")
            continue
        tol = _resolution(x) + _resolution(y) + atol + rtol * max(abs(fx), abs(fy))
        if not abs(fx - fy) <= tol:
            bad.append(f"#{i}: {x} vs {y}")
    return bad
