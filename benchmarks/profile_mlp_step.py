"""Profile one minigrad SGD training step of bench_mlp_train.py's MLP (cProfile, one thread), to see where the
time over the NumPy floor goes. Run: python benchmarks/profile_mlp_step.py [sgd|adam]"""
# ruff: noqa: I001 - common must be imported before NumPy: it pins BLAS to one thread
import cProfile
import pstats
import sys

from common import best_time

import numpy as np
import bench_mlp_train as B


def main():
    adam = len(sys.argv) > 1 and sys.argv[1] == "adam"
    x, y = B._data()
    rng = np.random.default_rng(1)
    ws = [(rng.uniform(-1, 1, (o, i)) / np.sqrt(i)).astype(np.float32) for i, o in zip(B.SIZES, B.SIZES[1:])]
    bs = [(rng.uniform(-1, 1, o) / np.sqrt(i)).astype(np.float32) for i, o in zip(B.SIZES, B.SIZES[1:])]
    run = B.minigrad_step(ws, bs, x, y, adam)
    floor = B.numpy_floor(ws, bs, x, y, adam)
    print(f"minigrad {best_time(run, 50) * 1e6:.0f} us, floor {best_time(floor, 50) * 1e6:.0f} us")
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(300):
        run()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
