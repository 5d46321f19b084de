"""Composites that pick or place elements along one dim by index: sort, argsort and topk (a gather of Argsort's
indices, so the gradient goes back to the picked elements through GetItem), scatter (SetItem) and scatter_add
(ScatterAdd). Bound as Tensor methods in tensor.py; torch's argument names and errors."""
import builtins
import collections

from . import composite as C
from . import movement as M
from . import reduce as R

_SortResult = collections.namedtuple("sort", ["values", "indices"])
_TopkResult = collections.namedtuple("topk", ["values", "indices"])


def _picked(t, axis, idx):
    return M.GetItem.apply(t, index=C.along(t._device.xp, idx.data, axis))


def _zero(t):
    """The index of a 0-d tensor's only element: a 0-d tensor sorts to itself at index 0, as in torch."""
    return C.tensor(0, device=t._device)


def sort(self, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along `dim`. Matches torch.sort; the order is always stable (ties keep their order,
    which torch guarantees only with stable=True and allows without), NaN sorts as the largest value. The gradient
    of `values` goes to the element each came from.

    >>> minigrad.tensor([3.0, 1.0, 2.0]).sort().indices
    tensor([1, 2, 0])
    """
    axes = C._dims(dim, self.ndim, "sort")  # () for a 0-d tensor
    if not axes:
        return _SortResult(self.clone(), _zero(self))
    idx = R.Argsort.apply(self, axis=axes[0], descending=builtins.bool(descending))
    return _SortResult(_picked(self, axes[0], idx), idx)


def argsort(self, dim=-1, descending=False, stable=False):
    """The indices of sort(dim, descending); matches torch.argsort (always stable)."""
    axes = C._dims(dim, self.ndim, "argsort")
    return R.Argsort.apply(self, axis=axes[0], descending=builtins.bool(descending)) if axes else _zero(self)


def topk(self, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along `dim`, largest first (smallest first).
    Matches torch.topk; the result is sorted even with sorted=False (torch leaves that order unspecified), and tied
    values come in index order. The gradient goes to the picked elements."""
    axes = C._dims(dim, self.ndim, "topk")
    n = self.shape[axes[0]] if axes else 1
    if not isinstance(k, C._INTEGER) or not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k={k}, dim {dim} of shape {tuple(self.shape)} "
                           f"has size {n})")
    if not axes:
        return _TopkResult(self.clone(), _zero(self))
    idx = R.Argsort.apply(self, axis=axes[0], descending=builtins.bool(largest), k=builtins.int(k))
    return _TopkResult(_picked(self, axes[0], idx), idx)


def _scatter_args(t, dim, index, src, op):
    """Check torch.scatter's arguments; return the NumPy index of the written places and src cut to index's shape
    (a number becomes a 0-d tensor of t's dtype)."""
    xp = t._device.xp
    axes = C._dims(dim, t.ndim, op)
    axis = axes[0] if axes else 0
    idx = index.data if isinstance(index, C.Tensor) else xp.asarray(index)
    if idx.ndim != t.ndim:
        raise RuntimeError(f"{op}: Index tensor must have the same number of dimensions as self tensor (index shape "
                           f"{tuple(idx.shape)}, self shape {tuple(t.shape)})")
    if isinstance(src, C.Tensor):
        if src.dtype != t.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got {t.dtype} and {src.dtype})")
        if src.ndim != idx.ndim:
            raise RuntimeError(f"{op}: Index tensor must have the same number of dimensions as src tensor (index shape"
                               f" {tuple(idx.shape)}, src shape {tuple(src.shape)})")
    elif op.startswith("scatter_add"):
        raise TypeError(f"{op}(): argument 'src' must be Tensor, not {type(src).__name__}")
    else:
        src = C.tensor(src, dtype=t.dtype, device=t._device)
    if builtins.any(i > n for k, (i, n) in enumerate(zip(idx.shape, t.shape)) if k != axis) or (
            src.ndim and builtins.any(i > n for i, n in zip(idx.shape, src.shape))):
        raise RuntimeError(f"{op}: Expected index {list(idx.shape)} to be no larger than self {list(t.shape)} apart "
                           f"from dimension {axis} and to be no larger size than src {list(src.shape)}")
    C._check_index(idx, t.shape[axis] if t.ndim else 1, axis, op)
    if src.ndim and src.shape != idx.shape:
        src = src[tuple(slice(0, i) for i in idx.shape)]
    return C.along(xp, idx, axis), src


def scatter(self, dim, index, src=None, value=None, reduce=None):
    """A copy of self with src[i][j] written at [index[i][j]][j] (dim 0; likewise for other dims). Matches
    torch.scatter: src is a tensor of self's dtype (its leading index-shaped block is used) or a number (or
    value=). Gradients as torch: self's is the gradient with the written places zeroed, src's is the gradient
    gathered at index. With repeated indices one of the writes wins (the last here; torch leaves it unspecified)."""
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce='{reduce}' is not supported; use scatter_add for sums")
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing the source: give src (a tensor or a number) or value=")
    full, src = _scatter_args(self, dim, index, src, "scatter")
    return M.SetItem.apply(self, src, index=full)


def scatter_add(self, dim, index, src):
    """self plus src[i][j] added at [index[i][j]][j] (dim 0; repeated indices accumulate). Matches
    torch.scatter_add: self's gradient is the gradient, src's is the gradient gathered at index."""
    full, src = _scatter_args(self, dim, index, src, "scatter_add")
    return self + M.ScatterAdd.apply(src, shape=self.shape, index=full)


def scatter_(self, dim, index, src=None, value=None, reduce=None):
    return self._inplace(lambda a, s: scatter(a, dim, index, s, reduce=reduce), value if src is None else src,
                         "scatter_")


def scatter_add_(self, dim, index, src):
    return self._inplace(lambda a, s: scatter_add(a, dim, index, s), src, "scatter_add_")
