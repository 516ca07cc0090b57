"""Sequence-model benchmarks, minigrad beside PyTorch CPU in one run.

1. LSTM: 2 layers, batch 64, 50 steps, input 128 -> hidden 256, forward + backward
   (target <= 1.5x PyTorch).
2. Transformer encoder block: ``nn.TransformerEncoderLayer(256, 4, 1024, dropout=0,
   batch_first=True)`` on batch 16 x 128 tokens, forward + backward (target <= 1.3x).
3. char-gpt training step: ``minigrad.models.CharGPT`` with the ``char-gpt`` recipe's shape
   (4 pre-norm blocks, width 128, 4 heads, 64 tokens, batch 32, vocabulary 128) and its PyTorch
   twin (``bench/char_gpt_torch.py``) from the same weights: loss, backward, gradient clipping,
   AdamW (target <= 1.5x).
4. Peak memory of ``F.scaled_dot_product_attention`` forward + backward at 1,024 tokens
   (batch 1, 8 heads, head dim 64, float32).

For each timed case a GEMM-only floor runs in the same alternating rounds: the matrix
products of that forward + backward alone, in NumPy, on preallocated float32 arrays with the
layouts the ops use. Beside each time: GFLOP/s counted from those GEMMs (the work both
frameworks must do), and the ratio of every round to the PyTorch round run next to it (median
and range), which is what survives a loaded machine.

Run: ``python bench/bench_seq.py`` (about a minute), ``--quick`` (a smoke run), ``--profile``
(adds a cProfile of minigrad's side), ``--case lstm`` (one case; repeatable).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import machine, set_threads

import minigrad as mg
import minigrad.nn.functional as F

Step = Callable[[], None]
#: one GEMM of a floor: (batch, m, k, n, A stored transposed, B stored transposed, repeats)
Gemm = tuple[int, int, int, int, bool, bool, int]


# ---------------------------------------------------------------------------- GEMM floors
def linear_gemms(rows: int, n_in: int, n_out: int, need_dx: bool = True) -> list[Gemm]:
    """``x @ Wᵀ``, then ``dY @ W`` (when the input needs a gradient) and ``dYᵀ @ x``."""
    out = [(1, rows, n_in, n_out, False, True, 1), (1, n_out, rows, n_in, True, False, 1)]
    return out + ([(1, rows, n_out, n_in, False, False, 1)] if need_dx else [])


def attention_gemms(bh: int, lq: int, s: int, e: int) -> list[Gemm]:
    """``q kᵀ``, ``P v``; backward ``Pᵀ dO``, ``dO vᵀ``, ``dS k``, ``dSᵀ q``."""
    return [(bh, lq, e, s, False, True, 1), (bh, lq, s, e, False, False, 1),
            (bh, s, lq, e, True, False, 1), (bh, lq, e, s, False, True, 1),
            (bh, lq, s, e, False, False, 1), (bh, s, lq, e, True, False, 1)]


def gemm_flops(gemms: list[Gemm]) -> float:
    return float(sum(2 * b * m * k * n * r for b, m, k, n, _, _, r in gemms))


def gemm_floor(gemms: list[Gemm]) -> Step:
    """The GEMMs alone, in NumPy (float32, preallocated operands and outputs)."""
    rng = np.random.default_rng(0)
    work = []
    for b, m, k, n, ta, tb, r in gemms:
        a = rng.standard_normal((b, k, m) if ta else (b, m, k), dtype=np.float32)
        w = rng.standard_normal((b, n, k) if tb else (b, k, n), dtype=np.float32)
        a, w = (a.swapaxes(1, 2) if ta else a), (w.swapaxes(1, 2) if tb else w)
        if b == 1:
            a, w = a[0], w[0]
        work.append((a, w, np.empty((b, m, n) if b > 1 else (m, n), np.float32), r))

    def step() -> None:
        for a, w, out, r in work:
            for _ in range(r):
                np.matmul(a, w, out=out)

    return step


# ---------------------------------------------------------------------------- cases
def copy_weights(src: Any, dst: Any) -> None:
    """Load minigrad module ``src``'s weights into torch module ``dst``."""
    import torch

    dst.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                         for k, v in src.state_dict().items()})


LSTM = {"layers": 2, "batch": 64, "steps": 50, "input": 128, "hidden": 256}


def lstm_case(torch: Any) -> tuple[Step, Step | None, list[Gemm]]:
    c = LSTM
    t, b, i, h = c["steps"], c["batch"], c["input"], c["hidden"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((t, b, i), dtype=np.float32)
    g = rng.standard_normal((t, b, h), dtype=np.float32)
    mg.manual_seed(0)
    ours = mg.nn.LSTM(i, h, num_layers=c["layers"])
    xm, gm = mg.tensor(x), mg.tensor(g)

    def step_mg() -> None:
        ours.zero_grad()
        ours(xm)[0].backward(gm)

    step_torch = None
    if torch is not None:
        theirs = torch.nn.LSTM(i, h, num_layers=c["layers"])
        copy_weights(ours, theirs)
        xt, gt = torch.from_numpy(x), torch.from_numpy(g)

        def step_torch() -> None:
            theirs.zero_grad()
            theirs(xt)[0].backward(gt)

    gemms: list[Gemm] = []
    for layer in range(c["layers"]):
        gemms += linear_gemms(t * b, i if layer == 0 else h, 4 * h, need_dx=layer > 0)
        gemms += [(1, b, h, 4 * h, False, True, t), (1, b, 4 * h, h, False, False, t),
                  (1, 4 * h, t * b, h, True, False, 1)]  # h W_hhᵀ, dG W_hh, dW_hh
    return step_mg, step_torch, gemms


ENCODER = {"batch": 16, "tokens": 128, "width": 256, "heads": 4, "ff": 1024}


def encoder_case(torch: Any) -> tuple[Step, Step | None, list[Gemm]]:
    c = ENCODER
    b, n, d, nh, ff = c["batch"], c["tokens"], c["width"], c["heads"], c["ff"]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((b, n, d), dtype=np.float32)
    g = rng.standard_normal((b, n, d), dtype=np.float32)
    mg.manual_seed(0)
    ours = mg.nn.TransformerEncoderLayer(d, nh, ff, dropout=0.0, batch_first=True)
    xm, gm = mg.tensor(x, requires_grad=True), mg.tensor(g)

    def step_mg() -> None:
        ours.zero_grad()
        xm.grad = None
        ours(xm).backward(gm)

    step_torch = None
    if torch is not None:
        theirs = torch.nn.TransformerEncoderLayer(d, nh, ff, dropout=0.0, batch_first=True)
        copy_weights(ours, theirs)
        xt, gt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g)

        def step_torch() -> None:
            theirs.zero_grad()
            xt.grad = None
            theirs(xt).backward(gt)

    rows = b * n
    gemms = (linear_gemms(rows, d, 3 * d) + attention_gemms(b * nh, n, n, d // nh)
             + linear_gemms(rows, d, d) + linear_gemms(rows, d, ff) + linear_gemms(rows, ff, d))
    return step_mg, step_torch, gemms


GPT = {"batch": 32, "block_size": 64, "n_layer": 4, "n_head": 4, "n_embd": 128,
       "vocab_size": 128, "lr": 2e-3, "weight_decay": 0.1, "betas": (0.9, 0.99), "clip": 1.0}


def gpt_case(torch: Any) -> tuple[Step, Step | None, list[Gemm]]:
    from minigrad.models.gpt import CharGPT, decay_groups

    c = GPT
    b, t, d, v = c["batch"], c["block_size"], c["n_embd"], c["vocab_size"]
    rng = np.random.default_rng(2)
    idx = rng.integers(0, v, (b, t + 1))
    mg.manual_seed(0)
    ours = CharGPT(vocab_size=v, block_size=t, n_layer=c["n_layer"], n_head=c["n_head"],
                   n_embd=d)
    opt = mg.optim.AdamW(decay_groups(ours, c["weight_decay"]), lr=c["lr"], betas=c["betas"])
    xm, ym = mg.tensor(idx[:, :-1]), mg.tensor(idx[:, 1:])

    def step_mg() -> None:
        loss = ours.loss(xm, ym)
        opt.zero_grad()
        loss.backward()
        mg.nn.utils.clip_grad_norm_(ours.parameters(), c["clip"])
        opt.step()

    step_torch = None
    if torch is not None:
        from char_gpt_torch import TorchCharGPT

        theirs = TorchCharGPT(v, block_size=t, n_layer=c["n_layer"], n_head=c["n_head"],
                              n_embd=d)
        copy_weights(ours, theirs)
        params = list(theirs.parameters())
        topt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2],
                                   "weight_decay": c["weight_decay"]},
                                  {"params": [p for p in params if p.dim() < 2],
                                   "weight_decay": 0.0}], lr=c["lr"], betas=c["betas"])
        xt, yt = torch.from_numpy(idx[:, :-1].copy()), torch.from_numpy(idx[:, 1:].copy())

        def step_torch() -> None:
            loss = theirs.loss(xt, yt)
            topt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(theirs.parameters(), c["clip"])
            topt.step()

    rows, gemms = b * t, []
    for _ in range(c["n_layer"]):
        gemms += (linear_gemms(rows, d, 3 * d) + attention_gemms(b * c["n_head"], t, t,
                                                                 d // c["n_head"])
                  + linear_gemms(rows, d, d) + linear_gemms(rows, d, 4 * d)
                  + linear_gemms(rows, 4 * d, d))
    gemms += linear_gemms(rows, d, v)  # the tied head
    return step_mg, step_torch, gemms


CASES = {"lstm": ("LSTM 2x256, batch 64, 50 steps, fwd+bwd", lstm_case, 1.5),
         "encoder": ("TransformerEncoderLayer 256/4h/1024, 16x128, fwd+bwd", encoder_case, 1.3),
         "gpt": ("char-gpt train step (4x128, 32x64, AdamW)", gpt_case, 1.5)}


# ---------------------------------------------------------------------------- timing
def alternate(fns: list[Step], rounds: int, number: int) -> list[list[float]]:
    """Seconds per call of each fn in every round; the fns run one after the other in each
    round (after two warm-up calls each), so a load burst hits neighbours alike."""
    for f in fns:
        for _ in range(2):
            f()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, f in enumerate(fns):
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            samples[i].append((time.perf_counter() - t0) / number)
    return samples


def report(name: str, target: float, samples: list[list[float]], flops: float) -> None:
    """Median times, GFLOP/s, the floor and the per-round ratios of one case."""
    floor, ours = samples[0], samples[1]
    med = statistics.median

    def cell(ts: list[float]) -> str:
        return f"{med(ts) * 1e3:8.1f} ms ({flops / med(ts) / 1e9:5.1f} GFLOP/s)"

    print(f"{name}  [{flops / 1e9:.2f} GFLOP in GEMMs]")
    print(f"  GEMM floor (NumPy) {cell(floor)}")
    print(f"  minigrad           {cell(ours)}   {med(ours) / med(floor):4.2f}x the floor")
    if len(samples) > 2:
        theirs = samples[2]
        ratios = sorted(a / b for a, b in zip(ours, theirs, strict=True))
        print(f"  PyTorch            {cell(theirs)}   {med(theirs) / med(floor):4.2f}x the floor")
        print(f"  minigrad / PyTorch {med(ratios):4.2f}x  (rounds {ratios[0]:.2f}-"
              f"{ratios[-1]:.2f}x, best-round ratio {min(ours) / min(theirs):.2f}x; "
              f"target <= {target}x)")


# ---------------------------------------------------------------------------- memory
SDPA = {"batch": 1, "heads": 8, "tokens": 1024, "head_dim": 64}


def attention_memory(torch: Any) -> None:
    c = SDPA
    shape = (c["batch"], c["heads"], c["tokens"], c["head_dim"])
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape, dtype=np.float32) for _ in range(4)]
    mib = 2.0 ** 20
    scores = c["batch"] * c["heads"] * c["tokens"] ** 2 * 4 / mib
    print(f"SDPA forward+backward, {shape} float32 (one (L, S) score array: {scores:.0f} MiB)")
    q, k, v = (mg.tensor(a, requires_grad=True) for a in arrays[:3])
    gm = mg.tensor(arrays[3])

    def run_mg() -> None:
        q.grad = k.grad = v.grad = None
        F.scaled_dot_product_attention(q, k, v).backward(gm)

    run_mg()
    tracemalloc.start()
    run_mg()
    peak = tracemalloc.get_traced_memory()[1] / mib
    tracemalloc.stop()
    print(f"  minigrad: tracemalloc peak {peak:6.1f} MiB (NumPy's allocations during the call)")
    if torch is None:
        return
    qt, kt, vt = (torch.from_numpy(a).requires_grad_() for a in arrays[:3])
    gt = torch.from_numpy(arrays[3])

    def run_torch() -> None:
        qt.grad = kt.grad = vt.grad = None
        torch.nn.functional.scaled_dot_product_attention(qt, kt, vt).backward(gt)

    run_torch()
    prof_peak = _torch_profiler_peak(torch, run_torch)
    print("  PyTorch:  " + ("not measurable here" if prof_peak is None else
                            f"profiler peak {prof_peak:6.1f} MiB (its allocator's events)"))
    ours = alternate([run_mg, run_torch], 3, 2)
    print(f"  time: minigrad {statistics.median(ours[0]) * 1e3:.1f} ms, PyTorch "
          f"{statistics.median(ours[1]) * 1e3:.1f} ms")


def _torch_profiler_peak(torch: Any, fn: Step) -> float | None:
    """Peak of the running sum of the CPU allocations PyTorch's profiler records, in MiB."""
    saved = os.dup(2)  # the profiler logs its start and stop on stderr: keep them off
    try:
        from torch.profiler import ProfilerActivity, profile

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            fn()
        events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
                        if e.name() == "[memory]")
    except Exception:  # a private profiler API: report "not measurable" instead
        return None
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    total = peak = 0
    for _, nbytes in events:
        total += nbytes
        peak = max(peak, total)
    return peak / 2.0 ** 20


# ---------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (smoke run)")
    parser.add_argument("--profile", action="store_true", help="cProfile minigrad's side")
    parser.add_argument("--case", action="append", choices=[*CASES, "memory"],
                        help="run only this case (repeatable)")
    parser.add_argument("--rounds", type=int, help="alternating rounds (default 7, quick 2)")
    parser.add_argument("--threads", type=int,
                        help="BLAS and PyTorch threads (default: as they start; needs "
                             "threadpoolctl for NumPy's BLAS)")
    args = parser.parse_args()
    rounds, number = (2, 1) if args.quick else (7, 2)
    rounds = args.rounds or rounds
    try:
        import torch
    except ImportError:
        torch = None
    if args.threads:
        set_threads(args.threads, torch)
    for line in machine():
        print(line)
    print(f"{rounds} alternating rounds x {number} calls (floor, minigrad, PyTorch); medians\n")
    for key in args.case or [*CASES, "memory"]:
        if key == "memory":
            attention_memory(torch)
            continue
        name, make, target = CASES[key]
        ours, theirs, gemms = make(torch)
        fns = [gemm_floor(gemms), ours] + ([theirs] if theirs is not None else [])
        report(name, target, alternate(fns, rounds, number), gemm_flops(gemms))
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(lambda f=ours: [f() for _ in range(3)])
            pstats.Stats(prof).sort_stats("tottime").print_stats(18)
        print()


if __name__ == "__main__":
    main()
