"""Seed 000's digits recipe in PyTorch, on the splits examples/digits_mlp.py draws for the same seed: the reference
that examples/digits_mlp.py's accuracy is judged against (issue 5, point 7).

Flatten - Linear(64, 64) - Tanh - Linear(64, 64) - Tanh - Linear(64, 10) - Softmax(dim=1), torch's default init,
MSE between the softmax and the one-hot targets (mean over all elements), Adam(lr=1e-3), batch 64 reshuffled every
epoch, 50 epochs, float32. Needs torch and scikit-learn.

    python tools/digits_recipe_torch.py [--seeds 0 1 2 3 4] [--epochs 50]
"""
import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # a 64-wide MLP gains nothing from threads
import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402


def run(seed, epochs):
    # the same draws from NumPy's global generator as examples/digits_mlp.py, so the same splits
    np.random.seed(seed)
    torch.manual_seed(seed)
    digits = datasets.load_digits(n_class=10)
    X_train, X_test, y_train, y_test = train_test_split(digits.images, digits.target, train_size=0.8)
    X_train, _, y_train, _ = train_test_split(X_train, y_train, train_size=0.8)
    x = torch.tensor(X_train / 16.0, dtype=torch.float32)
    y = torch.nn.functional.one_hot(torch.tensor(y_train), 10).float()
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64),
                                torch.nn.Tanh(), torch.nn.Linear(64, 10), torch.nn.Softmax(dim=1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        for idx in torch.randperm(len(x)).split(64):
            loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        pred = model(torch.tensor(X_test / 16.0, dtype=torch.float32)).argmax(1).numpy()
    return float((pred == y_test).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)
    accs = [run(s, args.epochs) for s in args.seeds]
    for s, a in zip(args.seeds, accs):
        print(f"seed {s}: Test accuracy: {a * 100:.1f}%")
    print(f"test accuracy over {len(accs)} seeds: mean {np.mean(accs) * 100:.2f}% (std {np.std(accs) * 100:.2f})")


if __name__ == "__main__":
    main()
