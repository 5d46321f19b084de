"""minigrad.distributed, nn.parallel.DistributedDataParallel and data.DistributedSampler.

The MPI tests start real jobs with `mpirun -n 2` and `-n 4 --oversubscribe` on localhost, running the scripts in
tests/distributed_workers/ (each checks its own results and exits non-zero on a mismatch). They need Open MPI and
mpi4py (`apt-get install -y openmpi-bin libopenmpi-dev && pip install -e ".[distributed]"`). Where either is missing
they are skipped with that reason, so the README's test command passes on a machine with only Python; .ci/run installs
both and sets MINIGRAD_REQUIRE_MPI=1, which turns a missing MPI into a failure, so CI always runs them.
"""
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.utils.data.distributed as torch_dist_data

import minigrad
import minigrad.distributed as dist
from minigrad.data.distributed import DistributedSampler

WORKERS = Path(__file__).parent / "distributed_workers"
SRC = Path(__file__).parents[1] / "src"
HANG_GUARD = 90  # seconds: a job still running after this is a hang, the failure these tests exist to catch



def _mpi_missing():
    if shutil.which("mpirun") is None:
        return "mpirun not found: apt-get install -y openmpi-bin libopenmpi-dev"
    if importlib.util.find_spec("mpi4py") is None:
        return 'mpi4py not installed: pip install -e ".[distributed]"'
    return None


MPI_MISSING = _mpi_missing()
mpi = pytest.mark.skipif(MPI_MISSING is not None and os.environ.get("MINIGRAD_REQUIRE_MPI") != "1",
                         reason=f"{MPI_MISSING} (CI sets MINIGRAD_REQUIRE_MPI=1 and runs these)")


def mpirun(n, script, *args, env=None):
    exe = shutil.which("mpirun")
    assert exe, "mpirun not found: apt-get install -y openmpi-bin libopenmpi-dev"
    full_env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
                    OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",  # CI containers run as root
                    OMPI_MCA_btl_vader_single_copy_mechanism="none",  # containers forbid the ptrace-based copy
                    OMPI_MCA_rmaps_base_oversubscribe="1", OMPI_MCA_hwloc_base_binding_policy="none",
                    OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", **(env or {}))
    cmd = [exe, "-n", str(n), "--oversubscribe", sys.executable, str(WORKERS / script), *map(str, args)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        proc.terminate()  # mpirun passes SIGTERM on to the ranks; a plain kill would leave them spinning
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        pytest.fail(f"mpirun -n {n} {script} {args} still running after {HANG_GUARD} s (a hang):\n{out}\n{err}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def ok(proc, n, marker):
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"mpirun exited {proc.returncode}:\n{out[-4000:]}"
    assert out.count(marker) == n, out[-4000:]
    return out


# ----------------------------------------------------------------------------------- collectives
@mpi
@pytest.mark.parametrize("n", [2, 4])
def test_collectives_match_numpy(n):
    ok(mpirun(n, "collectives_worker.py"), n, "collective checks OK")


# ----------------------------------------------------------------------------------- DDP
@mpi
@pytest.mark.parametrize("n,B", [(2, 4), (4, 3)])
def test_ddp_matches_single_process_with_world_batch(n, B):
    ok(mpirun(n, "ddp_worker.py", "equivalence", 6, B), n, "DDP == single process")


@mpi
def test_ddp_mismatched_models_one_error_at_wrap_time():
    out = ok(mpirun(2, "ddp_worker.py", "mismatch"), 2, "RuntimeError: DistributedDataParallel: the model differs")
    for line in ["parameter '0.weight': rank 0 has shape (16, 8) float32, rank 1 has shape (17, 8) float32",
                 "parameter '2.weight': rank 0 has shape (3, 16) float32, rank 1 has shape (3, 17) float32",
                 "parameter 'extra.weight': rank 1 has shape (2, 2) float32, rank 0 has none",
                 "(rank 0: 4 parameters, rank 1: 6 parameters)"]:
        assert out.count(line) == 2, (line, out)
    assert out.count("RuntimeError: DistributedDataParallel is not needed when a module doesn't have any parameter "
                     "that requires a gradient (Linear has none)") == 2, out


# ----------------------------------------------------------------------------------- failures end the job
@mpi
def test_dead_rank_ends_the_job_instead_of_hanging():
    proc = mpirun(2, "failure_worker.py", "die")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "rank 0: first all_reduce ok" in out
    assert "second all_reduce returned" not in out
    assert "exited with non-zero status" in out and "Exit code:    7" in out, out


@mpi
def test_stuck_rank_makes_the_others_raise_after_the_timeout():
    proc = mpirun(2, "failure_worker.py", "hang", env={"WORKER_TIMEOUT": "2"})
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert ("rank 0: caught DistBackendError: all_reduce: rank 0 of 2 timed out after 2 s waiting for the other "
            "ranks; one of them has probably died, hung, or skipped this collective") in out, out
    assert "second all_reduce returned" not in out


# ----------------------------------------------------------------------------------- without MPI
BLOCK_MPI4PY = "import sys; sys.modules['mpi4py'] = None; sys.modules['mpi4py.MPI'] = None\n"
# mpi4py installed but Open MPI's libmpi.so missing: importing mpi4py.MPI fails with an ImportError, as here
BLOCK_LIBMPI = "import sys, mpi4py; sys.modules['mpi4py.MPI'] = None\n"


def run_python(code):
    env = dict(os.environ, PYTHONPATH=f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    return subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60,
                          env=env)


def test_import_minigrad_does_not_import_mpi4py():
    proc = run_python("import sys, minigrad, minigrad.nn, minigrad.distributed, minigrad.nn.parallel\n"
                      "from minigrad.data.distributed import DistributedSampler\n"
                      "print('mpi4py' in sys.modules)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize("block", [
    pytest.param(BLOCK_MPI4PY, id="no mpi4py"),
    # simulates an installed mpi4py whose MPI library cannot load, so it needs mpi4py itself
    pytest.param(BLOCK_LIBMPI, id="no libmpi", marks=pytest.mark.skipif(
        importlib.util.find_spec("mpi4py") is None, reason='needs mpi4py installed: pip install -e ".[distributed]"')),
])
def test_without_mpi4py_distributed_says_what_to_install(block):
    proc = run_python(block + """
import minigrad, minigrad.nn as nn, minigrad.distributed as dist
x = minigrad.tensor([1.0, 2.0], requires_grad=True)
(x * x).sum().backward()                      # everything else works
assert not dist.is_available()
for call in (lambda: dist.init_process_group("mpi"), lambda: nn.parallel.DistributedDataParallel(nn.Linear(2, 2))):
    try:
        call()
    except RuntimeError as e:
        print("ERROR:", e)
""")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("ERROR: minigrad.distributed runs on MPI through mpi4py, which is not usable here")
    for hint in ["apt-get install -y openmpi-bin libopenmpi-dev", "pip install mpi4py", "mpirun -n 2"]:
        assert hint in lines[0], lines[0]
    assert lines[1] == ("ERROR: DistributedDataParallel: Default process group has not been initialized, please "
                        "make sure to call init_process_group.")


def test_calls_before_init_process_group_raise():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match=r"all_reduce: Default process group has not been initialized"):
        dist.all_reduce(None)
    with pytest.raises(RuntimeError, match=r"get_rank: Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match=r"init_process_group: backend 'nccl' is not supported; minigrad"):
        dist.init_process_group("nccl")


# ----------------------------------------------------------------------------------- DistributedSampler
def torch_indices(n, replicas, rank, drop_last, shuffle=False, seed=0):
    return list(torch_dist_data.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle,
                                                   seed=seed, drop_last=drop_last))


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 10, 13])
def test_sampler_split_and_padding_match_torch(n, replicas, drop_last):
    for rank in range(replicas):
        mine = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        want = torch_indices(n, replicas, rank, drop_last)
        assert list(mine) == want, (n, replicas, rank, drop_last)
        assert len(mine) == len(want)


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,replicas", [(10, 3), (13, 4), (3, 7), (64, 2)])
def test_sampler_shuffle_splits_one_permutation_like_torch(n, replicas, drop_last):
    orders = []
    for epoch in range(3):
        perm = minigrad.randperm(n, generator=minigrad.Generator(5 + epoch)).tolist()  # seed + epoch, as torch
        parts = []
        for rank in range(replicas):
            s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=5, drop_last=drop_last)
            s.set_epoch(epoch)
            parts.append(list(s))
            # torch pads, cuts and splits positions of its order; here the order is minigrad's permutation
            assert parts[-1] == [perm[j] for j in torch_indices(n, replicas, rank, drop_last)], (epoch, rank)
            assert list(s) == parts[-1], "the same epoch gives the same order"
        everyone = [i for part in parts for i in part]
        if drop_last:
            assert len(set(everyone)) == len(everyone) == n // replicas * replicas
        else:
            assert set(everyone) == set(range(n))
        orders.append(perm)
    if n >= 10:
        assert orders[0] != orders[1] and orders[1] != orders[2], "set_epoch reshuffles"


def test_sampler_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match=r"Invalid rank -1, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)
    with pytest.raises(RuntimeError, match=r"DistributedSampler: num_replicas and rank default to the process "
                                           r"group's, but init_process_group\(\) has not been called"):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match=r"DistributedSampler: num_replicas must be at least 1, got 0"):
        DistributedSampler(range(4), num_replicas=0, rank=0)


def test_torch_is_the_reference():
    assert torch.__version__  # the sampler tests compare with torch.utils.data.distributed.DistributedSampler
