"""Data-parallel scaling on this machine: LeNet-5 MNIST training with 1 and N ranks.

For each configuration a fresh job trains LeNet-5 (SGD with momentum, per-rank batch
``--batch``) for ``--steps`` steps after a warm-up, and reports:

* samples/s of the whole job (global batch x steps / wall time between two barriers);
* the gradient reduction's time per step (flattening, starting, waiting for and copying back
  the buckets: ``DistributedDataParallel``'s reducer clock) and its part spent blocked at the
  end of backward (what the overlap could not hide);
* a plain ``all_reduce`` of LeNet-5's 247 KB of float32 gradients, in µs.

Configurations: 1 rank without DDP (the baseline), 1 rank with DDP (its bookkeeping), N ranks
with the overlap on (buckets of ``--bucket-cap-mb``, reduced while backward runs) and off (the
same buckets, reduced after backward). One BLAS thread per rank. Run:

    python bench/bench_dist.py [--ranks 2] [--steps 60] [--batch 64] [--data DIR]

MNIST is read from ``--data`` / ``$MINIGRAD_DATA`` (the synthetic digits when absent).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()


def _parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=64, help="per-rank batch")
    p.add_argument("--bucket-cap-mb", type=float, default=0.04,
                   help="bucket size (LeNet-5's 247 KB in 3 buckets at 0.04)")
    p.add_argument("--data", help="MNIST folder (default: $MINIGRAD_DATA)")
    p.add_argument("--worker", choices=["plain", "ddp"], help=argparse.SUPPRESS)
    p.add_argument("--overlap", choices=["on", "off"], default="on", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _dataset(args: argparse.Namespace, n: int) -> Any:
    from minigrad.data import MNIST, DatasetNotFoundError, Subset, SyntheticDigits

    try:
        ds = MNIST(args.data, train=True).tensors()
        name = "MNIST"
    except (DatasetNotFoundError, OSError):
        ds = SyntheticDigits(train=True, size=n, seed=0).tensors()
        name = "synthetic digits"
    import numpy as np

    return Subset(ds, np.arange(min(n, len(ds)))), name


def worker(args: argparse.Namespace) -> None:

    import minigrad as mg
    import minigrad.distributed as dist
    import minigrad.nn.functional as F
    from minigrad.data import DataLoader, DistributedSampler
    from minigrad.models import LeNet5
    from minigrad.nn.parallel import DistributedDataParallel

    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    total = args.batch * world * (args.steps + args.warmup)
    data, name = _dataset(args, total)
    mg.manual_seed(0)
    model = LeNet5()
    if args.worker == "ddp":
        model = DistributedDataParallel(model, bucket_cap_mb=args.bucket_cap_mb,
                                        overlap=args.overlap == "on")
    opt = mg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(data, batch_size=args.batch, drop_last=True,
                        sampler=DistributedSampler(data, world, rank, seed=0))
    batches = iter(loader)

    def step() -> None:
        x, y = next(batches)
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    reducer = getattr(model, "reducer", None)
    comm0 = (reducer.comm_time_s, reducer.wait_time_s) if reducer else (0.0, 0.0)
    dist.barrier()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    dist.barrier()
    wall = time.perf_counter() - t0
    comm = ((reducer.comm_time_s - comm0[0]) / args.steps,
            (reducer.wait_time_s - comm0[1]) / args.steps) if reducer else (0.0, 0.0)
    grads = mg.zeros(sum(p.numel() for p in model.parameters()))  # 247 KB of float32
    for _ in range(20):
        dist.all_reduce(grads)
    dist.barrier()
    t1 = time.perf_counter()
    for _ in range(200):
        dist.all_reduce(grads)
    allreduce_us = (time.perf_counter() - t1) / 200 * 1e6
    if rank == 0:
        print(json.dumps({
            "ranks": world, "mode": args.worker, "overlap": args.overlap, "data": name,
            "buckets": len(reducer.buckets) if reducer else 0,
            "samples_per_s": world * args.batch * args.steps / wall,
            "step_ms": wall / args.steps * 1e3, "reduce_ms": comm[0] * 1e3,
            "wait_ms": comm[1] * 1e3, "allreduce_us": allreduce_us,
            "grad_kb": grads._data.nbytes / 1000}), flush=True)
    dist.destroy_process_group()


def _launch(args: argparse.Namespace, ranks: int, mode: str, overlap: str) -> dict[str, Any]:
    mpiexec = Path(sys.executable).parent / "mpiexec"
    cmd = [str(mpiexec) if mpiexec.exists() else "mpiexec", "-n", str(ranks),
           sys.executable, "-m", "mpi4py", str(HERE), "--worker", mode, "--overlap", overlap,
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--batch",
           str(args.batch), "--bucket-cap-mb", str(args.bucket_cap_mb)]
    if args.data:
        cmd += ["--data", args.data]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(HERE.parent.parent),
                                          os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    args = _parse()
    if args.worker:
        worker(args)
        return
    runs = [(1, "plain", "on"), (1, "ddp", "on"), (args.ranks, "ddp", "on"),
            (args.ranks, "ddp", "off")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"LeNet-5, per-rank batch {args.batch}, {args.steps} steps, {os.cpu_count()} cores, "
          f"load average {load:.1f}")
    print(f"{'ranks':>5} {'mode':>12} {'buckets':>7} {'samples/s':>10} {'step ms':>8} "
          f"{'reduce ms':>9} {'wait ms':>8} {'allreduce':>10}")
    base = None
    for ranks, mode, overlap in runs:
        r = _launch(args, ranks, mode, overlap)
        base = base or r["samples_per_s"]
        label = mode if mode == "plain" else f"ddp {'overlap' if overlap == 'on' else 'after'}"
        print(f"{ranks:>5} {label:>12} {r['buckets']:>7} {r['samples_per_s']:>10,.0f} "
              f"{r['step_ms']:>8.2f} {r['reduce_ms']:>9.3f} {r['wait_ms']:>8.3f} "
              f"{r['allreduce_us']:>8.0f}µs  ({r['samples_per_s'] / base:.2f}x, {r['data']})",
              flush=True)


if __name__ == "__main__":
    main()
