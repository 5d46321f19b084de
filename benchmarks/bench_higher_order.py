"""Hessian-vector product vs gradient of an MLP's loss (issue 9, point 2: HVP at most 4x the gradient).

gradient: forward + backward.  HVP: forward + backward(create_graph=True) + a backward through that graph seeded
with v (reverse-over-reverse: H v = d<grad, v>/dparams, as torch.autograd.functional.hvp computes it). The same on
PyTorch, and a handwritten-NumPy floor: the analytic gradient, and the HVP as the Pearlmutter R-operator (forward
and backward passes of the directional derivative) written by hand. One thread everywhere. Times are process CPU time (time.process_time), best of interleaved repeats, so that other
processes on a shared machine distort the ratios less than wall-clock time would.
Run: python benchmarks/bench_higher_order.py
"""
# ruff: noqa: I001 - common must be imported before NumPy: it pins BLAS to one thread
import time

from common import report, single_thread_torch

import numpy as np

torch = single_thread_torch()
import minigrad as mg  # noqa: E402


def make(sizes, batch, seed=0):
    rng = np.random.default_rng(seed)
    ws = [(rng.standard_normal((i, o)) / np.sqrt(i)).astype(np.float32) for i, o in zip(sizes, sizes[1:])]
    bs = [(0.1 * rng.standard_normal(o)).astype(np.float32) for o in sizes[1:]]
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.standard_normal((batch, sizes[-1])).astype(np.float32)
    vs = [rng.standard_normal(p.shape).astype(np.float32) for p in ws + bs]
    return ws, bs, x, y, vs


def loss_fn(params, x, y):
    n = len(params) // 2
    h = x
    for i in range(n):
        h = h @ params[i] + params[n + i]
        if i < n - 1:
            h = h.tanh()
    return ((h - y) ** 2).mean()


def numpy_grad_hvp(ws, bs, x, y, vs, with_hvp):
    """Analytic gradient (and R-operator HVP) of the tanh MLP's mean squared error."""
    n = len(ws)
    vw, vb = vs[:n], vs[n:]
    hs, zs = [x], []
    rh = [np.zeros_like(x)]  # R{h}: directional derivative of each activation along v
    rz = []
    for i in range(n):
        z = hs[-1] @ ws[i] + bs[i]
        zs.append(z)
        if with_hvp:  # R{x} = 0: the first layer skips that product
            rz.append((rh[-1] @ ws[i] if i else 0) + hs[-1] @ vw[i] + vb[i])
        if i < n - 1:
            h = np.tanh(z)
            hs.append(h)
            if with_hvp:
                rh.append((1 - h * h) * rz[-1])
    scale = 2.0 / zs[-1].size
    gz = scale * (zs[-1] - y)
    rgz = scale * rz[-1] if with_hvp else None
    gws, gbs, hws, hbs = [None] * n, [None] * n, [None] * n, [None] * n
    for i in reversed(range(n)):
        gws[i] = hs[i].T @ gz
        gbs[i] = gz.sum(0)
        if with_hvp:
            hws[i] = (rh[i].T @ gz if i else 0) + hs[i].T @ rgz
            hbs[i] = rgz.sum(0)
        if i:
            gh = gz @ ws[i].T
            h = hs[i]
            d = 1 - h * h
            gz_new = gh * d
            if with_hvp:
                rgh = rgz @ ws[i].T + gz @ vw[i].T
                rgz = rgh * d + gh * (-2 * h * rh[i])
            gz = gz_new
    return (gws + gbs), (hws + hbs if with_hvp else None)


def cpu_compare(rows, number, repeat=5, rounds=3):
    """Best mean CPU seconds per call of each row, rows interleaved within each round."""
    best = {name: float("inf") for name, _ in rows}
    for _, fn in rows:
        fn()
    for _ in range(rounds):
        for name, fn in rows:
            for _ in range(repeat):
                t0 = time.process_time()
                for _ in range(number):
                    fn()
                best[name] = min(best[name], (time.process_time() - t0) / number)
    return best


def bench(sizes, batch, number):
    ws, bs, x, y, vs = make(sizes, batch)
    mp = [mg.tensor(p, requires_grad=True) for p in ws + bs]
    mx, my, mv = mg.tensor(x), mg.tensor(y), [mg.tensor(v) for v in vs]
    tp = [torch.tensor(p, requires_grad=True) for p in ws + bs]
    tx, ty, tv = torch.tensor(x), torch.tensor(y), [torch.tensor(v) for v in vs]

    def mg_grad():
        return mg.autograd.grad(loss_fn(mp, mx, my), mp)

    def mg_hvp():
        gs = mg.autograd.grad(loss_fn(mp, mx, my), mp, create_graph=True)
        return mg.autograd.grad(gs, mp, grad_outputs=mv)  # H v = d<grad, v>/dparams, seeded with v

    def th_grad():
        return torch.autograd.grad(loss_fn(tp, tx, ty), tp)

    def th_hvp():
        gs = torch.autograd.grad(loss_fn(tp, tx, ty), tp, create_graph=True)
        return torch.autograd.grad(gs, tp, grad_outputs=tv)

    # correctness first: all three HVPs agree
    h_mg = [h.numpy() for h in mg_hvp()]
    h_th = [h.numpy() for h in th_hvp()]
    h_np = numpy_grad_hvp(ws, bs, x, y, vs, True)[1]
    for a, b, c in zip(h_mg, h_th, h_np):
        np.testing.assert_allclose(a, b, rtol=2e-3, atol=1e-5)
        np.testing.assert_allclose(c, b, rtol=2e-3, atol=1e-5)

    rows = [("numpy grad", lambda: numpy_grad_hvp(ws, bs, x, y, vs, False)),
            ("numpy hvp", lambda: numpy_grad_hvp(ws, bs, x, y, vs, True)),
            ("torch grad", th_grad), ("torch hvp", th_hvp), ("minigrad grad", mg_grad), ("minigrad hvp", mg_hvp)]
    times = cpu_compare(rows, number=number)
    title = f"MLP {'-'.join(map(str, sizes))}, batch {batch}, tanh, MSE: Hessian-vector product vs gradient"
    report(title, times, "minigrad grad", {"minigrad hvp": 4})
    for lib in ("numpy", "torch", "minigrad"):
        print(f"  {lib:<9} hvp / grad = {times[f'{lib} hvp'] / times[f'{lib} grad']:.2f}x")
    print(f"  minigrad grad / torch grad = {times['minigrad grad'] / times['torch grad']:.2f}x, "
          f"minigrad hvp / torch hvp = {times['minigrad hvp'] / times['torch hvp']:.2f}x")


if __name__ == "__main__":
    bench([784, 256, 256, 10], 128, number=20)
    bench([16, 32, 32, 1], 32, number=300)
