"""minigrad in one screen: a PyTorch-style MLP learns scikit-learn's 8x8 digits (or, without scikit-learn, the
two-moons data), then is saved, reloaded and checked; loss and accuracy curves go to OUT/quickstart.png (with
matplotlib installed). Runs in a few seconds.

    python examples/quickstart.py [--epochs 15] [--out out/]
"""
import argparse
import os
import pathlib
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: BLAS threads only add spin-wait overhead
import minigrad  # noqa: E402
from minigrad import nn, optim  # noqa: E402
from minigrad.data import DataLoader, TensorDataset, datasets, random_split  # noqa: E402


def load_data():
    try:
        images, labels = datasets.digits()
        return images.reshape(len(images), -1) / 16.0, labels, "digits (8x8)"
    except ImportError:
        X, y = datasets.moons(2000, noise=0.15)
        return X, y, "two moons"


def accuracy(model, loader):
    model.eval()
    hits = total = 0
    with minigrad.no_grad():
        for x, y in loader:
            hits += int((model(x).argmax(1) == y).sum().item())
            total += len(y)
    model.train()
    return hits / total


def plot(history, path):
    try:
        import matplotlib  # noqa: PLC0415 - optional: the curves are skipped without it

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        return
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.5))
    a1.plot([h[0] for h in history])
    a1.set(xlabel="epoch", ylabel="training loss", title="cross-entropy")
    a2.plot([h[1] * 100 for h in history])
    a2.set(xlabel="epoch", ylabel="test accuracy (%)", title="accuracy")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    minigrad.manual_seed(0)

    X, y, name = load_data()
    data = TensorDataset(minigrad.tensor(X, dtype=minigrad.float32), minigrad.tensor(y))
    train, test = random_split(data, [0.8, 0.2])
    train_loader = DataLoader(train, batch_size=64, shuffle=True)
    test_loader = DataLoader(test, batch_size=512)

    n_classes = int(y.max()) + 1
    model = nn.Sequential(nn.Linear(X.shape[1], 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, n_classes))
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.AdamW(model.parameters(), lr=3e-3)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    print(model)

    try:
        from tqdm import tqdm  # noqa: PLC0415 - optional progress bar
    except ImportError:
        def tqdm(it, **kw):
            return it
    bar = tqdm(range(args.epochs), desc="training")
    history = []
    for _ in bar:
        total = 0.0
        for xb, yb in train_loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
        sched.step()
        history.append((total / len(train), accuracy(model, test_loader)))
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(loss=f"{history[-1][0]:.4f}", test_acc=f"{history[-1][1] * 100:.1f}%")

    acc = accuracy(model, test_loader)
    path = args.out / "quickstart.mgz"
    minigrad.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, path)
    fresh = nn.Sequential(nn.Linear(X.shape[1], 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, n_classes))
    fresh.load_state_dict(minigrad.load(path)["model"])
    same = accuracy(fresh, test_loader) == acc
    plot(history, args.out / "quickstart.png")
    print(f"{name}: {len(train)} training and {len(test)} test samples, {args.epochs} epochs")
    print(f"test accuracy {acc * 100:.1f}%; checkpoint {path} reloads to the same accuracy: {same}; "
          f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
