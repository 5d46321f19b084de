"""MAML on sine regression (Finn et al. 2017, section 5.1): second derivatives through an inner gradient step.

Each task is y = A sin(x - phase) with A ~ U[0.1, 5], phase ~ U[0, pi], x ~ U[-5, 5]. A 1-40-40-1 ReLU MLP is
meta-trained so that one gradient step on K = 10 points of a new task fits that task. The meta-gradient
differentiates through the inner step, so it needs `autograd.grad(..., create_graph=True)`: a second-order
derivative of the network.

The tasks of a meta-batch run together: the meta-parameters are expanded to one copy per task (a view, no copy),
the inner gradient is taken with respect to those copies (each task's loss touches only its own copy, so the
gradient of the summed loss is every task's own gradient), and batched matmuls evaluate all tasks at once.

The same program runs on PyTorch (`--lib torch`); `--compare-torch N` runs both for N meta-steps from the same
initial weights and tasks and prints the largest differences (tests/test_maml_example.py checks them).

    python examples/maml_sine.py                    # 10000 meta-steps, writes out/maml_sine.png
    python examples/maml_sine.py --steps 200        # short run
    python examples/maml_sine.py --compare-torch 5 --dtype float64
"""
import argparse
import math
import os
import sys
import time

import numpy as np

HIDDEN = 40


def sample_tasks(rng, n_tasks, k):
    """x, y of shape (n_tasks, 2k, 1): the first k points of each task are the support set, the rest the query."""
    amp = rng.uniform(0.1, 5.0, size=(n_tasks, 1, 1))
    phase = rng.uniform(0.0, math.pi, size=(n_tasks, 1, 1))
    x = rng.uniform(-5.0, 5.0, size=(n_tasks, 2 * k, 1))
    return x, amp * np.sin(x - phase), (amp, phase)


def init_params(rng):
    """torch.nn.Linear's default init (U(-1/sqrt(fan_in), 1/sqrt(fan_in))) for weights (in, out), biases (1, out)."""
    params = []
    for fan_in, fan_out in ((1, HIDDEN), (HIDDEN, HIDDEN), (HIDDEN, 1)):
        bound = 1.0 / math.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, size=(fan_in, fan_out)))
        params.append(rng.uniform(-bound, bound, size=(1, fan_out)))
    return params


def forward(params, x):
    """The MLP on x (T, N, 1) with per-task parameters (T, in, out) / (T, 1, out), or shared ones."""
    w1, b1, w2, b2, w3, b3 = params
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    return h @ w3 + b3


def adapt(lib, params, x, y, inner_lr, steps, create_graph):
    """`steps` gradient steps on each task's support set, starting from per-task views of `params`."""
    n = x.shape[0]
    fast = [p.expand(n, *p.shape) for p in params]
    for _ in range(steps):
        loss = ((forward(fast, x) - y) ** 2).mean(dim=(1, 2)).sum()  # the sum of the per-task MSEs
        grads = lib.autograd.grad(loss, fast, create_graph=create_graph)
        fast = [w - inner_lr * g for w, g in zip(fast, grads)]
    return fast


def meta_loss(lib, params, x, y, k, inner_lr, inner_steps):
    fast = adapt(lib, params, x[:, :k], y[:, :k], inner_lr, inner_steps, create_graph=True)
    return ((forward(fast, x[:, k:]) - y[:, k:]) ** 2).mean()


def get_lib(name):
    if name == "torch":
        import torch  # noqa: PLC0415 - optional: only for the comparison run

        torch.set_num_threads(1)
        return torch
    import minigrad  # noqa: PLC0415
    import minigrad.optim  # noqa: PLC0415, F401

    return minigrad


def train(lib_name, steps, seed=0, dtype="float32", meta_batch=25, k=10, inner_lr=0.01, inner_steps=1,
          meta_lr=1e-3, progress=False, eval_every=0, eval_tasks=None):
    """Meta-train for `steps` steps; returns per-step meta-losses, the final parameters (NumPy) and eval history."""
    lib = get_lib(lib_name)
    rng = np.random.default_rng(seed)
    np_dtype = np.dtype(dtype)
    params = [lib.tensor(p.astype(np_dtype), requires_grad=True) for p in init_params(rng)]
    opt = lib.optim.Adam(params, lr=meta_lr)
    losses, evals = [], []
    it = range(steps)
    if progress:
        try:
            from tqdm import tqdm  # noqa: PLC0415

            it = tqdm(it, desc=f"MAML ({lib_name})", mininterval=1.0)
        except ImportError:
            pass
    for step in it:
        x, y, _ = sample_tasks(rng, meta_batch, k)
        loss = meta_loss(lib, params, lib.tensor(x.astype(np_dtype)), lib.tensor(y.astype(np_dtype)), k, inner_lr,
                         inner_steps)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if eval_every and (step + 1) % eval_every == 0 and eval_tasks is not None:
            evals.append((step + 1, evaluate(lib, params, eval_tasks, k, inner_lr)))
            if hasattr(it, "set_postfix"):
                it.set_postfix(post_adapt_mse=f"{evals[-1][1][1]:.3f}")
    return losses, [_numpy(p) for p in params], evals


def _numpy(t):
    return t.detach().numpy() if hasattr(t, "detach") else t.numpy()


def evaluate(lib, params, tasks, k, inner_lr, steps=(0, 1, 10)):
    """Query MSE on held-out tasks after 0, 1 and 10 inner steps (no meta-gradient needed: create_graph=False)."""
    x, y, _ = tasks
    dt = _numpy(params[0]).dtype
    params = [lib.tensor(_numpy(p), requires_grad=True) for p in params]  # adaptation needs grads, not the graph
    xt, yt = lib.tensor(x.astype(dt)), lib.tensor(y.astype(dt))
    out = []
    for s in steps:
        if s == 0:
            fast = params
        else:
            fast = adapt(lib, params, xt[:, :k], yt[:, :k], inner_lr, s, create_graph=False)
        out.append(float(((forward(fast, xt[:, k:]) - yt[:, k:]) ** 2).mean().item()))
    return out


def plot(lib, params, k, inner_lr, path, seed=123):
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    rng = np.random.default_rng(seed)
    x, y, (amp, phase) = sample_tasks(rng, 1, k)
    grid = np.linspace(-5, 5, 200).reshape(1, -1, 1)
    dt = _numpy(params[0]).dtype
    params = [lib.tensor(_numpy(p), requires_grad=True) for p in params]
    xs, ys = lib.tensor(x[:, :k].astype(dt)), lib.tensor(y[:, :k].astype(dt))
    g = lib.tensor(grid.astype(dt))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(grid[0, :, 0], (amp * np.sin(grid - phase))[0, :, 0], "k-", label="true task")
    ax.plot(x[0, :k, 0], y[0, :k, 0], "k^", label=f"{k} support points")
    for steps, style in ((0, ":"), (1, "--"), (10, "-")):
        fast = params if steps == 0 else adapt(lib, params, xs, ys, inner_lr, steps, create_graph=False)
        ax.plot(grid[0, :, 0], _numpy(forward(fast, g))[0, :, 0], style, label=f"MAML, {steps} grad steps")
    ax.legend(fontsize=8)
    ax.set_title("MAML on sine regression (minigrad)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def compare_with_torch(steps, dtype, seed=0, meta_batch=25):
    """Run minigrad and PyTorch for `steps` meta-steps from the same start; the largest loss and weight gaps."""
    lm, pm, _ = train("minigrad", steps, seed, dtype, meta_batch=meta_batch)
    lt, pt, _ = train("torch", steps, seed, dtype, meta_batch=meta_batch)
    loss_gap = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(lm, lt))
    param_gap = max(float(np.max(np.abs(a - b))) for a, b in zip(pm, pt))
    return lm, lt, loss_gap, param_gap


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=10000, help="meta-training steps")
    ap.add_argument("--meta-batch", type=int, default=25)
    ap.add_argument("--k", type=int, default=10, help="support points per task")
    ap.add_argument("--inner-lr", type=float, default=0.01)
    ap.add_argument("--meta-lr", type=float, default=1e-3)
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--lib", default="minigrad", choices=["minigrad", "torch"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compare-torch", type=int, default=0, metavar="N",
                    help="only run N steps on minigrad and PyTorch and print the differences")
    ap.add_argument("--out", default="out", help="directory for maml_sine.png")
    args = ap.parse_args(argv)

    if args.compare_torch:
        lm, lt, loss_gap, param_gap = compare_with_torch(args.compare_torch, args.dtype, args.seed, args.meta_batch)
        for i, (a, b) in enumerate(zip(lm, lt)):
            print(f"step {i}: meta-loss minigrad {a:.10f}  torch {b:.10f}")
        print(f"largest relative meta-loss gap {loss_gap:.2e}, largest weight gap {param_gap:.2e}")
        return 0

    lib = get_lib(args.lib)
    eval_tasks = sample_tasks(np.random.default_rng(10_000 + args.seed), 100, args.k)
    t0 = time.perf_counter()
    losses, params, evals = train(args.lib, args.steps, args.seed, args.dtype, args.meta_batch, args.k, args.inner_lr,
                                  1, args.meta_lr, progress=True, eval_every=max(args.steps // 10, 1),
                                  eval_tasks=eval_tasks)
    elapsed = time.perf_counter() - t0
    params_t = [lib.tensor(p) for p in params]
    rng0 = np.random.default_rng(args.seed)
    init = [lib.tensor(p.astype(args.dtype)) for p in init_params(rng0)]
    before = evaluate(lib, init, eval_tasks, args.k, args.inner_lr)
    after = evaluate(lib, params_t, eval_tasks, args.k, args.inner_lr)
    print(f"{args.steps} meta-steps in {elapsed:.1f}s ({1e3 * elapsed / max(args.steps, 1):.1f} ms/step, {args.lib})")
    print("held-out query MSE after 0 / 1 / 10 inner steps:")
    print(f"  initial weights : {before[0]:.3f} / {before[1]:.3f} / {before[2]:.3f}")
    print(f"  meta-trained    : {after[0]:.3f} / {after[1]:.3f} / {after[2]:.3f}")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "maml_sine.png")
    plot(lib, params_t, args.k, args.inner_lr, path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
