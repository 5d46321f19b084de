"""minigrad.linalg's argument forms, result types and errors against torch.linalg (values and gradients of each op
are in opdb_linalg.py, which drives test_ops / test_higher_order / test_gradcheck / test_lazy)."""
import numpy as np
import pytest

import minigrad
from minigrad import linalg as ML

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A3 = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
W = RNG.standard_normal((4, 3))


def _pair(a):
    return minigrad.tensor(a), torch.tensor(a)


def _same(m, t, atol=1e-7):
    if isinstance(t, tuple):
        assert type(m).__name__ == type(t).__name__.removeprefix("linalg_") and len(m) == len(t)
        for f in m._fields:
            _same(getattr(m, f), getattr(t, f), atol)
        return
    assert tuple(m.shape) == tuple(t.shape) and str(m.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_allclose(m.numpy(), t.detach().numpy(), atol=atol, rtol=1e-6)


def _raises(fm, ft, exc=RuntimeError):
    with pytest.raises(torch.linalg.LinAlgError if exc is ML.LinAlgError else exc) as want:
        ft()
    with pytest.raises(exc) as got:
        fm()
    assert str(got.value) == str(want.value).split("\n")[0]


def test_linalg_result_tuples_match_torch():
    m, t = _pair(A3)
    _same(ML.slogdet(m), torch.linalg.slogdet(t))
    _same(ML.inv_ex(m), torch.linalg.inv_ex(t))
    spd = A3 @ np.swapaxes(A3, -1, -2)
    _same(ML.cholesky_ex(minigrad.tensor(spd)), torch.linalg.cholesky_ex(torch.tensor(spd)))
    _same(ML.qr(minigrad.tensor(W)), torch.linalg.qr(torch.tensor(W)))
    _same(ML.qr(minigrad.tensor(W), mode="r").R, torch.linalg.qr(torch.tensor(W), mode="r").R)
    assert tuple(ML.qr(minigrad.tensor(W), mode="r").Q.shape) == (0,)
    _same(ML.qr(minigrad.tensor(W.T), mode="complete"), torch.linalg.qr(torch.tensor(W.T), mode="complete"))
    for driver in (None, "gels", "gelsd", "gelss"):
        b = RNG.standard_normal((4, 2))
        _same(ML.lstsq(minigrad.tensor(W), minigrad.tensor(b), driver=driver),
              torch.linalg.lstsq(torch.tensor(W), torch.tensor(b), driver=driver))
    _same(ML.lstsq(minigrad.tensor(W), minigrad.tensor(W[:, 0])).solution,
          torch.linalg.lstsq(torch.tensor(W), torch.tensor(W[:, 0])).solution)


def test_linalg_decomposition_shapes_and_reconstruction():
    m, t = _pair(W)
    for full in (True, False):
        u, s, vh = ML.svd(m, full_matrices=full)
        tu, ts, tvh = torch.linalg.svd(t, full_matrices=full)
        assert tuple(u.shape) == tuple(tu.shape) and tuple(vh.shape) == tuple(tvh.shape)
        _same(s, ts)
        k = s.shape[-1]
        np.testing.assert_allclose(((u[:, :k] * s) @ vh[:k]).numpy(), W, atol=1e-12)
    sym = A3 + np.swapaxes(A3, -1, -2)
    w, v = ML.eigh(minigrad.tensor(sym), UPLO="U")
    _same(w, torch.linalg.eigh(torch.tensor(sym), UPLO="U").eigenvalues)
    np.testing.assert_allclose((v * w.unsqueeze(-2) @ v.mT).numpy(), sym, atol=1e-12)
    _same(ML.eigvalsh(minigrad.tensor(np.tril(sym))), torch.linalg.eigvalsh(torch.tensor(np.tril(sym))))


def test_linalg_torch_spellings_methods_and_top_level():
    m, t = _pair(A3)
    for name in ("det", "logdet", "inverse", "matrix_exp", "pinverse"):
        _same(getattr(m, name)(), getattr(t, name)(), atol=1e-6)
        _same(getattr(minigrad, name)(m), getattr(torch, name)(t), atol=1e-6)
    _same(m.slogdet(), t.slogdet())
    _same(m.matrix_power(-2), t.matrix_power(-2))
    spd = A3 @ np.swapaxes(A3, -1, -2)
    _same(minigrad.tensor(spd).cholesky(upper=True), torch.tensor(spd).cholesky(upper=True))
    q, r = minigrad.tensor(W).qr(some=False)
    tq, tr = torch.tensor(W).qr(some=False)
    assert tuple(q.shape) == tuple(tq.shape) == (4, 4)
    _same(r.abs(), tr.abs())
    u, s, v = minigrad.tensor(W).svd()
    tu, ts, tv = torch.tensor(W).svd()
    assert tuple(v.shape) == tuple(tv.shape) and tuple(u.shape) == tuple(tu.shape)
    _same(s, ts)
    _, _, v0 = minigrad.tensor(W).svd(compute_uv=False)
    assert not v0.numpy().any()
    x, y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    _same(minigrad.tensor(x).cross(minigrad.tensor(y), dim=0), torch.tensor(x).cross(torch.tensor(y), dim=0))


def test_linalg_solve_forms():
    m, t = _pair(A3)
    for b in (RNG.standard_normal(3), RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)),
              RNG.standard_normal((5, 1, 3, 2))):
        _same(ML.solve(m, minigrad.tensor(b)), torch.linalg.solve(t, torch.tensor(b)))
    b = RNG.standard_normal((2, 4, 3))
    _same(ML.solve(m, minigrad.tensor(b), left=False), torch.linalg.solve(t, torch.tensor(b), left=False))
    _same(ML.solve_triangular(m, minigrad.tensor(b), upper=True, left=False, unitriangular=True),
          torch.linalg.solve_triangular(t, torch.tensor(b), upper=True, left=False, unitriangular=True))


def test_linalg_norms_rank_and_products():
    m, t = _pair(A3)
    for ord_ in ("fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")):
        _same(ML.matrix_norm(m, ord_, dim=(2, 0), keepdim=True),
              torch.linalg.matrix_norm(t, ord_, dim=(2, 0), keepdim=True))
        _same(ML.norm(m[0], ord_), torch.linalg.norm(t[0], ord_))
    for ord_ in (None, 1, 2, float("inf"), 0):
        _same(ML.norm(m, ord_, dim=1), torch.linalg.norm(t, ord_, dim=1))
        _same(ML.vector_norm(m, 2 if ord_ is None else ord_, dim=(0, 2)),
              torch.linalg.vector_norm(t, 2 if ord_ is None else ord_, dim=(0, 2)))
    _same(ML.norm(m), torch.linalg.norm(t))
    for p in (None, "fro", "nuc", 1, float("inf"), -2):
        _same(ML.cond(m, p), torch.linalg.cond(t, p), atol=1e-6)
    low = np.ones((3, 4))
    for kw in ({}, {"atol": 0.5}, {"rtol": 0.1}, {"hermitian": True}):
        arr = low[:, :3] if kw.get("hermitian") else low
        _same(ML.matrix_rank(minigrad.tensor(arr), **kw), torch.linalg.matrix_rank(torch.tensor(arr), **kw))
    _same(ML.pinv(minigrad.tensor(low), rtol=0.1), torch.linalg.pinv(torch.tensor(low), rtol=0.1))
    _same(ML.matrix_power(m, 0), torch.linalg.matrix_power(t, 0))
    assert ML.matrix_power(minigrad.tensor(A3, requires_grad=True), 0).requires_grad
    _same(ML.diagonal(m, offset=1), torch.linalg.diagonal(t, offset=1))
    _same(ML.vecdot(m, m[0], dim=1), torch.linalg.vecdot(t, t[0], dim=1))
    _same(ML.det(minigrad.zeros(0, 0, dtype=minigrad.float64)), torch.linalg.det(torch.zeros(0, 0,
                                                                                             dtype=torch.float64)))


def test_linalg_singular_and_indefinite_inputs():
    z = np.zeros((2, 3, 3))
    z[1] = np.eye(3)
    _raises(lambda: ML.inv(minigrad.tensor(z)), lambda: torch.linalg.inv(torch.tensor(z)), ML.LinAlgError)
    _raises(lambda: ML.inv(minigrad.tensor(z[0])), lambda: torch.linalg.inv(torch.tensor(z[0])), ML.LinAlgError)
    _raises(lambda: ML.solve(minigrad.tensor(z[0]), minigrad.ones(3, dtype=minigrad.float64)),
            lambda: torch.linalg.solve(torch.tensor(z[0]), torch.ones(3, dtype=torch.float64)), ML.LinAlgError)
    ind = np.diag([1.0, -1.0, 1.0])
    _raises(lambda: ML.cholesky(minigrad.tensor(ind)), lambda: torch.linalg.cholesky(torch.tensor(ind)),
            ML.LinAlgError)
    _raises(lambda: ML.cholesky(minigrad.tensor(ind[None])), lambda: torch.linalg.cholesky(torch.tensor(ind[None])),
            ML.LinAlgError)
    assert issubclass(ML.LinAlgError, RuntimeError)
    _same(ML.inv_ex(minigrad.tensor(z)).info, torch.linalg.inv_ex(torch.tensor(z)).info)
    _same(ML.cholesky_ex(minigrad.tensor(ind)).info, torch.linalg.cholesky_ex(torch.tensor(ind)).info)
    with pytest.raises(ML.LinAlgError):
        ML.cholesky_ex(minigrad.tensor(ind), check_errors=True)
    sd, td = _pair(-np.eye(3))
    _same(ML.slogdet(sd), torch.linalg.slogdet(td))
    _same(minigrad.logdet(sd), torch.logdet(td))
    _same(minigrad.logdet(minigrad.tensor(z[0])), torch.logdet(torch.tensor(z[0])))


@pytest.mark.parametrize("case", [
    lambda L, T: L.inv(T(W)), lambda L, T: L.det(T(W)), lambda L, T: L.inv(T(W[0])),
    lambda L, T: L.inv(T(np.ones((3, 3), dtype=np.int64))), lambda L, T: L.cholesky(T(W)),
    lambda L, T: L.solve(T(A3[0]), T(np.ones(4))), lambda L, T: L.eigh(T(A3), UPLO="X"),
    lambda L, T: L.qr(T(W), mode="x"), lambda L, T: L.multi_dot([T(W)]),
    lambda L, T: L.cross(T(W.T), T(W.T)), lambda L, T: L.matrix_norm(T(A3), 3),
    lambda L, T: L.norm(T(A3), 2), lambda L, T: L.vecdot(T(W), T(W[:, :2])),
])
def test_linalg_errors_match_torch(case):
    _raises(lambda: case(ML, minigrad.tensor), lambda: case(torch.linalg, torch.tensor))


def test_linalg_vector_norm_refuses_string_ord():
    _raises(lambda: ML.vector_norm(minigrad.ones(3), "fro"), lambda: torch.linalg.vector_norm(torch.ones(3), "fro"),
            TypeError)


def test_qr_complete_tall_has_no_gradient_as_torch():
    x = minigrad.tensor(W, requires_grad=True)
    q, _ = ML.qr(x, mode="complete")
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        q.sum().backward()


def test_linalg_lazy_graph_replays_with_new_values():
    a = minigrad.Tensor(shape=(3, 3), name="a", dtype=minigrad.float64)
    y = ML.inv(a) + ML.det(a) + ML.matrix_exp(a)
    for v in (A3[0], A3[1] * 2):
        y.forward(a=v)
        t = torch.tensor(v)
        _same(y, torch.linalg.inv(t) + torch.linalg.det(t) + torch.linalg.matrix_exp(t), atol=1e-9)
