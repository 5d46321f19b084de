"""A small character-level transformer language model (minigrad.nn.TransformerEncoder with a causal mask), trained
on the short story in examples/data/lighthouse.txt (written for this repository; public domain).

    python examples/char_transformer.py               # 600 steps
    python examples/char_transformer.py --steps 50    # a quick look

Prints the loss as it falls and a sample of generated text before and after training; writes
out/char_transformer_loss.png.
"""
import os

# small matrices: OpenBLAS threads cost more than they give (measured: a GAN step 13x slower on a busy 2-core box)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import math
import os
import time

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn

HERE = os.path.dirname(os.path.abspath(__file__))


class CharTransformer(nn.Module):
    def __init__(self, vocab, context=64, d_model=64, heads=4, layers=2, ff=192, dropout=0.1):
        super().__init__()
        self.context = context
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(context, d_model)
        # relu, not gelu: minigrad's erf (behind exact gelu) is a slow series today, 80% of the step
        layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=dropout, activation="relu", batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, idx):  # idx: (N, T) int -> logits (N, T, vocab)
        t = idx.shape[1]
        h = self.tok(idx) + self.pos(mg.tensor(np.arange(t)))
        causal = mg.tensor(np.triu(np.full((t, t), -np.inf, dtype=np.float32), 1))
        return self.head(self.norm(self.encoder(h, mask=causal)))


def sample(model, stoi, itos, prompt, length, temperature, rng):
    model.eval()
    ids = [stoi[c] for c in prompt]
    with mg.no_grad():
        for _ in range(length):
            ctx = np.array(ids[-model.context:])[None]
            logits = model(mg.tensor(ctx)).data[0, -1] / temperature
            p = np.exp(logits - logits.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
    model.train()
    return "".join(itos[i] for i in ids)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--text", default=os.path.join(HERE, "data", "lighthouse.txt"))
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--sample-length", type=int, default=300)
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
    with open(args.text, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text])
    model = CharTransformer(len(chars), context=args.context)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{len(text)} characters, vocabulary {len(chars)}, {n_params} parameters; uniform guessing costs "
          f"{math.log(len(chars)):.3f} nats per character")
    print("sample before training:", repr(sample(model, stoi, chars, "The ", 80, 1.0, rng)[4:]))
    opt = mg.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    losses = []
    t0 = time.perf_counter()
    bar = tqdm(range(args.steps), desc="char_transformer")
    for step in bar:
        start = rng.integers(0, len(data) - args.context - 1, args.batch_size)
        x = np.stack([data[s:s + args.context] for s in start])
        y = np.stack([data[s + 1:s + args.context + 1] for s in start])
        logits = model(mg.tensor(x))
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), mg.tensor(y.reshape(-1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
    elapsed = time.perf_counter() - t0
    first, last = np.mean(losses[:10]), np.mean(losses[-20:])
    print(f"loss {first:.3f} -> {last:.3f} nats per character over {args.steps} steps ({elapsed:.1f} s)")
    print("sample after training:\n" + sample(model, stoi, chars, "The keeper ", args.sample_length, 0.8, rng))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(losses)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title("character-level transformer (minigrad)")
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "char_transformer_loss.png"), dpi=100)
    print("wrote", os.path.join(args.out, "char_transformer_loss.png"))


if __name__ == "__main__":
    main()
