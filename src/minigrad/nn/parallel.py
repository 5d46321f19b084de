"""DistributedDataParallel: one model replica per MPI rank, gradients averaged with bucketed all-reduces.

How the gradient averaging overlaps backward: parameters are grouped into buckets in reverse registration order
(roughly the order backward produces their gradients). A tensor hook on each parameter copies its finished gradient
into its bucket's flat buffer; when a bucket is full, a non-blocking MPI all-reduce starts on it while backward goes
on with earlier layers. The hook of the last parameter waits for all buckets and writes the averaged gradients into
`.grad`. Buckets always start in the same order on every rank, as MPI requires of collectives.

minigrad's engine calls a leaf's hooks once per gradient contribution (a parameter used twice in forward gets two),
so forward counts each parameter's uses in the graph it built; that count also finds unused parameters, which count
as ready with a zero contribution (torch needs find_unused_parameters=True for that; here it is always on).
"""
import contextlib

import numpy as np

from ..tensor import Tensor
from .module import Module

_MB = 1024 * 1024


class _Bucket:
    __slots__ = ("buffer", "index", "offsets", "params", "pending", "req")

    def __init__(self, index, params, dtype):
        self.index, self.params = index, params
        sizes = [p.numel() for _, p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        # Open MPI cannot reduce float16: such gradients are summed in float32
        self.buffer = np.empty(self.offsets[-1], dtype=np.float32 if dtype == np.float16 else dtype)
        self.pending, self.req = 0, None

    def view(self, k):
        _, p = self.params[k]
        return self.buffer[self.offsets[k]:self.offsets[k + 1]].reshape(p.shape)


class DistributedDataParallel(Module):
    """Data-parallel wrapper: each rank runs `module` on its share of the batch; gradients are averaged.

    At wrap time it checks that every rank has the same parameter and buffer names, shapes and dtypes (one error
    listing all differences), then copies rank 0's parameters and buffers to every rank. During backward it
    all-reduces gradients in buckets of about `bucket_cap_mb` MB, each started as soon as its gradients are ready,
    and leaves the mean over ranks in every parameter's `.grad`.

    Args:
        module: the model (a Module), already built on every rank.
        bucket_cap_mb: bucket size in MB (default 25, as torch).
        broadcast_buffers: copy rank 0's buffers to every rank at each forward (default True, as torch).
        find_unused_parameters: accepted for torch compatibility; unused parameters are always handled.
        device_ids, output_device, dim, process_group, gradient_as_bucket_view, static_graph: accepted for torch
            compatibility (CPU processes, the default group).

    Raises:
        RuntimeError: the process group is not initialised, or the ranks' models differ.

    Matches torch.nn.parallel.DistributedDataParallel. NOTE: the forward after an incomplete reduction raises,
    as torch does (a backward that did not reach every used parameter).

    >>> model = DistributedDataParallel(nn.Linear(4, 2))  # doctest: +SKIP
    >>> with model.no_sync():  # doctest: +SKIP
    ...     model(x).sum().backward()   # accumulate locally, no communication
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        from .. import distributed as dist  # noqa: PLC0415 - distributed imports mpi4py lazily, keep it that way
        from ..distributed import process_group as pg  # noqa: PLC0415

        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be a minigrad.nn.Module, got "
                            f"{type(module).__name__}")
        self._group = pg._check_group(process_group, "DistributedDataParallel")
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self._dist = dist
        self._params = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not self._params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               f"requires a gradient ({type(module).__name__} has none)")
        self._index = {id(p): i for i, (_, p) in enumerate(self._params)}
        self._verify_same_model()
        with _no_grad():
            self._broadcast_coalesced([p for _, p in module.named_parameters()] +
                                      [b for _, b in module.named_buffers()])
        cap = (25 if bucket_cap_mb is None else float(bucket_cap_mb)) * _MB
        self._buckets, self._where = self._make_buckets(cap)
        self._expected = None   # per-parameter gradient contributions expected in the current graph
        self._remaining = None  # what is left of them during a backward
        self._next_launch = 0
        self._launch_log = []   # this backward's (bucket index, parameters still waiting) per start, for tests
        self._launches = 0      # all-reduces started so far
        self._hook_handles = [p.register_hook(self._make_hook(i)) for i, (_, p) in enumerate(self._params)]

    # ----------------------------------------------------------------------------------- wrap time
    def _verify_same_model(self):
        desc = [("parameter", n, tuple(p.shape), str(p.dtype)) for n, p in self.module.named_parameters()]
        desc += [("buffer", n, tuple(b.shape), str(b.dtype)) for n, b in self.module.named_buffers()]
        everyone = [None] * self._group.size
        self._dist.all_gather_object(everyone, desc)
        ref = {(kind, name): (shape, dtype) for kind, name, shape, dtype in everyone[0]}
        problems = []
        for r in range(1, len(everyone)):
            mine = {(kind, name): (shape, dtype) for kind, name, shape, dtype in everyone[r]}
            for key, want in ref.items():
                if key not in mine:
                    problems.append(f"{key[0]} '{key[1]}': rank 0 has {_fmt(want)}, rank {r} has none")
                elif mine[key] != want:
                    problems.append(f"{key[0]} '{key[1]}': rank 0 has {_fmt(want)}, rank {r} has {_fmt(mine[key])}")
            for key, have in mine.items():
                if key not in ref:
                    problems.append(f"{key[0]} '{key[1]}': rank {r} has {_fmt(have)}, rank 0 has none")
        if problems:
            counts = ", ".join(f"rank {r}: {sum(d[0] == 'parameter' for d in e)} parameters"
                               for r, e in enumerate(everyone))
            raise RuntimeError("DistributedDataParallel: the model differs across ranks (" + counts + "); every rank "
                               "must build the same model. Differences:\n  " + "\n  ".join(problems))

    def _broadcast_coalesced(self, tensors):
        """Rank 0's values into every rank's tensors, one broadcast per dtype, writing into the existing arrays."""
        from ..distributed import process_group as pg  # noqa: PLC0415

        g = self._group
        by_dtype = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        for dtype, ts in by_dtype.items():
            wire = np.float32 if dtype == np.float16 else (np.uint8 if dtype == np.bool_ else dtype)
            flat = np.concatenate([np.asarray(t.numpy(), dtype=wire).ravel() for t in ts])
            pg.wait(g.comm.Ibcast(flat, root=0), g, "DistributedDataParallel: broadcast of rank 0's state")
            if g.rank == 0:
                continue
            start = 0
            for t in ts:
                n = t.numel()
                t.data[...] = t.xp.asarray(flat[start:start + n].reshape(t.shape).astype(dtype))
                t._version += 1
                start += n

    def _make_buckets(self, cap):
        """Buckets in reverse parameter order, one dtype each; a bucket closes once it reaches `cap` bytes."""
        buckets, where, current, size, dtype = [], {}, [], 0, None
        for i in reversed(range(len(self._params))):
            p = self._params[i][1]
            if current and p.dtype != dtype:
                buckets.append(_Bucket(len(buckets), current, dtype))
                current, size = [], 0
            dtype = p.dtype
            current.append((i, p))
            size += p.numel() * p.element_size()
            if size >= cap:
                buckets.append(_Bucket(len(buckets), current, dtype))
                current, size = [], 0
        if current:
            buckets.append(_Bucket(len(buckets), current, dtype))
        for b in buckets:
            for k, (i, _) in enumerate(b.params):
                where[i] = (b, k)
        return buckets, where

    # ----------------------------------------------------------------------------------- forward
    def forward(self, *inputs, **kwargs):
        if self._remaining is not None:
            missing = [self._params[i][0] for i, n in enumerate(self._remaining) if n > 0]
            self._remaining = None
            raise RuntimeError(
                "DistributedDataParallel: Expected to have finished reduction in the prior iteration before starting "
                "a new one: the last backward did not produce gradients for parameters " + ", ".join(missing) +
                " although forward used them (is part of the forward output left out of the loss?)")
        if self.broadcast_buffers and self._group.size > 1:
            buffers = [b for _, b in self.module.named_buffers()]
            if buffers:
                with _no_grad():
                    self._broadcast_coalesced(buffers)
        out = self.module(*inputs, **kwargs)
        from ..autograd.grad_mode import is_grad_enabled  # noqa: PLC0415

        if is_grad_enabled() and self.require_backward_grad_sync:
            counts = self._count_uses(out)
            self._expected = counts if _hooks_fire_per_use() else [min(n, 1) for n in counts]
        else:
            self._expected = None
        return out

    def _count_uses(self, out):
        """How many gradient contributions each parameter will receive from a backward through `out`."""
        counts = [0] * len(self._params)
        index = self._index
        stack = [t for t in _tensors_in(out) if t._ctx is not None]
        seen = {id(t) for t in stack}
        while stack:
            for p in stack.pop()._ctx.recorded_parents():
                if not p.requires_grad:
                    continue
                if p._ctx is None:
                    i = index.get(id(p))
                    if i is not None:
                        counts[i] += 1
                elif id(p) not in seen:
                    seen.add(id(p))
                    stack.append(p)
        return counts

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this context, forward/backward accumulate gradients locally without communication; the first
        synchronised backward after it averages the accumulated gradients. Matches torch's DDP.no_sync."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # ----------------------------------------------------------------------------------- backward
    def _make_hook(self, i):
        def hook(grad):
            if self._expected is None:
                return None
            return self._on_grad(i, grad)

        return hook

    def _start_backward(self):
        self._remaining = list(self._expected)
        self._next_launch = 0
        self._launch_log = []
        for b in self._buckets:
            b.pending, b.req = len(b.params), None
        for i, n in enumerate(self._remaining):
            if n == 0:  # unused here: contributes what it has (zero when it has no grad)
                self._fill(i, None)

    def _on_grad(self, i, grad):
        if self._remaining is None:
            self._start_backward()
        left = self._remaining[i] - 1
        if left < 0:
            raise RuntimeError(f"DistributedDataParallel: parameter '{self._params[i][0]}' received more gradients "
                               f"than the forward graph has uses of it ({self._expected[i]})")
        self._remaining[i] = left
        if left > 0:
            return None
        done = self._fill(i, grad.data)
        if done:
            return self._finish(i)
        return None

    def _fill(self, i, g):
        """Put parameter i's final local gradient (its .grad plus g) into its bucket; start ready buckets."""
        b, k = self._where[i]
        view = b.view(k)
        p = self._params[i][1]
        have = p.grad.data if p.grad is not None else None
        if have is None and g is None:
            view[...] = 0
        elif have is None:
            view[...] = g
        elif g is None:
            view[...] = have
        else:
            np.add(have, g, out=view)
        b.pending -= 1
        self._poke()
        return self._launch_ready()

    def _launch_ready(self):
        g = self._group
        buckets = self._buckets
        while self._next_launch < len(buckets) and buckets[self._next_launch].pending == 0:
            b = buckets[self._next_launch]
            b.req = g.comm.Iallreduce(g.MPI.IN_PLACE, b.buffer, op=g.MPI.SUM)
            self._launch_log.append((b.index, sum(n > 0 for n in self._remaining)))
            self._launches += 1
            self._next_launch += 1
        return self._next_launch == len(buckets)

    def _poke(self):
        # MPI moves a non-blocking collective forward only inside MPI calls: test the running ones now and then
        for b in self._buckets[:self._next_launch]:
            if b.req is not None and b.req.Test():
                b.req = None

    def _finish(self, last):
        """Wait for every bucket, write the mean into each .grad; return the last parameter's gradient."""
        from ..distributed import process_group as pg  # noqa: PLC0415

        g = self._group
        result = None
        for b in self._buckets:
            if b.req is not None:
                pg.wait(b.req, g, "DistributedDataParallel: gradient all_reduce")
                b.req = None
            b.buffer /= g.size
            for k, (i, p) in enumerate(b.params):
                mean = b.view(k)
                if i == last:
                    result = Tensor._wrap(mean.astype(p.dtype), p.device)
                    p.grad = None  # the engine stores the returned gradient into the empty .grad
                elif self._expected[i] == 0 and p.grad is None and not mean.any():
                    continue  # unused on every rank: leave .grad None, as torch
                elif p.grad is not None and p.grad.data.shape == mean.shape and p.grad.data.dtype == p.dtype:
                    p.grad.data[...] = mean
                else:
                    p.grad = Tensor._wrap(mean.astype(p.dtype), p.device)
        # hooks stay quiet until the next forward: a backward through a graph DDP did not build never communicates
        self._remaining = self._expected = None
        return result


_per_use = None


def _hooks_fire_per_use():
    """Whether the engine calls a leaf's hooks once per use (minigrad's engine today) or once with the sum (torch);
    asked once on a two-use graph, so DDP stays right if the engine changes."""
    global _per_use
    if _per_use is None:
        from ..creation import ones  # noqa: PLC0415

        calls = []
        t = ones(1, requires_grad=True)
        t.register_hook(calls.append)
        (t * 2.0 + t * 3.0).sum().backward()
        _per_use = len(calls) > 1
    return _per_use


def _tensors_in(out):
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (list, tuple)):
        for o in out:
            yield from _tensors_in(o)
    elif isinstance(out, dict):
        for o in out.values():
            yield from _tensors_in(o)


def _fmt(shape_dtype):
    shape, dtype = shape_dtype
    return f"shape {shape} {dtype}"


def _no_grad():
    from ..autograd.grad_mode import no_grad  # noqa: PLC0415

    return no_grad()
