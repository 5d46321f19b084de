"""Export minigrad models to ONNX and run them with onnxruntime: an MLP trained on scikit-learn's moons, and a
LeNet-5 (random weights) on 28x28 images. Prints the opset, the ONNX node types, and the largest difference
between onnxruntime's outputs and minigrad's.

Needs the optional packages: pip install onnx onnxruntime (and scikit-learn for the moons).

    python examples/export_onnx.py [--out out/] [--steps 200] [--opset 17]
"""
import argparse
import collections
import pathlib
import time

import numpy as np
from sklearn.datasets import make_moons
from tqdm import tqdm

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.onnx import export
from minigrad.optim import SGD


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5, padding=2), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x).relu(), 2)
        x = F.max_pool2d(self.conv2(x).relu(), 2)
        return self.fc3(self.fc2(self.fc1(x.flatten(1)).relu()).relu())


def check(model, example, path, opset):
    import onnxruntime

    proto = export(model, example, path, opset_version=opset)
    sess = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: example})[0]
    ref = model(minigrad.tensor(example)).numpy()
    ops = collections.Counter(n.op_type for n in proto.graph.node)
    print(f"{path.name}: opset {proto.opset_import[0].version}, nodes {dict(ops)}, "
          f"max |onnxruntime - minigrad| = {np.abs(got - ref).max():.2e}")
    return got


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out")
    ap.add_argument("--steps", type=int, default=200, help="SGD steps for the moons MLP")
    ap.add_argument("--opset", type=int, default=17)
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    minigrad.manual_seed(0)
    X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    X, y = X.astype(np.float32), y.astype(np.int64)
    mlp = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = SGD(mlp.parameters(), lr=0.2, momentum=0.9)
    for _ in tqdm(range(args.steps), desc="training MLP on moons"):
        opt.zero_grad()
        loss = F.cross_entropy(mlp(minigrad.tensor(X)), minigrad.tensor(y))
        loss.backward()
        opt.step()
    logits = check(mlp, X, out / "mlp_moons.onnx", args.opset)
    print(f"MLP: loss {loss.item():.4f}, onnxruntime accuracy {(logits.argmax(1) == y).mean():.3f}")

    minigrad.manual_seed(0)
    lenet = LeNet()
    images = np.random.default_rng(0).standard_normal((8, 1, 28, 28)).astype(np.float32)
    check(lenet, images, out / "lenet.onnx", args.opset)
    print(f"done in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
