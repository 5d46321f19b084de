"""Core engine benchmarks (issue 3, point 10): import time, a 4x4 small-op step, an MLP SGD step, a 100,000-op chain.

Each row is timed in the same run against PyTorch and, where it makes sense, a handwritten-NumPy floor, one thread.
Run: python benchmarks/bench_core.py
"""
# ruff: noqa: I001 - common must be imported before NumPy: it pins BLAS to one thread
import os
import subprocess
import sys

from common import compare, report, single_thread_torch

import numpy as np

torch = single_thread_torch()
import minigrad as mg  # noqa: E402


def import_times():
    # as a user runs it: bytecode caching on (this machine's shell sets PYTHONDONTWRITEBYTECODE, which would time
    # compiling minigrad's sources while NumPy's installed .pyc files load), after one warm-up import
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def cost(stmt):
        code = f"import time; t=time.perf_counter(); {stmt}; print(time.perf_counter()-t)"
        run = [sys.executable, "-c", code]
        subprocess.run(run, capture_output=True, check=True, env=env)
        return min(float(subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout)
                   for _ in range(7))

    times = {"import numpy": cost("import numpy"), "import minigrad": cost("import minigrad"),
             "import torch": cost("import torch")}
    report("import time (best of 7 fresh processes)", times, "import numpy", {"import minigrad": 1.5})


def small_ops():
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal((4, 4)).astype(np.float32) for _ in range(3)]
    a, b, c = (mg.tensor(x, requires_grad=True) for x in arrs)
    ta, tb, tc = (torch.tensor(x, requires_grad=True) for x in arrs)

    def minigrad_step():
        ((a * b + c).tanh() * a).sum().backward()

    def torch_step():
        ((ta * tb + tc).tanh() * ta).sum().backward()

    # finely interleaved, as the MLP rows: 41 alternating runs of 200 steps give both libraries the same share of
    # this VM's fast and slow seconds (7 runs of 2000 steps per round, 3 rounds, measured 0.51-0.62x on one build)
    times = compare([("torch", torch_step), ("minigrad", minigrad_step)], number=200, repeat=1, rounds=41)
    report("4x4 small-op step ((a*b+c).tanh()*a).sum() forward+backward", times, "torch", {"minigrad": 0.6})


def mlp_sgd():
    rng = np.random.default_rng(0)
    sizes = [784, 256, 256, 10]
    ws = [(rng.standard_normal((i, o)) / np.sqrt(i)).astype(np.float32) for i, o in zip(sizes, sizes[1:])]
    bs = [np.zeros(o, np.float32) for o in sizes[1:]]
    x = rng.standard_normal((128, 784)).astype(np.float32)
    y = rng.integers(0, 10, 128)
    lr = 0.01

    # handwritten NumPy floor: the same math with the gradients derived by hand
    nw, nb = [w.copy() for w in ws], [b.copy() for b in bs]

    def numpy_step():
        h1 = x @ nw[0] + nb[0]
        a1 = np.maximum(h1, 0)
        h2 = a1 @ nw[1] + nb[1]
        a2 = np.maximum(h2, 0)
        z = a2 @ nw[2] + nb[2]
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        dz = p
        dz[np.arange(128), y] -= 1
        dz /= 128
        g2 = dz @ nw[2].T
        g2 *= h2 > 0
        g1 = g2 @ nw[1].T
        g1 *= h1 > 0
        grads = [(x.T @ g1, g1.sum(0)), (a1.T @ g2, g2.sum(0)), (a2.T @ dz, dz.sum(0))]
        for i, (gw, gb) in enumerate(grads):
            nw[i] -= lr * gw
            nb[i] -= lr * gb

    mw = [mg.tensor(w, requires_grad=True) for w in ws]
    mb = [mg.tensor(b, requires_grad=True) for b in bs]
    mx, my = mg.tensor(x), mg.tensor(y)
    from minigrad.nn import functional as F  # noqa: PLC0415 - the same spelling as the torch step below

    def minigrad_step():
        h = mx
        for i in range(3):
            h = h @ mw[i] + mb[i]
            if i < 2:
                h = h.relu()
        loss = F.cross_entropy(h, my)
        loss.backward()
        with mg.no_grad():
            for p in mw + mb:
                p -= lr * p.grad
                p.grad = None

    tw = [torch.tensor(w, requires_grad=True) for w in ws]
    tb = [torch.tensor(b, requires_grad=True) for b in bs]
    tx, ty = torch.tensor(x), torch.tensor(y)

    def torch_step():
        h = tx
        for i in range(3):
            h = h @ tw[i] + tb[i]
            if i < 2:
                h = h.relu()
        loss = torch.nn.functional.cross_entropy(h, ty)
        loss.backward()
        with torch.no_grad():
            for p in tw + tb:
                p -= lr * p.grad
                p.grad = None

    # one run of 20 steps per implementation in turn, 21 times: this VM's speed drifts over seconds, and finely
    # interleaved runs give each implementation the same share of fast and slow moments
    times = compare([("numpy floor", numpy_step), ("torch", torch_step), ("minigrad", minigrad_step)], number=20,
                    repeat=1, rounds=21)
    report("MLP 784-256-256-10, batch 128, one SGD step (raw tensors)", times, "numpy floor", {"minigrad": 1.15})


def chain():
    n = 100_000

    def minigrad_chain():
        x = mg.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0000001
        y.sum().backward()

    def torch_chain():
        x = torch.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(n):
            y = y * 1.0000001
        y.sum().backward()

    times = compare([("torch", torch_chain), ("minigrad", minigrad_chain)], number=1, repeat=3, rounds=3,
                    collect=True)
    report("100,000-op chain forward+backward", times, "torch", {"minigrad": 1.0})


if __name__ == "__main__":
    import_times()
    small_ops()
    chain()
    mlp_sgd()
