"""What each rank runs in tests/test_distributed_mpi.py (``mpiexec -n 2 python -m mpi4py
tests/dist_worker.py SCENARIO OUTDIR``); results go to OUTDIR/rank{r}.pkl for the test to check.

Scenarios: ``checks`` (collectives, DDP against single-process references in float64,
no_sync, unused parameters, buffers, dropout seeds, sampler shards), ``raise`` (rank 1 raises
while rank 0 waits in an allreduce: the job must end at once), ``env`` (prints the ranks that
torchrun-style RANK / WORLD_SIZE / LOCAL_RANK variables gave), ``ddp`` (collectives and
the DDP runs only; with MG_TEST_BACKEND=nccl MG_TEST_DEVICE=cuda on GPUs).
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import Any

import numpy as np

B = 4  # per-rank batch
STEPS = 3


def _net(nn: Any) -> Any:
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.Tanh(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(27, 8), nn.Tanh(), nn.Linear(8, 5)).double()


#: the device of the DDP runs: "cuda" puts rank r on cuda:r (with MG_TEST_BACKEND=nccl)
DEVICE = os.environ.get("MG_TEST_DEVICE", "cpu")


def _device(dist: Any) -> str:
    return f"cuda:{dist.get_local_rank()}" if DEVICE == "cuda" else "cpu"


def _data(mg: Any, n: int, seed: int = 7, device: str = "cpu") -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal((n, 1, 8, 8)), device=device)
    y = mg.tensor(rng.integers(0, 5, n), device=device)
    return x, y


def _flat(params: Any, grads: bool = False) -> np.ndarray:
    arrays = [(p.grad if grads else p).detach().cpu().numpy().ravel() for p in params]
    return np.concatenate(arrays)


def collectives(mg: Any, dist: Any, r: int, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for op in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
        t = mg.tensor([1.0 + r, -2.0 * r, 3.0], dtype=mg.float64)
        dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
        out[op] = t.numpy()
    i = mg.tensor([1 + r, 6])
    dist.all_reduce(i, dist.ReduceOp.BOR)
    out["BOR"] = i.numpy()
    h = mg.tensor([0.5 + r, 1.0], dtype=mg.float16)
    dist.all_reduce(h)
    out["f16"] = (h.numpy(), str(h.dtype))
    m = mg.zeros(4, 3) + (r + 1)  # a transposed (non-contiguous) tensor
    tt = m.t()
    dist.all_reduce(tt)
    out["view"] = tt.numpy()
    w = mg.full((5,), float(r))
    work = dist.all_reduce(w, async_op=True)
    work.wait()
    out["async"] = w.numpy()
    b = mg.arange(4) * (r + 1)
    dist.broadcast(b, src=n - 1)
    out["bcast"] = b.numpy()
    lst = [mg.zeros(2) for _ in range(n)]
    dist.all_gather(lst, mg.full((2,), float(r)))
    out["all_gather"] = [t.numpy() for t in lst]
    g = mg.zeros(2 * n)
    dist.all_gather_into_tensor(g, mg.full((2,), float(r)))
    out["all_gather_into_tensor"] = g.numpy()
    o = mg.zeros(2)
    dist.reduce_scatter(o, [mg.full((2,), 10.0 * k + r) for k in range(n)])
    out["reduce_scatter"] = o.numpy()
    o2 = mg.zeros(2)
    dist.reduce_scatter_tensor(o2, mg.arange(2 * n).float() + r)
    out["reduce_scatter_tensor"] = o2.numpy()
    objs = [None] * n
    dist.all_gather_object(objs, {"rank": r, "x": [r] * r})
    out["all_gather_object"] = objs
    bl = [r, f"from {r}", None]
    dist.broadcast_object_list(bl, src=n - 1)
    out["bcast_obj"] = bl
    dist.barrier()
    out["ranks"] = (dist.get_rank(), dist.get_world_size(), dist.get_local_rank(),
                    dist.get_backend())
    return out


def ddp_runs(mg: Any, dist: Any, r: int, n: int) -> dict[str, Any]:
    """DDP training in float64, and (on rank 0) the two single-process references."""
    from minigrad import nn
    from minigrad.nn import functional as F
    from minigrad.nn.parallel import DistributedDataParallel as DDP

    device = _device(dist)
    x, y = _data(mg, 2 * B * STEPS, device=device)
    out: dict[str, Any] = {}
    configs = {"tiny_buckets": {"bucket_cap_mb": 0.0002},
               "one_bucket_no_overlap": {"overlap": False}}
    for name, kw in configs.items():
        mg.manual_seed(100 + r)  # different initial weights: DDP must broadcast rank 0's
        ddp = DDP(_net(nn).to(device), **kw)
        opt = mg.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
        snaps, grads = [_flat(ddp.parameters())], []
        for s in range(STEPS):
            lo = s * 2 * B + r * B
            opt.zero_grad()
            F.cross_entropy(ddp(x[lo:lo + B]), y[lo:lo + B]).backward()
            grads.append(_flat(ddp.parameters(), grads=True))
            opt.step()
            snaps.append(_flat(ddp.parameters()))
        out[name] = {"params": snaps, "grads": grads,
                     "buckets": len(ddp.reducer.buckets)}
    if r == 0:
        out["ref_accum"] = _reference(mg, nn, F, x, y, n, accumulate=True, device=device)
        out["ref_big"] = _reference(mg, nn, F, x, y, n, accumulate=False, device=device)
    return out


def _reference(mg: Any, nn: Any, F: Any, x: Any, y: Any, n: int, accumulate: bool,
               device: str = "cpu") -> Any:
    mg.manual_seed(100)  # rank 0's initial weights
    net = _net(nn).to(device)
    opt = mg.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    snaps, grads = [_flat(net.parameters())], []
    for s in range(STEPS):
        opt.zero_grad()
        if accumulate:  # the same micro-batches, summed in rank order, then averaged
            for k in range(n):
                lo = s * 2 * B + k * B
                F.cross_entropy(net(x[lo:lo + B]), y[lo:lo + B]).backward()
            for p in net.parameters():
                p.grad._data /= n
        else:  # one batch of n * B
            lo = s * 2 * B
            F.cross_entropy(net(x[lo:lo + n * B]), y[lo:lo + n * B]).backward()
        grads.append(_flat(net.parameters(), grads=True))
        opt.step()
        snaps.append(_flat(net.parameters()))
    return {"params": snaps, "grads": grads}


def no_sync_run(mg: Any, dist: Any, r: int, n: int) -> dict[str, Any]:
    from minigrad import nn
    from minigrad.nn import functional as F
    from minigrad.nn.parallel import DistributedDataParallel as DDP

    x, y = _data(mg, 4 * B, seed=11)
    mg.manual_seed(5 + r)
    ddp = DDP(_net(nn))
    lo = r * 2 * B
    with ddp.no_sync():
        F.cross_entropy(ddp(x[lo:lo + B]), y[lo:lo + B]).backward()
    local_after_first = _flat(ddp.parameters(), grads=True)
    F.cross_entropy(ddp(x[lo + B:lo + 2 * B]), y[lo + B:lo + 2 * B]).backward()
    out = {"grads": _flat(ddp.parameters(), grads=True), "local_first": local_after_first}
    if r == 0:  # single process: all four micro-batches accumulated, averaged over ranks
        mg.manual_seed(5)
        net = _net(nn)
        for k in range(4):
            F.cross_entropy(net(x[k * B:(k + 1) * B]), y[k * B:(k + 1) * B]).backward()
        out["ref"] = _flat(net.parameters(), grads=True) / n
    return out


class _Heads:
    """A trunk and three heads: rank 0 uses a and b, rank 1 only a, nobody c."""

    @staticmethod
    def build(mg: Any, nn: Any) -> Any:
        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.trunk = nn.Linear(4, 4)
                self.a, self.b, self.c = nn.Linear(4, 2), nn.Linear(4, 2), nn.Linear(4, 2)

            def forward(self, x: Any, use_b: bool) -> Any:
                h = self.trunk(x).tanh()
                return self.a(h) + self.b(h) if use_b else self.a(h)

        return Net().double()


def unused_run(mg: Any, dist: Any, r: int, n: int) -> dict[str, Any]:
    from minigrad import nn
    from minigrad.nn.parallel import DistributedDataParallel as DDP

    x, _ = _data(mg, 2 * B, seed=3)
    x = x.reshape(2 * B, 64)[:, :4]
    mg.manual_seed(9)
    ddp = DDP(_Heads.build(mg, nn), find_unused_parameters=True)
    ddp(x[r * B:(r + 1) * B], use_b=r == 0).pow(2).sum().backward()
    m = ddp.module
    out = {"b_grad": m.b.weight.grad.numpy().copy(), "c_grad_is_none": m.c.weight.grad is None,
           "a_grad": m.a.weight.grad.numpy().copy()}
    if r == 0:  # rank 0's own gradient of head b, computed without DDP
        mg.manual_seed(9)
        net = _Heads.build(mg, nn)
        net(x[:B], use_b=True).pow(2).sum().backward()
        out["b_local"] = net.b.weight.grad.numpy()
    # a second iteration must work too (the reduction finished)
    ddp(x[r * B:(r + 1) * B], use_b=r == 1).pow(2).sum().backward()
    out["second_ok"] = True
    return out


def buffers_and_dropout(mg: Any, dist: Any, r: int, n: int) -> dict[str, Any]:
    from minigrad import nn
    from minigrad.nn.parallel import DistributedDataParallel as DDP

    mg.manual_seed(1)
    bn = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
    bn[1].running_mean._data[...] = float(r + 1)  # rank 1's stats differ before wrapping
    ddp = DDP(bn)
    out: dict[str, Any] = {"after_init": bn[1].running_mean.numpy().copy()}
    ddp(mg.randn(6, 3) + 3.0 * r).sum().backward()  # per-rank data: the stats diverge
    out["diverged"] = bn[1].running_mean.numpy().copy()
    seen = []
    bn.register_forward_pre_hook(lambda mod, args: seen.append(
        mod[1].running_mean.numpy().copy()))
    ddp(mg.randn(6, 3)).sum().backward()
    out["at_second_forward"] = seen[0]
    mg.manual_seed(1)  # the same seed everywhere: DDP makes the weights agree anyway ...
    ddp2 = DDP(nn.Sequential(nn.Linear(50, 50), nn.Dropout(0.5)))
    mg.manual_seed(123 + r)  # ... and seed + rank gives each rank its own dropout masks
    ddp2(mg.ones(4, 50)).sum().backward()
    out["dropout_out"] = ddp2(mg.ones(4, 50)).detach().numpy()
    out["dropout_params"] = _flat(ddp2.parameters())
    return out


def sampler_shards(mg: Any, dist: Any, r: int, n: int) -> dict[str, Any]:
    from minigrad.data import DataLoader, DistributedSampler, TensorDataset

    out: dict[str, Any] = {}
    for size in (10, 11):
        for shuffle in (True, False):
            for drop_last in (False, True):
                s = DistributedSampler(range(size), shuffle=shuffle, seed=4,
                                       drop_last=drop_last)
                epochs = []
                for e in range(2):
                    s.set_epoch(e)
                    epochs.append(list(s))
                out[(size, shuffle, drop_last)] = (epochs, len(s))
    ds = TensorDataset(mg.arange(12))
    loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, seed=1))
    out["loader"] = [b[0].tolist() for b in loader]
    return out


def main() -> None:
    scenario, outdir = sys.argv[1], sys.argv[2]
    import minigrad as mg
    import minigrad.distributed as dist

    dist.init_process_group(backend=os.environ.get("MG_TEST_BACKEND", "auto"))
    r, n = dist.get_rank(), dist.get_world_size()
    if scenario == "env":  # RANK / WORLD_SIZE / LOCAL_RANK from the environment
        print(f"pmi={os.environ.get('PMI_RANK')} rank={r} size={n} "
              f"local={dist.get_local_rank()}", flush=True)
        dist.barrier()
        return
    if scenario == "raise":
        if r == 1:
            raise ValueError("rank 1 fails on purpose")
        dist.all_reduce(mg.ones(3))  # would wait forever for rank 1
        dist.barrier()
        return
    results = {}
    checks = (collectives, ddp_runs, no_sync_run, unused_run, buffers_and_dropout,
              sampler_shards) if scenario == "checks" else (collectives, ddp_runs)
    for check in checks:
        results[check.__name__] = check(mg, dist, r, n)
    with open(os.path.join(outdir, f"rank{r}.pkl"), "wb") as f:
        pickle.dump(results, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
