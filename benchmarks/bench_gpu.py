"""GPU benchmarks (CuPy): one training step of the MLP 784-256-256-10 (batch 128, nn.Linear + CrossEntropyLoss +
SGD), LeNet-5 (1x28x28, batch 64, SGD) and a TransformerEncoderLayer (d_model 128, 4 heads, sequence 64, batch 16),
minigrad on CUDA against PyTorch on CUDA, interleaved in one run; each timing ends with a device synchronise.
Prints the GPU's name and the ratios; needs CuPy, a GPU and torch with CUDA.

    python benchmarks/bench_gpu.py
"""
import time

import numpy as np


def _models(lib):
    nn = lib.nn
    mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    lenet = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                          nn.ReLU(), nn.Linear(84, 10))
    encoder = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.1, batch_first=True)
    return mlp, lenet, encoder


def _steps(lib, tensor, sync):
    rng = np.random.default_rng(0)
    mlp, lenet, encoder = (m.to("cuda") for m in _models(lib))
    ce = lib.nn.CrossEntropyLoss()
    x_mlp, y_mlp = tensor(rng.standard_normal((128, 784)).astype(np.float32)), tensor(rng.integers(0, 10, 128))
    x_le, y_le = tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32)), tensor(rng.integers(0, 10, 64))
    x_enc = tensor(rng.standard_normal((16, 64, 128)).astype(np.float32))

    def classifier(model, x, y):
        opt = lib.optim.SGD(model.parameters(), lr=0.01)

        def step():
            opt.zero_grad()
            ce(model(x), y).backward()
            opt.step()
            sync()
        return step

    def enc_step():
        encoder.zero_grad()
        (encoder(x_enc) ** 2).mean().backward()
        sync()

    return {"MLP 784-256-256-10 SGD step, batch 128": classifier(mlp, x_mlp, y_mlp),
            "LeNet-5 SGD step, batch 64": classifier(lenet, x_le, y_le),
            "TransformerEncoderLayer step (128, 4 heads, 16 x 64)": enc_step}


def _best(fn, number=20, repeat=5):
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def main():
    import cupy
    import torch

    import minigrad as mg

    torch.manual_seed(0)
    mg.manual_seed(0)
    libs = {"torch": _steps(torch, lambda a: torch.tensor(a, device="cuda"), torch.cuda.synchronize),
            "minigrad": _steps(mg, lambda a: mg.tensor(a, device="cuda"), cupy.cuda.Device().synchronize)}
    print(f"GPU: {torch.cuda.get_device_name()}; CuPy {cupy.__version__}, torch {torch.__version__}")
    for name in libs["torch"]:
        best = {lib: float("inf") for lib in libs}
        for _ in range(5):  # interleaved rounds: both libraries see the same GPU clocks
            for lib in libs:
                best[lib] = min(best[lib], _best(libs[lib][name]))
        print(f"\n{name}")
        for lib, t in best.items():
            print(f"  {lib:<10} {t * 1e6:10.1f} us   {t / best['torch']:5.2f}x torch")


if __name__ == "__main__":
    main()
