"""Seed 000's digits classifier trained data-parallel: DistributedDataParallel + DistributedSampler over MPI.

Flatten - Linear(64, 64) - Tanh - Linear(64, 64) - Tanh - Linear(64, 10) on scikit-learn's 8x8 digits (64% train /
16% validation / 20% test, the same split on every rank), cross-entropy, Adam(lr=1e-3), global batch 64 split
evenly across the processes, 50 epochs. Without --distributed it is the plain single-process run of the same
recipe, so the two accuracies can be compared.

    python examples/digits_ddp.py                                  # one process
    mpirun -n 2 python examples/digits_ddp.py --distributed        # two processes (add --allow-run-as-root as root)
    mpirun --hostfile hosts -n 8 python examples/digits_ddp.py --distributed   # several machines: docs/distributed.md

Options: --epochs 50 --batch-size 64 (global) --seeds 0 [1 2 ...] --out out/ (rank 0 writes digits_ddp.png).
"""
import argparse
import os
import pathlib
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one thread per process: the processes are the parallelism

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from tqdm import tqdm  # noqa: E402

import minigrad  # noqa: E402
import minigrad.distributed as dist  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.data import DataLoader, DistributedSampler, TensorDataset  # noqa: E402


class DigitsClassifier(nn.Module):
    def __init__(self, n_inputs=64, n_classes=10, z_size=64):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear1 = nn.Linear(n_inputs, z_size)
        self.linear2 = nn.Linear(z_size, z_size)
        self.linear3 = nn.Linear(z_size, n_classes)

    def forward(self, x):
        x = self.flatten(x)
        x = self.linear1(x).tanh()
        x = self.linear2(x).tanh()
        return self.linear3(x)  # logits


def accuracy(model, X, y):
    with minigrad.no_grad():
        return float((model(minigrad.tensor(X)).numpy().argmax(1) == y).mean())


def run(seed, epochs, batch_size, distributed, out, show_bar):
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    if batch_size % world:
        raise SystemExit(f"--batch-size {batch_size} must split evenly over {world} processes")
    digits = datasets.load_digits(n_class=10)
    X = (digits.images / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, digits.target, train_size=0.8, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(X_train, y_train, train_size=0.8, random_state=seed)

    minigrad.manual_seed(seed + rank)  # different on purpose: DDP copies rank 0's initial weights to every rank
    model = DigitsClassifier()
    train_set = TensorDataset(minigrad.tensor(X_train), minigrad.tensor(y_train))
    if distributed:
        model = nn.parallel.DistributedDataParallel(model)
        sampler = DistributedSampler(train_set, seed=seed)  # this rank's share, reshuffled by set_epoch
        loader = DataLoader(train_set, batch_size=batch_size // world, sampler=sampler)
    else:
        sampler = None
        loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=minigrad.Generator(seed))
    optimizer = minigrad.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()

    losses, val_accs = [], []
    bar = tqdm(range(epochs), desc=f"seed {seed}, {world} process{'es' if world > 1 else ''}", disable=not show_bar)
    for epoch in bar:
        if sampler is not None:
            sampler.set_epoch(epoch)
        total, batches = 0.0, 0
        for x, y in loader:
            loss = criterion(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        epoch_loss = minigrad.tensor([total / batches])
        if distributed:
            dist.all_reduce(epoch_loss, op=dist.ReduceOp.AVG)  # the mean over ranks, for the curve
        losses.append(epoch_loss.item())
        val_accs.append(accuracy(model, X_val, y_val))
        bar.set_postfix(loss=f"{losses[-1]:.3f}", val=f"{val_accs[-1]:.3f}")
    test_acc = accuracy(model, X_test, y_test)
    if distributed:  # every rank holds the same weights: check it, cheaply, on one number
        check = minigrad.tensor([sum(float(p.sum().item()) for p in model.parameters())], dtype=minigrad.float64)
        low, high = check.clone(), check.clone()
        dist.all_reduce(low, op=dist.ReduceOp.MIN)
        dist.all_reduce(high, op=dist.ReduceOp.MAX)
        assert low.item() == high.item(), "replicas diverged"
    if rank == 0 and out is not None:
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
        a1.plot(losses)
        a1.set(xlabel="epoch", ylabel="training loss (mean over ranks)", title=f"{world} process(es)")
        a2.plot(val_accs)
        a2.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0.8, 1.0))
        fig.tight_layout()
        fig.savefig(out / "digits_ddp.png", dpi=100)
        plt.close(fig)
    return test_acc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--distributed", action="store_true", help="join the MPI job started by mpirun and use DDP")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--batch-size", type=int, default=64, help="global batch, split over the processes")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out"))
    args = ap.parse_args()
    if args.distributed:
        dist.init_process_group(backend="mpi")
    rank = dist.get_rank() if args.distributed else 0
    world = dist.get_world_size() if args.distributed else 1
    if rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    accs = [run(s, args.epochs, args.batch_size, args.distributed, args.out, rank == 0) for s in args.seeds]
    if rank == 0:
        print(f"{world} process(es), global batch {args.batch_size}, {args.epochs} epochs: test accuracy "
              + ", ".join(f"{a * 100:.1f}%" for a in accs) + f" (mean {np.mean(accs) * 100:.2f}% over "
              f"{len(accs)} seed(s)); {time.perf_counter() - t0:.1f} s; curves in {args.out / 'digits_ddp.png'}")
    if args.distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
