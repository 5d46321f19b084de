"""Argument forms, exact points (ties, NaN, extremes) and errors of src/minigrad/ops/statistics.py against torch.
Its Function classes (OrderIndex, MedianAll, LogCumSumExp, Unique, ArgWhere, Bincount, Histc, HistogramEdges,
Histogram, SearchSorted, IsIn) also run under every generic test through tests/opdb_statistics.py."""
import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")
NAN = float("nan")


def _same(got, want):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    assert str(got.dtype) == str(want.dtype).replace("torch.", ""), (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape), (got.shape, want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-7)


def _both(fn, data, dtype="float32", grad=False):
    """fn on minigrad and torch tensors of the same data; with grad, the input gradients of a weighted sum too."""
    arr = np.asarray(data, dtype=dtype)
    m = minigrad.tensor(arr, requires_grad=grad)
    t = torch.tensor(arr, requires_grad=grad)
    got, want = fn(m, minigrad), fn(t, torch)
    _same(got, want)
    if grad:
        outs = [o for o in (got if isinstance(got, tuple) else (got,)) if o.requires_grad]
        touts = [o for o in (want if isinstance(want, tuple) else (want,)) if o.requires_grad]
        sum((o * (k + 2)).sum() for k, o in enumerate(outs)).backward()
        sum((o * (k + 2)).sum() for k, o in enumerate(touts)).backward()
        _same(m.grad, t.grad)
    return got


# ----------------------------------------------------------------------------------- exact points
def test_median_ties_share_the_gradient_and_nan_wins():
    _both(lambda x, L: x.median(), [1.0, 3.0, 3.0, 2.0, 3.0, 2.0], grad=True)
    _both(lambda x, L: x.median(), [1.0, NAN, 3.0, NAN], grad=True)
    _both(lambda x, L: L.median(x), [[4, 1], [3, 2]], dtype="int64")
    _both(lambda x, L: x.median(), [], grad=True)
    _both(lambda x, L: tuple(x.median(0)), [1.0, NAN, 3.0, NAN], grad=True)
    _both(lambda x, L: tuple(x.median(1, keepdim=True)), [[1.0, 1.0, 1.0, 2.0], [2.0, 1.0, 5.0, 3.0]])


def test_nanmedian_skips_nan():
    _both(lambda x, L: x.nanmedian(), [1.0, NAN, 3.0, NAN, 2.0], grad=True)
    _both(lambda x, L: x.nanmedian(), [NAN, NAN], grad=True)
    _both(lambda x, L: tuple(x.nanmedian(1)), [[1.0, NAN, 3.0, 0.5], [NAN, NAN, 2.0, NAN]], grad=True)
    # an all-NaN slice: NaN, at an index torch leaves unspecified
    _both(lambda x, L: x.nanmedian(1).values, [[NAN, NAN, NAN, NAN]])


def test_cummax_cummin_ties_and_nan_take_the_latest_index():
    data = [1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN, 1.0]
    _both(lambda x, L: tuple(L.cummax(x, 0)), data, grad=True)
    _both(lambda x, L: tuple(x.cummin(dim=-1)), [1.0, 3.0, 1.0, 0.0, 0.0, 5.0], grad=True)
    _both(lambda x, L: tuple(x.cummax(0)), [[3, 1], [3, 4], [0, 4]], dtype="int64")
    _both(lambda x, L: tuple(x.cummax(0)), 2.5, grad=True)
    assert minigrad.tensor([1.0]).cummax(0)._fields == ("values", "indices")


def test_kthvalue_and_mode():
    _both(lambda x, L: tuple(x.kthvalue(3)), [3.0, NAN, 1.0, 2.0], grad=True)
    _both(lambda x, L: tuple(L.kthvalue(x, 2, 0, True)), [[1.0, 5.0], [2.0, 0.0], [7.0, 3.0]], grad=True)
    _both(lambda x, L: tuple(x.mode()), [[3, 1, 1, 2, 2, 1, 2], [3, 2, 3, 2, 0, 0, 9]], dtype="int64")
    _both(lambda x, L: tuple(x.mode(0, keepdim=True)), [[1.0, 2.0], [1.0, 3.0], [2.0, 3.0]], grad=True)


def test_logcumsumexp_extremes():
    for dtype in ("float32", "float64"):
        _both(lambda x, L: x.logcumsumexp(0), [-1000.0, 0.0, 1000.0, -1e4], dtype, grad=True)
        _both(lambda x, L: L.logcumsumexp(x, -1), [[-float("inf"), 0.0, -float("inf")], [5.0, 5.0, 5.0]], dtype)


def test_logcumsumexp_second_derivative_at_extremes():
    x = minigrad.tensor([-50.0, 0.0, 30.0, 1.0], dtype=minigrad.float64, requires_grad=True)
    t = torch.tensor([-50.0, 0.0, 30.0, 1.0], dtype=torch.float64, requires_grad=True)
    w = [0.5, -1.0, 2.0, 0.25]
    (g,) = minigrad.autograd.grad((x.logcumsumexp(0) * minigrad.tensor(w)).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((t.logcumsumexp(0) * torch.tensor(w)).sum(), t, create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    _same(x.grad, t.grad)


def test_quantile_forms():
    data = [[1.0, 7.0, 2.0, 4.0], [3.0, NAN, 0.0, 2.0]]
    for mode in ("linear", "lower", "higher", "midpoint", "nearest"):
        _both(lambda x, L, mode=mode: x.nanquantile(0.4, dim=1, interpolation=mode), data, grad=True)
        _both(lambda x, L, mode=mode: L.quantile(x, L.tensor([0.5, 0.1]), 0, True, interpolation=mode), data)
    _both(lambda x, L: x.quantile(L.tensor(0.5)), [1.0, 2.0, 4.0])
    _both(lambda x, L: x.nanquantile(0.5, keepdim=True), [[NAN, NAN]])
    _both(lambda x, L: x.quantile(L.tensor([0.3, 0.8], dtype=L.float64), 0), [3.0, 1.0, 2.0], "float64", grad=True)


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
def test_quantile_gradient_reaches_q(op):
    grads = []
    for L in (minigrad, torch):
        x = L.tensor([[3.0, 1.0, NAN, 5.0], [2.0, 0.0, 1.0, 4.0]], requires_grad=True)
        q = L.tensor([0.3, 0.7], requires_grad=True)
        (getattr(x, op)(q, 1) * L.tensor([[1.0], [2.0]])).sum().backward()
        grads.append((x.grad, q.grad))
    _same(grads[0], grads[1])


def test_nan_reductions_and_moments():
    data = [[1.0, NAN, 3.0], [NAN, NAN, NAN]]
    _both(lambda x, L: (x.nansum(), x.nansum(1), L.nansum(x, (0, 1), keepdim=True)), data, grad=True)
    _both(lambda x, L: x.nansum(dtype=L.float64), data)
    _both(lambda x, L: (x.nanmean(), x.nanmean(0, keepdim=True)), [[1.0, NAN, 3.0], [2.0, 4.0, NAN]], grad=True)
    _both(lambda x, L: x.nansum(), [[1, 2], [3, 4]], "int64")
    x = [[1.0, 2.0, 4.0], [0.5, 0.0, 2.0]]
    _both(lambda x, L: L.var_mean(x, False), x, grad=True)
    _both(lambda x, L: L.var_mean(x, 1, True, True), x, grad=True)
    _both(lambda x, L: L.std_mean(x, dim=(0, 1), correction=2), x, grad=True)
    _both(lambda x, L: L.std_mean(x, keepdim=True), x, grad=True)


def test_aminmax_and_count_nonzero():
    _both(lambda x, L: tuple(x.aminmax()), [1.0, 3.0, 1.0, 3.0], grad=True)
    _both(lambda x, L: tuple(L.aminmax(x, dim=0, keepdim=True)), [[1.0, 3.0], [1.0, -3.0]], grad=True)
    _both(lambda x, L: tuple(x.aminmax(keepdim=True)), [[1.0, 2.0]])
    assert minigrad.tensor([1.0]).aminmax()._fields == ("min", "max")
    _both(lambda x, L: (x.count_nonzero(), L.count_nonzero(x, dim=(0, 1)), x.count_nonzero(dim=-1)),
          [[0, 1, 2], [0, 0, 3]], "int64")


# ----------------------------------------------------------------------------------- counting and searching
def test_unique_forms():
    data = [[1, 2, 1], [1, 2, 1], [0, 5, 0]]
    _both(lambda x, L: (x.unique(), x.unique(sorted=False, return_inverse=True),
                        L.unique(x, return_counts=True, dim=1), x.unique(dim=0, return_inverse=True)), data, "int64")
    _both(lambda x, L: x.unique(return_counts=True), [1.0, NAN, NAN, 2.0, 1.0])
    _both(lambda x, L: x.unique(return_inverse=True), 3.0)
    _both(lambda x, L: (x.unique_consecutive(), L.unique_consecutive(x, return_inverse=True, return_counts=True)),
          [1, 1, 2, 2, 3, 1, 1, 2], "int64")
    _both(lambda x, L: x.unique_consecutive(return_counts=True, dim=1), [[1, 1, 2], [3, 3, 4]], "int64")
    _both(lambda x, L: x.unique_consecutive(return_inverse=True, return_counts=True), [], "int64")


def test_argwhere_bincount_histc_histogram():
    _both(lambda x, L: (x.argwhere(), L.argwhere(x > 1)), [[0, 1], [2, 0]], "int64")
    _both(lambda x, L: (x.argwhere(), (x * 0).argwhere()), 3.0)
    _both(lambda x, L: (x.bincount(), L.bincount(x, minlength=6), x.bincount(x * 2),
                        x.bincount(x.double()), x.bincount(x.float())), [0, 1, 1, 3], "int64")
    _both(lambda x, L: x.bincount(x.float(), minlength=3), [], "int64")
    _both(lambda x, L: (x.histc(), L.histc(x, bins=4, min=0, max=3), x.histc(2)), [1.0, 2.0, 1.0, 5.0])
    _both(lambda x, L: L.histc(x, bins=4, min=0, max=3), [1.0, NAN, 1.0, 5.0])
    _both(lambda x, L: x.histc(bins=2), [2.0, 2.0])
    _both(lambda x, L: tuple(x.histogram(4, range=(0.0, 3.0))), [1.0, 2.0, 1.0, 3.0, -1.0])
    _both(lambda x, L: tuple(L.histogram(x, L.tensor([0.0, 1.0, 2.5]), weight=x, density=True)), [1.0, 2.0, 0.5])
    _both(lambda x, L: tuple(x.histogram(3)), [2.0, 2.0])
    assert minigrad.tensor([1.0]).histogram(2)._fields == ("hist", "bin_edges")


def test_searchsorted_bucketize_isin():
    seq = [[1, 3, 5, 7], [2, 2, 4, 8]]
    _both(lambda s, L: (L.searchsorted(s, L.tensor([[3, 6], [2, 9]])), L.searchsorted(s, L.tensor([[3], [2]]),
                                                                                          side="right")), seq, "int64")
    _both(lambda s, L: (L.searchsorted(s[0], 3), L.searchsorted(s[0], 3.5, right=True, out_int32=True),
                        L.searchsorted(s[0], L.tensor([[0, 9]]))), seq, "int64")
    _both(lambda s, L: L.searchsorted(s, L.tensor([2.0]), sorter=L.tensor([1, 2, 0])), [3.0, 1.0, 2.0])
    _both(lambda s, L: (L.bucketize(L.tensor([3, 6, 9]), s), L.bucketize(3, s, right=True),
                        L.bucketize(L.tensor([[1.5, 7.0]]), s, out_int32=True)), [1, 3, 5, 7], "int64")
    _both(lambda x, L: (L.isin(x, L.tensor([2, 5])), L.isin(x, 2), L.isin(2, x), L.isin(x, x[:1], invert=True),
                        L.isin(x, L.tensor([1.0, 2.5]))), [1, 2, 3], "int64")


def test_msort():
    _both(lambda x, L: (x.msort(), L.msort(x)), [[3.0, 1.0], [1.0, 2.0], [2.0, 0.0]], grad=True)


# ----------------------------------------------------------------------------------- errors
def _raises(fn, data, dtype="float32"):
    arr = np.asarray(data, dtype=dtype)
    with pytest.raises(Exception) as want:
        fn(torch.tensor(arr), torch)
    with pytest.raises(want.type):
        fn(minigrad.tensor(arr), minigrad)


@pytest.mark.parametrize("fn, data, dtype", [
    (lambda x, L: x.quantile(1.5), [1.0, 2.0], "float32"),
    (lambda x, L: x.quantile(L.tensor([0.5, -0.1])), [1.0, 2.0], "float32"),
    (lambda x, L: x.quantile(0.5), [1, 2], "int64"),
    (lambda x, L: x.quantile(L.tensor([0.5], dtype=L.float64)), [1.0, 2.0], "float32"),
    (lambda x, L: x.quantile(L.tensor([[0.5]])), [1.0, 2.0], "float32"),
    (lambda x, L: x.nanquantile(0.5, interpolation="foo"), [1.0, 2.0], "float32"),
    (lambda x, L: x.quantile(0.5), [], "float32"),
    (lambda x, L: x.quantile(0.5, dim=2), [[1.0]], "float32"),
    (lambda x, L: x.kthvalue(3), [1.0, 2.0], "float32"),
    (lambda x, L: x.kthvalue(0), [1.0, 2.0], "float32"),
    (lambda x, L: x.median(0), np.zeros((0, 2)), "float32"),
    (lambda x, L: x.mode(0), np.zeros((0, 2)), "float32"),
    (lambda x, L: x.cummax(1), [1.0, 2.0], "float32"),
    (lambda x, L: x.logcumsumexp(0), [1, 2], "int64"),
    (lambda x, L: x.nanmean(), [1, 2], "int64"),
    (lambda x, L: x.aminmax(), [], "float32"),
    (lambda x, L: x.aminmax(dim=0), np.zeros((0, 2)), "float32"),
    (lambda x, L: x.bincount(), [-1, 2], "int64"),
    (lambda x, L: x.bincount(), [[1]], "int64"),
    (lambda x, L: x.bincount(), [1.0], "float32"),
    (lambda x, L: x.bincount(minlength=-1), [1], "int64"),
    (lambda x, L: x.bincount(L.tensor([1.0])), [1, 2], "int64"),
    (lambda x, L: x.histc(3), [1, 2], "int64"),
    (lambda x, L: x.histc(0), [1.0, 2.0], "float32"),
    (lambda x, L: x.histc(3, min=3, max=2), [1.0, 2.0], "float32"),
    (lambda x, L: x.histogram(0), [1.0, 2.0], "float32"),
    (lambda x, L: x.histogram(3), [1.0, NAN], "float32"),
    (lambda x, L: x.histc(3), [1.0, NAN], "float32"),
    (lambda x, L: L.searchsorted(x, L.tensor([1, 2, 3])), [[1, 2]], "int64"),
    (lambda x, L: L.searchsorted(x, L.tensor([1]), side="left", right=True), [1, 2], "int64"),
    (lambda x, L: L.searchsorted(x, L.tensor([1]), side="middle"), [1, 2], "int64"),
    (lambda x, L: L.bucketize(L.tensor([1]), x), [[1, 2]], "int64"),
    (lambda x, L: x.unique(dim=3), [1.0], "float32"),
    (lambda x, L: x.unique(dim=0), 1.0, "float32"),
    (lambda x, L: L.var_mean(x, 0, True, correction=0), [1.0, 2.0], "float32"),
])
def test_errors_match_torch(fn, data, dtype):
    _raises(fn, data, dtype)


def test_nonzero_matches_torch():
    a = np.array([[0, 1, 2], [3, 0, 0]])
    np.testing.assert_array_equal(minigrad.tensor(a).nonzero().numpy(), torch.tensor(a).nonzero().numpy())
    for got, ref in zip(minigrad.nonzero(minigrad.tensor(a), as_tuple=True), torch.nonzero(torch.tensor(a), as_tuple=True)):
        np.testing.assert_array_equal(got.numpy(), ref.numpy())
