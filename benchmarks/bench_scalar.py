"""minigrad.scalar vs micrograd 0.1.0 on one step of seed 002's moons demo, plus a 100,000-deep chain.

One step = forward of MLP(2, [16, 16, 1]) over 100 points, SVM max-margin loss + L2, backward, SGD update: the
demo's loop body, the same code for both engines (only Value and MLP differ). Timed with the garbage collector on
(the default, where micrograd's per-node closures make reference cycles for the collector to chase) and off.
Prints ratios; asserts nothing.

    python benchmarks/bench_scalar.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import sys
import time

from micrograd.engine import Value as MicroValue
from micrograd.nn import MLP as MicroMLP

from minigrad.scalar import MLP, Value


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[list[list[float]], list[int]]:
    """sklearn's make_moons in pure Python (labels -1/+1 as the demo uses)."""
    rng = random.Random(seed)
    half = n // 2
    X, y = [], []
    for i in range(n):
        if i < half:
            t = math.pi * i / (half - 1)
            X.append([math.cos(t) + rng.gauss(0, noise), math.sin(t) + rng.gauss(0, noise)])
            y.append(-1)
        else:
            t = math.pi * (i - half) / (n - half - 1)
            X.append([1 - math.cos(t) + rng.gauss(0, noise), 1 - math.sin(t) - 0.5 + rng.gauss(0, noise)])
            y.append(1)
    return X, y


def moons_step(value_cls, model, X, y, k: int = 0) -> float:
    """The loop body of micrograd's demo.ipynb."""
    inputs = [list(map(value_cls, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return total_loss.data


class UnfusedNeuron:
    """micrograd's Neuron on minigrad's Value: a chain of * and + instead of the fused ``Value.dot`` node."""

    def __init__(self, nin: int, nonlin: bool = True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act


class UnfusedMLP:
    """micrograd's MLP with UnfusedNeuron: isolates the engine (node layout, backward) from the fused layer."""

    def __init__(self, nin: int, nouts: list[int]):
        sizes = [nin, *nouts]
        self.layers = [
            [UnfusedNeuron(sizes[i], i != len(nouts) - 1) for _ in range(sizes[i + 1])] for i in range(len(nouts))
        ]

    def __call__(self, x):
        for layer in self.layers:
            x = [n(x) for n in layer]
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for n in layer for p in (*n.w, n.b)]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


def time_steps(value_cls, mlp_cls, gc_on: bool, repeat: int) -> float:
    """Median seconds per step over `repeat` steps (after one warm-up step), same seeds for both engines."""
    random.seed(1337)
    model = mlp_cls(2, [16, 16, 1])
    X, y = make_moons()
    times = []
    gc.collect()
    (gc.enable if gc_on else gc.disable)()
    try:
        for k in range(repeat + 1):
            t0 = time.perf_counter()
            moons_step(value_cls, model, X, y, k)
            times.append(time.perf_counter() - t0)
    finally:
        gc.enable()
    return statistics.median(times[1:])


def chain(n: int = 100_000) -> tuple[float, float]:
    """Forward and backward seconds of x -> tanh(x * 0.5 + 0.1), n times."""
    t0 = time.perf_counter()
    x = Value(0.3)
    y = x
    for _ in range(n):
        y = (y * 0.5 + 0.1).tanh()
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    assert math.isfinite(x.grad)
    return t1 - t0, t2 - t1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed steps per configuration (median reported)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, moons step: MLP(2,[16,16,1]), 100 points, median of {args.repeat}")
    for gc_on in (True, False):
        ours = time_steps(Value, MLP, gc_on, args.repeat)
        unfused = time_steps(Value, UnfusedMLP, gc_on, args.repeat)
        theirs = time_steps(MicroValue, MicroMLP, gc_on, args.repeat)
        label = "gc on " if gc_on else "gc off"
        print(
            f"  {label}: micrograd 0.1.0 {theirs * 1e3:7.1f} ms | minigrad.scalar MLP {ours * 1e3:6.1f} ms "
            f"({theirs / ours:5.1f}x faster) | engine only, unfused neurons {unfused * 1e3:6.1f} ms "
            f"({theirs / unfused:5.1f}x faster)"
        )
    fwd, bwd = chain()
    print(f"100,000-deep chain (mul, add, tanh per link): forward {fwd:.3f} s, backward {bwd:.3f} s")


if __name__ == "__main__":
    main()
