"""Shape and index helpers beyond the core set (roll, tile, repeat_interleave, tril/triu, diag, trace, diff, take,
index_add/fill/copy, masked_select, tensor_split, kron, cross, cdist, ...). Matches torch.

Everything here is composed from core ops (GetItem, SetItem, ScatterAdd, Cat, Where, ...), so gradients of any
order, lazy replay and ONNX come from those; index arrays are built with the tensor's device namespace."""
import builtins
import itertools

from .. import dtypes
from ..autograd.function import Function
from ..backend import CPU
from ..tensor import Tensor, tensor
from . import composite as C
from . import indexed
from . import movement as M

_host = CPU.xp
_INTEGER = C._INTEGER


def _f():
    from .. import functions  # noqa: PLC0415 - functions.py imports tensor.py, which imports this module
    return functions


def _axis(dim, t, op):
    return C._dims(dim, t.ndim, op)[0]


def _int_index(index, t):
    """An integer index (Tensor, list or int) as an array of t's device."""
    idx = index.data if isinstance(index, Tensor) else t._device.xp.asarray(index)
    if idx.dtype.kind not in "iu":
        raise IndexError(f"expected an integer index tensor, got dtype {idx.dtype}")
    return idx


def _lead(axis):
    return (slice(None),) * axis


# ----------------------------------------------------------------------------------- triangles and diagonals
def _tri(self, diagonal, op, lower):
    if self.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    n, m = self.shape[-2:]
    keep = self._device.xp.tri(n, m, diagonal if lower else diagonal - 1, dtype=bool)
    return _f().where(keep if lower else ~keep, self, tensor(0, dtype=self.dtype, device=self._device))


def tril(self, diagonal=0):
    """The lower triangle (on and below `diagonal`) of the last two dims, zeros elsewhere. Matches torch.tril."""
    return _tri(self, diagonal, "tril", True)


def triu(self, diagonal=0):
    """The upper triangle (on and above `diagonal`) of the last two dims, zeros elsewhere. Matches torch.triu."""
    return _tri(self, diagonal, "triu", False)


def _tri_indices(row, col, offset, dtype, device, lower):
    from ..backend import get_device  # noqa: PLC0415

    dev = get_device(device)
    r, c = (_host.tril_indices(row, offset, col) if lower else _host.triu_indices(row, offset, col))
    return tensor(_host.stack([r, c]).reshape(2, -1), dtype=dtype or dtypes.int64, device=dev)


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (2, N) coordinates of the lower triangle of a row x col matrix, row by row. Matches torch.tril_indices."""
    return _tri_indices(row, col, offset, dtype, device, True)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """The (2, N) coordinates of the upper triangle of a row x col matrix, row by row. Matches torch.triu_indices."""
    return _tri_indices(row, col, offset, dtype, device, False)


def _diag_index(xp, n, m, offset):
    """Row and column indices of diagonal `offset` of an n x m matrix."""
    k = builtins.max(0, builtins.min(n + builtins.min(offset, 0), m - builtins.max(offset, 0)))
    i = xp.arange(k)
    return i - builtins.min(offset, 0), i + builtins.max(offset, 0)


def diagonal(self, offset=0, dim1=0, dim2=1):
    """The diagonal `offset` of the (dim1, dim2) planes, as a new last dim. Matches torch.diagonal (a copy, not a
    view)."""
    d1, d2 = _axis(dim1, self, "diagonal"), _axis(dim2, self, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = self.permute([d for d in range(self.ndim) if d not in (d1, d2)] + [d1, d2])
    rows, cols = _diag_index(self._device.xp, x.shape[-2], x.shape[-1], offset)
    return M.GetItem.apply(x, index=(Ellipsis, rows, cols))


def diag_embed(self, offset=0, dim1=-2, dim2=-1):
    """Matrices whose diagonal `offset` in the (dim1, dim2) planes holds the last dim of self. Matches
    torch.diag_embed."""
    nd = self.ndim + 1
    d1, d2 = C._dims(dim1, nd, "diag_embed")[0], C._dims(dim2, nd, "diag_embed")[0]
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = self.shape[-1] + builtins.abs(offset)
    rows, cols = _diag_index(self._device.xp, n, n, offset)
    out = M.ScatterAdd.apply(self, shape=tuple(self.shape[:-1]) + (n, n), index=(Ellipsis, rows, cols))
    return out.movedim((-2, -1), (d1, d2))


def diag(self, diagonal=0):
    """A 1-d tensor to a square matrix with it on diagonal `diagonal`, or a matrix's diagonal. Matches torch.diag."""
    if self.ndim == 1:
        return diag_embed(self, diagonal)
    if self.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {self.ndim}D")
    return self.diagonal(diagonal)


def diagflat(self, offset=0):
    """diag of the flattened tensor. Matches torch.diagflat."""
    return diag_embed(self.reshape(-1), offset)


def trace(self):
    """The sum of a matrix's main diagonal (integers sum to int64). Matches torch.trace."""
    if self.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
    d = self.diagonal()
    return d.sum(dtype=dtypes.int64) if d.dtype.kind in "iub" else d.sum()


def diagonal_scatter(self, src, offset=0, dim1=0, dim2=1):
    """self with src written on its diagonal (as diagonal(offset, dim1, dim2) reads it). Matches
    torch.diagonal_scatter."""
    d1, d2 = _axis(dim1, self, "diagonal_scatter"), _axis(dim2, self, "diagonal_scatter")
    x = self.movedim((d1, d2), (-2, -1))
    rows, cols = _diag_index(self._device.xp, x.shape[-2], x.shape[-1], offset)
    want = tuple(x.shape[:-2]) + (len(rows),)
    if tuple(src.shape) != want:
        raise RuntimeError(f"diagonal_scatter: expected src to have a size equal to the diagonal of the input "
                           f"{want}, got {tuple(src.shape)}")
    return M.SetItem.apply(x, src.to(self.dtype), index=(Ellipsis, rows, cols)).movedim((-2, -1), (d1, d2))


# ----------------------------------------------------------------------------------- rearranging
def roll(self, shifts, dims=None):
    """Shift elements along dims, wrapping around; without dims, over the flattened tensor. Matches torch.roll."""
    if dims is None:
        if not isinstance(shifts, _INTEGER) and len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return roll(self.reshape(-1), shifts, 0).reshape(self.shape)
    shifts = (shifts,) if isinstance(shifts, _INTEGER) else tuple(shifts)
    dims = (dims,) if isinstance(dims, _INTEGER) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    out = self
    for s, d in zip(shifts, dims):
        axis = C._dims(d, builtins.max(self.ndim, 1), "roll")[0]
        n = out.shape[axis] if out.ndim else 1
        if n and s % n:
            s = s % n
            out = _f().cat([out[_lead(axis) + (slice(n - s, None),)], out[_lead(axis) + (slice(0, n - s),)]], axis)
    return out


def tile(self, dims):
    """Repeat the whole tensor `dims` times per dim; missing leading dims count 1. Matches torch.tile."""
    dims = tuple(dims) if not isinstance(dims, _INTEGER) else (dims,)
    return self.repeat((1,) * (self.ndim - len(dims)) + dims)


def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    """Repeat each element `repeats` times (an int, or one count per element along dim); without dim over the
    flattened tensor. torch.repeat_interleave(counts) gives the repeated indices. Matches torch.repeat_interleave."""
    xp = self._device.xp
    if repeats is None:  # torch.repeat_interleave(repeats)
        return tensor(xp.repeat(xp.arange(self.shape[0]), self.data), device=self._device)
    x = self.reshape(-1) if dim is None else self
    axis = _axis(0 if dim is None else dim, x, "repeat_interleave") if x.ndim else 0
    x = x.reshape(1) if x.ndim == 0 else x
    n = x.shape[axis]
    reps = repeats.data if isinstance(repeats, Tensor) else xp.asarray(repeats)
    if reps.ndim > 1 or reps.size not in (1, n) or (reps.ndim == 1 and reps.size != n):
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {reps.size} and input.size({axis}) = {n}")
    if reps.size and reps.min() < 0:
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    return M.GetItem.apply(x, index=_lead(axis) + (xp.repeat(xp.arange(n), reps),))


def rot90(self, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane dims, from the first towards the second. Matches torch.rot90."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if self.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {self.ndim}")
    d0, d1 = _axis(dims[0], self, "rot90"), _axis(dims[1], self, "rot90")
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return self.flip(d1).transpose(d0, d1)
    if k == 2:
        return self.flip(d0, d1)
    return self.flip(d0).transpose(d0, d1) if k == 3 else self.clone()


def fliplr(self):
    """Flip dim 1. Matches torch.fliplr."""
    if self.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return self.flip(1)


def flipud(self):
    """Flip dim 0. Matches torch.flipud."""
    if self.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return self.flip(0)


def ravel(self):
    """The flattened tensor. Matches torch.ravel."""
    return self.reshape(-1)


def select(self, dim, index):
    """The slice at `index` along `dim`, without that dim. Matches torch.select."""
    axis = _axis(dim, self, "select")
    n = self.shape[axis]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(self.shape)} at dimension "
                         f"{axis}")
    return self[_lead(axis) + (index % n,)]


def narrow_copy(self, dim, start, length):
    """narrow() as a new tensor. Matches torch.narrow_copy."""
    return self.narrow(dim, start, length).clone()


def select_scatter(self, src, dim, index):
    """self with src written at `index` along `dim`. Matches torch.select_scatter."""
    axis = _axis(dim, self, "select_scatter")
    n = self.shape[axis]
    if not -n <= index < n:
        raise IndexError(f"select_scatter(): index {index} out of range for tensor of size {list(self.shape)} at "
                         f"dimension {axis}")
    want = tuple(self.shape[:axis] + self.shape[axis + 1:])
    if tuple(src.shape) != want:
        raise RuntimeError(f"select_scatter: expected src to have a size equal to the slice of self {want}, got "
                           f"{tuple(src.shape)}")
    return M.SetItem.apply(self, src.to(self.dtype), index=_lead(axis) + (index % n,))


def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
    """self with src written at [start:end:step] along `dim`. Matches torch.slice_scatter."""
    axis = _axis(dim, self, "slice_scatter")
    index = _lead(axis) + (slice(start, end, step),)
    want = _host.empty(self.shape, dtype=bool)[index].shape
    if tuple(src.shape) != want:
        raise RuntimeError(f"slice_scatter: expected src to have a size equal to the slice of self {want}, got "
                           f"{tuple(src.shape)}")
    return M.SetItem.apply(self, src.to(self.dtype), index=index)


# ----------------------------------------------------------------------------------- splitting and joining
def tensor_split(self, indices_or_sections, dim=0):
    """Split into n nearly equal parts (the first n % size one longer), or at the given indices. Matches
    torch.tensor_split."""
    axis = _axis(dim, self, "tensor_split")
    n = self.shape[axis]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios.ndim > 1 or ios.dtype.kind not in "iu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor of integer dtype, but got a {ios.ndim}-d {ios.dtype} tensor")
        ios = ios.data.item() if ios.ndim == 0 else ios.data.tolist()
    if isinstance(ios, _INTEGER):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, ios)
        cuts = [i * q + builtins.min(i, r) for i in range(1, ios)]
    else:
        cuts = [builtins.int(i) for i in ios]
    bounds = [0] + cuts + [n]
    return tuple(self[_lead(axis) + (slice(a, b),)] for a, b in itertools.pairwise(bounds))


def _split_dim(self, ios, dim, op, min_dims):
    if self.ndim < min_dims:
        raise RuntimeError(f"torch.{op} requires a tensor with at least {min_dims} dimension, but got a tensor with "
                           f"{self.ndim} dimensions!")
    if isinstance(ios, _INTEGER) and (ios == 0 or self.shape[dim] % ios):
        raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{self.shape[dim]} is not divisible by the split_size {ios}!")
    return tensor_split(self, ios, dim)


def hsplit(self, indices_or_sections):
    """tensor_split along dim 1 (dim 0 of a 1-d tensor); sections must divide evenly. Matches torch.hsplit."""
    return _split_dim(self, indices_or_sections, 1 if self.ndim > 1 else 0, "hsplit", 1)


def vsplit(self, indices_or_sections):
    """tensor_split along dim 0; sections must divide evenly. Matches torch.vsplit."""
    return _split_dim(self, indices_or_sections, 0, "vsplit", 2)


def dsplit(self, indices_or_sections):
    """tensor_split along dim 2; sections must divide evenly. Matches torch.dsplit."""
    return _split_dim(self, indices_or_sections, 2, "dsplit", 3)


def _tensors(args):
    return list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)


def _atleast(shape_fn):
    def fn(*tensors):
        ts = [t.reshape(shape_fn(tuple(t.shape))) if len(shape_fn(tuple(t.shape))) > t.ndim else t
              for t in map(_f()._as_tensor, _tensors(tensors))]
        return ts[0] if len(ts) == 1 and not isinstance(tensors[0], (list, tuple)) else tuple(ts)
    return fn


atleast_1d = _atleast(lambda s: s or (1,))
atleast_2d = _atleast(lambda s: s if len(s) >= 2 else (1,) * (2 - len(s)) + s)
atleast_3d = _atleast(lambda s: s if len(s) >= 3 else {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])
atleast_1d.__doc__ = "Tensors with at least 1 dim (0-d becomes (1,)). Matches torch.atleast_1d."
atleast_2d.__doc__ = "Tensors with at least 2 dims (ones prepended). Matches torch.atleast_2d."
atleast_3d.__doc__ = "Tensors with at least 3 dims ((n,) -> (1, n, 1), (m, n) -> (m, n, 1)). Matches torch.atleast_3d."


def column_stack(tensors):
    """Stack 0-d and 1-d tensors as columns, others along dim 1. Matches torch.column_stack."""
    ts = [t.reshape(-1, 1) if t.ndim <= 1 else t for t in map(_f()._as_tensor, tensors)]
    return _f().cat(ts, 1)


def dstack(tensors):
    """Concatenate along dim 2 after atleast_3d. Matches torch.dstack."""
    return _f().cat(atleast_3d(list(tensors)), 2)


def row_stack(tensors):
    """vstack's other name. Matches torch.row_stack."""
    return _f().vstack(tensors)


def block_diag(*tensors):
    """A block-diagonal matrix of the given 0-d, 1-d or 2-d tensors. Matches torch.block_diag."""
    ts = _f()._promoted([t if isinstance(t, Tensor) else tensor(t) for t in tensors], "block_diag") if tensors \
        else [tensor([], dtype=dtypes.get_default_dtype()).reshape(1, 0)]
    for i, t in enumerate(ts):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
    ts = atleast_2d(ts) if len(ts) > 1 else [atleast_2d(ts[0])]
    total, left, rows = builtins.sum(t.shape[1] for t in ts), 0, []
    for t in ts:
        rows.append(_f().pad(t, (left, total - left - t.shape[1])))
        left += t.shape[1]
    return _f().cat(rows, 0)


def broadcast_tensors(*tensors):
    """The tensors expanded to their common broadcast shape. Matches torch.broadcast_tensors."""
    ts = _tensors(tensors)
    try:
        shape = _host.broadcast_shapes(*(tuple(t.shape) for t in ts))
    except ValueError:
        raise RuntimeError(f"broadcast_tensors: shapes {[tuple(t.shape) for t in ts]} cannot be broadcast "
                           "together") from None
    return tuple(t.broadcast_to(shape) for t in ts)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids of 0-d or 1-d tensors, 'ij' (matrix) or 'xy' (Cartesian) indexing. Matches torch.meshgrid
    (whose default is 'ij')."""
    ts = [t.reshape(-1) for t in _tensors(tensors)]
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.shape[0] for t in ts)
    out = [t.reshape([-1 if j == i else 1 for j in range(len(ts))]).broadcast_to(shape) for i, t in enumerate(ts)]
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def cartesian_prod(*tensors):
    """All combinations of the elements of 1-d tensors, one per row. Matches torch.cartesian_prod."""
    if len(tensors) == 1:
        return tensors[0]
    return _f().stack(meshgrid(*tensors, indexing="ij"), -1).reshape(-1, len(tensors))


# ----------------------------------------------------------------------------------- gathering by index
def take(self, index):
    """Elements of the flattened tensor at `index` (negative counts from the end), in index's shape. Matches
    torch.take."""
    idx = _int_index(index, self)
    n = self.numel()
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = builtins.int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"take: out of range: tried to access index {bad} on a tensor of {n} elements.")
    return M.GetItem.apply(self.reshape(-1), index=idx % builtins.max(n, 1))


def take_along_dim(self, indices, dim=None):
    """gather along dim after broadcasting self and indices over the other dims; without dim, take on the flattened
    tensor. Matches torch.take_along_dim."""
    idx = _int_index(indices, self)
    if dim is None:
        return M.GetItem.apply(self.reshape(-1), index=self._device.xp.reshape(idx, (-1,)))
    axis = _axis(dim, self, "take_along_dim")
    if idx.ndim != self.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {self.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
    shape = list(_host.broadcast_shapes(tuple(s for k, s in enumerate(self.shape) if k != axis),
                                        tuple(s for k, s in enumerate(idx.shape) if k != axis)))
    xs, ids = list(shape), list(shape)
    xs.insert(axis, self.shape[axis])
    ids.insert(axis, idx.shape[axis])
    idx = self._device.xp.broadcast_to(idx, tuple(ids))
    return self.broadcast_to(tuple(xs)).gather(axis, tensor(idx, device=self._device))


def _mask(mask, t, op):
    m = mask.data if isinstance(mask, Tensor) else t._device.xp.asarray(mask)
    if m.dtype != dtypes.bool_:
        raise RuntimeError(f"{op}: expected BoolTensor for mask, got dtype {m.dtype}")
    return m


def masked_select(self, mask):
    """The elements where the mask (broadcast with self) is True, as a 1-d tensor. Matches torch.masked_select."""
    m = _mask(mask, self, "masked_select")
    try:
        shape = _host.broadcast_shapes(tuple(self.shape), tuple(m.shape))
    except ValueError:
        raise RuntimeError(f"masked_select: the mask of shape {tuple(m.shape)} cannot be broadcast with the tensor's "
                           f"shape {tuple(self.shape)}") from None
    return M.GetItem.apply(self.broadcast_to(shape), index=self._device.xp.broadcast_to(m, shape))


def masked_scatter(self, mask, source):
    """self with the first elements of source (in row-major order) written where the mask is True. Matches
    torch.masked_scatter."""
    m = _mask(mask, self, "masked_scatter")
    try:
        shape = _host.broadcast_shapes(tuple(self.shape), tuple(m.shape))
    except ValueError:
        raise RuntimeError(f"masked_scatter: the mask of shape {tuple(m.shape)} cannot be broadcast with the "
                           f"tensor's shape {tuple(self.shape)}") from None
    m = self._device.xp.broadcast_to(m, shape)
    k = builtins.int(m.sum())
    if source.numel() < k:
        raise RuntimeError(f"masked_scatter: expected source to have at least {k} elements (the True elements of "
                           f"the mask), got {source.numel()}")
    if source.dtype != self.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but got {self.dtype} and "
                           f"{source.dtype}")
    return M.SetItem.apply(self.broadcast_to(shape), source.reshape(-1)[:k], index=m)


def _index_args(self, dim, index, source, op):
    axis = C._dims(dim, builtins.max(self.ndim, 1), op)[0]
    idx = _int_index(index, self)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    xp = self._device.xp
    idx = xp.reshape(idx, (-1,))
    n = self.shape[axis] if self.ndim else 1
    # torch wraps negative indices in index_fill only
    lo = -n if op == "index_fill" else 0
    if idx.size and (idx.max() >= n or idx.min() < lo):
        bad = builtins.int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"{op}(): index {bad} is out of bounds for dimension {axis} with size {n}")
    if source is not None and self.ndim:
        want = tuple(self.shape[:axis]) + (idx.size,) + tuple(self.shape[axis + 1:])
        if tuple(source.shape) != want and not (source.ndim == 0 and want == (1,)):
            raise RuntimeError(f"{op}(): source shape {tuple(source.shape)} does not match {want}, the shape of "
                               f"self {tuple(self.shape)} with dim {axis} of the index's size {idx.size}")
    return (_lead(axis) + (idx % builtins.max(n, 1),)) if self.ndim else (idx % 1,)


def index_add(self, dim, index, source, *, alpha=1):
    """self plus alpha * source added at `index` along `dim` (repeated indices accumulate). Matches torch.index_add."""
    where = _index_args(self, dim, index, source, "index_add")
    src = source if alpha == 1 else source * alpha
    src = src.to(self.dtype).reshape(-1) if self.ndim == 0 else src.to(self.dtype)
    return self + M.ScatterAdd.apply(src, shape=self.shape or (1,), index=where).reshape(self.shape)


def index_copy(self, dim, index, source):
    """self with source's slices written at `index` along `dim`. Matches torch.index_copy (with repeated indices
    the last write wins; torch leaves that unspecified)."""
    where = _index_args(self, dim, index, source, "index_copy")
    if source.dtype != self.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{self.dtype} and (source) {source.dtype}")
    x = self.reshape(1) if self.ndim == 0 else self
    return M.SetItem.apply(x, source.reshape(-1) if self.ndim == 0 else source, index=where).reshape(self.shape)


def index_fill(self, dim, index, value):
    """self with value (a number or 0-d tensor) written at `index` along `dim`. Matches torch.index_fill."""
    where = _index_args(self, dim, index, None, "index_fill")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        v = value.to(self.dtype)
    else:
        v = tensor(value, dtype=self.dtype, device=self._device)
    x = self.reshape(1) if self.ndim == 0 else self
    return M.SetItem.apply(x, v, index=where).reshape(self.shape)


# ----------------------------------------------------------------------------------- differences and products
def diff(self, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim, after joining prepend and append. Matches torch.diff (bool tensors
    give the xor of neighbours)."""
    if self.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    axis = _axis(dim, self, "diff")
    if n == 0:  # as torch: prepend and append are ignored
        return self.clone()
    parts = [p for p in (prepend, self, append) if p is not None]
    x = self if len(parts) == 1 else _f().cat([p if isinstance(p, Tensor) else tensor(p, device=self._device)
                                              for p in parts], axis)
    for _ in range(n):
        if x.shape[axis] == 0:
            break
        hi, lo = x[_lead(axis) + (slice(1, None),)], x[_lead(axis) + (slice(None, -1),)]
        x = hi ^ lo if x.dtype == dtypes.bool_ else hi - lo
    return x


def kron(self, other):
    """The Kronecker product. Matches torch.kron."""
    nd = builtins.max(self.ndim, other.ndim)
    a = self.reshape((1,) * (nd - self.ndim) + tuple(self.shape))
    b = other.reshape((1,) * (nd - other.ndim) + tuple(other.shape))
    out = a.reshape(tuple(v for s in a.shape for v in (s, 1))) * b.reshape(tuple(v for s in b.shape for v in (1, s)))
    return out.reshape(tuple(p * q for p, q in zip(a.shape, b.shape)))


def cross(self, other, dim=None):
    """The 3-d cross product along dim (by default the first dim of size 3 of the broadcast shape). Matches
    torch.cross (without its deprecation warning for a missing dim)."""
    a, b = broadcast_tensors(*_f()._promoted([self, other], "cross"))
    if dim is None:
        dim = next((k for k, s in enumerate(a.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input (shape {tuple(a.shape)})")
    axis = _axis(dim, a, "cross")
    if a.shape[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {self.shape[axis]} and "
                           f"{other.shape[axis]}")

    def at(t, i):
        return t[_lead(axis) + (slice(i, i + 1),)]

    return _f().cat([at(a, (i + 1) % 3) * at(b, (i + 2) % 3) - at(a, (i + 2) % 3) * at(b, (i + 1) % 3)
                     for i in range(3)], axis)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2 (..., R, M): shape (..., P, R).
    Matches torch.cdist (computed directly, so p=2 results may differ from torch's matmul form in the last bits)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    d = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return d.norm(p, dim=-1)


# ----------------------------------------------------------------------------------- scatter_reduce
def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
    """Reduce src's values into self at index along dim with 'sum', 'prod', 'mean', 'amax' or 'amin' (self's own
    value taking part unless include_self=False; untouched places keep self's value). Matches torch.scatter_reduce,
    gradients included (amax/amin split the gradient evenly among tied values); the gradient of 'prod' is refused
    where self or src holds a zero."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # torch takes these too, undocumented
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    full, src = indexed._scatter_args(self, dim, index, src, "scatter_reduce")
    xp = self._device.xp
    hit = xp.zeros(self.shape, dtype=bool)
    hit[full] = True
    zero = tensor(0, dtype=self.dtype, device=self._device)
    base = self if include_self else _f().where(tensor(hit, device=self._device), zero, self)
    if reduce == "sum":
        return base + M.ScatterAdd.apply(src, shape=self.shape, index=full)
    if reduce == "mean":
        count = xp.zeros(self.shape, dtype=dtypes.int64)
        xp.add.at(count, full, 1)
        count = xp.astype(count + (include_self | ~hit), self.dtype)
        total = base + M.ScatterAdd.apply(src, shape=self.shape, index=full)
        cnt = tensor(count, device=self._device)
        return total / cnt if self.dtype.kind == "f" else total.div(cnt, rounding_mode="floor")
    return ScatterReduce.apply(self, src, index=full, reduce=reduce, include_self=builtins.bool(include_self))


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


class ScatterReduce(Function):
    """scatter_reduce with 'prod', 'amax' or 'amin'. Backward as torch's: amax/amin split the gradient evenly among
    the values equal to the result; prod divides the result by each value (inputs with zeros are refused)."""

    @staticmethod
    def forward(ctx, a, src, index, reduce, include_self):
        xp = ctx.xp
        ctx.index, ctx.reduce, ctx.include_self = index, reduce, include_self
        out = xp.array(a, copy=True)
        hit = xp.zeros(a.shape, dtype=bool)
        hit[index] = True
        if not include_self:
            if reduce == "prod":
                out[hit] = 1
            else:
                big = xp.inf if a.dtype.kind == "f" else xp.iinfo(a.dtype).max
                out[hit] = -big if reduce == "amax" else big
        {"prod": xp.multiply, "amax": xp.maximum, "amin": xp.minimum}[reduce].at(out, index, src)
        ctx.save_for_backward(a, src, out, hit)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, src, out, hit = ctx.saved
        index = ctx.index
        if ctx.reduce == "prod":
            if not (_raw(a).all() and _raw(src).all()):
                raise NotImplementedError("scatter_reduce: the gradient of reduce='prod' with zeros in self or src "
                                          "is not implemented")
            g = grad * out
            return g / a if ctx.include_self else xp.where(hit, 0, g / a), g[index] / src
        # a place of self takes part where nothing was scattered, or where it was and include_self
        on_self = (a == out) if ctx.include_self else ~hit
        on_self = on_self | ~hit
        on_src = src == out[index]
        ties = xp.scatter_add(a.shape, index, xp.astype(on_src, grad.dtype), grad.dtype) + xp.astype(on_self, grad.dtype)
        share = grad / xp.where(ties == 0, 1, ties)
        return xp.where(on_self, share, 0), xp.where(on_src, share[index], 0)


def _inplace_of(fn, op, arg):
    """The in-place twin of fn(self, *args): `arg` is the position of the tensor argument that may require grad."""
    def method(self, *args, **kwargs):
        other = args[arg] if len(args) > arg else None
        return self._inplace(lambda a, _: fn(a, *args, **kwargs), other if isinstance(other, Tensor) else None, op)

    method.__name__ = op
    method.__doc__ = f"In-place {fn.__name__}; matches torch.Tensor.{op}."
    return method


def _function(fn):
    """The minigrad.<name>(input, ...) form of a method."""
    def f(input, *args, **kwargs):
        return fn(_f()._as_tensor(input), *args, **kwargs)

    f.__name__ = f.__qualname__ = fn.__name__
    f.__doc__ = fn.__doc__
    return f


_BOTH = [tril, triu, diagonal, diag_embed, diag, diagflat, trace, diagonal_scatter, roll, tile, repeat_interleave,
         rot90, fliplr, flipud, ravel, select, narrow_copy, select_scatter, slice_scatter, tensor_split, hsplit,
         vsplit, dsplit, take, take_along_dim, masked_select, masked_scatter, index_add, index_copy, index_fill, diff,
         kron, cross, scatter_reduce]

METHODS = {fn.__name__: fn for fn in _BOTH}
METHODS.update(moveaxis=C.movedim, tril_=_inplace_of(tril, "tril_", 0), triu_=_inplace_of(triu, "triu_", 0),
               index_add_=_inplace_of(index_add, "index_add_", 2),
               index_copy_=_inplace_of(index_copy, "index_copy_", 2),
               index_fill_=_inplace_of(index_fill, "index_fill_", 2),
               masked_scatter_=_inplace_of(masked_scatter, "masked_scatter_", 1),
               scatter_reduce_=_inplace_of(scatter_reduce, "scatter_reduce_", 2))
FUNCTIONS = {fn.__name__: _function(fn) for fn in _BOTH}
FUNCTIONS.update(moveaxis=_function(C.movedim), tril_indices=tril_indices, triu_indices=triu_indices,
                 atleast_1d=atleast_1d, atleast_2d=atleast_2d, atleast_3d=atleast_3d, column_stack=column_stack,
                 dstack=dstack, row_stack=row_stack, block_diag=block_diag,
                 broadcast_tensors=broadcast_tensors, meshgrid=meshgrid, cartesian_prod=cartesian_prod, cdist=cdist)
