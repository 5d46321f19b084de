"""Seed 000's digits classifier, as its README writes it: Flatten - Linear(64, 64) - Tanh - Linear(64, 64) - Tanh -
Linear(64, 10) - Softmax, trained with MSE on the softmax outputs against one-hot targets, Adam(lr=1e-3), batch 64,
50 epochs, on scikit-learn's 8x8 digits (64% train / 16% validation / 20% test).

Only the imports and the harness around the README's code differ: a --seed (NumPy's global seed for the splits,
minigrad.manual_seed for init and shuffling), a tqdm bar, and loss/accuracy curves written to
OUT/digits_mlp.png instead of plt.show(). --seeds 0 1 2 3 4 runs several seeds and prints the mean test accuracy.

    python examples/digits_mlp.py [--epochs 50] [--seeds 0] [--out out/]

Measured (seeds 0-4): test accuracy 96.9, 96.7, 95.0, 96.9, 97.8%, mean 96.7%, about 1 s per seed. The same recipe
in PyTorch on the same splits (tools/digits_recipe_torch.py) gives 96.7, 97.5, 94.4, 96.9, 98.1%, mean 96.7%. Over
seeds 0-199 minigrad averages 96.63% (std 0.90) and PyTorch 96.68% (std 0.92); seed by seed the difference is
-0.05 +- 0.04 points, noise. The README's 97.8% is one favourable split, not what the recipe averages: of the 40
groups of 5 consecutive seeds, 9 average 97% or more here and 13 in PyTorch. The seed README's last epoch ("Loss:
0.023, Train accuracy: 99.7%, Validation accuracy: 95.5%") matches seed 0's here (0.021, 99.6%, 95.5%).
"""
import argparse
import os
import pathlib
import time

# a 64-wide MLP gains nothing from BLAS threads, and on a busy machine their spin-waits cost 10-50x
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn import datasets, metrics  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from tqdm import tqdm  # noqa: E402

import minigrad  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.data import DataLoader  # noqa: E402


class MnistClassifier(nn.Module):
    def __init__(self, input_shape, num_classes, z_size=64):
        super().__init__()
        self.input_shape = input_shape
        # child modules like this are automatically registered in the parent module
        # if they have trainable params
        self.flatten = nn.Flatten()
        self.linear1 = nn.Linear(input_size=np.prod(input_shape), output_size=z_size)
        self.activation = nn.Tanh()
        self.linear2 = nn.Linear(input_size=z_size, output_size=z_size)
        self.linear3 = nn.Linear(input_size=z_size, output_size=num_classes)
        self.softmax = nn.Softmax()

    def forward(self, x):
        x = self.flatten(x)
        x = self.linear1(x)
        x = self.activation(x)
        x = self.linear2(x)
        x = self.activation(x)
        x = self.linear3(x)
        x = self.softmax(x)
        return x

    def predict(self, x):
        if isinstance(x, np.ndarray):
            x = minigrad.Tensor(x, requires_grad=False)
        with minigrad.no_grad():  # disables DAG construction for gradients
            probs = self(x)
        return np.argmax(probs.data, axis=1)


def run(seed, epochs, out, quiet=False):
    np.random.seed(seed)
    minigrad.manual_seed(seed)
    minigrad.set_device("cpu")

    n_classes = 10
    digits = datasets.load_digits(n_class=n_classes)

    X_train, X_test, y_train, y_test = train_test_split(digits.images, digits.target, train_size=0.8)
    X_train, X_validation, y_train, y_validation = train_test_split(X_train, y_train, train_size=0.8)
    X_train /= 16.
    X_validation /= 16
    X_test /= 16.

    shape = X_train[0].shape
    batch_size = 64

    model = MnistClassifier(shape, n_classes)

    # instantiate our optimizer with model params
    optimizer = minigrad.optim.Adam(model.params(), learning_rate=1e-3)

    # since we're not passing the ground truth as a one hot array, we better specify n_classes
    criterion = nn.losses.MSE(n_classes)

    # wraps our data in batches nicely
    train_loader = DataLoader(X_train, y_train, batch_size=batch_size, tensors=True)
    losses, train_accs, validation_accs = [], [], []

    bar = tqdm(range(epochs), desc=f"seed {seed}", disable=quiet)
    for i in bar:
        total_loss = 0
        for x, gt in train_loader.get():
            outputs = model(x)  # forward pass
            loss = criterion(gt, outputs)  # compute loss
            loss.backward()  # calculate the gradients
            optimizer.step()  # update weights
            optimizer.zero_grad()  # reset gradients
            total_loss += loss.data.item()
        train_preds = model.predict(X_train)
        train_acc = metrics.accuracy_score(y_train, train_preds)
        validation_preds = model.predict(X_validation)
        validation_acc = metrics.accuracy_score(y_validation, validation_preds)
        bar.write(f"Epoch {i + 1:{len(str(epochs))}}/{epochs}, Loss: {total_loss:.3f}"
                  f", Train accuracy: {train_acc*100:.1f}%"
                  f", Validation accuracy: {validation_acc * 100:.1f}%") if not quiet else None
        losses.append(loss.item())
        train_accs.append(train_acc)
        validation_accs.append(validation_acc)

    test_preds = model.predict(X_test)
    test_acc = metrics.accuracy_score(y_test, test_preds)
    print(f"seed {seed}: Test accuracy: {test_acc*100:.1f}%")

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.plot(losses)
    a1.set(xlabel="epoch", ylabel="last batch MSE loss", title="loss")
    a2.plot(train_accs, label="train")
    a2.plot(validation_accs, label="validation")
    a2.set(xlabel="epoch", ylabel="accuracy", title=f"test accuracy {test_acc * 100:.1f}%")
    a2.legend()
    fig.tight_layout()
    fig.savefig(out / f"digits_mlp_seed{seed}.png")
    plt.close(fig)
    return test_acc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("out"))
    parser.add_argument("--quiet", action="store_true", help="no per-epoch lines or progress bar")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    accs = [run(s, args.epochs, args.out, args.quiet) for s in args.seeds]
    print(f"test accuracy over seeds {args.seeds}: mean {np.mean(accs) * 100:.2f}% "
          f"(min {np.min(accs) * 100:.1f}%, max {np.max(accs) * 100:.1f}%) in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
