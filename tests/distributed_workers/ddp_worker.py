"""Run under mpirun: DistributedDataParallel against one process training on the whole batch.

Each rank builds the model from a different seed (so the wrap-time broadcast matters), trains N steps on its slice
of every global batch (per-rank batch B), and compares with a reference model trained in this same process on the
global batch of world*B rows, starting from rank 0's initial weights. float64, 1e-9 relative.

    equivalence [steps] [B]: plain steps, no_sync accumulation, several buckets, a tied and an unused parameter
    mismatch: rank 1 builds a different model; every rank must raise one error listing the differences
"""
import sys

import numpy as np

import minigrad
import minigrad.distributed as dist
from minigrad import nn
from minigrad.nn import functional as F
from minigrad.nn.parallel import DistributedDataParallel as DDP

RTOL = 1e-9


class MLP(nn.Module):
    def __init__(self, d_in=8, hidden=16, d_out=3, shared_head=False):
        super().__init__()
        self.fc1 = nn.Linear(d_in, hidden, dtype=minigrad.float64)
        self.fc2 = nn.Linear(hidden, hidden, dtype=minigrad.float64)
        self.head = nn.Linear(hidden, d_out, dtype=minigrad.float64)
        self.unused = nn.Linear(2, 2, dtype=minigrad.float64)  # never in forward: its grad must stay None
        self.gate = nn.Parameter(minigrad.ones(hidden, dtype=minigrad.float64) * 0.9)  # rank 0 uses it, others not
        self.shared_head = shared_head
        self.register_buffer("steps_seen", minigrad.zeros(1, dtype=minigrad.float64))

    def forward(self, x, gate_rows=None):
        h = self.fc1(x).tanh()
        h = F.relu(self.fc2(h))
        if gate_rows is True:  # a DDP replica that uses the gate on all its rows
            h = h * self.gate
        elif gate_rows is not None:  # the reference: the gate on the rows of rank 0 only
            h = h * (gate_rows * self.gate + (1.0 - gate_rows))
        if self.shared_head:  # fc2 used twice: its hooks fire twice per backward
            h = F.relu(self.fc2(h)) + h
        return self.head(h)


def make(seed, shared_head=False):
    minigrad.manual_seed(seed)
    return MLP(shared_head=shared_head)


def sgd(params, lr, bufs, momentum=0.9):
    with minigrad.no_grad():
        for p, buf in zip(params, bufs):
            if p.grad is None:
                continue
            buf *= momentum
            buf += p.grad.data
            p.data -= lr * buf


def assert_close(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    err = np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)) if a.size else 0.0
    scale = np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)
    if not (err <= RTOL or scale <= RTOL):
        raise AssertionError(f"{what}: max relative difference {err:.3e} > {RTOL}")


def loss_fn(out, y):
    return F.cross_entropy(out, y)


def equivalence(steps, B, shared_head):
    rank, world = dist.get_rank(), dist.get_world_size()
    ref = make(100, shared_head)  # rank 0 builds from seed 100
    init = {k: v.numpy().copy() for k, v in ref.state_dict().items()}
    local = make(100 + rank, shared_head)  # different weights on every rank before wrapping
    with minigrad.no_grad():
        local.steps_seen.data[...] = rank + 5.0
    model = DDP(local, bucket_cap_mb=300 / 2**20)  # ~300-byte buckets: several per backward
    for k, v in local.state_dict().items():
        assert_close(v.numpy(), init[k] if k != "steps_seen" else np.array([5.0]), f"wrap-time broadcast of {k}")
    assert len(model._buckets) >= 3, f"expected several buckets, got {len(model._buckets)}"
    with minigrad.no_grad():  # buffers drift apart: every forward copies rank 0's again (broadcast_buffers)
        local.steps_seen.data[...] = 7.0 + rank
        model(minigrad.zeros(1, 8, dtype=minigrad.float64))
    assert local.steps_seen.item() == 7.0, local.steps_seen

    rng = np.random.default_rng(42)  # same data stream on every rank
    params = [p for _, p in model.module.named_parameters()]
    rparams = [p for _, p in ref.named_parameters()]
    gate_rows = minigrad.tensor((np.arange(world * B) < B).astype("float64")[:, None])
    bufs = [np.zeros(p.shape) for p in params]
    rbufs = [np.zeros(p.shape) for p in rparams]
    for step in range(steps):
        accumulate = step % 3 == 2  # every third step: a no_sync micro-batch, then a synchronised one
        micro = 2 if accumulate else 1
        for _ in [0]:
            X = rng.normal(size=(micro, world * B, 8))
            Y = rng.integers(0, 3, size=(micro, world * B))
        model.zero_grad()
        ref.zero_grad()
        mine = slice(rank * B, (rank + 1) * B)
        for m in range(micro):
            x, y = minigrad.tensor(X[m, mine]), minigrad.tensor(Y[m, mine])
            if m < micro - 1:
                with model.no_sync():
                    loss_fn(model(x, rank == 0 or None), y).backward()
                launched = model._launches
            else:
                loss_fn(model(x, rank == 0 or None), y).backward()
            loss_fn(ref(minigrad.tensor(X[m]), gate_rows), minigrad.tensor(Y[m])).backward()
        if accumulate:
            assert launched == model._launches - len(model._buckets), "no_sync must not communicate"
        for (name, p), rp in zip(model.module.named_parameters(), rparams):
            if name.startswith("unused"):
                assert p.grad is None and rp.grad is None, f"{name}: unused parameter got a gradient"
                continue
            assert_close(p.grad.numpy(), rp.grad.numpy(), f"step {step} grad of {name}")
        sgd(params, 0.1, bufs)
        sgd(rparams, 0.1, rbufs)
    for (name, p), rp in zip(model.module.named_parameters(), rparams):
        assert_close(p.numpy(), rp.numpy(), f"after {steps} steps: {name}")
    # buckets started during backward: the first one while other parameters still waited for gradients
    first_bucket, waiting = model._launch_log[0]
    assert first_bucket == 0 and waiting > 0, model._launch_log
    assert [b for b, _ in model._launch_log] == list(range(len(model._buckets))), model._launch_log
    return model


def main(mode, steps=6, B=4):
    dist.init_process_group("mpi", timeout=60)
    rank, world = dist.get_rank(), dist.get_world_size()
    if mode == "equivalence":
        model = equivalence(int(steps), int(B), shared_head=False)
        equivalence(int(steps), int(B), shared_head=True)
        assert next(iter(model.state_dict())).startswith("module."), list(model.state_dict())
        half = DDP(nn.Linear(4, 3, dtype=minigrad.float16))  # MPI has no float16 sum: buckets travel as float32
        half(minigrad.ones(2, 4, dtype=minigrad.float16) * (rank + 1)).sum().backward()
        w = half.module.weight.grad
        assert w.dtype == minigrad.float16 and np.all(w.numpy() == world + 1), w  # mean over ranks of 2 * (rank+1)
        print(f"rank {rank}/{world}: DDP == single process (batch {world}x{B}, {steps} steps, "
              f"{len(model._buckets)} buckets) OK", flush=True)
    elif mode == "mismatch":
        minigrad.manual_seed(rank)
        model = nn.Sequential(nn.Linear(8, 16 + rank), nn.ReLU(), nn.Linear(16 + rank, 3))
        if rank == world - 1:
            model.add_module("extra", nn.Linear(2, 2))
        try:
            DDP(model)
        except RuntimeError as e:
            print(f"rank {rank}: RuntimeError: {e}", flush=True)
        else:
            raise AssertionError("DDP accepted different models")
        dist.barrier()  # still in step: no rank hangs after the error
        frozen = nn.Linear(2, 2).requires_grad_(False)
        try:
            DDP(frozen)
        except RuntimeError as e:
            print(f"rank {rank}: RuntimeError: {e}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:])
