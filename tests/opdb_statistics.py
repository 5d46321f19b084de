"""Op table entries for src/minigrad/ops/statistics.py (see opdb.py: OpSpec, samplers)."""
import numpy as np
import torch
from hypothesis import strategies as st
from opdb import F64, OpSpec, _dim, _values, reduction, shapes, unary

import minigrad

NAN = float("nan")


def _nanify(x):
    """About one element in six becomes NaN (in both libraries, so the gradient there is masked_fill's 0)."""
    return x.masked_fill(x > 2.0, NAN)


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else minigrad


def kth_sample(draw, dtype):
    shape = draw(shapes(max_dims=3, min_side=1))
    dim = _dim(draw, len(shape))
    k = draw(st.integers(1, shape[dim] if shape else 1))
    return [_values(draw, shape, dtype), ("dim", (dim, k), draw(st.booleans()))]


def ties_sample(draw, dtype):
    """Values from a few distinct halves, so that slices repeat values (mode, unique)."""
    shape = draw(shapes(max_dims=3, min_side=1))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return [(rng.integers(-2, 3, size=shape) / 2).astype(dtype), ("dim", _dim(draw, len(shape)), draw(st.booleans()))]


def quantile_sample(draw, dtype):
    shape = draw(shapes(max_dims=3, min_side=1))
    dim = draw(st.sampled_from([None, _dim(draw, len(shape))]))
    q = draw(st.sampled_from([0.0, 0.3, 0.5, 1.0, [0.25], [0.1, 0.5, 0.9], [1.0, 0.0, 0.66]]))
    interpolation = draw(st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]))
    return [_values(draw, shape, dtype), ("dim", (dim, q, interpolation), draw(st.booleans()))]


def _quantile(name, nan):
    def fn(x, a, keepdim):
        dim, q, interpolation = a
        q = _lib(x).tensor(q, dtype=x.dtype, device=x.device) if isinstance(q, list) else q
        return getattr(_nanify(x) if nan else x, name)(q, dim, keepdim, interpolation=interpolation)

    return fn


def _with_mean(name, correction):
    def fn(x, d, k):
        return tuple(getattr(_lib(x), name)(x, d, keepdim=k, correction=correction) if d is not None
                     else getattr(_lib(x), name)(x, keepdim=k))

    return fn


def _ints(lo, hi, max_dims=3):
    def sample(draw, dtype):
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        return [rng.integers(lo, hi, size=draw(shapes(max_dims=max_dims)))]

    return sample


def search_sample(draw, dtype):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lead = draw(shapes(max_dims=2, min_side=1))
    seq = np.sort(rng.integers(-3, 4, size=(lead if draw(st.booleans()) else ()) + (draw(st.integers(0, 5)),)), -1)
    values = rng.integers(-4, 5, size=seq.shape[:-1] + (draw(st.integers(0, 4)),)) if seq.ndim > 1 else \
        rng.integers(-4, 5, size=lead)
    return [seq.astype(dtype), values.astype(dtype), ("dim", draw(st.booleans()), False)]


def _search(s, v, right, keep):
    lib = _lib(s)
    out = (lib.searchsorted(s, v, right=right), lib.searchsorted(s, v, side="right" if right else "left",
                                                                 out_int32=True))
    return out + ((lib.bucketize(v, s, right=right), lib.isin(v, s), lib.isin(v, s, invert=True))
                  if s.ndim == 1 else ())


def _histograms(x):
    h = x.histogram(4)
    return (x.histc(5), x.histc(3, -1.0, 1.5), *h, *x.histogram(h.bin_edges, weight=x.abs(), density=True),
            *x.histogram(3, range=(-2.0, 2.0)))


OPS = [
    # scans: the gradient goes to the running extreme's index (values drawn distinct)
    OpSpec("cummax", lambda x, d, k: tuple(x.cummax(d)), sample=reduction(None, single=True)),
    OpSpec("cummin", lambda x, d, k: tuple(x.cummin(d)), sample=reduction(None, single=True)),
    OpSpec("logcumsumexp", lambda x, d, k: x.logcumsumexp(d), sample=reduction(None, single=True, lo=-6, hi=6)),
    # order statistics
    OpSpec("median", lambda x: x.median(), sample=unary(min_side=1)),
    OpSpec("median_dim", lambda x, d, k: tuple(x.median(d, keepdim=k)), sample=reduction(None, nonempty=True,
                                                                                          single=True)),
    OpSpec("nanmedian", lambda x: _nanify(x).nanmedian(), sample=unary(min_side=1)),
    OpSpec("nanmedian_dim", lambda x, d, k: tuple(_nanify(x).nanmedian(d, keepdim=k)),
           sample=reduction(None, nonempty=True, single=True)),
    OpSpec("kthvalue", lambda x, a, k: tuple(x.kthvalue(a[1], a[0], keepdim=k)), sample=kth_sample),
    OpSpec("mode", lambda x, d, k: tuple(x.mode(d, keepdim=k)), sample=ties_sample, gradcheck=False,
           note="drawn ties: a finite difference changes which value is the mode"),
    OpSpec("msort", lambda x: x.msort(), sample=unary(min_dims=1)),
    OpSpec("quantile", _quantile("quantile", False), sample=quantile_sample, gradcheck=False,
           note="lower/higher/nearest round the rank: piecewise constant in q"),
    OpSpec("nanquantile", _quantile("nanquantile", True), sample=quantile_sample, gradcheck=False),
    # reductions
    OpSpec("nansum", lambda x, d, k: _nanify(x).nansum(d, keepdim=k) if d is not None else _nanify(x).nansum(),
           sample=reduction(None)),
    OpSpec("nanmean", lambda x, d, k: _nanify(x).nanmean(d, keepdim=k) if d is not None else _nanify(x).nanmean(),
           sample=reduction(None, nonempty=True, lo=-3, hi=2.2), note="few NaN, so slices are rarely all NaN"),
    OpSpec("var_mean", _with_mean("var_mean", 0), sample=reduction(None, nonempty=True)),
    OpSpec("std_mean", _with_mean("std_mean", 1), sample=reduction(None, nonempty=True),
           note="correction=1: a one-element std is nan in both (a zero std's second derivative differs: see std)"),
    OpSpec("aminmax", lambda x, d, k: tuple(x.aminmax(dim=d, keepdim=k)), sample=reduction(None, nonempty=True,
                                                                                          single=True)),
    OpSpec("aminmax_all", lambda x: tuple(x.aminmax()), sample=unary(min_side=1)),
    # counting and searching: no gradient
    OpSpec("count_nonzero", lambda x, d, k: (x > 0).count_nonzero(d), sample=reduction(None), grad=False),
    OpSpec("unique", lambda x, d, k: (x.unique(), *x.unique(return_inverse=True, return_counts=True),
                                      *(x.unique(dim=d, return_inverse=True, return_counts=True) if x.ndim else ())),
           sample=ties_sample, grad=False),
    OpSpec("unique_consecutive", lambda x, d, k: (*x.unique_consecutive(return_inverse=True, return_counts=True),
                                                  *(x.unique_consecutive(return_counts=True, dim=d) if x.ndim else ())),
           sample=ties_sample, grad=False),
    OpSpec("argwhere", lambda x, d, k: (x > 0).argwhere(), sample=ties_sample, grad=False),
    OpSpec("bincount", lambda x: (x.reshape(-1).bincount(), x.reshape(-1).bincount(minlength=7),
                                  x.reshape(-1).bincount(x.reshape(-1) * 0.5)), sample=_ints(0, 6), grad=False,
           dtypes=(F64,)),
    OpSpec("histc_histogram", _histograms, sample=unary(), grad=False),
    OpSpec("searchsorted_bucketize_isin", _search, sample=search_sample, grad=False),
]
