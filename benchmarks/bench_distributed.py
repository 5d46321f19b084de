"""Distributed benchmark: all-reduce bandwidth and data-parallel MLP step time, 1 thread per process.

    python benchmarks/bench_distributed.py            # launches the mpirun jobs below and prints the tables
    python benchmarks/bench_distributed.py --quick    # fewer repeats

1. all-reduce of 1-64 MB float32 buffers on 2 processes: minigrad.distributed.all_reduce vs mpi4py's raw
   `Allreduce(IN_PLACE, ...)` on the same buffer (the floor: minigrad adds its polling wait and bookkeeping), and
   torch.distributed (gloo) for reference. Bandwidth is the algorithm bandwidth, bytes / seconds.
2. One training step (forward, backward with gradient all-reduce, SGD) of an MLP 784-256-256-10, float32, with 1
   and 2 processes: minigrad without DDP, minigrad DDP, torch DDP (gloo). Per-rank batch 128 (weak scaling: twice
   the samples per step on 2 processes) and global batch 128 (strong scaling: 64 per rank on 2 processes).

Needs Open MPI and mpi4py (see docs/distributed.md). On a 2-core machine two ranks already fill every core.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

SIZES_MB = [1, 4, 16, 64]


def timed(fns, reps, comm):
    """Best seconds per call of each function, each call started together (barrier) and ended by the slowest rank.

    The functions take turns within each repeat, so load from other processes hits them alike."""
    from mpi4py import MPI

    best = {name: float("inf") for name in fns}
    for name, fn in fns.items():
        fn()
    for _ in range(reps):
        for name, fn in fns.items():
            comm.Barrier()
            t0 = time.perf_counter()
            fn()
            dt = np.array([time.perf_counter() - t0])
            comm.Allreduce(MPI.IN_PLACE, dt, op=MPI.MAX)
            best[name] = min(best[name], float(dt[0]))
    return best


def torch_gloo():
    """torch.distributed on gloo in this mpirun job (rank and size from Open MPI's environment), or None."""
    import torch
    import torch.distributed as tdist

    torch.set_num_threads(1)
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", "29533")
    tdist.init_process_group("gloo", rank=int(os.environ["OMPI_COMM_WORLD_RANK"]),
                             world_size=int(os.environ["OMPI_COMM_WORLD_SIZE"]))
    return torch, tdist


def worker_allreduce(reps):
    import minigrad
    import minigrad.distributed as dist

    dist.init_process_group("mpi")  # before mpi4py starts MPI, so that minigrad's all-reduce algorithm choice applies
    from mpi4py import MPI  # noqa: I001

    comm = MPI.COMM_WORLD
    torch, tdist = torch_gloo()
    rows = []
    for mb in SIZES_MB:
        n = mb * 1024 * 1024 // 4
        arr = np.full(n, 1e-3, dtype=np.float32)  # repeated sums stay finite
        t = minigrad.from_numpy(arr)
        tt = torch.from_numpy(arr)  # the same memory for all three
        r = reps if mb < 64 else max(3, reps // 2)
        row = timed({"minigrad": lambda t=t: dist.all_reduce(t),
                     "mpi4py": lambda arr=arr: comm.Allreduce(MPI.IN_PLACE, arr, op=MPI.SUM),
                     "torch_gloo": lambda tt=tt: tdist.all_reduce(tt)}, r, comm)
        rows.append({"mb": mb, **row})
    if comm.rank == 0:
        print("JSON " + json.dumps({"allreduce": rows, "world": comm.size}), flush=True)
    tdist.destroy_process_group()


def worker_mlp(reps, global_batch):
    import minigrad
    import minigrad.distributed as dist
    from minigrad import nn, optim

    dist.init_process_group("mpi")  # before mpi4py starts MPI (see worker_allreduce)
    from mpi4py import MPI  # noqa: I001

    comm, world, rank = MPI.COMM_WORLD, dist.get_world_size(), dist.get_rank()
    torch, tdist = torch_gloo()
    results = {"world": world}
    rng = np.random.default_rng(rank)
    for label, per_rank in (("per-rank batch 128", 128), (f"global batch {global_batch}", global_batch // world)):
        X = rng.normal(size=(per_rank, 784)).astype(np.float32)
        Y = rng.integers(0, 10, per_rank)

        def build_minigrad(ddp, X=X, Y=Y):
            minigrad.manual_seed(0)
            model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
            if ddp:
                model = nn.parallel.DistributedDataParallel(model)
            opt = optim.SGD(model.parameters(), lr=0.01)
            lossf = nn.CrossEntropyLoss()
            x, y = minigrad.tensor(X), minigrad.tensor(Y)

            def step():
                opt.zero_grad()
                lossf(model(x), y).backward()
                opt.step()

            return step

        def build_torch(X=X, Y=Y):
            torch.manual_seed(0)
            tnn = torch.nn
            model = tnn.Sequential(tnn.Linear(784, 256), tnn.ReLU(), tnn.Linear(256, 256), tnn.ReLU(),
                                   tnn.Linear(256, 10))
            model = tnn.parallel.DistributedDataParallel(model)
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            lossf = tnn.CrossEntropyLoss()
            x, y = torch.from_numpy(X), torch.from_numpy(Y)

            def step():
                opt.zero_grad()
                lossf(model(x), y).backward()
                opt.step()

            return step

        fns = {"minigrad (no DDP)": build_minigrad(False)} if world == 1 else {}
        fns["minigrad DDP"] = build_minigrad(True)
        fns["torch DDP (gloo)"] = build_torch()
        results[label] = timed(fns, reps, comm)
    if rank == 0:
        print("JSON " + json.dumps({"mlp": results}), flush=True)
    tdist.destroy_process_group()


def launch(n, *args):
    exe = shutil.which("mpirun")
    if exe is None:
        sys.exit("mpirun not found: apt-get install -y openmpi-bin libopenmpi-dev && pip install mpi4py")
    # NOTE: no btl_vader_single_copy_mechanism=none here (the tests set it for containers without ptrace): the
    # copy-in/copy-out path it forces made a 64 MB all-reduce 4-7x slower on this machine
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_hwloc_base_binding_policy="none", MASTER_PORT=str(29500 + os.getpid() % 400))
    cmd = [exe, "-n", str(n), "--oversubscribe", sys.executable, os.path.abspath(__file__), "--worker", *args]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=900)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("JSON ")]
    if proc.returncode or not lines:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(lines[0][5:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    args = ap.parse_args()
    if args.worker is not None:
        kind, reps = args.worker[0], int(args.worker[1])
        worker_allreduce(reps) if kind == "allreduce" else worker_mlp(reps, 128)
        return
    reps = 5 if args.quick else 20

    res = launch(2, "allreduce", str(reps))
    print(f"all-reduce, float32 SUM, {res['world']} processes (best of {reps}; algorithm bandwidth = bytes / time)")
    print(f"  {'size':>6} {'minigrad':>20} {'mpi4py Allreduce':>20} {'torch gloo':>20} {'minigrad/mpi4py':>16}")
    for r in res["allreduce"]:
        cells = [f"{r[k] * 1e3:8.2f} ms {r['mb'] / 1024 / r[k]:5.2f} GB/s" for k in ("minigrad", "mpi4py",
                                                                                   "torch_gloo")]
        print(f"  {r['mb']:>4} MB {cells[0]:>20} {cells[1]:>20} {cells[2]:>20} {r['minigrad'] / r['mpi4py']:15.2f}x")

    one, two = launch(1, "mlp", str(reps * 2))["mlp"], launch(2, "mlp", str(reps * 2))["mlp"]
    print("\nMLP 784-256-256-10 float32 train step (forward, backward + gradient all-reduce, SGD), 1 thread per "
          "process")
    for label in [k for k in one if k != "world"]:
        print(f"  {label}:")
        for name in one[label]:
            t1 = one[label][name]
            t2 = two[label].get(name)
            extra = "" if t2 is None else f"   2 processes {t2 * 1e3:7.2f} ms   ({t2 / t1:4.2f}x the 1-process step)"
            print(f"    {name:<20} 1 process {t1 * 1e3:7.2f} ms{extra}")


if __name__ == "__main__":
    main()
