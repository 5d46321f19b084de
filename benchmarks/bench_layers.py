"""Layer benchmarks (issue 7): one training step of LeNet-5 (1x28x28, batch 64), an LSTM (hidden 128, sequence 32,
batch 32) and a TransformerEncoderLayer (d_model 128, 4 heads, sequence 64, batch 16), minigrad against PyTorch
and, for LeNet, a handwritten NumPy im2col floor; plus the LeNet step's peak memory.

Timings run round-robin (one step of each library in turn) in one subprocess with one thread, so a busy machine
slows all of them alike; each memory figure comes from its own fresh process. Prints ratios; asserts nothing.

    python benchmarks/bench_layers.py            # all
    python benchmarks/bench_layers.py --quick    # fewer repeats
"""
import argparse
import json
import os
import subprocess
import sys

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"


# ------------------------------------------------------------------------------------------------ workers
def _lenet_minigrad(dtype="float32"):
    import numpy as np

    import minigrad as mg
    import minigrad.nn.functional as F
    from minigrad import nn

    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, 10))
    opt = mg.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((64, 1, 28, 28)).astype(dtype))
    y = mg.tensor(rng.integers(0, 10, 64))

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def _lenet_torch():
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def _lenet_numpy():
    """The handwritten floor: im2col by a strided view and one matmul per conv, col2im by adding the kernel's
    offsets back, 2x2 max pooling by reshapes, everything by hand, no framework."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    rng = np.random.default_rng(0)
    f32 = np.float32

    def u(shape, fan_in):
        b = 1 / np.sqrt(fan_in)
        return rng.uniform(-b, b, shape).astype(f32)

    P = {"w1": u((6, 1, 5, 5), 25), "b1": u((6,), 25), "w2": u((16, 6, 5, 5), 150), "b2": u((16,), 150),
         "w3": u((120, 400), 400), "b3": u((120,), 400), "w4": u((84, 120), 120), "b4": u((84,), 120),
         "w5": u((10, 84), 84), "b5": u((10,), 84)}
    x = rng.standard_normal((64, 1, 28, 28)).astype(f32)
    y = rng.integers(0, 10, 64)

    def conv(x, w, b, pad):
        if pad:
            x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        n, c, _h, _wd = x.shape
        o, _, k, _ = w.shape
        cols = sliding_window_view(x, (k, k), axis=(2, 3))  # n c oh ow k k
        oh, ow = cols.shape[2:4]
        cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * k * k)
        out = cols @ w.reshape(o, -1).T + b
        return out.reshape(n, oh, ow, o).transpose(0, 3, 1, 2), cols, x.shape

    def conv_back(g, cols, xshape, w, need_dx, pad):
        n, o, oh, ow = g.shape
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)
        dw = (g2.T @ cols).reshape(w.shape)
        db = g2.sum(0)
        dx = None
        if need_dx:
            _, c, k, _ = w.shape
            dcols = (g2 @ w.reshape(o, -1)).reshape(n, oh, ow, c, k, k)
            dx = np.zeros(xshape, f32)
            for i in range(k):
                for j in range(k):
                    dx[:, :, i:i + oh, j:j + ow] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
            if pad:
                dx = dx[:, :, pad:-pad, pad:-pad]
        return dx, dw, db

    def pool(x):
        n, c, h, w = x.shape
        r = x.reshape(n, c, h // 2, 2, w // 2, 2)
        out = r.max(axis=(3, 5))
        mask = r == out[:, :, :, None, :, None]
        return out, mask

    def pool_back(g, mask):
        n, c, h, w = g.shape
        return (mask * g[:, :, :, None, :, None]).reshape(n, c, h * 2, w * 2)

    def step():
        a1, cols1, s1 = conv(x, P["w1"], P["b1"], 2)
        r1 = np.maximum(a1, 0)
        p1, m1 = pool(r1)
        a2, cols2, s2 = conv(p1, P["w2"], P["b2"], 0)
        r2 = np.maximum(a2, 0)
        p2, m2 = pool(r2)
        f = p2.reshape(64, -1)
        h3 = np.maximum(f @ P["w3"].T + P["b3"], 0)
        h4 = np.maximum(h3 @ P["w4"].T + P["b4"], 0)
        z = h4 @ P["w5"].T + P["b5"]
        z = z - z.max(1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        p[np.arange(64), y] -= 1
        gz = p / 64
        G = {"w5": gz.T @ h4, "b5": gz.sum(0)}
        g4 = (gz @ P["w5"]) * (h4 > 0)
        G["w4"], G["b4"] = g4.T @ h3, g4.sum(0)
        g3 = (g4 @ P["w4"]) * (h3 > 0)
        G["w3"], G["b3"] = g3.T @ f, g3.sum(0)
        gp2 = (g3 @ P["w3"]).reshape(p2.shape)
        ga2 = pool_back(gp2, m2) * (a2 > 0)
        gp1, G["w2"], G["b2"] = conv_back(ga2, cols2, s2, P["w2"], True, 0)
        ga1 = pool_back(gp1, m1) * (a1 > 0)
        _, G["w1"], G["b1"] = conv_back(ga1, cols1, s1, P["w1"], False, 2)
        for k in P:
            P[k] -= 0.01 * G[k]
    return step


def _lstm(lib):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 32, 64)).astype(np.float32)
    if lib == "torch":
        import torch

        torch.set_num_threads(1)
        m = torch.nn.LSTM(64, 128)
        x = torch.tensor(x)
    else:
        import minigrad as mg

        m = mg.nn.LSTM(64, 128)
        x = mg.tensor(x)

    def step():
        m.zero_grad()
        out, _ = m(x)
        (out * out).mean().backward()
    return step


def _encoder(lib):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 64, 128)).astype(np.float32)
    if lib == "torch":
        import torch

        torch.set_num_threads(1)
        m = torch.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.1, batch_first=True)
        x = torch.tensor(x)
    else:
        import minigrad as mg

        m = mg.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.1, batch_first=True)
        x = mg.tensor(x)

    def step():
        m.zero_grad()
        (m(x) ** 2).mean().backward()
    return step


WORKERS = {
    ("lenet", "minigrad"): _lenet_minigrad, ("lenet", "torch"): _lenet_torch, ("lenet", "numpy"): _lenet_numpy,
    ("lstm", "minigrad"): lambda: _lstm("minigrad"), ("lstm", "torch"): lambda: _lstm("torch"),
    ("encoder", "minigrad"): lambda: _encoder("minigrad"), ("encoder", "torch"): lambda: _encoder("torch"),
}


def _rss_peak_kib():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def worker(task, libs, mode, repeats):
    """Time one step of `task` for each library in `libs`, round-robin in this one process (a shared machine's
    load then falls on all of them alike), or measure the peak memory of one library's step."""
    import time

    if "torch" in libs:
        import torch  # noqa: F401 - imports count as "after imports"
    import numpy  # noqa: F401
    if "minigrad" in libs:
        import minigrad
        import minigrad.nn  # noqa: F401
    if mode == "memory":
        base = _rss_peak_kib()
        step = WORKERS[(task, libs[0])]()
        for _ in range(3):
            step()
        return {"peak_over_imports_mib": (_rss_peak_kib() - base) / 1024}
    steps = {lib: WORKERS[(task, lib)]() for lib in libs}
    for step in steps.values():
        for _ in range(3):
            step()
    cpu = {lib: [] for lib in libs}
    for _ in range(repeats):
        for lib, step in steps.items():
            c0 = time.process_time()
            step()
            cpu[lib].append(time.process_time() - c0)
    # CPU time of the process is what a shared machine disturbs least
    return {lib: 1e3 * sorted(v)[len(v) // 2] for lib, v in cpu.items()}


def run(task, libs, mode="time", repeats=20):
    out = subprocess.run([sys.executable, __file__, "--worker", task, ",".join(libs), mode, str(repeats)],
                         capture_output=True, text=True, check=True, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        task, libs, mode, repeats = args.worker
        print(json.dumps(worker(task, libs.split(","), mode, int(repeats))))
        return
    reps = 9 if args.quick else 31
    print(f"one training step, 1 thread, median CPU time over {reps} round-robin steps in one process (ms)")
    r = run("lenet", ["minigrad", "torch", "numpy"], repeats=reps)
    m, t, f = r["minigrad"], r["torch"], r["numpy"]
    print(f"LeNet-5 b64           minigrad {m:7.2f}  torch {t:7.2f}  numpy floor {f:7.2f}   "
          f"minigrad/torch {m / t:5.2f}x  minigrad/floor {m / f:5.2f}x")
    for task, label in (("lstm", "LSTM h128 T32 b32"), ("encoder", "Encoder d128 L64 b16")):
        r = run(task, ["minigrad", "torch"], repeats=max(5, reps // 2))
        m, t = r["minigrad"], r["torch"]
        print(f"{label:21s} minigrad {m:7.2f}  torch {t:7.2f}   minigrad/torch {m / t:5.2f}x")
    mem = {lib: run("lenet", [lib], "memory")["peak_over_imports_mib"] for lib in ("minigrad", "torch", "numpy")}
    print(f"LeNet-5 step peak RSS over imports, fresh process each (MiB): minigrad {mem['minigrad']:.1f}  "
          f"torch {mem['torch']:.1f}  numpy floor {mem['numpy']:.1f}   minigrad/torch "
          f"{mem['minigrad'] / mem['torch']:.2f}x")


if __name__ == "__main__":
    main()
