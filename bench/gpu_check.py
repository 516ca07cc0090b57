"""One command for a GPU lent for a few minutes: install, GPU tests, GPU benchmark, LeNet-5.

Parts, in order, each in its own process with its own time limit (a part that overruns is
killed with its children and recorded as a timeout; a failure is recorded and the next part
runs; the whole run stays within ``--budget`` seconds, 8 minutes by default):

1. ``install``: ``pip install -e ".[cuda,test]"`` unless CuPy, pytest and hypothesis import
   already (pip gives up quickly without a network; skip with ``--no-install``)
2. ``env``: nvidia-smi, and what minigrad sees (``mg.cuda.is_available()``, the device)
3. ``gpu-tests``: ``pytest -m gpu`` (the GPU-marked tests on the real GPU)
4. ``bench-gpu``: ``bench/bench_gpu.py --quick`` (beside PyTorch CUDA when it is installed)
5. ``lenet-fp32`` and ``lenet-amp``: one epoch of LeNet-5 on MNIST on ``cuda``, without and
   with ``mg.autocast("cuda")`` + ``mg.amp.GradScaler``: time, loss, test accuracy

Everything goes to one Markdown report (its path is printed at the end; exit status 0 when
every part passed). ``--dry-run`` writes the report with the plan and runs nothing.

Run: ``python bench/gpu_check.py [--no-install] [--data DIR] [--report PATH] [--dry-run]``
(``bash bench/gpu_check.sh`` is the same). The training part alone:
``python bench/gpu_check.py --train amp --device cuda``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve()

#: (name, default time limit in seconds): the sum fits the default budget of 480 s
LIMITS = {"install": 140, "env": 30, "gpu-tests": 130, "bench-gpu": 60, "lenet-fp32": 60,
          "lenet-amp": 60}


@dataclass
class Part:
    """One step of the check: a command with a time limit."""

    name: str
    cmd: list[str]
    limit: float


@dataclass
class Result:
    """What one part did: ``status`` is passed, failed, timeout, skipped or error."""

    name: str
    status: str
    seconds: float = 0.0
    returncode: int | None = None
    output: str = ""
    cmd: list[str] = field(default_factory=list)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    p = argparse.ArgumentParser(description="GPU check: tests, benchmark, LeNet-5 with AMP")
    p.add_argument("--budget", type=float, default=480.0,
                   help="seconds for the whole run (default 480: 8 minutes)")
    p.add_argument("--report", type=Path, default=None,
                   help="report file (default bench/gpu_check_report_<UTC time>.md)")
    p.add_argument("--no-install", action="store_true", help="skip pip install")
    p.add_argument("--dry-run", action="store_true", help="write the plan, run nothing")
    p.add_argument("--data", default=None, help="MNIST directory (default: $MINIGRAD_DATA, "
                   "then ../shared/data; synthetic data when absent)")
    p.add_argument("--only", default=None,
                   help="comma-separated part names to run (default: all)")
    p.add_argument("--train", choices=["fp32", "amp"], default=None,
                   help="run only the LeNet-5 epoch (used by the lenet parts)")
    p.add_argument("--device", default="cuda", help="device of --train (default cuda)")
    p.add_argument("--max-steps", type=int, default=None, help="cap --train's steps (tests)")
    p.add_argument("--batch-size", type=int, default=64)
    args = p.parse_args(argv)
    if args.budget <= 0:
        p.error(f"--budget must be positive, got {args.budget}")
    if args.only:
        unknown = sorted(set(args.only.split(",")) - set(LIMITS))
        if unknown:
            p.error(f"--only: unknown part(s) {', '.join(unknown)}; parts: {', '.join(LIMITS)}")
    return args


def plan(args: argparse.Namespace) -> list[Part]:
    """The parts to run, in order, with their commands and time limits."""
    py = sys.executable
    data = ["--data", args.data] if args.data else []
    env_code = ("import minigrad as mg; print('cuda available:', mg.cuda.is_available()); "
                "print('devices:', mg.cuda.device_count()); "
                "print('cupy status:', __import__('minigrad.backends.cupy_backend', "
                "fromlist=['x']).cupy_status())\n"
                "try:\n import torch; print('torch', torch.__version__, 'cuda:', "
                "torch.cuda.is_available())\nexcept ImportError:\n print('torch: not installed')")
    parts = [
        Part("install", ["sh", "-c", f"{py} -c 'import cupy, pytest, hypothesis' 2>/dev/null "
                         "&& echo 'already installed: cupy, pytest, hypothesis' || "
                         f"{py} -m pip install --timeout 15 --retries 1 -e '.[cuda,test]'"],
             LIMITS["install"]),
        Part("env", ["sh", "-c", f"nvidia-smi; {py} -c \"{env_code}\""], LIMITS["env"]),
        Part("gpu-tests", [py, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:randomly",
                           "--no-header", "tests"], LIMITS["gpu-tests"]),
        Part("bench-gpu", [py, "bench/bench_gpu.py", "--quick"], LIMITS["bench-gpu"]),
        Part("lenet-fp32", [py, str(HERE), "--train", "fp32", *data], LIMITS["lenet-fp32"]),
        Part("lenet-amp", [py, str(HERE), "--train", "amp", *data], LIMITS["lenet-amp"]),
    ]
    if args.no_install:
        parts = [p for p in parts if p.name != "install"]
    if args.only:
        keep = set(args.only.split(","))
        parts = [p for p in parts if p.name in keep]
    return parts


def run_part(part: Part, deadline: float) -> Result:
    """Run one part in its own process group, killed at its limit or at ``deadline``
    (``time.monotonic()``), whichever comes first; never raises."""
    limit = min(part.limit, deadline - time.monotonic())
    if limit <= 1:
        return Result(part.name, "skipped", output="no time left in the budget", cmd=part.cmd)
    start = time.monotonic()
    try:
        proc = subprocess.Popen(part.cmd, cwd=REPO, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                                start_new_session=True)
    except OSError as e:
        return Result(part.name, "error", output=f"could not start: {e}", cmd=part.cmd)
    try:
        out, _ = proc.communicate(timeout=limit)
        status = "passed" if proc.returncode == 0 else "failed"
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        out = (out or "") + f"\n[killed after {limit:.0f} s]"
        status = "timeout"
    return Result(part.name, status, time.monotonic() - start, proc.returncode, out or "",
                  part.cmd)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _tail(text: str, lines: int = 60) -> str:
    kept = text.rstrip().splitlines()[-lines:]
    return "\n".join(kept)


def write_report(path: Path, results: list[Result], args: argparse.Namespace,
                 started: float) -> None:
    """The Markdown report: a summary table, then each part's command and output tail."""
    rows = [f"| {r.name} | {r.status} | {r.seconds:.1f} | "
            f"{'' if r.returncode is None else r.returncode} |" for r in results]
    body = [
        "# minigrad GPU check",
        "",
        f"- date (UTC): {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(started))}",
        f"- host: {platform.node()} ({platform.platform()}), Python {platform.python_version()}",
        f"- budget: {args.budget:.0f} s; total: {time.time() - started:.1f} s"
        + ("; DRY RUN (nothing was run)" if args.dry_run else ""),
        "",
        "| part | status | seconds | exit |",
        "|---|---|---|---|",
        *rows,
    ]
    for r in results:
        body += ["", f"## {r.name}: {r.status}", "", "```", "$ " + " ".join(r.cmd),
                 _tail(r.output), "```"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(body) + "\n")


def check(args: argparse.Namespace) -> int:
    """Run (or, with ``--dry-run``, plan) every part and write the report."""
    started = time.time()
    deadline = time.monotonic() + args.budget
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
    report = args.report or REPO / "bench" / f"gpu_check_report_{stamp}.md"
    results = []
    for part in plan(args):
        if args.dry_run:
            results.append(Result(part.name, "skipped", output=f"dry run (limit {part.limit:.0f} "
                                  "s)", cmd=part.cmd))
            continue
        print(f"[gpu_check] {part.name} (limit {part.limit:.0f} s) ...", flush=True)
        results.append(run_part(part, deadline))
        print(f"[gpu_check] {part.name}: {results[-1].status} in {results[-1].seconds:.1f} s",
              flush=True)
        write_report(report, results, args, started)  # a partial report survives a crash
    write_report(report, results, args, started)
    print(f"[gpu_check] report: {report}")
    ok = all(r.status == "passed" for r in results)
    return 0 if ok or args.dry_run else 1


# ---------------------------------------------------------------------- the LeNet-5 epoch
def _mnist(data: str | None, n_synthetic: int = 60000) -> tuple[tuple, tuple, str]:
    """(train images, labels), (test images, labels) as float32/int64 arrays, and a note;
    ``n_synthetic`` random samples per split when MNIST is not found."""
    import numpy as np

    from minigrad.data import MNIST

    roots = [data] if data else [os.environ.get("MINIGRAD_DATA"), str(REPO.parent / "shared"
                                                                        / "data")]
    for root in [r for r in roots if r]:
        try:
            tr, te = MNIST(root, train=True), MNIST(root, train=False)
        except (OSError, ValueError):
            continue
        return _prep(tr), _prep(te), f"MNIST from {root}"
    rng = np.random.default_rng(0)
    make = lambda n: (rng.standard_normal((n, 1, 28, 28)).astype(np.float32),  # noqa: E731
                      rng.integers(0, 10, n))
    note = "synthetic data (MNIST not found: pass --data DIR)"
    return make(n_synthetic), make(min(n_synthetic, 10000)), note


def _prep(ds: object) -> tuple:
    """MNIST images normalised as usual (mean 0.1307, std 0.3081), (N, 1, 28, 28), labels."""
    import numpy as np

    images = ds.data.numpy().astype(np.float32)[:, None] / 255.0
    return (images - 0.1307) / 0.3081, ds.targets.numpy()


def train_epoch(mode: str, device: str, data: str | None, batch_size: int,
                max_steps: int | None) -> dict:
    """One epoch of LeNet-5 + SGD(momentum) on ``device``, with autocast and GradScaler when
    ``mode == "amp"``; returns timings, the last loss, test accuracy and the scaler's record."""
    import minigrad as mg
    import minigrad.nn.functional as F
    from minigrad.models.mnist import LeNet5

    n = 60000 if max_steps is None else batch_size * max_steps
    (xtr, ytr), (xte, yte), note = _mnist(data, n)
    mg.manual_seed(0)
    model = LeNet5().to(device)
    opt = mg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    amp = mode == "amp"
    scaler = mg.amp.GradScaler(device.split(":")[0], enabled=amp)
    steps = len(xtr) // batch_size if max_steps is None else max_steps
    skipped, loss = 0, None
    sync = mg.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    t0 = time.perf_counter()
    for i in range(steps):
        sl = slice(i * batch_size, (i + 1) * batch_size)
        x, y = mg.tensor(xtr[sl], device=device), mg.tensor(ytr[sl], device=device)
        opt.zero_grad()
        with mg.autocast(device.split(":")[0], enabled=amp):
            loss = F.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        before = scaler.get_scale()
        scaler.step(opt)
        scaler.update()
        skipped += amp and scaler.get_scale() < before
    sync()
    seconds = time.perf_counter() - t0
    correct = 0
    n_test = len(xte) if max_steps is None else min(len(xte), batch_size * max_steps)
    with mg.no_grad(), mg.autocast(device.split(":")[0], enabled=amp):
        for i in range(0, n_test, 1000):
            j = min(i + 1000, n_test)
            pred = model(mg.tensor(xte[i:j], device=device)).argmax(1).cpu().numpy()
            correct += int((pred == yte[i:j]).sum())
    return {"mode": mode, "device": device, "data": note, "steps": steps,
            "batch_size": batch_size, "epoch_seconds": round(seconds, 3),
            "ms_per_step": round(1e3 * seconds / max(steps, 1), 3),
            "last_loss": None if loss is None else round(float(loss.item()), 4),
            "test_accuracy": round(correct / max(n_test, 1), 4),
            "skipped_steps": int(skipped), "final_scale": scaler.get_scale()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.train:
        sys.path.insert(0, str(REPO))
        print(json.dumps(train_epoch(args.train, args.device, args.data, args.batch_size,
                                     args.max_steps)))
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
