"""Scans, order statistics and counting (cummax, logcumsumexp, median, quantile, kthvalue, mode, nan-reductions,
unique, bincount, histc, searchsorted, ...). Matches torch.

Values picked by an index (median along a dim, kthvalue, mode, cummax) are gathered at indices from `OrderIndex`,
so their gradient goes to that index only, as torch's. Ops whose output size depends on the data (unique, bincount,
argwhere) are Functions too, so a lazy graph replays them on fed values."""
import builtins
import collections
import math

from .. import dtypes
from ..autograd.function import Function
from . import composite as C
from .graph_namespace import GraphNamespace
from .indexed import _picked

_Cummax = collections.namedtuple("cummax", ["values", "indices"])
_Cummin = collections.namedtuple("cummin", ["values", "indices"])
_Median = collections.namedtuple("median", ["values", "indices"])
_NanMedian = collections.namedtuple("nanmedian", ["values", "indices"])
_Kthvalue = collections.namedtuple("kthvalue", ["values", "indices"])
_Mode = collections.namedtuple("mode", ["values", "indices"])
_Aminmax = collections.namedtuple("aminmax", ["min", "max"])
_Histogram = collections.namedtuple("histogram", ["hist", "bin_edges"])
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


# ----------------------------------------------------------------------------------- Functions
def _line_positions(xp, a, axis):
    shape = [1] * a.ndim
    shape[axis] = -1
    return xp.reshape(xp.arange(a.shape[axis], dtype=xp.int64), shape)


def _mode_position(xp, s, axis):
    """Position in the sorted line `s` of the last element of the longest run of equal values (the first such run,
    so the smallest value wins a tie in counts)."""
    new = s[(slice(None),) * axis + (slice(1, None),)] != s[(slice(None),) * axis + (slice(0, -1),)]
    edge = xp.ones(s.shape[:axis] + (1,) + s.shape[axis + 1:], dtype=bool)
    starts, ends = xp.concatenate([edge, new], axis=axis), xp.concatenate([new, edge], axis=axis)
    pos = _line_positions(xp, s, axis)
    first = xp.maximum.accumulate(xp.where(starts, pos, 0), axis=axis)
    return xp.argmax(xp.where(ends, pos - first + 1, 0), axis=axis, keepdims=True)


class OrderIndex(Function):
    """The index along `axis` (kept as a size-1 axis; the whole axis for the scans) of an order statistic. `op`:
    'kth' (the k-th smallest, 0-based, NaN the largest), 'median' (the lower median; the first NaN if any),
    'nanmedian' (the lower median of the non-NaN values), 'mode' (the most frequent value, the smallest on a tie;
    its last index), 'cummax'/'cummin' (the index of the running extreme: the latest on a tie or NaN, as torch's).
    Tied values elsewhere take the first index in sorted order (torch's CPU selection leaves it unspecified).
    No gradient: the values are gathered at it."""

    differentiable = False

    @staticmethod
    def forward(ctx, a, axis, op, k=0):
        xp = ctx.xp
        isnan = xp.isnan(a) if a.dtype.kind == "f" else None
        if op in ("cummax", "cummin"):
            run = (xp.maximum if op == "cummax" else xp.minimum).accumulate(a, axis=axis)
            hit = a == run if isnan is None else (a == run) | isnan
            return xp.maximum.accumulate(xp.where(hit, _line_positions(xp, a, axis), 0), axis=axis)
        order = xp.argsort(a, axis=axis, kind="stable")  # NaN last
        keep = a.shape[:axis] + (1,) + a.shape[axis + 1:]
        if op == "mode":
            pos = _mode_position(xp, xp.take_along_axis(a, order, axis=axis), axis)
        elif op == "nanmedian" and isnan is not None:
            count = xp.sum(~isnan, axis=axis, keepdims=True)
            pos = xp.maximum((count - 1) // 2, 0)
        else:
            pos = xp.full(keep, k if op == "kth" else (a.shape[axis] - 1) // 2, dtype=xp.int64)
        idx = xp.take_along_axis(order, pos, axis=axis)
        if op == "median" and isnan is not None:
            idx = xp.where(xp.any(isnan, axis=axis, keepdims=True), xp.argmax(isnan, axis=axis, keepdims=True), idx)
        return xp.astype(idx, xp.int64)


class MedianAll(Function):
    """The lower median of all elements: NaN if any is NaN, or of the non-NaN ones with `ignore_nan` (NaN when there
    are none). The gradient is shared evenly by the elements equal to it, as torch's median()."""

    @staticmethod
    def forward(ctx, a, ignore_nan=False):
        xp = ctx.xp
        flat = xp.sort(xp.reshape(a, (-1,)))  # NaN last
        floating = a.dtype.kind == "f"
        n = int(xp.sum(~xp.isnan(flat))) if floating and ignore_nan else flat.shape[0]
        if not n or floating and not ignore_nan and bool(xp.isnan(flat[-1])):
            out = xp.full((), float("nan"), dtype=a.dtype)
        else:
            out = xp.array(flat[(n - 1) // 2])
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved
        tie = (a == out) | ((a != a) & (out != out))  # noqa: PLR0124 - x != x: NaN, in both namespaces
        return xp.where(tie, grad / xp.sum(xp.astype(tie, a.dtype)), 0)


def _logcumsumexp(xp, a, axis):
    if isinstance(xp, GraphNamespace):
        return xp.apply(LogCumSumExp, a, axis=axis)
    return xp.logaddexp.accumulate(a, axis=axis)


class LogCumSumExp(Function):
    # fused: log(cumsum(exp(x))) overflows, and shifting by the max underflows early terms far below it
    @staticmethod
    def forward(ctx, a, axis):
        out = ctx.xp.logaddexp.accumulate(a, axis=axis)
        ctx.save_for_backward(a, out)
        ctx.axis, ctx.lowest = axis, float(ctx.xp.finfo(a.dtype).min)
        return out

    @staticmethod
    def backward(ctx, grad):
        # torch's formula: grad_k = sum_{j>=k} g_j exp(x_k - out_j), with the positive and negative parts of g
        # summed in log space by a reversed logcumsumexp, so that no exp overflows
        xp, axis = ctx.xp, ctx.axis
        a, out = ctx.saved
        log_abs = xp.log(xp.where(grad != 0, xp.abs(grad), 1.0))

        def part(mask):
            t = xp.flip(xp.where(mask, log_abs, ctx.lowest) - out, axis=(axis,))
            return xp.exp(xp.flip(_logcumsumexp(xp, t, axis), axis=(axis,)) + a)

        return part(grad > 0) - part(grad < 0)


class Unique(Function):
    """One of unique's results (`part`: 'values', 'inverse' or 'counts'), sorted (torch sorts on the CPU even with
    sorted=False), or of runs of equal neighbours with `consecutive`. NaNs are all distinct, as in torch."""

    differentiable = False

    @staticmethod
    def forward(ctx, a, dim, consecutive, part):
        xp = ctx.xp
        if not consecutive:
            kw = {"equal_nan": False} if dim is None else {"axis": dim}
            values, inverse, counts = xp.unique(xp.reshape(a, (-1,)) if dim is None else a, return_inverse=True,
                                                return_counts=True, **kw)
            return {"values": values, "inverse": xp.reshape(inverse, a.shape if dim is None else (-1,)),
                    "counts": counts}[part]
        moved = xp.reshape(a, (-1, 1)) if dim is None else xp.moveaxis(a, dim, 0)
        n = moved.shape[0]
        rows = xp.reshape(moved, (n, math.prod(moved.shape[1:])))
        change = xp.concatenate([xp.ones(min(n, 1), dtype=bool), xp.any(rows[1:] != rows[:-1], axis=1)])
        if part == "values":
            return xp.reshape(moved[change], (-1,)) if dim is None else xp.moveaxis(moved[change], 0, dim)
        if part == "inverse":
            return xp.reshape(xp.cumsum(change) - 1, a.shape if dim is None else (n,))
        return xp.diff(xp.concatenate([xp.flatnonzero(change), xp.full(1, n)]))


class ArgWhere(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a):
        return ctx.xp.astype(ctx.xp.argwhere(a), ctx.xp.int64)


class Bincount(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, *weights, minlength=0, dtype=None):
        out = ctx.xp.bincount(a, weights=weights[0] if weights else None, minlength=minlength)
        return ctx.xp.astype(out, dtype) if weights else out


def _bin(xp, a, lo, hi, bins):
    """Bin number of each element of a between lo and hi as torch's histogram kernel (in a's dtype), and the mask of
    those inside [lo, hi]: the last bin includes its right edge."""
    keep = (a >= lo) & (a <= hi)
    pos = xp.astype((a - lo) * bins / (hi - lo), xp.int64)
    return xp.where(keep, xp.minimum(pos, bins - 1), 0), keep


def _data_range(xp, a, op):
    lo, hi = float(xp.min(a)), float(xp.max(a))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"{op}: range of [{lo}, {hi}] is not finite (shape {tuple(a.shape)})")
    return lo, hi


class Histc(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, bins, lo, hi):
        xp = ctx.xp
        if lo == hi and a.size:
            lo, hi = _data_range(xp, a, "torch.histc")
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        lo, hi = xp.asarray(lo, dtype=a.dtype), xp.asarray(hi, dtype=a.dtype)
        pos, keep = _bin(xp, xp.reshape(a, (-1,)), lo, hi, bins)
        return xp.astype(xp.bincount(pos[keep], minlength=bins), a.dtype)


class HistogramEdges(Function):
    """`bins` + 1 evenly spaced edges over [lo, hi] (None: the data's range), computed as torch.linspace does."""

    differentiable = False

    @staticmethod
    def forward(ctx, a, bins, lo, hi):
        xp = ctx.xp
        if lo is None:
            lo, hi = _data_range(xp, a, "torch.histogram") if a.size else (0.0, 1.0)  # torch's range when empty
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        lo, hi = xp.asarray(lo, dtype=a.dtype), xp.asarray(hi, dtype=a.dtype)
        step = (hi - lo) / bins
        i = xp.arange(bins + 1)
        return xp.where(i < (bins + 1) // 2, lo + step * xp.astype(i, a.dtype), hi - step * xp.astype(bins - i, a.dtype))


class Histogram(Function):
    """Counts (or summed weights) of a's elements in the bins between consecutive `edges`, the last bin closed."""

    differentiable = False

    @staticmethod
    def forward(ctx, a, edges, *weight, density=False):
        xp = ctx.xp
        flat = xp.reshape(a, (-1,))
        keep = (flat >= edges[0]) & (flat <= edges[-1])
        pos = xp.minimum(xp.searchsorted(edges, flat[keep], side="right") - 1, edges.shape[0] - 2)
        w = xp.reshape(weight[0], (-1,))[keep] if weight else None
        hist = xp.astype(xp.bincount(pos, weights=w, minlength=edges.shape[0] - 1), a.dtype)
        if density:
            hist = hist / xp.sum(hist) / xp.diff(edges)
        return hist


class SearchSorted(Function):
    """Insertion points of `values` in the last dim of `seq` (sorted, or put in order by `sorter`)."""

    differentiable = False

    @staticmethod
    def forward(ctx, seq, values, *sorter, right=False, dtype=None):
        xp = ctx.xp
        if sorter:
            seq = xp.take_along_axis(seq, sorter[0], axis=-1)
        if seq.ndim == 1:
            out = xp.searchsorted(seq, values, side="right" if right else "left")
        else:  # one sorted row per row of values: count the row's elements before each value
            before = seq[..., None, :] <= values[..., None] if right else seq[..., None, :] < values[..., None]
            out = xp.sum(before, axis=-1)
        return xp.astype(out, dtype)


class IsIn(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, test, invert=False):
        return ctx.xp.isin(a, test, invert=invert)


# ----------------------------------------------------------------------------------- scans
def _running(self, dim, op, result):
    axes = C._dims(dim, self.ndim, op)
    if not axes:
        return result(self.clone(), C.tensor(0, device=self._device))
    idx = OrderIndex.apply(self, axis=axes[0], op=op)
    return result(_picked(self, axes[0], idx), idx)


def cummax(self, dim):
    """(values, indices) of the running maximum along `dim`. Matches torch.cummax: a tie or a NaN takes the latest
    index, and the gradient goes to the element at each index.

    >>> minigrad.tensor([1.0, 3.0, 2.0]).cummax(0).indices
    tensor([0, 1, 1])
    """
    return _running(self, dim, "cummax", _Cummax)


def cummin(self, dim):
    """(values, indices) of the running minimum along `dim`. Matches torch.cummin."""
    return _running(self, dim, "cummin", _Cummin)


def logcumsumexp(self, dim):
    """log(cumsum(exp(x))) along `dim`, computed without overflow. Matches torch.logcumsumexp.

    >>> minigrad.tensor([0.0, 0.0]).logcumsumexp(0)
    tensor([0.0000, 0.6931])
    """
    if self.dtype.kind != "f":
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for {self.dtype} (shape '
                                  f"{tuple(self.shape)}): expected a floating point tensor")
    axes = C._dims(dim, self.ndim, "logcumsumexp")
    return LogCumSumExp.apply(self, axis=axes[0]) if axes else self.clone()


# ----------------------------------------------------------------------------------- order statistics
def _select(self, dim, keepdim, op, result, k=0):
    axes = C._dims(dim, self.ndim, op)
    if not axes:
        return result(self.clone(), C.tensor(0, device=self._device))
    C._nonempty(self, axes, op)
    idx = OrderIndex.apply(self, axis=axes[0], op="kth" if op == "kthvalue" else op, k=k)
    values = _picked(self, axes[0], idx)
    return result(values, idx) if keepdim else result(values.squeeze(axes[0]), idx.squeeze(axes[0]))


def median(self, dim=None, keepdim=False):
    """The lower median (the ((n - 1) // 2)-th smallest value). Without `dim`: of all elements, NaN if any is NaN,
    the gradient shared by the elements equal to it; with `dim`: (values, indices), the gradient to the index.
    Matches torch.median, except that the index among tied values may differ (torch leaves it unspecified).

    >>> minigrad.tensor([4.0, 1.0, 3.0, 2.0]).median()
    tensor(2.)
    """
    return MedianAll.apply(self) if dim is None else _select(self, dim, keepdim, "median", _Median)


def nanmedian(self, dim=None, keepdim=False):
    """median ignoring NaN (NaN where a slice has only NaN). Matches torch.nanmedian."""
    if dim is None:
        return MedianAll.apply(self, ignore_nan=True)
    return _select(self, dim, keepdim, "nanmedian", _NanMedian)


def kthvalue(self, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element (1-based) along `dim`, NaN counting as the largest. Matches
    torch.kthvalue (the index among tied values may differ: torch leaves it unspecified)."""
    axes = C._dims(dim, self.ndim, "kthvalue")
    n = self.shape[axes[0]] if axes else 1
    if not isinstance(k, C._INTEGER) or not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} (k={k}, size {n})")
    return _select(self, dim, keepdim, "kthvalue", _Kthvalue, k=builtins.int(k) - 1)


def mode(self, dim=-1, keepdim=False):
    """(values, indices) of the most frequent value along `dim`: the smallest on a tie in counts, and its last
    index. Matches torch.mode (for NaN-free input)."""
    return _select(self, dim, keepdim, "mode", _Mode)


def msort(self):
    """The values sorted along dim 0. Matches torch.msort."""
    return self.sort(0).values


def _q_tensor(self, q, op):
    if isinstance(q, C.Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{op}() q must be a scalar or 1D tensor (got shape {tuple(q.shape)})")
        if q.dtype != self.dtype:
            raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor (got {q.dtype} and "
                               f"{self.dtype})")
        if q.numel() and builtins.bool(((q.data < 0) | (q.data > 1)).any()):
            raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
        return q
    if not 0 <= q <= 1:
        raise RuntimeError(f"{op}() q must be in the range [0, 1] but got {q}")
    return C.tensor(float(q), dtype=self.dtype, device=self._device)


def _quantile(self, q, dim, keepdim, interpolation, ignore_nan):
    """torch's algorithm (aten Sorting.cpp): sort, rank = q (n - 1) (n the count of non-NaN values with
    ignore_nan, else the last rank when a NaN is present), then round or interpolate between neighbours with
    torch.lerp's formula, so the gradient goes to the two neighbours as in torch."""
    from ..functions import where  # noqa: PLC0415 - functions imports tensor.py, which imports this module

    op = "nanquantile" if ignore_nan else "quantile"
    if self.dtype not in (dtypes.float32, dtypes.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype (got {self.dtype})")
    q = _q_tensor(self, q, op)
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest, but "
                           f"got {interpolation}")
    if not self.numel():
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    if dim is None:
        x, axis = self.reshape(-1), 0
    else:
        axis = C._dims(dim, self.ndim, op)[0] if self.ndim else 0
        x = self if self.ndim else self.reshape(1)
    s = x.movedim(axis, -1).sort(-1).values
    batch, n, qv = tuple(s.shape[:-1]), s.shape[-1], q.reshape(-1)
    nan = s.isnan()
    if ignore_nan:
        ranks = qv * (nan.logical_not().sum(-1, keepdim=True) - 1)
        ranks = where(ranks < 0, 0.0, ranks)
    else:
        ranks = where(nan.any(-1, keepdim=True), float(n - 1), (qv * (n - 1)).expand(batch + tuple(qv.shape)))
    if interpolation in ("lower", "higher", "nearest"):
        ranks = {"lower": ranks.floor, "higher": ranks.ceil, "nearest": ranks.round}[interpolation]()
    # detached: an integer cast still records a node here, whose gradient would cancel w's
    below = ranks.detach().long()
    out = s.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        w = ranks - below if interpolation == "linear" else C.tensor(0.5, dtype=s.dtype, device=s._device)
        above = s.gather(-1, ranks.detach().ceil().long())
        d = above - out
        out = where(w < 0.5, out + w * d, above - d * (1 - w))
    if keepdim and self.ndim:
        out = out.reshape((1,) * self.ndim + tuple(qv.shape)) if dim is None else out.unsqueeze(axis)
    return out.squeeze(-1) if q.ndim == 0 else out.movedim(-1, 0)


def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles (q a number or a 0-d/1-d tensor in [0, 1]) over `dim` (None: all elements), q's dim
    first. `interpolation`: linear, lower, higher, midpoint or nearest. NaN where a slice has a NaN. Matches
    torch.quantile, gradients included.

    >>> minigrad.tensor([1.0, 2.0, 3.0, 4.0]).quantile(0.25)
    tensor(1.7500)
    """
    return _quantile(self, q, dim, keepdim, interpolation, False)


def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN (NaN where a slice has only NaN). Matches torch.nanquantile."""
    return _quantile(self, q, dim, keepdim, interpolation, True)


# ----------------------------------------------------------------------------------- reductions
def nansum(self, dim=None, keepdim=False, *, dtype=None):
    """sum treating NaN as 0 (whose gradient is 0). Matches torch.nansum."""
    x = self.masked_fill(self.isnan(), 0.0) if self.dtype.kind == "f" else self
    return x.sum(dim, keepdim, dtype=dtype)


def nanmean(self, dim=None, keepdim=False, *, dtype=None):
    """mean of the non-NaN elements (NaN where there are none). Matches torch.nanmean."""
    if (self.dtype if dtype is None else dtypes.as_dtype(dtype)).kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{self.dtype}")
    return nansum(self, dim, keepdim, dtype=dtype) / self.isnan().logical_not().sum(dim, keepdim)


def _with_mean(stat):
    def fn(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if isinstance(dim, bool):  # torch's var_mean(x, unbiased)
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise TypeError(f"{stat}_mean(): give either unbiased or correction, not both")
        return getattr(input, stat)(dim, unbiased, keepdim, correction), input.mean(dim, keepdim)

    fn.__name__ = fn.__qualname__ = f"{stat}_mean"
    fn.__doc__ = f"({stat}, mean) over `dim` (correction 1 by default). Matches torch.{stat}_mean."
    return fn


def aminmax(self, *, dim=None, keepdim=False):
    """(min, max) over `dim` (None: all elements); ties share each gradient, as torch.aminmax."""
    if dim is None and not self.numel():
        raise RuntimeError(f"aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           f"identity (shape {tuple(self.shape)})")
    if dim is not None:
        dim = C._dims(dim, self.ndim, "aminmax")
        C._nonempty(self, dim, "aminmax")
        dim = dim[0] if dim else None
    return _Aminmax(self.amin(dim, keepdim), self.amax(dim, keepdim))


def count_nonzero(self, dim=None):
    """The number of non-zero elements over `dim` (an int, a tuple, or None for all), as int64. Matches
    torch.count_nonzero."""
    return (self != 0).sum(dim)


# ----------------------------------------------------------------------------------- counting and searching
def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (or slices along `dim`), sorted; with return_inverse each element's (slice's) position
    among them, with return_counts how often each occurs. Matches torch.unique (which also sorts on the CPU when
    sorted=False). No gradient."""
    return _unique(self, return_inverse, return_counts, dim, False, "unique")


def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
    """unique of runs of equal neighbours (values or slices along `dim`), in order. Matches
    torch.unique_consecutive."""
    return _unique(self, return_inverse, return_counts, dim, True, "unique_consecutive")


def _unique(self, return_inverse, return_counts, dim, consecutive, op):
    if dim is not None:
        if not self.ndim:
            raise IndexError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
        dim = C._dims(dim, self.ndim, op)[0]
    parts = ["values"] + ["inverse"] * builtins.bool(return_inverse) + ["counts"] * builtins.bool(return_counts)
    out = tuple(Unique.apply(self, dim=dim, consecutive=consecutive, part=p) for p in parts)
    return out if len(out) > 1 else out[0]


def argwhere(self):
    """The indices of the non-zero elements, one row each: shape (count, ndim). Matches torch.argwhere."""
    return ArgWhere.apply(self)


def nonzero(self, *, as_tuple=False):
    """argwhere(self), or with as_tuple=True one index tensor per dim (as where(cond)). Matches torch.nonzero."""
    idx = ArgWhere.apply(self)
    return tuple(idx[:, d] for d in range(self.ndim)) if as_tuple else idx


def bincount(self, weights=None, minlength=0):
    """How often each value 0, 1, ... max occurs in a 1-d non-negative integer tensor (at least `minlength`
    bins), or the summed weights. Matches torch.bincount: int64 counts, weights' dtype for floating weights, else
    float64. No gradient."""
    if self.dtype.kind not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for {self.dtype} (expected an integer tensor)')
    if self.ndim != 1 or self.numel() and builtins.int(self.data.min()) < 0:
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs. (got shape "
                           f"{tuple(self.shape)})")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0 (got {minlength})")
    if weights is None or not self.numel():  # matches torch: int64 zeros for an empty input, even with weights
        return Bincount.apply(self, minlength=builtins.int(minlength))
    if weights.shape != self.shape:
        raise RuntimeError(f"weights should be 1-d and have the same length as input (got {tuple(weights.shape)} "
                           f"and {tuple(self.shape)})")
    dtype = weights.dtype if weights.dtype in (dtypes.float32, dtypes.float64) else dtypes.float64
    return Bincount.apply(self, weights, minlength=builtins.int(minlength), dtype=dtype)


def histc(self, bins=100, min=0, max=0):
    """Counts in `bins` equal bins over [min, max] (both 0: the data's range), as self's dtype; elements outside
    are ignored, the last bin includes max. Matches torch.histc. No gradient."""
    if self.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for {self.dtype} (expected a floating point '
                                  "tensor)")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError(f"torch.histc: max must be larger than min (got min={min}, max={max})")
    return Histc.apply(self, bins=builtins.int(bins), lo=float(min), hi=float(max))


def histogram(self, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges): `bins` equal bins over `range` (default: the data's range), or bins given as a 1-d
    tensor of increasing edges; the last bin includes its right edge. Matches torch.histogram. No gradient."""
    if self.dtype.kind != "f":
        raise NotImplementedError(f'"histogram_cpu" not implemented for {self.dtype} (expected a floating point '
                                  "tensor)")
    if isinstance(bins, C.Tensor):
        if bins.ndim != 1 or bins.dtype != self.dtype:
            raise RuntimeError(f"torch.histogram(): bins must be a 1-d tensor of the input's dtype (got shape "
                               f"{tuple(bins.shape)}, dtype {bins.dtype})")
        edges = bins
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
        lo, hi = (None, None) if range is None else (float(range[0]), float(range[1]))
        if lo is not None and lo > hi:
            raise RuntimeError(f"torch.histogram(): max must be larger than min (got range {tuple(range)})")
        edges = HistogramEdges.apply(self, bins=builtins.int(bins), lo=lo, hi=hi)
    args = (self, edges) if weight is None else (self, edges, weight)
    return _Histogram(Histogram.apply(*args, density=builtins.bool(density)), edges)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of `input` would be inserted into the last dim of `sorted_sequence` to keep it sorted (after
    equal elements with right=True or side='right'). Matches torch.searchsorted: `sorted_sequence` is 1-d or has
    input's leading dims; int64 indices (int32 with out_int32). No gradient.

    >>> minigrad.searchsorted(minigrad.tensor([1, 3, 5, 7]), minigrad.tensor([3, 6, 9]))
    tensor([1, 3, 4])
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq = sorted_sequence
    values = input if isinstance(input, C.Tensor) else C.tensor(input, device=seq._device)
    if seq.ndim != 1 and (seq.ndim != values.ndim or seq.shape[:-1] != values.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got boundaries "
                           f"tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
    if sorter is not None and sorter.shape != seq.shape:
        raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                           f"tensor {list(seq.shape)}and got sorter tensor {list(sorter.shape)}")
    args = (seq, values) if sorter is None else (seq, values, sorter)
    return SearchSorted.apply(*args, right=builtins.bool(right), dtype=dtypes.int32 if out_int32 else dtypes.int64)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each element of `input` among 1-d increasing `boundaries`: boundaries[i-1] < x <= boundaries[i]
    (with right=True: boundaries[i-1] <= x < boundaries[i]). Matches torch.bucketize."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element of `elements` occurs in `test_elements` (either may be a number). Matches torch.isin."""
    ref = elements if isinstance(elements, C.Tensor) else test_elements
    a, b = (t if isinstance(t, C.Tensor) else C.tensor(t, device=ref._device) for t in (elements, test_elements))
    return IsIn.apply(a, b, invert=builtins.bool(invert))


METHODS = {
    "cummax": cummax, "cummin": cummin, "logcumsumexp": logcumsumexp, "median": median, "nanmedian": nanmedian,
    "kthvalue": kthvalue, "mode": mode, "msort": msort, "quantile": quantile, "nanquantile": nanquantile,
    "nansum": nansum, "nanmean": nanmean, "aminmax": aminmax, "count_nonzero": count_nonzero, "unique": unique,
    "unique_consecutive": unique_consecutive, "argwhere": argwhere, "nonzero": nonzero, "bincount": bincount, "histc": histc,
    "histogram": histogram,
}
FUNCTIONS = {**METHODS, "std_mean": _with_mean("std"), "var_mean": _with_mean("var"), "searchsorted": searchsorted,
             "bucketize": bucketize, "isin": isin}
