"""Two real processes: ``mpiexec -n 2`` runs tests/dist_worker.py (and ``minigrad train``),
and the results are checked here. Skipped, saying why, without mpi4py or mpiexec
(``pip install 'minigrad[dist]'`` provides both).

The bar, in float64: DDP over 2 ranks with per-rank batch B equals gradient accumulation
over the same 2 micro-batches in one process bit for bit (an allreduce of two values is one
addition, which commutes exactly, and halving is exact), equals one process with batch 2B to
1e-12, and every rank holds the same parameters after every step.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
WORKER = HERE / "dist_worker.py"


def _mpiexec() -> str | None:
    local = Path(sys.executable).parent / "mpiexec"  # the mpich wheel's, in the venv
    return str(local) if local.exists() else shutil.which("mpiexec")


MPIEXEC = _mpiexec()
if importlib.util.find_spec("mpi4py") is None:
    pytest.skip("mpi4py is not installed (pip install 'minigrad[dist]')",
                allow_module_level=True)
if MPIEXEC is None:
    pytest.skip("no mpiexec on PATH or beside the interpreter (pip install mpich)",
                allow_module_level=True)

# one BLAS thread per rank: 2 ranks on 2 cores, and the same matmul on every rank
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
       "PYTHONPATH": os.pathsep.join([str(HERE.parent), os.environ.get("PYTHONPATH", "")])}


def launch(args: list[str], n: int = 2, timeout: float = 90, runner: bool = True,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``mpiexec -n n python [-m mpi4py] args``."""
    cmd = [MPIEXEC, "-n", str(n), sys.executable, *(["-m", "mpi4py"] if runner else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**ENV, **(env or {})})


def _load(out: Path, n: int) -> list[dict[str, Any]]:
    results = []
    for r in range(n):
        with open(out / f"rank{r}.pkl", "rb") as f:
            results.append(pickle.load(f))
    return results


@pytest.fixture(scope="module")
def ranks(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("dist")
    proc = launch([str(WORKER), "checks", str(out)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return _load(out, 2)


def test_collectives(ranks: list[dict[str, Any]]) -> None:
    c0, c1 = ranks[0]["collectives"], ranks[1]["collectives"]
    for c in (c0, c1):  # rank r held [1 + r, -2r, 3]
        np.testing.assert_array_equal(c["SUM"], [3.0, -2.0, 6.0])
        np.testing.assert_array_equal(c["AVG"], [1.5, -1.0, 3.0])
        np.testing.assert_array_equal(c["MAX"], [2.0, 0.0, 3.0])
        np.testing.assert_array_equal(c["MIN"], [1.0, -2.0, 3.0])
        np.testing.assert_array_equal(c["PRODUCT"], [2.0, 0.0, 9.0])
        np.testing.assert_array_equal(c["BOR"], [3, 6])
        np.testing.assert_array_equal(c["f16"][0], [2.0, 2.0])
        assert c["f16"][1] == "float16"
        np.testing.assert_array_equal(c["view"], np.full((3, 4), 3.0))  # non-contiguous
        np.testing.assert_array_equal(c["async"], np.ones(5))
        np.testing.assert_array_equal(c["bcast"], [0, 2, 4, 6])  # rank 1's arange * 2
        np.testing.assert_array_equal(np.stack(c["all_gather"]), [[0, 0], [1, 1]])
        np.testing.assert_array_equal(c["all_gather_into_tensor"], [0, 0, 1, 1])
        assert c["all_gather_object"] == [{"rank": 0, "x": []}, {"rank": 1, "x": [1]}]
        assert c["bcast_obj"] == [1, "from 1", None]
    # reduce_scatter: rank r gets sum over ranks k of (10 r + k)
    np.testing.assert_array_equal(c0["reduce_scatter"], [1.0, 1.0])
    np.testing.assert_array_equal(c1["reduce_scatter"], [21.0, 21.0])
    # reduce_scatter_tensor of arange(4) + k: rank 0 gets [0+1, 1+3]... summed over k
    np.testing.assert_array_equal(c0["reduce_scatter_tensor"], [1.0, 3.0])
    np.testing.assert_array_equal(c1["reduce_scatter_tensor"], [5.0, 7.0])
    assert c0["ranks"] == (0, 2, 0, "mpi") and c1["ranks"] == (1, 2, 1, "mpi")


def check_ddp_runs(ranks: list[dict[str, Any]], config: str) -> None:
    """Every rank's DDP run equals rank 0's single-process accumulation, bit for bit."""
    runs = [r["ddp_runs"][config] for r in ranks]
    ref = ranks[0]["ddp_runs"]["ref_accum"]
    assert runs[0]["buckets"] == (3 if config == "tiny_buckets" else 1)
    assert len(runs[0]["params"]) == len(ref["params"]) == 4  # initial + 3 steps
    for run in runs:
        for step, (p, p0, pr) in enumerate(zip(run["params"], runs[0]["params"], ref["params"],
                                               strict=True)):
            # identical on every rank after every step (and rank 0's init was broadcast)
            np.testing.assert_array_equal(p, p0, err_msg=f"ranks differ after step {step}")
            np.testing.assert_array_equal(p, pr, err_msg=f"not the accumulation at {step}")
        for g, gr in zip(run["grads"], ref["grads"], strict=True):
            np.testing.assert_array_equal(g, gr)
    for p, pb in zip(runs[0]["params"], ranks[0]["ddp_runs"]["ref_big"]["params"],
                     strict=True):
        np.testing.assert_allclose(p, pb, rtol=0, atol=1e-12)


@pytest.mark.parametrize("config", ["tiny_buckets", "one_bucket_no_overlap"])
def test_ddp_equals_accumulation_bit_for_bit(ranks: list[dict[str, Any]], config: str) -> None:
    check_ddp_runs(ranks, config)


def test_ddp_matches_double_batch(ranks: list[dict[str, Any]]) -> None:
    d0 = ranks[0]["ddp_runs"]
    for p, pb in zip(d0["tiny_buckets"]["params"], d0["ref_big"]["params"], strict=True):
        np.testing.assert_allclose(p, pb, rtol=0, atol=1e-12)
    # the references differ (rounding), so the bit-for-bit test above is not vacuous
    assert any(not np.array_equal(a, b) for a, b in zip(
        d0["ref_accum"]["params"], d0["ref_big"]["params"], strict=True))


def test_no_sync_accumulates_then_averages(ranks: list[dict[str, Any]]) -> None:
    n0, n1 = ranks[0]["no_sync_run"], ranks[1]["no_sync_run"]
    np.testing.assert_array_equal(n0["grads"], n1["grads"])
    np.testing.assert_allclose(n0["grads"], n0["ref"], rtol=0, atol=1e-12)
    # inside no_sync the gradients stayed local: the ranks differed
    assert not np.array_equal(n0["local_first"], n1["local_first"])


def test_find_unused_parameters(ranks: list[dict[str, Any]]) -> None:
    u0, u1 = ranks[0]["unused_run"], ranks[1]["unused_run"]
    # head b only on rank 0: rank 1 contributes zeros, so the average is half rank 0's
    np.testing.assert_array_equal(u0["b_grad"], u0["b_local"] / 2)
    np.testing.assert_array_equal(u0["b_grad"], u1["b_grad"])
    np.testing.assert_array_equal(u0["a_grad"], u1["a_grad"])
    assert u0["c_grad_is_none"] and u1["c_grad_is_none"]  # no rank used head c
    assert u0["second_ok"] and u1["second_ok"]


def test_buffers_broadcast_and_dropout_per_rank(ranks: list[dict[str, Any]]) -> None:
    b0, b1 = ranks[0]["buffers_and_dropout"], ranks[1]["buffers_and_dropout"]
    np.testing.assert_array_equal(b0["after_init"], [1.0, 1.0, 1.0])  # rank 0's, everywhere
    np.testing.assert_array_equal(b1["after_init"], [1.0, 1.0, 1.0])
    assert not np.array_equal(b0["diverged"], b1["diverged"])
    np.testing.assert_array_equal(b1["at_second_forward"], b0["diverged"])
    np.testing.assert_array_equal(b0["dropout_params"], b1["dropout_params"])
    assert not np.array_equal(b0["dropout_out"], b1["dropout_out"])


def test_sampler_shards_form_a_permutation(ranks: list[dict[str, Any]]) -> None:
    s0, s1 = ranks[0]["sampler_shards"], ranks[1]["sampler_shards"]
    for key in [k for k in s0 if isinstance(k, tuple)]:
        size, shuffle, drop_last = key
        (epochs0, len0), (epochs1, len1) = s0[key], s1[key]
        assert len0 == len1 == len(epochs0[0]) == len(epochs1[0])
        for e0, e1 in zip(epochs0, epochs1, strict=True):
            union = e0 + e1
            if size % 2 == 0:
                assert sorted(union) == list(range(size)), key
            elif drop_last:
                assert len(set(union)) == len(union) == size - 1, key
            else:  # padded with the first index of the permutation
                assert sorted(set(union)) == list(range(size)) and len(union) == size + 1
        if shuffle:
            assert epochs0[0] != epochs0[1], "set_epoch must change the order"
        else:
            assert epochs0[0] == list(range(0, size - (size % 2 if drop_last else 0), 2))
    batches = s0["loader"] + s1["loader"]
    assert sorted(i for b in batches for i in b) == list(range(12))


@pytest.mark.parametrize("runner", [True, False], ids=["mpi4py-runner", "excepthook"])
def test_raising_rank_ends_the_job(tmp_path: Path, runner: bool) -> None:
    t0 = time.perf_counter()
    proc = launch([str(WORKER), "raise", str(tmp_path)], timeout=60, runner=runner)
    elapsed = time.perf_counter() - t0
    assert proc.returncode != 0
    assert "rank 1 fails on purpose" in proc.stderr
    assert elapsed < 20, f"the job took {elapsed:.1f} s to end"


def test_torchrun_style_environment_renumbers_ranks() -> None:
    def part(rank: int, size: int) -> list[str]:
        return ["-n", "1", "-env", "RANK", str(rank), "-env", "WORLD_SIZE", str(size),
                "-env", "LOCAL_RANK", str(rank), sys.executable, str(WORKER), "env", "."]

    proc = subprocess.run([MPIEXEC, *part(1, 2), ":", *part(0, 2)], capture_output=True,
                          text=True, timeout=60, env=ENV)
    assert proc.returncode == 0, proc.stderr
    # the two ranks share one stdout, so their lines may interleave: find each report
    lines = sorted(re.findall(r"pmi=\d+ rank=\d+ size=\d+ local=\d+", proc.stdout))
    assert lines == ["pmi=0 rank=1 size=2 local=1", "pmi=1 rank=0 size=2 local=0"]
    bad = subprocess.run([MPIEXEC, *part(0, 3), ":", *part(1, 3)], capture_output=True,
                         text=True, timeout=60, env=ENV)
    assert bad.returncode != 0 and "world_size=3 but the MPI world has 2" in bad.stderr


def _train(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = ["-m", "minigrad.cli", "train", "--model", "mlp", "--dataset", "synthetic",
            "--synthetic-size", "256", "--batch-size", "32", "--out", str(out), *extra]
    return launch(args, timeout=120)


def test_cli_train_two_ranks_and_resume(tmp_path: Path) -> None:
    import minigrad as mg

    full = _train(tmp_path / "full", "--epochs", "2")
    assert full.returncode == 0, full.stderr
    assert full.stdout.count("done:") == 1  # rank 0 alone reports
    assert full.stderr.count("minigrad train:") == 1 and "batch 32 x 2 ranks" in full.stderr
    metrics = json.loads((tmp_path / "full" / "metrics.json").read_text())
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2] and metrics["finished"]
    half = _train(tmp_path / "half", "--epochs", "1", "--quiet")
    assert half.returncode == 0, half.stderr
    resumed = launch(["-m", "minigrad.cli", "train", "--resume",
                      str(tmp_path / "half" / "checkpoint.mg"), "--epochs", "2", "--quiet"])
    assert resumed.returncode == 0, resumed.stderr
    a = mg.load(str(tmp_path / "full" / "checkpoint.mg"))
    b = mg.load(str(tmp_path / "half" / "checkpoint.mg"))
    keys = list(a["model"])
    assert keys == list(b["model"]) and not keys[0].startswith("module.")
    for k in a["model"]:
        assert bool((a["model"][k] == b["model"][k]).all()), k


def _gpus() -> int:
    import minigrad as mg
    import minigrad.distributed as dist

    if not dist.is_nccl_available():
        return 0
    try:
        return mg.cuda.device_count() if mg.cuda.is_available() else 0
    except Exception:
        return 0


@pytest.mark.gpu
def test_nccl_ddp_equals_accumulation(tmp_path: Path) -> None:
    """The same DDP runs with backend="nccl", rank r on cuda:r (2 GPUs; 1 GPU: a world of 1
    that still goes through NCCL)."""
    gpus = _gpus()
    if gpus < 1:
        pytest.skip("needs CuPy with NCCL and a CUDA GPU")
    n = min(2, gpus)
    proc = launch([str(WORKER), "ddp", str(tmp_path)], n=n, timeout=300,
                  env={"MG_TEST_BACKEND": "nccl", "MG_TEST_DEVICE": "cuda"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ranks = _load(tmp_path, n)
    assert all(r["collectives"]["ranks"][3] == "nccl" for r in ranks)
    for config in ("tiny_buckets", "one_bucket_no_overlap"):
        check_ddp_runs(ranks, config)
