"""A LeNet-style CNN on scikit-learn's 8x8 digits (seed 003's CNN, done with minigrad.nn).

    python examples/cnn_digits.py                 # 40 epochs, about a minute on one core
    python examples/cnn_digits.py --epochs 3      # a quick look

Writes out/cnn_digits_curves.png (loss and accuracy per epoch) and out/cnn_digits.mgz (the trained weights, through
minigrad.save, which examples/gan_digits.py reuses to score generated digits).
"""
import os

# small matrices: OpenBLAS threads cost more than they give (measured: a GAN step 13x slower on a busy 2-core box)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import time

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn


class LeNet(nn.Module):
    """Two conv + max-pool stages and three linear layers, sized for 1x8x8 inputs."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 32 x 4 x 4
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 64 x 2 x 2
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.3),
                                        nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def load_digits_split(seed=0, test_fraction=0.25):
    """Digits scaled to [0, 1] as (N, 1, 8, 8) float32, split into stratified train and test sets."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]
    return train_test_split(x, d.target, test_size=test_fraction, random_state=seed, stratify=d.target)


def shift(x, rng):
    """Random translation by up to one pixel each way (zero fill): the augmentation that lifts test accuracy."""
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.empty_like(x)
    dy, dx = rng.integers(0, 3, len(x)), rng.integers(0, 3, len(x))
    for i in range(len(x)):
        out[i] = padded[i, :, dy[i]:dy[i] + 8, dx[i]:dx[i] + 8]
    return out


def evaluate(model, x, y, batch=512):
    model.eval()
    correct, total_loss = 0, 0.0
    with mg.no_grad():
        for i in range(0, len(x), batch):
            logits = model(mg.tensor(x[i:i + batch]))
            total_loss += F.cross_entropy(logits, mg.tensor(y[i:i + batch]), reduction="sum").item()
            correct += int((logits.data.argmax(1) == y[i:i + batch]).sum())
    model.train()
    return total_loss / len(x), correct / len(x)


def save_model(model, path):
    save = getattr(mg, "save", None)
    if save is None:  # minigrad.save arrives with the serialization issue; fall back to NumPy's format
        np.savez(path + ".npz", **{k: v.numpy() for k, v in model.state_dict().items()})
        return path + ".npz"
    save(model.state_dict(), path)
    return path


def load_model(path):
    model = LeNet()
    if path.endswith(".npz"):
        with np.load(path) as f:
            model.load_state_dict({k: f[k] for k in f.files})
    else:
        model.load_state_dict(mg.load(path))
    return model.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="out")
    args = ap.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tqdm import tqdm

    os.makedirs(args.out, exist_ok=True)
    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    xtr, xte, ytr, yte = load_digits_split(args.seed)
    model = LeNet()
    opt = mg.optim.Adam(model.parameters(), lr=args.lr)
    sched = mg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs) \
        if hasattr(mg.optim, "lr_scheduler") and hasattr(mg.optim.lr_scheduler, "CosineAnnealingLR") else None
    hist = {"train_loss": [], "test_loss": [], "test_acc": []}
    t0 = time.perf_counter()
    bar = tqdm(range(args.epochs), desc="cnn_digits")
    for _ in bar:
        order = rng.permutation(len(xtr))
        running = 0.0
        for i in range(0, len(order), args.batch_size):
            idx = order[i:i + args.batch_size]
            loss = F.cross_entropy(model(mg.tensor(shift(xtr[idx], rng))), mg.tensor(ytr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item() * len(idx)
        if sched is not None:
            sched.step()
        test_loss, test_acc = evaluate(model, xte, yte)
        hist["train_loss"].append(running / len(xtr))
        hist["test_loss"].append(test_loss)
        hist["test_acc"].append(test_acc)
        bar.set_postfix(loss=f"{hist['train_loss'][-1]:.3f}", test_acc=f"{test_acc:.4f}")
    elapsed = time.perf_counter() - t0
    train_acc = evaluate(model, xtr, ytr)[1]
    print(f"train accuracy {train_acc:.4f}  test accuracy {hist['test_acc'][-1]:.4f} ({len(xte)} test images)  "
          f"{elapsed:.1f} s")

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(hist["train_loss"], label="train")
    a.plot(hist["test_loss"], label="test")
    a.set_xlabel("epoch")
    a.set_ylabel("cross-entropy")
    a.legend()
    b.plot(hist["test_acc"])
    b.set_xlabel("epoch")
    b.set_ylabel("test accuracy")
    fig.suptitle("LeNet-style CNN on scikit-learn digits (minigrad)")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "cnn_digits_curves.png"), dpi=100)
    path = save_model(model, os.path.join(args.out, "cnn_digits.mgz"))
    print("wrote", os.path.join(args.out, "cnn_digits_curves.png"), "and", path)


if __name__ == "__main__":
    main()
