"""Run under mpirun: one rank stops taking part; the others must fail with an error, not hang.

    die:  rank 1 exits abruptly (os._exit) before the collective; mpirun's abort propagation ends the others.
    hang: rank 1 sleeps instead of joining; the others' collective raises DistBackendError after the timeout.
"""
import os
import sys
import time

import minigrad
import minigrad.distributed as dist


def main(mode):
    dist.init_process_group("mpi", timeout=float(os.environ.get("WORKER_TIMEOUT", "3")))
    rank = dist.get_rank()
    t = minigrad.ones(1000)
    dist.all_reduce(t)  # everyone alive here
    print(f"rank {rank}: first all_reduce ok", flush=True)
    if rank == 1:
        if mode == "die":
            os._exit(7)
        time.sleep(600)
    try:
        dist.all_reduce(t)
    except dist.DistBackendError as e:
        print(f"rank {rank}: caught DistBackendError: {e}", flush=True)
        raise
    print(f"rank {rank}: second all_reduce returned (unexpected)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
