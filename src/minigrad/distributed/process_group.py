"""The default process group on MPI: initialisation, rank and size, and waiting on MPI requests with a timeout.

MPI comes from mpi4py over the system's Open MPI, both optional: nothing here imports mpi4py until
`init_process_group` runs, so `import minigrad` works without them.
"""
import atexit
import datetime
import os
import sys
import time

INSTALL_HINT = (
    "minigrad.distributed runs on MPI through mpi4py, which is not usable here ({why}). Install Open MPI and "
    "the extra: `apt-get install -y openmpi-bin libopenmpi-dev` (or your system's Open MPI / MPICH package), then "
    "`pip install mpi4py` (or `pip install minigrad[distributed]`), and start the processes with "
    "`mpirun -n 2 python your_script.py`")

# torch's default collective timeout (30 min); MINIGRAD_DIST_TIMEOUT (seconds) or init_process_group(timeout=) change it
DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)


class DistBackendError(RuntimeError):
    """A collective failed in the MPI backend (a timeout, usually a dead or stuck rank). Matches
    torch.distributed.DistBackendError."""


class _Group:
    """The default group: a private duplicate of MPI's COMM_WORLD, so user mpi4py traffic never matches ours."""

    def __init__(self, MPI, comm, timeout):
        self.MPI, self.comm, self.timeout = MPI, comm, timeout
        self.rank, self.size = comm.Get_rank(), comm.Get_size()


_group = None
_timed_out = False


def _import_mpi():
    """mpi4py's MPI module, or a RuntimeError that says what to install."""
    # Open MPI's default choice for the non-blocking all-reduce ran 2-4x slower than its blocking one on 4-64 MB
    # (benchmarks/bench_distributed.py); Rabenseifner's algorithm matched it. Read at MPI_Init; a user value wins.
    os.environ.setdefault("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "3")
    try:
        from mpi4py import MPI  # noqa: PLC0415 - optional dependency, imported on first use
    except ImportError as e:
        # mpi4py missing, or present but its libmpi.so is not (Open MPI not installed)
        raise RuntimeError(INSTALL_HINT.format(why=f"{type(e).__name__}: {e}")) from e
    except RuntimeError as e:
        raise RuntimeError(INSTALL_HINT.format(why=f"MPI failed to start: {e}")) from e
    return MPI


def is_available():
    """True when mpi4py and an MPI library can be imported (imports them). Matches torch.distributed.is_available."""
    try:
        _import_mpi()
    except RuntimeError:
        return False
    return True


def is_mpi_available():
    return is_available()


def _seconds(timeout):
    if timeout is None:
        env = os.environ.get("MINIGRAD_DIST_TIMEOUT")
        return float(env) if env else DEFAULT_TIMEOUT.total_seconds()
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    return float(timeout)


def init_process_group(backend="mpi", init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the default process group: every process started by `mpirun -n N` becomes one rank.

    Args:
        backend: "mpi" (the only one; None means "mpi").
        init_method, store, group_name, pg_options, device_id: accepted for torch compatibility; MPI's launcher
            already knows the processes, so they are ignored.
        timeout: how long a collective waits for the other ranks before raising DistBackendError (a
            datetime.timedelta or seconds; default 30 minutes, or the MINIGRAD_DIST_TIMEOUT environment variable).
        world_size, rank: optional; when given they must equal what mpirun started.

    Raises:
        RuntimeError: mpi4py/Open MPI missing (the message says what to install), or the group already exists.
        ValueError: an unknown backend, or world_size/rank that disagree with mpirun.

    Matches torch.distributed.init_process_group with backend="mpi".
    """
    global _group
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(f"init_process_group: backend {backend!r} is not supported; minigrad.distributed runs on "
                         "MPI only (backend='mpi')")
    if _group is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    MPI = _import_mpi()
    comm = MPI.COMM_WORLD.Dup()
    group = _Group(MPI, comm, _seconds(timeout))
    if world_size not in (-1, None) and int(world_size) != group.size:
        comm.Free()
        raise ValueError(f"init_process_group: world_size={world_size} but mpirun started {group.size} processes")
    if rank not in (-1, None) and int(rank) != group.rank:
        comm.Free()
        raise ValueError(f"init_process_group: rank={rank} but MPI gave this process rank {group.rank}")
    _group = group


def is_initialized():
    return _group is not None


def _default_group(op):
    if _group is None:
        raise RuntimeError(f"{op}: Default process group has not been initialized, please make sure to call "
                           "init_process_group.")
    return _group


def _check_group(group, op):
    if group is not None and group is not _group:
        raise ValueError(f"{op}: only the default group (group=None) is supported")
    return _default_group(op)


def get_rank(group=None):
    return _check_group(group, "get_rank").rank


def get_world_size(group=None):
    return _check_group(group, "get_world_size").size


def get_backend(group=None):
    _check_group(group, "get_backend")
    return "mpi"


def destroy_process_group(group=None):
    """Leave the default group. MPI itself finalises when the process exits."""
    global _group
    g = _check_group(group, "destroy_process_group")
    g.comm.Free()
    _group = None


def _abort_after_timeout():
    # A timed-out collective is still posted, so MPI_Finalize at exit could wait on it forever: abort instead,
    # which also makes mpirun stop the other ranks.
    if _timed_out and not sys.is_finalizing():
        from mpi4py import MPI  # noqa: PLC0415

        sys.stderr.flush()
        MPI.COMM_WORLD.Abort(1)


atexit.register(_abort_after_timeout)


def wait(req, group, what):
    """Wait for one MPI request, polling so that a dead or stuck peer raises after the group's timeout."""
    global _timed_out
    if req.Test():
        return
    deadline = time.monotonic() + group.timeout
    spins = 0
    # busy polling, as MPI's own blocking calls do: MPI progresses a request only inside MPI calls, so sleeping
    # here would stall it (a time.sleep(0) every 1024 tests made a 4 MB all-reduce 8x slower). sched_yield only
    # gives the core away when another process waits for it (oversubscribed ranks), as Open MPI does then.
    while not req.Test():
        spins += 1
        if spins & 63 == 0:
            _yield()
        if spins & 1023 == 0 and time.monotonic() > deadline:
            _timed_out = True
            raise DistBackendError(
                f"{what}: rank {group.rank} of {group.size} timed out after {group.timeout:g} s waiting for the "
                "other ranks; one of them has probably died, hung, or skipped this collective (the timeout is "
                "init_process_group(timeout=...) or MINIGRAD_DIST_TIMEOUT)")


_yield = getattr(os, "sched_yield", lambda: None)


class Work:
    """A started collective (async_op=True). `wait()` blocks until it is done and returns True.

    Matches torch.distributed.Work's wait() and is_completed().
    """

    def __init__(self, req, group, what, finish=None):
        self._req, self._group, self._what, self._finish, self._done = req, group, what, finish, False

    def is_completed(self):
        if not self._done and self._req.Test():
            self._complete()
        return self._done

    def wait(self, timeout=None):
        if not self._done:
            wait(self._req, self._group, self._what)
            self._complete()
        return True

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()
            self._finish = None
