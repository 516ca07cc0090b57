"""Collectives on tensors, with ``torch.distributed``'s names and argument order.

Each works in place on the tensors' data, outside autograd (as in PyTorch), over the default
group's communicator; ``async_op=True`` returns a :class:`~minigrad.distributed.Work` to
``wait()`` on. Only the default group exists (``group=None``).

>>> import minigrad as mg
>>> import minigrad.distributed as dist
>>> dist.init_process_group()
>>> t = mg.tensor([1.0, 2.0]); dist.all_reduce(t, op=dist.ReduceOp.SUM); t
tensor([1., 2.], dtype=float32, device='cpu')
>>> out = [None]; dist.all_gather_object(out, {"rank": dist.get_rank()}); out
[{'rank': 0}]
>>> dist.destroy_process_group()
"""

from __future__ import annotations

from typing import Any

from minigrad.distributed.comm import ReduceOp, Work, check_op
from minigrad.distributed.process_group import _check_group, get_comm
from minigrad.errors import MinigradTypeError, ShapeError
from minigrad.tensor import Tensor

__all__ = [
    "all_gather", "all_gather_into_tensor", "all_gather_object", "all_reduce", "broadcast",
    "broadcast_object_list", "reduce_scatter", "reduce_scatter_tensor",
]


def _tensor(t: Any, where: str, arg: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise MinigradTypeError(f"{where}: {arg} must be a Tensor, got {type(t).__name__}")
    return t


def _changed(*tensors: Tensor) -> None:
    for t in tensors:
        t._version += 1


def _result(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def _src(src: Any, group_src: Any, size: int, where: str) -> int:
    if src is None:
        src = group_src
    elif group_src is not None and group_src != src:
        raise ValueError(f"{where}: give src or group_src, not both")
    if src is None:
        raise ValueError(f"{where}: src must be given")
    src = int(src)
    if not 0 <= src < size:
        raise ValueError(f"{where}: src={src} is not a rank of a world of {size}")
    return src


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: Any = None,
               async_op: bool = False) -> Work | None:
    """Combine ``tensor`` over all ranks with ``op``; every rank gets the result in place.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> dist.init_process_group(); t = mg.ones(2)
    >>> dist.all_reduce(t, dist.ReduceOp.AVG, async_op=True).wait()
    True
    >>> dist.destroy_process_group()
    """
    _check_group(group, "all_reduce")
    t = _tensor(tensor, "all_reduce", "tensor")
    check_op(op, t._data.dtype, "all_reduce")
    comm = get_comm("all_reduce")
    if async_op:
        work = comm.iallreduce(t._data, op)
    else:
        comm.allreduce(t._data, op)
        work = Work()
    _changed(t)
    return _result(work, async_op)


def broadcast(tensor: Tensor, src: int | None = None, group: Any = None,
              async_op: bool = False, group_src: int | None = None) -> Work | None:
    """Overwrite ``tensor`` on every rank with rank ``src``'s values.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> dist.init_process_group(); t = mg.arange(3); dist.broadcast(t, src=0); t.tolist()
    [0, 1, 2]
    >>> dist.destroy_process_group()
    """
    _check_group(group, "broadcast")
    t = _tensor(tensor, "broadcast", "tensor")
    comm = get_comm("broadcast")
    comm.bcast(t._data, _src(src, group_src, comm.size, "broadcast"))
    _changed(t)
    return _result(Work(), async_op)


def _same(t: Tensor, ref: Tensor, where: str, arg: str) -> None:
    if t.shape != ref.shape or t.dtype != ref.dtype:
        raise ShapeError(f"{where}: every tensor of {arg} must have the shape and dtype of the "
                         f"input ({tuple(ref.shape)}, {ref.dtype}), got {tuple(t.shape)}, "
                         f"{t.dtype}")


def _list(tensors: Any, size: int, where: str, arg: str) -> list[Tensor]:
    if not isinstance(tensors, (list, tuple)):
        raise MinigradTypeError(f"{where}: {arg} must be a list of tensors, got "
                                f"{type(tensors).__name__}")
    if len(tensors) != size:
        raise ValueError(f"{where}: {arg} has {len(tensors)} tensors; the world has {size} "
                         "ranks")
    return [_tensor(t, where, arg) for t in tensors]


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: Any = None,
               async_op: bool = False) -> Work | None:
    """Fill ``tensor_list[r]`` with rank ``r``'s ``tensor`` on every rank.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> dist.init_process_group(); out = [mg.zeros(2)]
    >>> dist.all_gather(out, mg.ones(2)); out
    [tensor([1., 1.], dtype=float32, device='cpu')]
    >>> dist.destroy_process_group()
    """
    _check_group(group, "all_gather")
    t = _tensor(tensor, "all_gather", "tensor")
    comm = get_comm("all_gather")
    outs = _list(tensor_list, comm.size, "all_gather", "tensor_list")
    for o in outs:
        _same(o, t, "all_gather", "tensor_list")
    xp = t._backend.xp
    recv = xp.empty((comm.size, *t._data.shape), dtype=t._data.dtype)
    comm.allgather(t._data, recv)
    for r, o in enumerate(outs):
        o._data[...] = recv[r]
    _changed(*outs)
    return _result(Work(), async_op)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: Any = None,
                           async_op: bool = False) -> Work | None:
    """Concatenate every rank's ``input_tensor`` along dim 0 into ``output_tensor`` (of
    ``world_size`` times its length) on every rank.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> dist.init_process_group(); out = mg.zeros(2)
    >>> dist.all_gather_into_tensor(out, mg.ones(2)); out.tolist()
    [1.0, 1.0]
    >>> dist.destroy_process_group()
    """
    _check_group(group, "all_gather_into_tensor")
    out = _tensor(output_tensor, "all_gather_into_tensor", "output_tensor")
    t = _tensor(input_tensor, "all_gather_into_tensor", "input_tensor")
    comm = get_comm("all_gather_into_tensor")
    want = (comm.size * (t.shape[0] if t.dim() else 1), *t.shape[1:])
    if tuple(out.shape) != want or out.dtype != t.dtype:
        raise ShapeError(f"all_gather_into_tensor: output_tensor must have shape {want} and "
                         f"dtype {t.dtype}, got {tuple(out.shape)}, {out.dtype}")
    recv = out._data.reshape((comm.size, *t._data.shape))
    comm.allgather(t._data, recv)
    out._data[...] = recv.reshape(out._data.shape)  # a no-op when recv is a view of out
    _changed(out)
    return _result(Work(), async_op)


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: ReduceOp = ReduceOp.SUM,
                   group: Any = None, async_op: bool = False) -> Work | None:
    """Rank ``r`` gets ``op`` over all ranks of their ``input_list[r]``, in ``output``.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> dist.init_process_group(); out = mg.zeros(2)
    >>> dist.reduce_scatter(out, [mg.full((2,), 3.0)]); out.tolist()
    [3.0, 3.0]
    >>> dist.destroy_process_group()
    """
    _check_group(group, "reduce_scatter")
    out = _tensor(output, "reduce_scatter", "output")
    comm = get_comm("reduce_scatter")
    ins = _list(input_list, comm.size, "reduce_scatter", "input_list")
    for i in ins:
        _same(i, out, "reduce_scatter", "input_list")
    check_op(op, out._data.dtype, "reduce_scatter")
    send = out._backend.xp.stack([i._data for i in ins])
    comm.reduce_scatter(send, out._data, op)
    _changed(out)
    return _result(Work(), async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM,
                          group: Any = None, async_op: bool = False) -> Work | None:
    """``reduce_scatter`` of ``input`` cut into ``world_size`` equal chunks along dim 0.

    >>> import minigrad as mg, minigrad.distributed as dist
    >>> dist.init_process_group(); out = mg.zeros(2)
    >>> dist.reduce_scatter_tensor(out, mg.ones(2)); out.tolist()
    [1.0, 1.0]
    >>> dist.destroy_process_group()
    """
    _check_group(group, "reduce_scatter_tensor")
    out = _tensor(output, "reduce_scatter_tensor", "output")
    t = _tensor(input, "reduce_scatter_tensor", "input")
    comm = get_comm("reduce_scatter_tensor")
    want = (comm.size * (out.shape[0] if out.dim() else 1), *out.shape[1:])
    if tuple(t.shape) != want or out.dtype != t.dtype:
        raise ShapeError(f"reduce_scatter_tensor: input must have shape {want} and dtype "
                         f"{out.dtype}, got {tuple(t.shape)}, {t.dtype}")
    check_op(op, out._data.dtype, "reduce_scatter_tensor")
    comm.reduce_scatter(t._data.reshape((comm.size, *out._data.shape)), out._data, op)
    _changed(out)
    return _result(Work(), async_op)


def all_gather_object(object_list: list[Any], obj: Any, group: Any = None) -> None:
    """Fill ``object_list[r]`` with rank ``r``'s picklable ``obj`` on every rank.

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); out = [None]; dist.all_gather_object(out, "hi"); out
    ['hi']
    >>> dist.destroy_process_group()
    """
    _check_group(group, "all_gather_object")
    comm = get_comm("all_gather_object")
    if not isinstance(object_list, list) or len(object_list) != comm.size:
        raise ValueError(f"all_gather_object: object_list must be a list of world_size "
                         f"({comm.size}) entries, got {object_list!r:.80}")
    object_list[:] = comm.allgather_object(obj)


def broadcast_object_list(object_list: list[Any], src: int | None = None, group: Any = None,
                          device: Any = None, group_src: int | None = None) -> None:
    """Replace the entries of ``object_list`` on every rank with rank ``src``'s (the lists
    must have the same length on every rank).

    >>> import minigrad.distributed as dist
    >>> dist.init_process_group(); objs = [{"lr": 0.1}]
    >>> dist.broadcast_object_list(objs, src=0); objs
    [{'lr': 0.1}]
    >>> dist.destroy_process_group()
    """
    _check_group(group, "broadcast_object_list")
    comm = get_comm("broadcast_object_list")
    if not isinstance(object_list, list):
        raise MinigradTypeError(f"broadcast_object_list: object_list must be a list, got "
                                f"{type(object_list).__name__}")
    if src is None and group_src is None:
        src = 0  # torch's default
    root = _src(src, group_src, comm.size, "broadcast_object_list")
    got = comm.bcast_object(list(object_list), root)
    if len(got) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {root} sent {len(got)} objects; this "
                         f"rank's list has {len(object_list)}")
    object_list[:] = got
