"""Seed 003's MNIST GAN with minigrad.nn: MLP generator and discriminator with leaky ReLU, a two-class
log-softmax discriminator trained with NLL, Adam (lr 2e-4, beta1 0.5). Trains on scikit-learn's 8x8 digits, or on
MNIST when you pass the directory holding its IDX files (nothing is downloaded).

    python examples/gan_digits.py                      # digits, 300 epochs (about two minutes)
    python examples/gan_digits.py --epochs 10          # a quick look
    python examples/gan_digits.py --mnist ~/data/mnist # train-images-idx3-ubyte[.gz] from that directory

Writes out/gan_digits/epoch_NNN.png (a grid of samples from fixed noise, one per epoch), out/gan_digits/losses.png
(both losses per step), and prints the sample-quality figure: how confidently the CNN of examples/cnn_digits.py
classifies generated samples, against the same figure for uniform noise and for real test digits.
"""
import os

# small matrices: OpenBLAS threads cost more than they give (measured: a GAN step 13x slower on a busy 2-core box)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gzip
import os
import struct
import time

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn


def read_idx_images(directory):
    for name in ("train-images-idx3-ubyte", "train-images.idx3-ubyte"):
        for suffix in ("", ".gz"):
            path = os.path.join(directory, name + suffix)
            if os.path.exists(path):
                with (gzip.open if suffix else open)(path, "rb") as f:
                    magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
                    if magic != 2051:
                        raise ValueError(f"{path}: not an IDX image file (magic {magic})")
                    return np.frombuffer(f.read(), dtype=np.uint8).reshape(n, rows, cols) / 255.0
    raise FileNotFoundError(f"no train-images-idx3-ubyte[.gz] in {directory}")


def generator(latent, side):
    return nn.Sequential(nn.Linear(latent, 128), nn.LeakyReLU(0.2), nn.Linear(128, 256), nn.LeakyReLU(0.2),
                         nn.Linear(256, side * side), nn.Tanh())


def discriminator(side):
    # two log-probabilities (fake, real), trained with NLL as in seed 003
    return nn.Sequential(nn.Linear(side * side, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(256, 128),
                         nn.LeakyReLU(0.2), nn.Linear(128, 2), nn.LogSoftmax(dim=1))


def grid(images, side, cols=8):
    rows = -(-len(images) // cols)
    canvas = np.ones((rows * (side + 1) + 1, cols * (side + 1) + 1))
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        canvas[1 + r * (side + 1):1 + r * (side + 1) + side, 1 + c * (side + 1):1 + c * (side + 1) + side] = im
    return canvas


def classifier_confidence(images, classifier):
    """The digits CNN on (N, 8, 8) images in [0, 1]: mean top-class probability, the fraction classified with
    probability above 0.9, and the class histogram."""
    with mg.no_grad():
        p = F.softmax(classifier(mg.tensor(images[:, None].astype(np.float32))), dim=1).data
    top = p.max(1)
    return float(top.mean()), float((top > 0.9).mean()), np.bincount(p.argmax(1), minlength=10)


def load_classifier(out, seed):
    import cnn_digits

    for path in (os.path.join(out, "cnn_digits.mgz"), os.path.join(out, "cnn_digits.mgz.npz")):
        if os.path.exists(path):
            return cnn_digits.load_model(path), path
    print("no out/cnn_digits.mgz: training the digits CNN first (python examples/cnn_digits.py makes it)")
    import subprocess
    import sys

    subprocess.run([sys.executable, cnn_digits.__file__, "--out", out, "--seed", str(seed)], check=True)
    return load_classifier(out, seed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--latent", type=int, default=32)
    ap.add_argument("--mnist", metavar="DIR", help="train on MNIST IDX files in DIR instead of sklearn digits")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="out")
    args = ap.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tqdm import tqdm

    outdir = os.path.join(args.out, "gan_mnist" if args.mnist else "gan_digits")
    os.makedirs(outdir, exist_ok=True)
    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    if args.mnist:
        data = read_idx_images(os.path.expanduser(args.mnist))
    else:
        from sklearn.datasets import load_digits

        data = load_digits().images / 16.0
    side = data.shape[1]
    real_all = (data.reshape(len(data), -1) * 2 - 1).astype(np.float32)  # [-1, 1], matching tanh
    G, D = generator(args.latent, side), discriminator(side)
    opt_g = mg.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = mg.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    fixed = mg.tensor(rng.standard_normal((64, args.latent)).astype(np.float32))
    losses_d, losses_g = [], []
    t0 = time.perf_counter()
    bar = tqdm(range(args.epochs), desc="gan")
    for epoch in bar:
        order = rng.permutation(len(real_all))
        for i in range(0, len(order) - args.batch_size + 1, args.batch_size):
            real = mg.tensor(real_all[order[i:i + args.batch_size]])
            n = len(real)
            ones, zeros = mg.tensor(np.ones(n, dtype=np.int64)), mg.tensor(np.zeros(n, dtype=np.int64))
            z = mg.tensor(rng.standard_normal((n, args.latent)).astype(np.float32))
            fake = G(z)
            # discriminator: real -> class 1, fake -> class 0 (the fake is detached: only D learns here)
            loss_d = F.nll_loss(D(real), ones) + F.nll_loss(D(fake.detach()), zeros)
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            # generator: make D call the fakes real (the non-saturating loss)
            loss_g = F.nll_loss(D(fake), ones)
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            losses_d.append(loss_d.item())
            losses_g.append(loss_g.item())
        G.eval()
        with mg.no_grad():
            samples = (G(fixed).data.reshape(-1, side, side) + 1) / 2
        G.train()
        big = np.kron(grid(samples, side), np.ones((4, 4))) if side < 16 else grid(samples, side)
        plt.imsave(os.path.join(outdir, f"epoch_{epoch + 1:03d}.png"), big, cmap="gray_r", vmin=0, vmax=1)
        bar.set_postfix(loss_d=f"{np.mean(losses_d[-20:]):.3f}", loss_g=f"{np.mean(losses_g[-20:]):.3f}")
    elapsed = time.perf_counter() - t0

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(losses_d, label="discriminator", alpha=0.8)
    ax.plot(losses_g, label="generator", alpha=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("NLL")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "losses.png"), dpi=100)

    # sample quality: the digits CNN's confidence on generated samples, noise, and real digits
    classifier, path = load_classifier(args.out, args.seed)
    G.eval()
    with mg.no_grad():
        gen = (G(mg.tensor(rng.standard_normal((1000, args.latent)).astype(np.float32))).data + 1) / 2
    gen = gen.reshape(-1, 1, side, side)
    noise = rng.random((1000, 1, side, side))
    real = data[rng.permutation(len(data))[:1000]][:, None]
    if side != 8:  # MNIST: average down to the 8x8 digits the CNN knows (mean of each 3.5 x 3.5 block)
        def down(x):
            return F.adaptive_avg_pool2d(mg.tensor(x.astype(np.float32)), 8).data
        gen, noise, real = down(gen), down(noise), down(real)
    conf_gen, sure_gen, hist = classifier_confidence(gen[:, 0], classifier)
    conf_noise, sure_noise, _ = classifier_confidence(noise[:, 0], classifier)
    conf_real, sure_real, _ = classifier_confidence(real[:, 0], classifier)
    print(f"{args.epochs} epochs in {elapsed:.1f} s; final losses D {np.mean(losses_d[-50:]):.3f} "
          f"G {np.mean(losses_g[-50:]):.3f}")
    print(f"sample quality by the CNN {path} (mean top-class probability / share above 0.9):")
    print(f"  generated {conf_gen:.3f} / {sure_gen:.3f}   uniform noise {conf_noise:.3f} / {sure_noise:.3f}   "
          f"real digits {conf_real:.3f} / {sure_real:.3f}")
    print("classes the CNN assigns to 1000 generated samples:", hist.tolist())
    print("wrote", outdir)


if __name__ == "__main__":
    main()
