"""Lazy graph re-evaluation (issue 6, point 2): an MLP training step fed a new batch each time, either rebuilt
eagerly (minigrad eager) or replayed from a lazy graph built once over placeholders (minigrad lazy), next to PyTorch
and a handwritten-NumPy floor. One thread everywhere. The ratio of interest is "lazy / eager" (below 1 = faster).

Run: python benchmarks/bench_lazy.py [--quick]
"""
# ruff: noqa: I001 - common must be imported before NumPy: it pins BLAS to one thread
import sys

from common import compare, report, single_thread_torch

import numpy as np

torch = single_thread_torch()
import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.autograd.function import _hooks
from minigrad.optim import SGD

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


def mlp(sizes):
    mg.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def eager_stepper(model, batches):
    opt = SGD(model.parameters(), lr=LR)
    counter = iter(range(10**12))

    def eager_step():
        x, y = batches[next(counter) % len(batches)]
        opt.zero_grad()
        loss = F.cross_entropy(model(mg.tensor(x)), mg.tensor(y))
        loss.backward()
        opt.step()

    return eager_step


def lazy_stepper(model, batches, sizes, batch):
    opt = SGD(model.parameters(), lr=LR)
    px = mg.Tensor(shape=(batch, sizes[0]), name="x", requires_grad=False)
    py = mg.Tensor(shape=(batch, sizes[-1]), name="y", requires_grad=False)
    loss = F.cross_entropy(model(px), py)  # built once
    counter = iter(range(10**12))

    def lazy_step():
        x, y = batches[next(counter) % len(batches)]
        opt.zero_grad()
        loss.forward(x=x, y=y)
        loss.backward()
        opt.step()

    return lazy_step


def case(sizes, batch, repeat):
    """Best single-step time over `repeat` steps per round: the minimum is what survives a loaded machine."""
    rng = np.random.default_rng(0)
    # one-hot float targets: F.cross_entropy's class-index path reads the target's values outside the graph
    # (docs/lazy_viz_onnx.md), so a lazy graph feeds class probabilities
    eye = np.eye(sizes[-1], dtype=np.float32)
    batches = [(rng.standard_normal((batch, sizes[0])).astype(np.float32), eye[rng.integers(0, sizes[-1], batch)])
               for _ in range(8)]

    # the two minigrad paths compute the same numbers: check before timing
    m_e, m_l = mlp(sizes), mlp(sizes)
    e_step, l_step = eager_stepper(m_e, batches), lazy_stepper(m_l, batches, sizes, batch)
    for _ in range(3):
        e_step()
        l_step()
    for a, b in zip(m_e.parameters(), m_l.parameters()):
        assert np.array_equal(a.numpy(), b.numpy()), "lazy replay diverged from eager"
    del e_step, l_step, m_l

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

    model = mlp(sizes)
    ws = [p.numpy().copy() for p in model.parameters()][0::2]
    bs = [p.numpy().copy() for p in model.parameters()][1::2]
    eager_hook_on = eager_stepper(model, batches)
    lazy = lazy_stepper(mlp(sizes), batches, sizes, batch)

    def eager():
        # the lazy graph above keeps the lazy hook of Function.apply on; an eager program without placeholders
        # runs without it, so this row takes it off for the step
        hook, _hooks.on_apply = _hooks.on_apply, None
        try:
            eager_hook_on()
        finally:
            _hooks.on_apply = hook

    times = compare([("numpy floor", numpy_floor(ws, bs, batches)), ("torch", torch_step), ("minigrad eager", eager),
                     ("minigrad eager, hook on", eager_hook_on), ("minigrad lazy", lazy)], number=1, repeat=repeat,
                    rounds=3)
    report(f"MLP {'-'.join(map(str, sizes))}, batch {batch}, one SGD step on a new batch", times, "numpy floor")
    ratio = times["minigrad lazy"] / times["minigrad eager"]
    print(f"  lazy re-run / eager rebuild = {ratio:.2f} (eager is {1 / ratio:.2f}x the lazy time); "
          f"with the hook on for both: {times['minigrad lazy'] / times['minigrad eager, hook on']:.2f}")


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    case([2, 16, 16, 2], 32, 50 if quick else 400)  # seed 002's moons-sized MLP: Python overhead dominates
    case([784, 256, 256, 10], 128, 5 if quick else 40)  # the MLP of bench_core: matmuls dominate
