"""Seed 003's LSTM: predict the next value of a sine wave from the previous 20, with minigrad.nn.LSTM.

    python examples/lstm_sine.py               # 20 epochs
    python examples/lstm_sine.py --epochs 5    # a quick look

Trains on the first 80% of the series and reports the mean squared error on the last 20% (target: below 0.01);
writes out/lstm_sine.png (predictions over the test stretch, and the loss curve).
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


class SineLSTM(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):  # x: (N, 20, 1) -> (N, 1)
        _out, (h, _c) = self.lstm(x)
        return self.head(h[-1])


def windows(series, width=20):
    x = np.stack([series[i:i + width] for i in range(len(series) - width)])[..., None]
    return x.astype(np.float32), series[width:, None].astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--window", type=int, default=20)
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
    t = np.linspace(0, 40 * np.pi, 1000)
    x, y = windows(np.sin(t), args.window)
    split = int(0.8 * len(x))
    xtr, ytr, xte, yte = x[:split], y[:split], x[split:], y[split:]
    model = SineLSTM()
    opt = mg.optim.Adam(model.parameters(), lr=args.lr)
    history = []
    t0 = time.perf_counter()
    bar = tqdm(range(args.epochs), desc="lstm_sine")
    for _ in bar:
        order = rng.permutation(len(xtr))
        total = 0.0
        for i in range(0, len(order), args.batch_size):
            idx = order[i:i + args.batch_size]
            loss = F.mse_loss(model(mg.tensor(xtr[idx])), mg.tensor(ytr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history.append(total / len(xtr))
        bar.set_postfix(train_mse=f"{history[-1]:.5f}")
    with mg.no_grad():
        pred = model(mg.tensor(xte)).data
    test_mse = float(((pred - yte) ** 2).mean())
    print(f"test MSE {test_mse:.6f} ({'below' if test_mse < 0.01 else 'NOT below'} 0.01) after {args.epochs} epochs, "
          f"{time.perf_counter() - t0:.1f} s")

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    a.plot(yte[:, 0], label="sine")
    a.plot(pred[:, 0], "--", label="LSTM prediction")
    a.set_title(f"next value from the previous {args.window} (test MSE {test_mse:.2e})")
    a.legend()
    b.semilogy(history)
    b.set_xlabel("epoch")
    b.set_ylabel("train MSE")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "lstm_sine.png"), dpi=100)
    print("wrote", os.path.join(args.out, "lstm_sine.png"))


if __name__ == "__main__":
    main()
