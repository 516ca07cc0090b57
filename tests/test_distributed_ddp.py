"""DDP and DataParallel in one process (a world of 1), the engine hook they rely on, the
reducer against a stand-in communicator of two ranks, the NCCL path against a stand-in for
``cupyx.distributed`` (no GPU here: only the calls are checked; tests/test_distributed_mpi.py
runs the real thing where GPUs are), and the CLI's multi-rank guard.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.distributed as dist
from minigrad import nn
from minigrad.distributed.comm import LocalComm, ReduceOp, Work
from minigrad.distributed.nccl import NCCLComm
from minigrad.nn import functional as F
from minigrad.nn.parallel import DataParallel, DistributedDataParallel
from minigrad.nn.parallel.reducer import Reducer, assign_buckets


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Any:
    for v in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(v, raising=False)
    dist.init_process_group()
    yield dist
    if dist.is_initialized():
        dist.destroy_process_group()


def _net() -> nn.Module:
    return nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 6), nn.Tanh(),
                         nn.Linear(6, 3)).double()


# ---------------------------------------------------------------- the engine hook DDP needs
def test_post_accumulate_hook_fires_as_soon_as_the_grad_is_final() -> None:
    net = _net()
    params = list(net.parameters())
    seen: dict[int, list[bool]] = {}
    def record(i: int) -> Any:
        def hook(t: Any) -> None:
            seen.setdefault(i, [q.grad is None for q in params])
        return hook

    for i, p in enumerate(params):
        p.register_post_accumulate_grad_hook(record(i))
    net(mg.randn(4, 5).double()).sum().backward()
    assert sorted(seen) == list(range(len(params)))
    # the last layer's weight is final while the first layer's gradient is still to come
    assert seen[len(params) - 2][0] is True
    assert seen[0][0] is False


def test_post_accumulate_hook_waits_for_every_use() -> None:
    w = mg.ones(3, requires_grad=True)
    got = []
    w.register_post_accumulate_grad_hook(lambda t: got.append(t.grad.tolist()))
    ((w * 2).sum() + (w.exp() * w).sum() + w.sum()).backward()
    e = float(np.exp(1.0))
    assert len(got) == 1 and got[0] == pytest.approx([3 + 2 * e] * 3)


# ---------------------------------------------------------------- reducer
class TwoRankComm(LocalComm):
    """Stands in for a world of 2 whose other rank holds exactly the same gradients; records
    which parameters already had a gradient when each bucket was started."""

    size = 2

    def __init__(self, params: list[Any]) -> None:
        self.params = params
        self.started: list[list[bool]] = []

    def iallreduce(self, buf: Any, op: ReduceOp = ReduceOp.SUM) -> Work:
        self.started.append([p.grad is not None for p in self.params])
        return Work(None, lambda: buf.__imul__(2))

    def allreduce(self, buf: Any, op: ReduceOp = ReduceOp.SUM) -> None:
        if op is ReduceOp.SUM:
            buf *= 2


def test_assign_buckets_reverse_order_and_caps() -> None:
    ps = [mg.zeros(100), mg.zeros(100, dtype=mg.float64), mg.zeros(100), mg.zeros(100)]
    # one dtype per bucket, each dtype's first bucket capped at 400 bytes, then 800
    assert assign_buckets(ps, cap_bytes=800, first_cap_bytes=400) == [[3], [1], [2, 0]]
    assert assign_buckets(ps, cap_bytes=10**9) == [[3, 2, 0], [1]]


def test_reducer_overlaps_backward_and_averages() -> None:
    mg.manual_seed(0)
    net = _net()
    params = list(net.parameters())
    comm = TwoRankComm(params)
    reducer = Reducer(params, comm, bucket_cap_mb=200 / 2**20)  # ~200-byte buckets
    assert len(reducer.buckets) >= 3
    x = mg.randn(4, 5).double()
    reducer.prepare()
    net(x).sum().backward()
    got = [p.grad.numpy().copy() for p in params]
    net.zero_grad()
    net(x).sum().backward()  # not armed: plain local gradients
    for g, p in zip(got, params, strict=True):
        np.testing.assert_array_equal(g, p.grad.numpy())  # (g/2) * 2: exact
    # the first bucket started before the first layer's gradient existed: overlap
    assert len(comm.started) == len(reducer.buckets)
    assert comm.started[0][0] is False and comm.started[-1][0] is True


def test_reducer_without_overlap_waits_for_the_end() -> None:
    net = _net()
    params = list(net.parameters())
    comm = TwoRankComm(params)
    reducer = Reducer(params, comm, bucket_cap_mb=200 / 2**20, overlap=False)
    reducer.prepare()
    net(mg.randn(2, 5).double()).sum().backward()
    assert all(all(s) for s in comm.started)


# ---------------------------------------------------------------- DDP in a world of 1
def test_ddp_world_of_one_matches_plain_training(world: Any) -> None:
    mg.manual_seed(3)
    plain = _net()
    ddp = DistributedDataParallel(_net(), bucket_cap_mb=0.0001)
    ddp.module.load_state_dict(plain.state_dict())
    opt_a = mg.optim.SGD(plain.parameters(), lr=0.1)
    opt_b = mg.optim.SGD(ddp.parameters(), lr=0.1)
    x, y = mg.randn(8, 5).double(), mg.randint(0, 3, (8,))
    for _ in range(3):
        for model, opt in ((plain, opt_a), (ddp, opt_b)):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
    for a, b in zip(plain.parameters(), ddp.module.parameters(), strict=True):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert list(ddp.state_dict())[:2] == ["module.0.weight", "module.0.bias"]
    assert "world_size=1" in repr(ddp)


def test_ddp_no_sync_accumulates(world: Any) -> None:
    ddp = DistributedDataParallel(nn.Linear(2, 1).double())
    x = mg.ones(1, 2).double()
    with ddp.no_sync():
        ddp(x).sum().backward()
    ddp(x).sum().backward()
    assert ddp.module.bias.grad.tolist() == [2.0]


def test_ddp_unused_parameter_is_reported(world: Any) -> None:
    class TwoHeads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(2, 2), nn.Linear(2, 2)

        def forward(self, x: Any) -> Any:
            return self.a(x)

    ddp = DistributedDataParallel(TwoHeads())
    ddp(mg.ones(1, 2)).sum().backward()
    with pytest.raises(dist.DistError, match="find_unused_parameters=True"):
        ddp(mg.ones(1, 2))
    ok = DistributedDataParallel(TwoHeads(), find_unused_parameters=True)
    for _ in range(2):
        ok(mg.ones(1, 2)).sum().backward()
    assert ok.module.b.weight.grad is None and ok.module.a.weight.grad is not None


def test_ddp_errors(world: Any) -> None:
    with pytest.raises(TypeError, match=r"must be an nn\.Module"):
        DistributedDataParallel(lambda x: x)
    with pytest.raises(RuntimeError, match="doesn't have any parameter"):
        DistributedDataParallel(nn.ReLU())
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive"):
        DistributedDataParallel(nn.Linear(1, 1), bucket_cap_mb=0)
    with pytest.raises(dist.DistError, match="default process group"):
        DistributedDataParallel(nn.Linear(1, 1), process_group=object())


def test_ddp_needs_a_process_group() -> None:
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="init_process_group"):
        DistributedDataParallel(nn.Linear(1, 1))


def test_data_parallel_single_device() -> None:
    mg.manual_seed(0)
    lin = nn.Linear(3, 2)
    dp = nn.DataParallel(lin, device_ids=[0])
    x = mg.randn(4, 3)
    assert dp.module is lin and isinstance(dp, DataParallel)
    np.testing.assert_array_equal(dp(x).detach().numpy(), lin(x).detach().numpy())
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]


def test_data_parallel_state_dict_like_torch() -> None:
    torch = pytest.importorskip("torch")
    ours = sorted(nn.DataParallel(nn.Sequential(nn.Linear(3, 2))).state_dict())
    theirs = sorted(torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 2)))
                    .state_dict())
    assert ours == theirs


# ---------------------------------------------------------------- NCCL, with a stand-in
class FakeNCCL:
    """Records the calls CuPy's NCCLBackend would get; one rank of two whose peer holds
    ``peer`` times this rank's values."""

    peer = 3.0

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def all_reduce(self, a: Any, out: Any, op: str = "sum", stream: Any = None) -> None:
        self.calls.append(("all_reduce", a.size, op, a.flags.c_contiguous))
        out[...] = {"sum": a + self.peer * a, "max": np.maximum(a, self.peer * a),
                    "min": np.minimum(a, self.peer * a), "prod": a * self.peer * a}[op]

    def broadcast(self, a: Any, root: int = 0, stream: Any = None) -> None:
        self.calls.append(("broadcast", a.size, root))
        if root == 1:
            a *= self.peer

    def all_gather(self, a: Any, out: Any, count: int, stream: Any = None) -> None:
        self.calls.append(("all_gather", count))
        out.reshape(2, -1)[0], out.reshape(2, -1)[1] = a.ravel(), self.peer * a.ravel()

    def reduce_scatter(self, a: Any, out: Any, count: int, op: str = "sum",
                       stream: Any = None) -> None:
        self.calls.append(("reduce_scatter", count, op))
        out[...] = (1 + self.peer) * a.reshape(2, -1)[0].reshape(out.shape)


class HostOf2(LocalComm):
    size = 2
    name = "mpi"


def test_nccl_comm_calls() -> None:
    fake = FakeNCCL()
    comm = NCCLComm(HostOf2(), nccl=fake, device_arrays=True)
    buf = np.array([1.0, 2.0])
    comm.allreduce(buf, ReduceOp.AVG)
    np.testing.assert_array_equal(buf, [2.0, 4.0])  # (1 + 3) x / 2
    comm.allreduce(buf, ReduceOp.MAX)
    np.testing.assert_array_equal(buf, [6.0, 12.0])
    strided = np.arange(6.0).reshape(2, 3)[:, 1]  # non-contiguous: reduced through a copy
    comm.allreduce(strided)
    np.testing.assert_array_equal(strided, [4.0, 16.0])
    assert comm.iallreduce(buf).wait()
    b = np.ones(2)
    comm.bcast(b, 1)
    np.testing.assert_array_equal(b, [3.0, 3.0])
    recv = np.zeros((2, 2))
    comm.allgather(np.ones(2), recv)
    np.testing.assert_array_equal(recv, [[1, 1], [3, 3]])
    out = np.zeros(2)
    comm.reduce_scatter(np.ones((2, 2)), out, ReduceOp.AVG)
    np.testing.assert_array_equal(out, [2.0, 2.0])
    assert [c[0] for c in fake.calls] == ["all_reduce", "all_reduce", "all_reduce",
                                          "all_reduce", "broadcast", "all_gather",
                                          "reduce_scatter"]
    assert fake.calls[0][2] == "sum" and fake.calls[1][2] == "max" and fake.calls[2][3]
    with pytest.raises(dist.DistError, match="BOR is not supported by the nccl backend"):
        comm.allreduce(np.ones(2, dtype=np.int64), ReduceOp.BOR)
    assert comm.allgather_object(1) == [1]  # objects travel over the host communicator


def test_nccl_routes_host_arrays_to_mpi() -> None:
    fake = FakeNCCL()
    comm = NCCLComm(HostOf2(), nccl=fake)  # NumPy arrays are not CUDA arrays
    comm.allreduce(np.ones(2))
    assert fake.calls == []


def test_ddp_reducer_over_nccl_stand_in() -> None:
    mg.manual_seed(1)
    net = _net()
    params = list(net.parameters())
    fake = FakeNCCL()
    fake.peer = 1.0  # the other rank has the same gradients: the average is ours
    reducer = Reducer(params, NCCLComm(HostOf2(), nccl=fake, device_arrays=True),
                      bucket_cap_mb=300 / 2**20)
    x = mg.randn(3, 5).double()
    reducer.prepare()
    net(x).sum().backward()
    got = [p.grad.numpy().copy() for p in params]
    net.zero_grad()
    net(x).sum().backward()
    for g, p in zip(got, params, strict=True):
        np.testing.assert_array_equal(g, p.grad.numpy())
    sizes = [c[1] for c in fake.calls if c[0] == "all_reduce"]
    assert len(sizes) == len(reducer.buckets) and sum(sizes) == sum(p.numel() for p in params)


def test_init_process_group_nccl_with_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    used, inits = [], []
    cupy = types.ModuleType("cupy")
    cupy.cuda = types.SimpleNamespace(  # type: ignore[attr-defined]
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 2),
        Device=lambda i: types.SimpleNamespace(use=lambda: used.append(i)))
    cupyx = types.ModuleType("cupyx")
    cdist = types.ModuleType("cupyx.distributed")

    def init(n_devices: int, rank: int, *, backend: str = "nccl", host: Any = None,
             port: Any = None, use_mpi: bool = False) -> FakeNCCL:
        inits.append((n_devices, rank, backend, use_mpi))
        return FakeNCCL()

    cdist.init_process_group = init  # type: ignore[attr-defined]
    cupyx.distributed = cdist  # type: ignore[attr-defined]
    for name, mod in (("cupy", cupy), ("cupyx", cupyx), ("cupyx.distributed", cdist)):
        monkeypatch.setitem(sys.modules, name, mod)
    for v in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(v, raising=False)
    dist.init_process_group(backend="nccl", device_id="cuda:1")
    try:
        assert dist.get_backend() == "nccl" and used == [1]
        assert inits == [(1, 0, "nccl", False)]  # a world of 1: no MPI to bootstrap over
    finally:
        dist.destroy_process_group()


# ---------------------------------------------------------------- the CLI's multi-rank guard
class AbortingComm(HostOf2):
    def __init__(self) -> None:
        self.codes: list[int] = []

    def abort(self, code: int = 1) -> None:
        self.codes.append(code)
        raise SystemExit(code)


def test_cli_error_on_one_rank_aborts_all(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from minigrad.cli import distributed as cli_dist
    from minigrad.cli.commands import UserError
    from minigrad.distributed import process_group

    def fails(kind: type[Exception]) -> int:
        raise kind("no data on this host")

    comm = AbortingComm()
    monkeypatch.setattr(process_group._WORLD, "comm", comm)
    with pytest.raises(SystemExit) as e:
        cli_dist.guarded(fails, UserError)
    assert e.value.code == 2 and comm.codes == [2]
    assert "minigrad train (rank 0): error: no data on this host" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli_dist.guarded(fails, KeyError)
    assert comm.codes == [2, 1] and "Traceback" in capsys.readouterr().err
    assert cli_dist.guarded(lambda: 0) == 0
    monkeypatch.setattr(process_group._WORLD, "comm", None)
    with pytest.raises(UserError):  # one process: the error goes on to the usual handler
        cli_dist.guarded(fails, UserError)


def test_cli_language_models_refuse_several_ranks(monkeypatch: pytest.MonkeyPatch) -> None:
    from minigrad.cli import distributed as cli_dist

    monkeypatch.setenv("PMI_SIZE", "2")
    with pytest.raises(ValueError, match="one process only"):
        cli_dist.single_process_only("training a language model", ValueError)
    monkeypatch.setenv("PMI_SIZE", "1")
    cli_dist.single_process_only("training a language model", ValueError)
