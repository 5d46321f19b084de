"""Data-parallel training across processes on MPI, with torch.distributed's API. Public re-exports only.

Start the processes with Open MPI (`mpirun -n 2 python train.py`) and call `init_process_group("mpi")` in each.
mpi4py and Open MPI are optional: they are imported on first use, and a clear error says what to install.
"""
from .collectives import (ReduceOp, all_gather, all_gather_into_tensor, all_gather_object, all_reduce, barrier,
                          broadcast, broadcast_object_list, gather, reduce, reduce_scatter, reduce_scatter_tensor,
                          scatter)
from .process_group import (DistBackendError, Work, destroy_process_group, get_backend, get_rank, get_world_size,
                            init_process_group, is_available, is_initialized, is_mpi_available)

__all__ = ["DistBackendError", "ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_gather_object",
           "all_reduce", "barrier", "broadcast", "broadcast_object_list", "destroy_process_group", "gather",
           "get_backend", "get_rank", "get_world_size", "init_process_group", "is_available", "is_initialized",
           "is_mpi_available", "reduce", "reduce_scatter", "reduce_scatter_tensor", "scatter"]
