"""Training-step benchmark for issue 5, point 8: an MLP 784-256-256-10 on a batch of 128, written with nn.Linear,
nn.CrossEntropyLoss and optim.SGD (then optim.Adam): zero_grad, forward, loss, backward, step.

Timed in one run, one thread, against the same model in PyTorch (torch.nn / torch.optim) and a handwritten-NumPy
floor (the same math with hand-derived gradients and in-place updates). Targets: minigrad <= 1.2x the floor and
faster than PyTorch. Run: python benchmarks/bench_mlp_train.py [--profile]

Each step takes the next of POOL batches, and Adam runs at torch's default lr=1e-3: measured, Adam at lr=0.01 on one
fixed batch memorises it within ~50 steps, its logits reach -290, the softmax and the backward's matrices fill with
float32 subnormals, and every implementation's step slows 2-3x on the CPU's subnormal path, so the timing measured
the CPU's subnormal handling rather than the library (see docs/perf_mlp.md).
"""
# ruff: noqa: I001 - common must be imported before NumPy: it pins BLAS to one thread
import sys

from common import compare, report, single_thread_torch

import numpy as np

torch = single_thread_torch()
import minigrad as mg  # noqa: E402
from minigrad import nn, optim  # noqa: E402

SIZES = [784, 256, 256, 10]
N, LR, ADAM_LR, POOL = 128, 0.01, 1e-3, 8


def _data():
    """POOL batches: x (POOL, N, 784) float32, y (POOL, N) int64."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((POOL, N, SIZES[0])).astype(np.float32)
    y = rng.integers(0, 10, (POOL, N))
    return x, y


def _cycle(batches):
    """A function returning the next batch of `batches` each call, round robin (costs ~0.1 us)."""
    state = [0]

    def nxt():
        i = state[0]
        state[0] = (i + 1) % len(batches)
        return batches[i]

    return nxt


def numpy_floor(ws, bs, xs, ys, adam):
    """The floor: forward, softmax cross-entropy, hand-derived backward, in-place SGD or Adam (torch's formulas)."""
    ws, bs = [w.copy() for w in ws], [b.copy() for b in bs]
    nxt = _cycle(list(zip(xs, ys)))
    lr = ADAM_LR if adam else LR
    params = ws + bs
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = [0]
    rows = np.arange(N)

    def run():
        x, y = nxt()
        h1 = x @ ws[0].T
        h1 += bs[0]
        a1 = np.maximum(h1, 0)
        h2 = a1 @ ws[1].T
        h2 += bs[1]
        a2 = np.maximum(h2, 0)
        z = a2 @ ws[2].T
        z += bs[2]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[rows, y] -= 1
        p /= N
        g2 = p @ ws[2]
        g2 *= h2 > 0
        g1 = g2 @ ws[1]
        g1 *= h1 > 0
        grads = [g1.T @ x, g2.T @ a1, p.T @ a2, g1.sum(0), g2.sum(0), p.sum(0)]
        if not adam:
            for q, g in zip(params, grads):
                g *= lr
                q -= g
            return
        step[0] += 1
        t = step[0]
        c1, c2 = 1 - 0.9 ** t, np.sqrt(1 - 0.999 ** t)
        for q, g, mi, vi in zip(params, grads, m, v):
            mi *= 0.9
            mi += 0.1 * g
            vi *= 0.999
            g *= g
            g *= 0.001
            vi += g
            d = np.sqrt(vi)
            d /= c2
            d += 1e-8
            np.divide(mi, d, out=d)
            d *= lr / c1
            q -= d

    return run


def minigrad_step(ws, bs, xs, ys, adam):
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    for lin, w, b in zip(model[::2], ws, bs):
        lin.load_state_dict({"weight": w, "bias": b})
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.Adam(model.parameters(), lr=ADAM_LR) if adam else optim.SGD(model.parameters(), lr=LR)
    nxt = _cycle([(mg.tensor(x), mg.tensor(y)) for x, y in zip(xs, ys)])

    def run():
        mx, my = nxt()
        opt.zero_grad()
        loss = loss_fn(model(mx), my)
        loss.backward()
        opt.step()

    return run


def torch_step(ws, bs, xs, ys, adam):
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 256),
                                torch.nn.ReLU(), torch.nn.Linear(256, 10))
    with torch.no_grad():
        for lin, w, b in zip(model[::2], ws, bs):
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = (torch.optim.Adam(model.parameters(), lr=ADAM_LR) if adam
           else torch.optim.SGD(model.parameters(), lr=LR))
    nxt = _cycle([(torch.from_numpy(x), torch.from_numpy(y)) for x, y in zip(xs, ys)])

    def run():
        tx, ty = nxt()
        opt.zero_grad()
        loss = loss_fn(model(tx), ty)
        loss.backward()
        opt.step()

    return run


def main():
    x, y = _data()
    rng = np.random.default_rng(1)
    ws = [(rng.uniform(-1, 1, (o, i)) / np.sqrt(i)).astype(np.float32) for i, o in zip(SIZES, SIZES[1:])]
    bs = [(rng.uniform(-1, 1, o) / np.sqrt(i)).astype(np.float32) for i, o in zip(SIZES, SIZES[1:])]
    if "--profile" in sys.argv:
        import cProfile  # noqa: PLC0415
        import pstats  # noqa: PLC0415

        run = minigrad_step(ws, bs, x, y, adam=True)
        cProfile.runctx("for _ in range(200): run()", globals(), {"run": run}, "/tmp/bench_mlp_train.prof")
        pstats.Stats("/tmp/bench_mlp_train.prof").sort_stats("tottime").print_stats(15)
        return
    for adam in (False, True):
        rows = [("numpy floor", numpy_floor(ws, bs, x, y, adam)), ("torch", torch_step(ws, bs, x, y, adam)),
                ("minigrad", minigrad_step(ws, bs, x, y, adam))]
        times = compare(rows, number=20, repeat=1, rounds=21)  # finely interleaved: see bench_core.mlp_sgd
        name = "Adam" if adam else "SGD"
        report(f"MLP 784-256-256-10, batch 128: nn.Linear + nn.CrossEntropyLoss + optim.{name}, one step", times,
               "numpy floor", {"minigrad": 1.2})
        print(f"  minigrad / torch: {times['minigrad'] / times['torch']:.2f}x (target < 1)")


if __name__ == "__main__":
    main()
