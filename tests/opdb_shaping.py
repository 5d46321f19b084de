"""Op table entries for src/minigrad/ops/shaping.py (see opdb.py: OpSpec, samplers).

Indices and masks travel in the trailing ("dim", ...) marker, not as input arrays: a lazy graph replays only indices
that are the placeholder's own data, and these ops derive new index arrays from theirs."""
import math

import numpy as np
import torch
from hypothesis import strategies as st
from opdb import OpSpec, _dim, _values, binary, shapes, unary  # noqa: F401

import minigrad


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 1000)))


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else minigrad


def _tri(draw, dtype):
    x = _values(draw, draw(shapes(min_dims=2, max_dims=4)), dtype)
    return [x, ("dim", draw(st.integers(-3, 3)), None)]


def _two_dims(draw, nd):
    d1, d2 = draw(st.lists(st.integers(-nd, nd - 1), min_size=2, max_size=2, unique_by=lambda d: d % nd))
    return d1, d2


def _diagonal(draw, dtype):
    shape = draw(shapes(min_dims=2, max_dims=4))
    nd = len(shape)
    return [_values(draw, shape, dtype), ("dim", (draw(st.integers(-3, 3)), *_two_dims(draw, nd),
                                                  draw(st.integers(-2, 2)), *_two_dims(draw, nd + 1)), None)]


def _diagonal_ops(x, a, _):
    o, d1, d2, e, f1, f2 = a
    return x.diagonal(o, d1, d2), x.diag_embed(e, f1, f2)


def _diag(draw, dtype):
    x = _values(draw, draw(shapes(min_dims=1, max_dims=2)), dtype)
    return [x, ("dim", draw(st.integers(-2, 2)), None)]


def _diag_ops(x, k, _):
    return x.diag(k), x.diagflat(k), x.trace() if x.ndim == 2 else x * 1


def _roll(draw, dtype):
    shape = draw(shapes(max_dims=4))
    nd = len(shape)
    if nd and draw(st.booleans()):
        dims = tuple(draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd)))
        shifts = tuple(draw(st.integers(-5, 5)) for _ in dims)
    else:
        dims, shifts = None, draw(st.integers(-5, 5))
    reps = tuple(draw(st.integers(0, 2)) for _ in range(draw(st.integers(1, 4))))
    rot = (draw(st.integers(-5, 5)), _two_dims(draw, nd)) if nd >= 2 else None
    return [_values(draw, shape, dtype), ("dim", (shifts, dims, reps, rot), None)]


def _roll_ops(x, a, _):
    shifts, dims, reps, rot = a
    out = (x.roll(shifts, dims), x.tile(reps), x.ravel())
    if rot is not None:
        out += (x.rot90(rot[0], rot[1]), x.fliplr(), x.flipud())
    return out


def _repeat_interleave(draw, dtype):
    shape = draw(shapes(max_dims=3))
    nd = len(shape)
    dim = None if not nd or draw(st.booleans()) else draw(st.integers(-nd, nd - 1))
    n = math.prod(shape) if dim is None else shape[dim]
    reps = draw(st.integers(0, 3)) if draw(st.booleans()) else [draw(st.integers(0, 3)) for _ in range(n)]
    return [_values(draw, shape, dtype), ("dim", (reps, dim), None)]


def _repeat_interleave_ops(x, a, _):
    reps, dim = a
    r = reps if isinstance(reps, int) else _lib(x).tensor(reps, dtype=_lib(x).int64)
    return x.repeat_interleave(r, dim), x.repeat_interleave(2)


def _diff(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    pre, app = list(shape), list(shape)
    pre[dim], app[dim] = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    flags = (draw(st.integers(0, 3)), draw(st.booleans()), draw(st.booleans()))
    return [_values(draw, shape, dtype), _values(draw, tuple(pre), dtype), _values(draw, tuple(app), dtype),
            ("dim", (dim, flags), None)]


def _diff_ops(x, pre, app, a, _):
    dim, (n, use_pre, use_app) = a
    return x.diff(n, dim, pre if use_pre else None, app if use_app else None)


def _take(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    rng = _rng(draw)
    n = math.prod(shape)
    flat = rng.integers(-n, n, size=draw(shapes(max_dims=2)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    ishape = [draw(st.sampled_from([1, s])) for s in shape]
    ishape[dim] = draw(st.integers(0, 3))
    along = rng.integers(0, shape[dim], size=ishape)
    mshape = shape[draw(st.integers(0, len(shape))):]
    mask = rng.random(mshape) < 0.5
    return [_values(draw, shape, dtype), ("dim", (flat, along, dim, mask), None)]


def _take_ops(x, a, _):
    flat, along, dim, mask = a
    lib = _lib(x)
    return (x.take(lib.tensor(flat)), x.take_along_dim(lib.tensor(along), dim),
            x.take_along_dim(lib.tensor(along)), x.masked_select(lib.tensor(mask)))


def _masked_scatter(draw, dtype):
    shape = draw(shapes(max_dims=3))
    mshape = tuple(draw(st.sampled_from([1, n])) for n in shape[draw(st.integers(0, len(shape))):])
    src = (math.prod(shape) + draw(st.integers(0, 2)),)
    return [_values(draw, shape, dtype), _values(draw, src, dtype), ("dim", _rng(draw).random(mshape) < 0.5, None)]


def _masked_scatter_ops(x, src, m, _):
    return x.masked_scatter(_lib(x).tensor(m), src)


def _index(draw, dtype, unique):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    n, rng = shape[dim], _rng(draw)
    k = draw(st.integers(0, n)) if unique else draw(st.integers(0, 5))
    idx = rng.permutation(n)[:k] if unique else rng.integers(0, n, size=k)
    sshape = list(shape)
    sshape[dim] = k
    return [_values(draw, shape, dtype), _values(draw, tuple(sshape), dtype), _values(draw, (), dtype),
            ("dim", (dim, idx, draw(st.sampled_from([1, 2.5, -1]))), None)]


def _index_add_ops(x, src, v, a, _):
    dim, idx, alpha = a
    return x.index_add(dim, _lib(x).tensor(idx), src, alpha=alpha) * v


def _index_copy_fill_ops(x, src, v, a, _):
    dim, idx, alpha = a
    i = _lib(x).tensor(idx, dtype=_lib(x).int64)
    return x.index_copy(dim, i, src), x.index_fill(dim, i, v), x.index_fill(dim, i, alpha)


def _scatters(draw, dtype):
    """x with the srcs of diagonal_scatter, select_scatter and slice_scatter, shaped as numpy reads those places."""
    shape = draw(shapes(min_dims=2, max_dims=3, min_side=1))
    nd = len(shape)
    x = _values(draw, shape, dtype)
    o, (d1, d2) = draw(st.integers(-2, 2)), _two_dims(draw, nd)
    sel_dim = draw(st.integers(-nd, nd - 1))
    sel = draw(st.integers(-shape[sel_dim], shape[sel_dim] - 1))
    sl_dim = draw(st.integers(-nd, nd - 1))
    start, end, step = draw(st.sampled_from([None, 0, 1, -2])), draw(st.sampled_from([None, 2, -1])), \
        draw(st.integers(1, 2))
    sl_shape = x[(slice(None),) * (sl_dim % nd) + (slice(start, end, step),)].shape
    return [x, _values(draw, np.diagonal(x, o, d1, d2).shape, dtype), _values(draw, np.take(x, sel, sel_dim).shape,
                                                                              dtype),
            _values(draw, sl_shape, dtype), ("dim", ((o, d1, d2), (sel_dim, sel), (sl_dim, start, end, step)), None)]


def _scatter_ops(x, dg, se, sl, a, _):
    lib = _lib(x)
    (o, d1, d2), (sd, si), (ld, start, end, step) = a
    return (lib.diagonal_scatter(x, dg, o, d1, d2), lib.select_scatter(x, se, sd, si),
            lib.slice_scatter(x, sl, ld, start, end, step))


def _split(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=6))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    ios = draw(st.integers(1, 4)) if draw(st.booleans()) else sorted(
        draw(st.lists(st.integers(0, shape[dim] + 1), max_size=3)))
    return [_values(draw, shape, dtype), ("dim", (ios, dim), None)]


def _kron(draw, dtype):
    return [_values(draw, draw(shapes(max_dims=3, max_side=3)), dtype),
            _values(draw, draw(shapes(max_dims=3, max_side=3)), dtype)]


def _cross(draw, dtype):
    shape = list(draw(shapes(min_dims=1, max_dims=3, max_side=3)))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    shape[dim] = 3
    other = [draw(st.sampled_from([1, s])) if k != dim % len(shape) else 3 for k, s in enumerate(shape)]
    return [_values(draw, tuple(shape), dtype), _values(draw, tuple(other), dtype), ("dim", dim, None)]


def _cdist(draw, dtype):
    batch = draw(shapes(max_dims=1, min_side=1, max_side=2))
    m = draw(st.integers(1, 3))
    p = draw(st.sampled_from([1.0, 2.0, 3.0, 0.5, math.inf]))
    return [_values(draw, batch + (draw(st.integers(0, 3)), m), dtype),
            _values(draw, batch + (draw(st.integers(0, 3)), m), dtype), ("dim", p, None)]


def _small(draw, dtype, n, min_side=0, min_dims=0, max_dims=2):
    return [_values(draw, draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=3)), dtype)
            for _ in range(n)]


def _same(draw, dtype):
    shape = draw(shapes(max_dims=2, max_side=3))
    return [_values(draw, shape, dtype) for _ in range(draw(st.integers(1, 3)))]


def _stacking(*xs):
    lib = _lib(xs[0])
    return (lib.column_stack(xs), lib.dstack(xs), lib.row_stack(xs), *lib.atleast_3d(xs), lib.atleast_2d(xs[0]),
            lib.atleast_1d(xs[0]))


def _grids(*xs):
    lib = _lib(xs[0])
    return (lib.cartesian_prod(*xs), *lib.meshgrid(*xs, indexing="xy"), *lib.meshgrid(*xs, indexing="ij"))


def _scatter_reduce(draw, dtype):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=1))
    dim = draw(st.integers(0, len(shape) - 1))
    ishape = tuple(draw(st.integers(0, n if k != dim else 4)) for k, n in enumerate(shape))
    idx = _rng(draw).integers(0, shape[dim], size=ishape)
    return [_values(draw, shape, dtype), _values(draw, ishape, dtype, -2.63, 3.37),
            ("dim", (dim, idx, draw(st.sampled_from(["sum", "mean", "amax", "amin"])), draw(st.booleans())), None)]


def _scatter_reduce_ops(x, src, a, _):
    dim, idx, reduce, include_self = a
    return x.scatter_reduce(dim, _lib(x).tensor(idx), src, reduce, include_self=include_self)


def _scatter_prod(x, src, a, _):
    dim, idx, _, include_self = a
    return x.scatter_reduce(dim, _lib(x).tensor(idx), src, "prod", include_self=include_self)


def _inplace(draw, dtype):
    shape = draw(shapes(min_dims=2, max_dims=3, min_side=1))
    rng = _rng(draw)
    idx = rng.permutation(shape[0])
    # y's range is shifted so that equal draws do not tie in amax (a kink)
    return [_values(draw, shape, dtype), _values(draw, shape, dtype, -2.63, 3.37),
            ("dim", (idx, rng.random(shape) < 0.5), None)]


def _inplace_ops(x, y, a, _):
    idx, mask = a
    lib = _lib(x)
    i, m = lib.tensor(idx), lib.tensor(mask)
    return ((x * 1).tril_(1), (x * 1).triu_(-1), (x * 1).index_add_(0, i, y, alpha=2), (x * 1).index_copy_(0, i, y),
            (x * 1).index_fill_(0, i, -1.0), (x * 1).masked_scatter_(m, y),
            (x * 1).scatter_reduce_(0, lib.tensor(np.broadcast_to(idx.reshape((-1,) + (1,) * (y.ndim - 1)),
                                                                  tuple(y.shape)).copy()), y, "amax"))


OPS = [
    OpSpec("tril_triu", lambda x, k, _: (x.tril(k), x.triu(k)), sample=_tri),
    OpSpec("diagonal_diag_embed", _diagonal_ops, sample=_diagonal),
    OpSpec("diag_diagflat_trace", _diag_ops, sample=_diag),
    OpSpec("roll_tile_rot90", _roll_ops, sample=_roll),
    OpSpec("repeat_interleave", _repeat_interleave_ops, sample=_repeat_interleave),
    OpSpec("diff", _diff_ops, sample=_diff),
    OpSpec("take_masked_select", _take_ops, sample=_take),
    OpSpec("masked_scatter", _masked_scatter_ops, sample=_masked_scatter),
    OpSpec("index_add", _index_add_ops, sample=lambda draw, dt: _index(draw, dt, False)),
    OpSpec("index_copy_fill", _index_copy_fill_ops, sample=lambda draw, dt: _index(draw, dt, True)),
    OpSpec("diagonal_select_slice_scatter", _scatter_ops, sample=_scatters),
    OpSpec("tensor_split", lambda x, a, _: x.tensor_split(a[0], a[1]), sample=_split),
    OpSpec("kron", lambda a, b: a.kron(b), sample=_kron),
    OpSpec("cross", lambda a, b, d, _: a.cross(b, dim=d), sample=_cross),
    # torch's cdist has no double backward: compared here with its definition (with torch.cdist in
    # test_api_shaping_torch.py)
    OpSpec("cdist", lambda a, b, p, _: minigrad.cdist(a, b, p),
           lambda a, b, p, _: torch.linalg.vector_norm(a.unsqueeze(-2) - b.unsqueeze(-3), p, -1), sample=_cdist,
           gradcheck=False, note="p=1 and inf have kinks where coordinates tie"),
    # non-empty blocks: torch 2.13's block_diag backward hands later blocks the wrong slice after an empty one
    OpSpec("block_diag", lambda *xs: _lib(xs[0]).block_diag(*xs), sample=lambda draw, dt: _small(draw, dt, 3, 1)),
    OpSpec("column_dstack_atleast", _stacking, sample=_same),
    OpSpec("cartesian_prod_meshgrid", _grids, sample=lambda draw, dt: _small(draw, dt, 2, 0, 1, 1)),
    OpSpec("broadcast_tensors", lambda a, b, c: _lib(a).broadcast_tensors(a, b, c), sample=binary(n=3)),
    OpSpec("scatter_reduce", _scatter_reduce_ops, sample=_scatter_reduce),
    OpSpec("scatter_reduce_prod", _scatter_prod, sample=_scatter_reduce),
    OpSpec("inplace_shaping", _inplace_ops, sample=_inplace),
]
