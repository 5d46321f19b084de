"""Hypothesis profiles: `ci` (default; derandomised so CI runs repeat), `dev` (a few examples), `thorough` (releases).
Pick one with HYPOTHESIS_PROFILE=thorough pytest ..."""
import os

# One BLAS/OpenMP thread per process: on CI's 2 cores, multithreaded BLAS in several processes (MPI jobs, examples)
# oversubscribes the machine and slows the suite several-fold. Set before numpy or torch is imported by a test.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import HealthCheck, settings

# MINIGRAD_TEST_DEVICE=cuda runs the device-aware tests (the op table, the layer checks, the optimizer trajectories:
# tests/test_cuda.py names them) with every new tensor on that device
if os.environ.get("MINIGRAD_TEST_DEVICE"):
    import minigrad

    minigrad.set_device(os.environ["MINIGRAD_TEST_DEVICE"])

_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                                     HealthCheck.filter_too_much]}
settings.register_profile("ci", max_examples=12, derandomize=True, print_blob=True, **_common)
settings.register_profile("dev", max_examples=5, **_common)
settings.register_profile("thorough", max_examples=300, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
