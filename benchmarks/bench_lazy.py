"""Lazy graph re-evaluation (issue 6, point 2): an MLP training step fed a new batch each time, either rebuilt
eagerly (minigrad eager) or replayed from a lazy graph built once over placeholders (minigrad lazy), next to PyTorch
and a handwritten-NumPy floor. One thread everywhere. The ratio of interest is "lazy / eager" (below 1 = faster).

Run: python benchmarks/bench_lazy.py [--quick]
"""
import sys

import numpy as np

from common import compare, report, single_thread_torch

torch = single_thread_torch()
import minigrad as mg  # noqa: E402
import minigrad.nn as nn  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad.optim import SGD  # noqa: E402

LR = 0.01


def numpy_floor(ws, bs, batches):
    """The same step with the gradients derived by hand: relu MLP, softmax cross-entropy, SGD."""
    ws, bs = [w.T.copy() for w in ws], [b.copy() for b in bs]  # (in, out) for x @ w
    it = iter(range(10**12))

    def step():
        x, y = batches[next(it) % len(batches)]
        hs, acts = [], [x]
        for i in range(len(ws)):
            h = acts[-1] @ ws[i] + bs[i]
            hs.append(h)
            acts.append(np.maximum(h, 0) if i < len(ws) - 1 else h)
        z = acts[-1] - acts[-1].max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) / len(y)
        for i in reversed(range(len(ws))):
            gw, gb = acts[i].T @ g, g.sum(0)
            if i:
                g = (g @ ws[i].T) * (hs[i - 1] > 0)
            ws[i] -= LR * gw
            bs[i] -= LR * gb

    return step


def case(sizes, batch, number):
    rng = np.random.default_rng(0)
    # one-hot float targets: F.cross_entropy's class-index path reads the target's values outside the graph
    # (docs/lazy_viz_onnx.md), so a lazy graph feeds class probabilities
    eye = np.eye(sizes[-1], dtype=np.float32)
    batches = [(rng.standard_normal((batch, sizes[0])).astype(np.float32), eye[rng.integers(0, sizes[-1], batch)])
               for _ in range(8)]

    def mlp():
        mg.manual_seed(0)
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(nn.ReLU())
        return nn.Sequential(*layers)

    eager_model, lazy_model = mlp(), mlp()
    opt_e, opt_l = SGD(eager_model.parameters(), lr=LR), SGD(lazy_model.parameters(), lr=LR)
    counter = iter(range(10**12))

    def eager_step():
        x, y = batches[next(counter) % len(batches)]
        opt_e.zero_grad()
        loss = F.cross_entropy(eager_model(mg.tensor(x)), mg.tensor(y))
        loss.backward()
        opt_e.step()

    px = mg.Tensor(shape=(batch, sizes[0]), name="x", requires_grad=False)
    py = mg.Tensor(shape=(batch, sizes[-1]), name="y", requires_grad=False)
    lazy_loss = F.cross_entropy(lazy_model(px), py)  # built once
    lcount = iter(range(10**12))

    def lazy_step():
        x, y = batches[next(lcount) % len(batches)]
        opt_l.zero_grad()
        lazy_loss.forward(x=x, y=y)
        lazy_loss.backward()
        opt_l.step()

    # the two minigrad paths compute the same numbers: check before timing
    for _ in range(3):
        eager_step()
        lazy_step()
    for a, b in zip(eager_model.parameters(), lazy_model.parameters()):
        assert np.array_equal(a.numpy(), b.numpy()), "lazy replay diverged from eager"

    tmodel = torch.nn.Sequential(*[m for i, (a, b) in enumerate(zip(sizes, sizes[1:]))
                                   for m in ([torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(sizes) - 2
                                                                          else []))])
    topt = torch.optim.SGD(tmodel.parameters(), lr=LR)
    tcount = iter(range(10**12))

    def torch_step():
        x, y = batches[next(tcount) % len(batches)]
        topt.zero_grad()
        loss = torch.nn.functional.cross_entropy(tmodel(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        topt.step()

    ws = [p.numpy().copy() for p in eager_model.parameters()][0::2]
    bs = [p.numpy().copy() for p in eager_model.parameters()][1::2]
    rows = [("numpy floor", numpy_floor(ws, bs, batches)), ("torch", torch_step), ("minigrad eager", eager_step),
            ("minigrad lazy", lazy_step)]
    times = compare(rows, number=number, repeat=5, rounds=3)
    report(f"MLP {'-'.join(map(str, sizes))}, batch {batch}, one SGD step on a new batch", times, "numpy floor")
    print(f"  lazy / eager = {times['minigrad lazy'] / times['minigrad eager']:.2f}  "
          f"(eager rebuild is {times['minigrad eager'] / times['minigrad lazy']:.2f}x the lazy re-run)")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    case([2, 16, 16, 2], 32, 50 if quick else 300)  # seed 002's moons-sized MLP: Python overhead dominates
    case([784, 256, 256, 10], 128, 3 if quick else 20)  # the MLP of bench_core: matmuls dominate
