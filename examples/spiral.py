"""Seed 003's spiral classifier, as its README writes it: 3 interleaved spirals of 200 points, a 2-1024-3 ReLU
network written with Tensor.einsum, categorical cross-entropy through logsoftmax, Adam for 100 full-batch epochs;
then the decision boundary over [-1.5, 1.5]^2 with the data on top, saved as OUT/spiral.png (and the loss and
accuracy curves as OUT/spiral_curves.png).

Only the imports (`from minigrad import Tensor`, `from minigrad.optim import Adam`) and the harness differ: a
--seed for NumPy's global generator (the seed draws data and weights with np.random), a tqdm bar, PNGs instead
of plt.show().

    python examples/spiral.py [--epochs 100] [--seed 0] [--lr 1e-3] [--out out/]
"""
import argparse
import os
import pathlib
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: BLAS threads only add spin-wait overhead
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

from minigrad import Tensor  # noqa: E402
from minigrad.optim import Adam  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=None, help="override Adam's default lr (1e-3)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    np.random.seed(args.seed)
    t0 = time.perf_counter()

    # --- seed 003: generate nonlinear spiral data (minigrad.data.datasets.spiral is the same generator)
    y_true = np.arange(3).repeat(200)
    t = np.linspace(0, 4*2*np.pi, 200).repeat(3) + y_true/np.pi + np.random.randn(200 * 3) * 0.3
    r = np.tile(np.linspace(0.0, 1, 200), 3)
    X = r * np.stack([np.sin(t), np.cos(t)])

    # --- seed 003: initialize weights and train model for 100 epochs
    w0 = Tensor(np.random.randn(2, 1024))
    b0 = Tensor(np.random.randn(1024))
    w1 = Tensor(np.random.randn(1024, 3))
    b1 = Tensor(np.random.randn(3))

    optim = Adam([w0, b0, w1, b1])
    if args.lr is not None:  # not in the seed: its code uses Adam's default lr (1e-3, as torch)
        optim = Adam([w0, b0, w1, b1], lr=args.lr)

    # one-hot encode
    y = np.eye(3)[y_true]

    losses, accs = [], []
    for epoch in tqdm(range(args.epochs), desc="spiral"):
        out = Tensor(X).einsum("ji,jk->ik", w0).add(b0).relu().einsum("ij,jk->ik", w1).add(b1)

        # Categorical cross-entropy loss
        loss = Tensor(y).mul(out.logsoftmax()).mul(-1.0).sum(axis=1).mean()

        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
        accs.append(float((out.data.argmax(axis=1) == y_true).mean()))

    # accuracy of the final weights on the training points
    final = Tensor(X).einsum("ji,jk->ik", w0).add(b0).relu().einsum("ij,jk->ik", w1).add(b1)
    train_acc = float((final.data.argmax(axis=1) == y_true).mean())

    # --- seed 003: visualize the spiral data together with the decision boundary for all 3 classes
    xy = np.linspace(-1.5, 1.5, 100)
    xy = np.meshgrid(xy, xy)

    out = Tensor(np.dstack(xy)).einsum('ijk,kl->ijl', w0).add(b0).relu()\
        .einsum('ijk,kl->ijl', w1).add(b1).softmax()

    pred = out.data.argmax(axis=-1)

    plt.contourf(*xy, pred, cmap="brg", alpha=0.5)
    plt.scatter(*X, c=y_true, cmap="brg", alpha=0.5)
    plt.title(f"training accuracy {train_acc * 100:.1f}%")
    plt.savefig(args.out / "spiral.png")
    plt.close()

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(losses)
    a1.set(xlabel="epoch", ylabel="cross-entropy", title="loss", yscale="log")
    a2.plot(accs)
    a2.set(xlabel="epoch", ylabel="training accuracy", title="accuracy")
    fig.tight_layout()
    fig.savefig(args.out / "spiral_curves.png")
    print(f"final loss {losses[-1]:.4f}, training accuracy {train_acc * 100:.1f}% in {time.perf_counter() - t0:.1f} s"
          f"; pictures in {args.out}/spiral.png and spiral_curves.png")


if __name__ == "__main__":
    main()
