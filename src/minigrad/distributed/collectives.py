"""Collectives on Tensors with torch.distributed's names and semantics, run as non-blocking MPI operations.

Every collective writes into the tensors it is given (their arrays stay the same objects, so optimizers and shared
memory see the result) and bumps their version counter. With async_op=True it returns a Work to wait on.
"""
import pickle

import numpy as np

from . import process_group as pg


class ReduceOp:
    """Reduction operators. Matches torch.distributed.ReduceOp (AVG divides the sum by the world size)."""

    SUM = "sum"
    AVG = "avg"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"


_OP_ALIASES = {"sum": "sum", "avg": "avg", "mean": "avg", "product": "product", "prod": "product", "min": "min",
               "max": "max"}


def _reduce_op(op, what):
    name = _OP_ALIASES.get(str(op).lower())
    if name is None:
        raise ValueError(f"{what}: unknown reduce op {op!r}; use ReduceOp.SUM, AVG, PRODUCT, MIN or MAX")
    return name


def _mpi_op(MPI, name, dtype):
    if dtype == np.bool_:  # computed on uint8: a sum of booleans is an "any", a product an "all", as torch
        return MPI.MAX if name in ("sum", "max") else MPI.MIN
    return {"sum": MPI.SUM, "avg": MPI.SUM, "product": MPI.PROD, "min": MPI.MIN, "max": MPI.MAX}[name]


def _wire_dtype(dtype):
    """The dtype sent over MPI: Open MPI has no half precision or bool reduction, so those travel widened."""
    if dtype == np.float16:
        return np.dtype(np.float32)
    if dtype == np.bool_:
        return np.dtype(np.uint8)
    return dtype


def _check_tensor(t, what, name="tensor"):
    from ..tensor import Tensor  # noqa: PLC0415 - tensor imports the whole engine

    if not isinstance(t, Tensor):
        raise TypeError(f"{what}: {name} must be a minigrad Tensor, got {type(t).__name__}")
    return t


def _host(t):
    """A C-contiguous host array in the wire dtype holding t's values (t's own array when that is possible)."""
    arr = t.data if t.device.type == "cpu" else t.numpy()
    wire = _wire_dtype(arr.dtype)
    if arr.dtype != wire or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr, dtype=wire)
    return arr


def _store(t, arr):
    """Write arr into t's array in place (casting back from the wire dtype) and bump t's version."""
    if arr is not t.data:
        if t.device.type == "cpu":
            t.data[...] = arr.astype(t.dtype, copy=False)
        else:
            t.data[...] = t.xp.asarray(arr.astype(t.dtype, copy=False))
    t._version += 1


def _check_avg(arr, what):
    if arr.dtype.kind not in "fc":
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating tensor, got {arr.dtype}")


def _run(req, group, what, finish, async_op):
    work = pg.Work(req, group, what, finish)
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` across all ranks; every rank ends with the result, in place.

    Args:
        tensor: any shape; the same shape and dtype on every rank.
        op: ReduceOp.SUM (default), AVG (alias "mean"), PRODUCT, MIN or MAX.
        async_op: return a Work instead of waiting.

    Matches torch.distributed.all_reduce.

    >>> t = minigrad.tensor([1.0, 2.0]); all_reduce(t)  # doctest: +SKIP
    """
    what = "all_reduce"
    g = pg._check_group(group, what)
    _check_tensor(tensor, what)
    name = _reduce_op(op, what)
    if name == "avg":
        _check_avg(tensor.data, what)
    buf = _host(tensor)
    req = g.comm.Iallreduce(g.MPI.IN_PLACE, buf, op=_mpi_op(g.MPI, name, tensor.dtype))

    def finish():
        if name == "avg":
            buf[...] /= g.size
        _store(tensor, buf)

    return _run(req, g, what, finish, async_op)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` across ranks into rank `dst`'s tensor; other ranks' tensors are left unchanged.

    Matches torch.distributed.reduce.
    """
    what = "reduce"
    g = pg._check_group(group, what)
    _check_tensor(tensor, what)
    _check_rank(dst, g, what, "dst")
    name = _reduce_op(op, what)
    if name == "avg":
        _check_avg(tensor.data, what)
    send = _host(tensor)
    recv = np.empty_like(send) if g.rank == dst else None
    req = g.comm.Ireduce(send, recv, op=_mpi_op(g.MPI, name, tensor.dtype), root=dst)

    def finish():
        if g.rank == dst:
            if name == "avg":
                recv[...] /= g.size
            _store(tensor, recv)

    return _run(req, g, what, finish, async_op)


def _check_rank(r, g, what, name):
    if not isinstance(r, (int, np.integer)) or not 0 <= r < g.size:
        raise ValueError(f"{what}: {name}={r!r} is not a rank of this group of {g.size} processes")


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank `src`'s tensor into every rank's tensor, in place. Matches torch.distributed.broadcast."""
    what = "broadcast"
    g = pg._check_group(group, what)
    _check_tensor(tensor, what)
    _check_rank(src, g, what, "src")
    buf = _host(tensor)
    req = g.comm.Ibcast(buf, root=src)
    return _run(req, g, what, lambda: _store(tensor, buf), async_op)


def _check_list(tensors, like, n, what, name):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != n:
        got = f"{len(tensors)} tensors" if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{what}: {name} must be a list of {n} tensors (the world size), got {got}")
    for i, t in enumerate(tensors):
        _check_tensor(t, what, f"{name}[{i}]")
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"{what}: {name}[{i}] has shape {tuple(t.shape)} and dtype {t.dtype}, but the tensor "
                             f"has shape {tuple(like.shape)} and dtype {like.dtype}; all must match")


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Every rank's `tensor` into `tensor_list[r]` on every rank. Matches torch.distributed.all_gather.

    Args:
        tensor_list: world_size tensors shaped like `tensor`, written in place.
        tensor: this rank's contribution.
    """
    what = "all_gather"
    g = pg._check_group(group, what)
    _check_tensor(tensor, what)
    _check_list(tensor_list, tensor, g.size, what, "tensor_list")
    send = _host(tensor)
    recv = np.empty((g.size,) + send.shape, dtype=send.dtype)
    req = g.comm.Iallgather(send, recv)

    def finish():
        for t, part in zip(tensor_list, recv):
            _store(t, part)

    return _run(req, g, what, finish, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Gather every rank's input into one output, concatenated (or stacked) along dim 0.

    Matches torch.distributed.all_gather_into_tensor: output shape (world * n, ...) or (world, n, ...).
    """
    what = "all_gather_into_tensor"
    g = pg._check_group(group, what)
    _check_tensor(output_tensor, what, "output_tensor")
    _check_tensor(input_tensor, what, "input_tensor")
    _check_sizes(output_tensor, input_tensor, g.size, what, "output_tensor", "input_tensor")
    send = _host(input_tensor)
    recv = np.empty(output_tensor.shape, dtype=send.dtype)
    req = g.comm.Iallgather(send, recv)
    return _run(req, g, what, lambda: _store(output_tensor, recv), async_op)


def _check_sizes(big, small, n, what, big_name, small_name):
    if big.numel() != n * small.numel() or big.dtype != small.dtype:
        raise ValueError(f"{what}: {big_name} (shape {tuple(big.shape)}, {big.dtype}) must hold world_size={n} times "
                         f"{small_name} (shape {tuple(small.shape)}, {small.dtype}) of the same dtype")


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `input_list[r]` across ranks into rank r's `output`. Matches torch.distributed.reduce_scatter."""
    what = "reduce_scatter"
    g = pg._check_group(group, what)
    _check_tensor(output, what, "output")
    _check_list(input_list, output, g.size, what, "input_list")
    name = _reduce_op(op, what)
    if name == "avg":
        _check_avg(output.data, what)
    send = np.ascontiguousarray(np.stack([_host(t) for t in input_list]))
    return _reduce_scatter(g, what, name, send, output, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `input` across ranks and give rank r the r-th chunk of dim 0. Matches
    torch.distributed.reduce_scatter_tensor."""
    what = "reduce_scatter_tensor"
    g = pg._check_group(group, what)
    _check_tensor(output, what, "output")
    _check_tensor(input, what, "input")
    _check_sizes(input, output, g.size, what, "input", "output")
    name = _reduce_op(op, what)
    if name == "avg":
        _check_avg(output.data, what)
    return _reduce_scatter(g, what, name, _host(input), output, async_op)


def _reduce_scatter(g, what, name, send, output, async_op):
    recv = np.empty(output.shape, dtype=send.dtype)
    req = g.comm.Ireduce_scatter_block(send, recv, op=_mpi_op(g.MPI, name, output.dtype))

    def finish():
        if name == "avg":
            recv[...] /= g.size
        _store(output, recv)

    return _run(req, g, what, finish, async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """Every rank's `tensor` into `gather_list[r]` on rank `dst` only. Matches torch.distributed.gather."""
    what = "gather"
    g = pg._check_group(group, what)
    _check_tensor(tensor, what)
    _check_rank(dst, g, what, "dst")
    if g.rank == dst:
        _check_list(gather_list, tensor, g.size, what, "gather_list")
    elif gather_list:
        raise ValueError(f"{what}: gather_list must be given only on the destination rank {dst} (this is rank "
                         f"{g.rank})")
    send = _host(tensor)
    recv = np.empty((g.size,) + send.shape, dtype=send.dtype) if g.rank == dst else None
    req = g.comm.Igather(send, recv, root=dst)

    def finish():
        if g.rank == dst:
            for t, part in zip(gather_list, recv):
                _store(t, part)

    return _run(req, g, what, finish, async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """Rank `src`'s `scatter_list[r]` into rank r's `tensor`. Matches torch.distributed.scatter."""
    what = "scatter"
    g = pg._check_group(group, what)
    _check_tensor(tensor, what)
    _check_rank(src, g, what, "src")
    if g.rank == src:
        _check_list(scatter_list, tensor, g.size, what, "scatter_list")
        send = np.ascontiguousarray(np.stack([_host(t) for t in scatter_list]))
    elif scatter_list:
        raise ValueError(f"{what}: scatter_list must be given only on the source rank {src} (this is rank {g.rank})")
    else:
        send = None
    recv = np.empty(tensor.shape, dtype=_wire_dtype(tensor.dtype))
    req = g.comm.Iscatter(send, recv, root=src)
    return _run(req, g, what, lambda: _store(tensor, recv), async_op)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every rank has reached this call. Matches torch.distributed.barrier."""
    g = pg._check_group(group, "barrier")
    return _run(g.comm.Ibarrier(), g, "barrier", None, async_op)


def all_gather_object(object_list, obj, group=None):
    """Every rank's picklable `obj` into `object_list[r]`. Matches torch.distributed.all_gather_object.

    NOTE: uses pickle, like torch; only exchange objects between processes you trust (your own ranks).
    """
    what = "all_gather_object"
    g = pg._check_group(group, what)
    if not isinstance(object_list, list) or len(object_list) != g.size:
        raise ValueError(f"{what}: object_list must be a list of world_size={g.size} entries")
    data = np.frombuffer(pickle.dumps(obj), dtype=np.uint8)
    sizes = np.empty(g.size, dtype=np.int64)
    pg.wait(g.comm.Iallgather(np.array([data.size], dtype=np.int64), sizes), g, what)
    recv = np.empty(int(sizes.sum()), dtype=np.uint8)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pg.wait(g.comm.Iallgatherv(data, [recv, (sizes, offsets), g.MPI.BYTE]), g, what)
    for r in range(g.size):
        object_list[r] = pickle.loads(recv[offsets[r]:offsets[r] + sizes[r]].tobytes())  # noqa: S301 - own ranks


def broadcast_object_list(object_list, src=0, group=None):
    """Rank `src`'s picklable objects into `object_list` on every rank, in place. Matches
    torch.distributed.broadcast_object_list (pickle, as torch: trusted ranks only)."""
    what = "broadcast_object_list"
    g = pg._check_group(group, what)
    _check_rank(src, g, what, "src")
    data = np.frombuffer(pickle.dumps(list(object_list)), dtype=np.uint8) if g.rank == src else None
    size = np.array([0 if data is None else data.size], dtype=np.int64)
    pg.wait(g.comm.Ibcast(size, root=src), g, what)
    buf = data.copy() if data is not None else np.empty(int(size[0]), dtype=np.uint8)
    pg.wait(g.comm.Ibcast(buf, root=src), g, what)
    if g.rank != src:
        object_list[:] = pickle.loads(buf.tobytes())  # noqa: S301 - own ranks
