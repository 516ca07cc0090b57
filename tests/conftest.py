"""Shared fixtures: backends, hypothesis profiles, and the MNIST directory.

* ``backend``: parametrized over "numpy" (always) and "cuda" (skipped with the reason when
  CuPy or a GPU is missing). Tests take it and build tensors with ``device=backend.device``.
* hypothesis profiles: "ci" (derandomized, bounded) when the ``CI`` env variable is set,
  "dev" otherwise; ``HYPOTHESIS_PROFILE`` overrides ("thorough" explores much longer; the
  table tests cap their own example counts, so it mostly deepens the forward tests).
* ``mnist_dir``: the directory holding the four MNIST IDX files, found through
  ``MINIGRAD_DATA`` or ``<repo>/../shared/data``; skips when absent.
* ``MINIGRAD_CUPY_STANDIN=1``: the NumPy-backed CuPy stand-in (``tests/cupy_standin``) is
  installed as ``cupy``/``cupyx`` before minigrad looks for CuPy, so the "cuda" backend and
  the GPU-marked tests run without a GPU; the pytest header says so.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

REPO = Path(__file__).resolve().parent.parent
try:
    import minigrad  # noqa: F401
except ImportError:  # not installed: make the repo root importable
    sys.path.insert(0, str(REPO))

import cupy_standin  # noqa: E402

if cupy_standin.enabled():  # before minigrad's backend loader imports cupy
    cupy_standin.install()

from minigrad.backends import cuda_backend_if_available  # noqa: E402

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=25,
                          print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.register_profile("thorough", deadline=None, max_examples=400)  # before a release
# on the CuPy stand-in the GPU-marked tests check the CUDA code paths, not the properties
# (the NumPy run explores those): a few derandomized examples keep that run within minutes
settings.register_profile("standin", derandomize=True, deadline=None, max_examples=3,
                          print_blob=True,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # no shrinking
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or (
    "standin" if cupy_standin.enabled() else "ci" if os.environ.get("CI") else "dev"))

MNIST_FILES = (
    "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
)


def pytest_report_header(config: pytest.Config) -> str:
    """Say which CuPy the "cuda" backend runs on."""
    if cupy_standin.enabled():
        count = cupy_standin.STATE.count
        return (f"cupy: the NumPy-backed stand-in (tests/cupy_standin, {cupy_standin.ENV}=1, "
                f"{count} fake devices): GPU-marked tests run on the CPU")
    return "cupy: " + (_cuda_reason() or "real CuPy with a GPU")


@dataclass(frozen=True)
class BackendParam:
    """What a test needs to know about a backend: its name, device string and Backend."""

    name: str
    device: str
    backend: Any

    def to_numpy(self, t: Any) -> Any:
        """The values of tensor ``t`` as a NumPy array (copied to the host for CUDA)."""
        return self.backend.to_numpy(t.detach()._data)


def _cuda_reason() -> str | None:
    try:
        import cupy  # noqa: F401
    except ImportError:
        return "CuPy is not installed (pip install \"minigrad[cuda]\")"
    if cuda_backend_if_available() is None:
        return "CuPy is installed but sees no usable CUDA GPU"
    return None


@pytest.fixture(
    scope="session",
    params=["numpy", pytest.param("cuda", marks=pytest.mark.gpu)],
)
def backend(request: pytest.FixtureRequest) -> BackendParam:
    """The backend under test: "numpy" always, "cuda" where CuPy sees a GPU."""
    from minigrad.backends import backend_for

    if request.param == "cuda":
        reason = _cuda_reason()
        if reason is not None:
            pytest.skip(f"cuda backend: {reason}")
        return BackendParam("cuda", "cuda", backend_for("cuda"))
    return BackendParam("numpy", "cpu", backend_for("cpu"))


def _mnist_candidates() -> list[Path]:
    found = []
    env = os.environ.get("MINIGRAD_DATA")
    if env:
        found += [Path(env) / "mnist", Path(env)]
    base = REPO.parent / "shared" / "data"
    found += [base / "mnist", base]
    return found


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The directory holding the four MNIST .gz IDX files (skips when they are absent)."""
    for d in _mnist_candidates():
        if all((d / f).is_file() for f in MNIST_FILES):
            return d
    tried = ", ".join(str(d) for d in _mnist_candidates())
    pytest.skip(f"MNIST not found (set MINIGRAD_DATA to a directory with mnist/); tried {tried}")


@pytest.fixture(autouse=True)
def _restore_global_switches() -> Any:
    """Programs under test (the PyTorch ports) set process-wide switches as real scripts do
    (``cudnn.benchmark = True``, a default dtype); put them back after every test."""
    import minigrad as mg

    cudnn = mg.backends.cudnn
    saved = (cudnn.benchmark, cudnn.deterministic, cudnn.enabled, mg.get_default_dtype())
    yield
    cudnn.benchmark, cudnn.deterministic, cudnn.enabled = saved[:3]
    mg.set_default_dtype(saved[3])
