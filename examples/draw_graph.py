"""Graph pictures (seed 002's "Tracing / visualization"): draws, as SVG and PNG,

1. seed 002's 2-input neuron on the scalar engine (data and grad in each node), before and after backward();
2. a Tensor MLP's lazy training graph over placeholders, with parameter names taken from the module;
3. the same graph collapsed by module (one box per layer).

Needs the graphviz package and Graphviz's `dot` (pip install graphviz; apt-get install graphviz).

    python examples/draw_graph.py [--out out/] [--max-nodes 300]
"""
import argparse
import pathlib
import time

from tqdm import tqdm

import minigrad
import minigrad.nn.functional as F
from minigrad import Tensor, nn
from minigrad.scalar import Value
from minigrad.scalar import nn as snn
from minigrad.viz import draw_dot, to_dot


class ManualLinear(nn.Module):
    """x @ W.T + b written as three ops, so that collapsing by module has something to fold."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(minigrad.randn(n_out, n_in) * n_in ** -0.5)
        self.bias = nn.Parameter(minigrad.zeros(n_out))

    def forward(self, x):
        return x @ self.weight.T + self.bias


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out", help="folder for the pictures")
    ap.add_argument("--max-nodes", type=int, default=300, help="node limit of each picture")
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    # seed 002: n = nn.Neuron(2); x = [Value(1.0), Value(-2.0)]; y = n(x); dot = draw_dot(y)
    minigrad.manual_seed(1337)
    n = snn.Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    names = {"w0": n.w[0], "w1": n.w[1], "b": n.b}
    pictures = [("neuron_before_backward", y, {"params": names})]

    # a Tensor MLP's training graph, built once over placeholders
    minigrad.manual_seed(0)
    model = nn.Sequential(ManualLinear(2, 16), nn.ReLU(), ManualLinear(16, 16), nn.ReLU(), ManualLinear(16, 2))
    xb = Tensor(shape=(32, 2), name="x", requires_grad=False)
    yb = Tensor(shape=(32, 2), name="y", requires_grad=False)
    loss = F.cross_entropy(model(xb), yb)
    params = dict(model.named_parameters())
    pictures += [("mlp_graph", loss, {"params": params}),
                 ("mlp_graph_collapsed", loss, {"params": model, "collapse": True})]

    written = []
    for i, (name, root, kw) in enumerate(tqdm(pictures + [("neuron_after_backward", y, {"params": names})],
                                              desc="drawing")):
        if name == "neuron_after_backward":
            y.backward()
        for fmt in ("svg", "png"):
            written.append(draw_dot(root, format=fmt, rankdir="LR", filename=out / f"{name}.{fmt}",
                                    max_nodes=args.max_nodes, **kw))
        lines = to_dot(root, max_nodes=args.max_nodes, **kw).count("->")
        tqdm.write(f"{name}: {lines} edges")
    print("wrote", ", ".join(str(p) for p in written))
    print(f"done in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
