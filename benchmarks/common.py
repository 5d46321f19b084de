"""Shared timing helpers: one thread everywhere, interleaved repeats, best-of timing."""
import os
import sys

# BLAS reads these once, when NumPy loads it: a benchmark that imported NumPy first ran the NumPy floor and minigrad
# on every core's BLAS thread against a one-thread torch (bench_core did, until stop 13), so refuse that order
if "numpy" in sys.modules:
    raise ImportError("benchmarks/common.py must be imported before NumPy: it pins BLAS to one thread")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import gc  # noqa: E402
import time  # noqa: E402


def single_thread_torch():
    import torch

    torch.set_num_threads(1)
    return torch


def best_time(fn, number, repeat=7, collect=False):
    """Best mean seconds per call over `repeat` runs of `number` calls (after one warm-up call). With `collect`, the
    garbage of earlier runs is collected before each run, outside the timing (a full collection costs ~40 ms here,
    so only for long runs), so every run starts alike; the collector stays on while timing, as in a user's program."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        if collect:
            gc.collect()
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def compare(rows, number, repeat=7, rounds=3, collect=False):
    """Time each (name, fn) in `rows`, interleaved over `rounds` so machine noise hits all alike; best per row.
    Each round starts one row later, so that no row always runs right after the same other one: measured, a row
    that always follows torch's step ran ~3-5% slower than in another order (what torch leaves behind, in the
    caches or in the core's clock, is paid by whoever comes next)."""
    best = {name: float("inf") for name, _ in rows}
    for r in range(rounds):
        for name, fn in rows[r % len(rows):] + rows[:r % len(rows)]:
            best[name] = min(best[name], best_time(fn, number, repeat, collect))
    return best


def report(title, times, base, targets=None):
    print(f"\n{title}")
    for name, t in times.items():
        ratio = t / times[base]
        line = f"  {name:<28} {t * 1e6:12.1f} us   {ratio:6.2f}x {base}"
        if targets and name in targets:
            line += f"   (target <= {targets[name]}x)"
        print(line)
