"""Run under mpirun: every collective of minigrad.distributed checked against NumPy on every rank.

Each rank's input is drawn from a generator seeded by (rank, case), so every rank can compute the expected result of
the whole group with NumPy alone. Exits non-zero (with the failing case) on any mismatch.
"""
import numpy as np

import minigrad
import minigrad.distributed as dist

DTYPES = ["float64", "float32", "float16", "int64", "int32", "bool"]
TOL = {"float64": 1e-12, "float32": 1e-5, "float16": 2e-3}


def data(rank, case, shape, dtype):
    rng = np.random.default_rng([rank, case])
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if np.dtype(dtype).kind == "i":
        return rng.integers(-5, 6, shape).astype(dtype)
    return rng.uniform(0.5, 1.5, shape).astype(dtype)  # positive: products stay well conditioned


def tensor(arr, noncontiguous=False):
    if noncontiguous and arr.ndim == 2:  # a transposed view: the collective must write through it
        t = minigrad.tensor(np.ascontiguousarray(arr.T))
        t.data = t.data.T
        return t
    return minigrad.tensor(arr)


def check(got, want, dtype, what):
    got = np.asarray(got.data if hasattr(got, "data") else got)
    assert got.dtype == np.dtype(dtype), f"{what}: dtype {got.dtype} != {dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    if dtype in TOL:
        np.testing.assert_allclose(got, want.astype(dtype), rtol=TOL[dtype], atol=TOL[dtype], err_msg=what)
    else:
        np.testing.assert_array_equal(got, want.astype(dtype), err_msg=what)


def reduce_np(arrays, op, dtype):
    stack = np.stack([a.astype("float64") if dtype != "bool" else a for a in arrays])
    if dtype == "bool":
        return {"sum": stack.any(0), "max": stack.any(0), "min": stack.all(0), "product": stack.all(0)}[op]
    return {"sum": stack.sum(0), "avg": stack.mean(0), "product": stack.prod(0), "max": stack.max(0),
            "min": stack.min(0)}[op]


def raises(exc, text, fn):
    try:
        fn()
    except exc as e:
        assert text in str(e), f"expected {text!r} in {e!r}"
        return
    raise AssertionError(f"expected {exc.__name__}: {text}")


def check_errors(world):
    """Bad arguments raise on every rank before any communication, naming the op and the values."""
    t = minigrad.ones(3)
    raises(TypeError, "all_reduce: tensor must be a minigrad Tensor, got ndarray", lambda: dist.all_reduce(np.ones(3)))
    raises(ValueError, "all_reduce: unknown reduce op 'median'; use ReduceOp.SUM, AVG, PRODUCT, MIN or MAX",
           lambda: dist.all_reduce(t, op="median"))
    raises(TypeError, "all_reduce: ReduceOp.AVG needs a floating tensor, got int64",
           lambda: dist.all_reduce(minigrad.tensor([1, 2]), op=dist.ReduceOp.AVG))
    raises(ValueError, f"broadcast: src={world} is not a rank of this group of {world} processes",
           lambda: dist.broadcast(t, src=world))
    raises(ValueError, f"all_gather: tensor_list must be a list of {world} tensors (the world size), got 1 tensors",
           lambda: dist.all_gather([minigrad.ones(3)], t))
    raises(ValueError, "all_gather: tensor_list[0] has shape (2,) and dtype float32, but the tensor has shape (3,) "
           "and dtype float32; all must match", lambda: dist.all_gather([minigrad.ones(2)] * world, t))
    raises(ValueError, f"all_gather_into_tensor: output_tensor (shape (3,), float32) must hold world_size={world} "
           "times input_tensor (shape (3,), float32)", lambda: dist.all_gather_into_tensor(minigrad.ones(3), t))
    if dist.get_rank() != 0:
        raises(ValueError, f"gather: gather_list must be given only on the destination rank 0 (this is rank "
               f"{dist.get_rank()})", lambda: dist.gather(t, [minigrad.ones(3)] * world, dst=0))
    raises(RuntimeError, "trying to initialize the default process group twice!", dist.init_process_group)
    raises(ValueError, "get_rank: only the default group (group=None) is supported", lambda: dist.get_rank(group=1))


def main():
    dist.init_process_group(backend="mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and dist.get_backend() == "mpi" and dist.is_available()
    check_errors(world)
    shape = (3, 4)
    case = 0
    n_checks = 0
    for dtype in DTYPES:
        for op in ["sum", "avg", "product", "max", "min"]:
            if op == "avg" and dtype in ("int64", "int32", "bool"):
                continue
            for noncontig in (False, True):
                for async_op in (False, True):
                    case += 1
                    arrays = [data(r, case, shape, dtype) for r in range(world)]
                    t = tensor(arrays[rank], noncontig)
                    before = t.data
                    red = getattr(dist.ReduceOp, op.upper())
                    work = dist.all_reduce(t, op=red, async_op=async_op)
                    if async_op:
                        assert work.wait() is True and work.is_completed()
                    else:
                        assert work is None
                    assert t.data is before, "all_reduce must write into the tensor's own array"
                    what = f"all_reduce {op} {dtype} noncontig={noncontig} async={async_op}"
                    check(t, reduce_np(arrays, op, dtype), dtype, what)
                    n_checks += 1

                    # reduce: only dst changes
                    case += 1
                    dst = case % world
                    arrays = [data(r, case, shape, dtype) for r in range(world)]
                    t = tensor(arrays[rank], noncontig)
                    w = dist.reduce(t, dst=dst, op=red, async_op=async_op)
                    if async_op:
                        w.wait()
                    want = reduce_np(arrays, op, dtype) if rank == dst else arrays[rank]
                    check(t, want, dtype, f"reduce {op} {dtype} dst={dst}")

                    # reduce_scatter and reduce_scatter_tensor
                    case += 1
                    lists = [[data(r, case * 100 + k, shape, dtype) for k in range(world)] for r in range(world)]
                    out = minigrad.zeros(*shape, dtype=dtype)
                    w = dist.reduce_scatter(out, [tensor(a, noncontig) for a in lists[rank]], op=red,
                                            async_op=async_op)
                    if async_op:
                        w.wait()
                    check(out, reduce_np([lists[r][rank] for r in range(world)], op, dtype), dtype,
                          f"reduce_scatter {op} {dtype}")
                    big = [np.concatenate(lists[r]) for r in range(world)]
                    out = minigrad.zeros(*shape, dtype=dtype)
                    dist.reduce_scatter_tensor(out, minigrad.tensor(big[rank]), op=red)
                    check(out, reduce_np([lists[r][rank] for r in range(world)], op, dtype), dtype,
                          f"reduce_scatter_tensor {op} {dtype}")
                    n_checks += 3

        for noncontig in (False, True):
            case += 1
            arrays = [data(r, case, shape, dtype) for r in range(world)]
            src = case % world
            t = tensor(arrays[rank], noncontig)
            dist.broadcast(t, src=src)
            check(t, arrays[src], dtype, f"broadcast {dtype} src={src}")

            case += 1
            arrays = [data(r, case, shape, dtype) for r in range(world)]
            outs = [tensor(np.zeros(shape, dtype), noncontig) for _ in range(world)]
            dist.all_gather(outs, tensor(arrays[rank], noncontig))
            for r in range(world):
                check(outs[r], arrays[r], dtype, f"all_gather {dtype} [{r}]")
            big = minigrad.zeros(world * shape[0], shape[1], dtype=dtype)
            dist.all_gather_into_tensor(big, tensor(arrays[rank], noncontig))
            check(big, np.concatenate(arrays), dtype, f"all_gather_into_tensor {dtype}")

            case += 1
            arrays = [data(r, case, shape, dtype) for r in range(world)]
            dst = case % world
            outs = [minigrad.zeros(*shape, dtype=dtype) for _ in range(world)] if rank == dst else None
            dist.gather(tensor(arrays[rank], noncontig), outs, dst=dst)
            if rank == dst:
                for r in range(world):
                    check(outs[r], arrays[r], dtype, f"gather {dtype} [{r}]")

            case += 1
            src = case % world
            parts = [data(src, case * 100 + r, shape, dtype) for r in range(world)]
            t = tensor(np.zeros(shape, dtype), noncontig)
            dist.scatter(t, [minigrad.tensor(p) for p in parts] if rank == src else None, src=src)
            check(t, parts[rank], dtype, f"scatter {dtype} src={src}")
            n_checks += 6

    objs = [None] * world
    dist.all_gather_object(objs, {"rank": rank, "name": f"r{rank}"})
    assert objs == [{"rank": r, "name": f"r{r}"} for r in range(world)], objs
    src = world - 1
    lst = [rank, "x", {"k": (1, 2)}] if rank == src else [None, None, None]
    dist.broadcast_object_list(lst, src=src)
    assert lst == [src, "x", {"k": (1, 2)}], lst
    dist.barrier()
    dist.destroy_process_group()
    assert not dist.is_initialized()
    print(f"rank {rank}/{world}: {n_checks} collective checks OK", flush=True)


if __name__ == "__main__":
    main()
