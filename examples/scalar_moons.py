"""Seed 002's moons demo on minigrad.scalar: MLP(2, [16, 16, 1]), SVM max-margin loss + L2, SGD with decaying lr.

Trains on scikit-learn's make_moons (100 points) for 100 full-batch steps, prints the training accuracy (100% at the
end) and saves the decision boundary to OUT/scalar_moons.png.

    python examples/scalar_moons.py [--steps 100] [--out out/] [--seed 1337]
"""

from __future__ import annotations

import argparse
import pathlib
import random
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from tqdm import tqdm

from minigrad.scalar import MLP, Value


def loss_and_accuracy(model: MLP, X: list, y: list) -> tuple[Value, float]:
    """The demo's loss: mean hinge loss ``relu(1 - y * score)`` plus ``1e-4 * sum(p**2)``."""
    scores = [model(x) for x in X]  # inputs stay floats: constants, so no gradient is spent on them
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
    return data_loss + reg_loss, accuracy


def plot_boundary(model: MLP, X: np.ndarray, y: np.ndarray, path: pathlib.Path) -> None:
    h = 0.1
    xx, yy = np.meshgrid(np.arange(X[:, 0].min() - 1, X[:, 0].max() + 1, h),
                         np.arange(X[:, 1].min() - 1, X[:, 1].max() + 1, h))  # fmt: skip
    grid = np.c_[xx.ravel(), yy.ravel()].tolist()
    Z = np.array([model(p).data > 0 for p in grid]).reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.contourf(xx, yy, Z, cmap=plt.cm.Spectral, alpha=0.8)
    ax.scatter(X[:, 0], X[:, 1], c=y, s=40, cmap=plt.cm.Spectral, edgecolors="k")
    ax.set_title("minigrad.scalar MLP(2, [16, 16, 1]) on moons")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="optimisation steps (the demo uses 100)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out"), help="folder for the PNG")
    parser.add_argument("--seed", type=int, default=1337)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    random.seed(args.seed)
    np.random.seed(args.seed)
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1  # labels -1 / +1 for the hinge loss
    Xl, yl = X.tolist(), y.tolist()
    model = MLP(2, [16, 16, 1])
    print(f"{model!r:.80}... with {len(model.parameters())} parameters")

    start = time.perf_counter()
    bar = tqdm(range(args.steps), desc="moons")
    for k in bar:
        total_loss, acc = loss_and_accuracy(model, Xl, yl)
        model.zero_grad()
        total_loss.backward()
        lr = 1.0 - 0.9 * k / args.steps
        for p in model.parameters():
            p.data -= lr * p.grad
        bar.set_postfix(loss=f"{total_loss.data:.4f}", acc=f"{acc:.0%}")
    _, acc = loss_and_accuracy(model, Xl, yl)
    print(f"final training accuracy {acc:.0%} after {args.steps} steps, {time.perf_counter() - start:.1f} s")
    plot_boundary(model, X, y, args.out / "scalar_moons.png")
    print(f"decision boundary -> {args.out / 'scalar_moons.png'}")


if __name__ == "__main__":
    main()
