"""Argument forms and errors of the shape and index helpers (src/minigrad/ops/shaping.py) against torch; values and
gradients over drawn shapes are in tests/opdb_shaping.py."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def _same(got, want):
    if isinstance(want, (tuple, list)):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    assert isinstance(got, mg.Tensor), type(got)
    assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype).replace("torch.", "")
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-6, atol=1e-6)


def _pair(a):
    a = np.asarray(a)
    return mg.tensor(a), torch.tensor(a)


def _raises(exc, match, fn_mg, fn_th):
    with pytest.raises(exc, match=match):
        fn_mg()
    with pytest.raises(exc, match=match):
        fn_th()


X = np.arange(24.0).reshape(2, 3, 4)


def test_function_and_method_forms_match_torch():
    m, t = _pair(X)
    m2, t2 = _pair(X[0])
    _same(mg.tril(m, diagonal=-1), torch.tril(t, diagonal=-1))
    _same(m2.triu(diagonal=2), t2.triu(diagonal=2))
    _same(mg.roll(m, 1), torch.roll(t, 1))
    _same(m.roll(shifts=-2, dims=-1), t.roll(shifts=-2, dims=-1))
    _same(mg.tile(m, (2,)), torch.tile(t, (2,)))
    _same(m.moveaxis(0, -1), t.moveaxis(0, -1))
    _same(mg.moveaxis(m, (0, 1), (2, 0)), torch.moveaxis(t, (0, 1), (2, 0)))
    _same(mg.ravel(m), torch.ravel(t))
    _same(mg.diagonal(m, 1, 2, 0), torch.diagonal(t, 1, 2, 0))
    _same(mg.trace(m2), torch.trace(t2))
    _same(mg.rot90(m, -1, (2, 1)), torch.rot90(t, -1, (2, 1)))
    _same(mg.select(m, -1, -2), torch.select(t, -1, -2))
    _same(mg.narrow_copy(m, 2, 1, 2), torch.narrow_copy(t, 2, 1, 2))
    _same(mg.slice_scatter(m, mg.zeros(2, 3, 2, dtype=mg.float64), 2, step=2),
          torch.slice_scatter(t, torch.zeros(2, 3, 2, dtype=torch.float64), 2, step=2))
    _same(mg.kron(m2, m2[:2]), torch.kron(t2, t2[:2]))
    _same(mg.diff(m, dim=1, n=2), torch.diff(t, dim=1, n=2))


def test_integer_and_bool_inputs_keep_torch_dtypes():
    m, t = _pair(np.arange(12).reshape(3, 4))
    _same(m.tril(), t.tril())
    _same(m.trace(), t.trace())
    _same(m.int().trace(), t.int().trace())
    _same(mg.diff(m > 5), torch.diff(t > 5))
    _same(mg.diff(m, n=0, append=m), torch.diff(t, n=0, append=t))
    _same(mg.block_diag(m, mg.tensor([1.5])), torch.block_diag(t, torch.tensor([1.5])))
    _same(mg.block_diag(), torch.block_diag())
    _same(m.scatter_reduce(0, mg.tensor([[0, 0, 2, 2]]), m[:1], "mean"),
          t.scatter_reduce(0, torch.tensor([[0, 0, 2, 2]]), t[:1], "mean"))
    _same(m.scatter_reduce(0, mg.tensor([[0, 1, 2, 2]]), m[:1] + 20, "amax", include_self=False),
          t.scatter_reduce(0, torch.tensor([[0, 1, 2, 2]]), t[:1] + 20, "amax", include_self=False))


@pytest.mark.parametrize("args", [(3, 3), (4, 2, 1), (2, 5, -1), (0, 3), (3, 4, 10)])
def test_tri_indices(args):
    _same(mg.tril_indices(*args), torch.tril_indices(*args))
    _same(mg.triu_indices(*args), torch.triu_indices(*args))
    _same(mg.tril_indices(*args, dtype=mg.int32), torch.tril_indices(*args, dtype=torch.int32))


def test_repeat_interleave_forms():
    m, t = _pair(X[0])
    _same(mg.repeat_interleave(mg.tensor([2, 0, 1])), torch.repeat_interleave(torch.tensor([2, 0, 1])))
    _same(m.repeat_interleave(mg.tensor([1, 0, 2]), dim=0), t.repeat_interleave(torch.tensor([1, 0, 2]), dim=0))
    _same(m.repeat_interleave(2, dim=-1, output_size=8), t.repeat_interleave(2, dim=-1, output_size=8))
    _same(mg.repeat_interleave(mg.tensor(3.0), 2), torch.repeat_interleave(torch.tensor(3.0), 2))
    _raises(RuntimeError, "repeats", lambda: m.repeat_interleave(mg.tensor([1, 2]), dim=0),
            lambda: t.repeat_interleave(torch.tensor([1, 2]), dim=0))


def test_splits_match_torch():
    m, t = _pair(X)
    for ios in (2, 3, [1, 3], (0, 5), mg.tensor([1, 2])):
        tios = torch.tensor(ios.numpy()) if isinstance(ios, mg.Tensor) else ios
        _same(mg.tensor_split(m, ios, dim=2), torch.tensor_split(t, tios, dim=2))
    _same(mg.hsplit(m, 3), torch.hsplit(t, 3))
    _same(mg.vsplit(m, [1]), torch.vsplit(t, [1]))
    _same(mg.dsplit(m, 2), torch.dsplit(t, 2))
    _same(mg.hsplit(m[0, 0], 2), torch.hsplit(t[0, 0], 2))
    _raises(RuntimeError, "not divisible by the split_size 2", lambda: mg.hsplit(m, 2), lambda: torch.hsplit(t, 2))
    _raises(RuntimeError, "at least 3 dimension", lambda: mg.dsplit(m[0], 2), lambda: torch.dsplit(t[0], 2))


def test_stacking_forms():
    a, ta = _pair([1.0, 2.0])
    b, tb = _pair(3.0)
    _same(mg.atleast_1d(b), torch.atleast_1d(tb))
    _same(mg.atleast_2d(a, b), torch.atleast_2d(ta, tb))
    _same(mg.atleast_3d([a, b]), torch.atleast_3d([ta, tb]))
    _same(mg.column_stack([a, a]), torch.column_stack([ta, ta]))
    _same(mg.dstack((a, a)), torch.dstack((ta, ta)))
    _same(mg.row_stack([a, a]), torch.row_stack([ta, ta]))
    _same(mg.cartesian_prod(a), torch.cartesian_prod(ta))
    _same(mg.meshgrid(a, a[:1]), torch.meshgrid(ta, ta[:1], indexing="ij"))
    _same(mg.meshgrid([a, a[:1], a], indexing="xy"), torch.meshgrid([ta, ta[:1], ta], indexing="xy"))
    _same(mg.broadcast_tensors(a, b, a[:, None]), torch.broadcast_tensors(ta, tb, ta[:, None]))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        mg.broadcast_tensors(a, mg.ones(3))


def test_index_ops_forms():
    m, t = _pair(X[0])
    i, ti = _pair([2, 0])
    s, ts = _pair(np.ones((3, 2)))
    _same(m.index_add(1, i, s, alpha=-2), t.index_add(1, ti, ts, alpha=-2))
    _same(mg.index_copy(m, 1, i, s), torch.index_copy(t, 1, ti, ts))
    _same(m.index_fill(0, mg.tensor([-1]), mg.tensor(7.0)), t.index_fill(0, torch.tensor([-1]), torch.tensor(7.0)))
    y, ty = m * 1, t * 1
    y.index_add_(0, mg.tensor([1, 1]), mg.ones(2, 4, dtype=mg.float64))
    ty.index_add_(0, torch.tensor([1, 1]), torch.ones(2, 4, dtype=torch.float64))
    _same(y, ty)
    _raises(IndexError, "out of", lambda: m.index_copy(0, mg.tensor([3]), m[:1]),
            lambda: t.index_copy(0, torch.tensor([3]), t[:1]))
    _raises(RuntimeError, "same dtype", lambda: m.index_copy(0, mg.tensor([1]), m[:1].float()),
            lambda: t.index_copy(0, torch.tensor([1]), t[:1].float()))
    _raises(RuntimeError, "0-dimensional value tensor", lambda: m.index_fill(0, i[:1], m[0]),
            lambda: t.index_fill(0, ti[:1], t[0]))


def test_take_and_masks():
    m, t = _pair(X[0])
    _same(m.take(mg.tensor([[-1, 0], [5, 3]])), t.take(torch.tensor([[-1, 0], [5, 3]])))
    _raises(IndexError, "out of range", lambda: m.take(mg.tensor([12])), lambda: t.take(torch.tensor([12])))
    _same(mg.take_along_dim(m, mg.tensor([[0], [2], [1]]), dim=1),
          torch.take_along_dim(t, torch.tensor([[0], [2], [1]]), dim=1))
    _same(m.take_along_dim(mg.tensor([3, 11])), t.take_along_dim(torch.tensor([3, 11])))
    mask, tmask = _pair(np.array([True, False, True, False]))
    _same(mg.masked_select(m, mask), torch.masked_select(t, tmask))
    _same(m.masked_scatter(mask, mg.arange(20.0, dtype=mg.float64)),
          t.masked_scatter(tmask, torch.arange(20.0, dtype=torch.float64)))
    _raises(RuntimeError, "BoolTensor|bool", lambda: m.masked_select(mg.tensor([1, 0, 1, 0])),
            lambda: t.masked_select(torch.tensor([1, 0, 1, 0])))


def test_diagonal_family_errors_match_torch():
    m, t = _pair(X)
    _raises(RuntimeError, "at least 2 dimensions", lambda: m[0, 0].tril(), lambda: t[0, 0].tril())
    _raises(RuntimeError, "diagonal dimensions cannot be identical", lambda: m.diagonal(0, 1, -2),
            lambda: t.diagonal(0, 1, -2))
    _raises(RuntimeError, "expected a matrix", lambda: m.trace(), lambda: t.trace())
    _raises(RuntimeError, r"1D or 2D", lambda: m.diag(), lambda: t.diag())
    _raises(IndexError, "out of range", lambda: m.select(1, 3), lambda: t.select(1, 3))
    _raises(RuntimeError, "shifts and dimensions must align", lambda: m.roll((1, 2), (0,)),
            lambda: t.roll((1, 2), (0,)))
    _raises(RuntimeError, "expected total dims >= 2", lambda: m[0, 0].rot90(), lambda: t[0, 0].rot90())
    _same(m.diag_embed(1, 0, 2), t.diag_embed(1, 0, 2))
    _same(mg.diag(m[0, 0], -1), torch.diag(t[0, 0], -1))


def test_cross_default_dim_and_cdist_match_torch():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((1, 3, 4))
    ma, ta = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    mb, tb = mg.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
    with pytest.warns(UserWarning):
        want = torch.cross(ta, tb)
    _same(mg.cross(ma, mb), want)
    _same(mg.cross(ma, mb, dim=1), torch.cross(ta, tb, dim=1))
    with pytest.raises(RuntimeError, match="must have length 3"):
        ma.cross(mb, dim=2)
    for p in (0.0, 1.0, 2.0, 3.5, float("inf")):
        got, want = mg.cdist(ma, mb, p=p), torch.cdist(ta, tb, p=p)
        _same(got, want)
        g = rng.standard_normal(tuple(want.shape))
        ga = [x.grad for x in (got * mg.tensor(g)).sum().backward() or (ma, mb)]
        ta.grad = tb.grad = None
        (want * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(ga[0].numpy(), ta.grad.numpy(), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(ga[1].numpy(), tb.grad.numpy(), rtol=1e-6, atol=1e-9)
        ma.grad = mb.grad = None
    _raises(RuntimeError, "same number of columns", lambda: mg.cdist(ma, mb[..., :2]),
            lambda: torch.cdist(ta, tb[..., :2]))


def test_scatter_reduce_prod_and_errors():
    """ScatterReduce (prod/amax/amin): zeros multiply through the forward; their gradient is refused (torch has
    it); an unknown reduce is refused as in torch."""
    x = np.array([1.0, 2.0, 0.0, 4.0])
    m, t = _pair(x)
    i, ti = _pair([0, 0, 3])
    s, ts = _pair([3.0, 0.5, -2.0])
    _same(m.scatter_reduce(0, i, s, "prod"), t.scatter_reduce(0, ti, ts, "prod"))
    _same(m.scatter_reduce(0, i, s, "prod", include_self=False), t.scatter_reduce(0, ti, ts, "prod",
                                                                                   include_self=False))
    y, ty = m * 1, t * 1
    _same(y.scatter_reduce_(0, i, s, "amin"), ty.scatter_reduce_(0, ti, ts, "amin"))
    _same(m.scatter_reduce(0, i, s, "max"), t.scatter_reduce(0, ti, ts, "max"))
    _raises(RuntimeError, "reduce argument must be either", lambda: m.scatter_reduce(0, i, s, "foo"),
            lambda: t.scatter_reduce(0, ti, ts, "foo"))
    mx = mg.tensor(x, requires_grad=True)
    out = mx.scatter_reduce(0, i, s, "prod")
    with pytest.raises(NotImplementedError, match="zeros"):
        out.sum().backward()
