"""Op table entries for minigrad.linalg / src/minigrad/ops/linalg.py (see opdb.py: OpSpec, samplers).

Matrices are drawn well conditioned (diagonally dominant, or with spread eigen/singular values) so that float32
agrees with torch and finite differences are meaningful; eigenvector and singular-vector outputs are compared
through sign-invariant expressions (each column's square), since their signs are only fixed up to LAPACK's choice.
Compositions of ops that are checked in both dtypes run in float64 only, to keep the suite's time down.
"""
import numpy as np
import torch
from hypothesis import strategies as st
from opdb import F64, OpSpec, _layout, binary

import minigrad
from minigrad import linalg as ML

BATCHES = [(), (2,), (1, 2)]


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _square(draw, dtype, batch=None, n=None):
    """Diagonally dominant: condition numbers stay small."""
    rng = _rng(draw)
    batch = draw(st.sampled_from(BATCHES)) if batch is None else batch
    n = draw(st.integers(1, 3)) if n is None else n
    a = rng.uniform(-1, 1, batch + (n, n)) + np.eye(n) * rng.choice([-3.0, 3.0], size=batch + (1, n))
    return _layout(draw, a.astype(dtype))


def _spectral(draw, dtype, m, n, symmetric=False):
    """U diag(s) V^T with s spread at least 0.8 apart (eigenvalues of either sign when symmetric)."""
    rng = _rng(draw)
    batch = draw(st.sampled_from(BATCHES))
    k = min(m, n)
    s = rng.permutation(np.array([0.6, 1.5, 2.4, 3.3])[:k] * (rng.choice([-1.0, 1.0], size=k) if symmetric else 1))
    u = np.linalg.qr(rng.standard_normal(batch + (m, m)))[0][..., :k]
    v = u if symmetric else np.linalg.qr(rng.standard_normal(batch + (n, n)))[0][..., :k]
    return _layout(draw, ((u * s) @ np.swapaxes(v, -1, -2)).astype(dtype))


def _mn(draw):
    return draw(st.integers(1, 3)), draw(st.integers(1, 3))


def square(draw, dtype):
    return [_square(draw, dtype)]


def solve_sample(draw, dtype):
    a = _square(draw, dtype)
    n, rng = a.shape[-1], _rng(draw)
    kind = draw(st.sampled_from(["matrix", "vector", "broadcast", "right"]))
    if kind == "vector":
        b = rng.uniform(-2, 2, a.shape[:-1])
    elif kind == "broadcast":
        b = rng.uniform(-2, 2, (3,) + (1,) * (a.ndim - 2) + (n, 2))
    elif kind == "right":
        b = rng.uniform(-2, 2, a.shape[:-2] + (2, n))
    else:
        b = rng.uniform(-2, 2, a.shape[:-1] + (draw(st.integers(1, 3)),))
    return [a, b.astype(dtype), ("dim", kind == "right")]


def triangular_sample(draw, dtype):
    a = _square(draw, dtype)
    b = _rng(draw).uniform(-2, 2, a.shape[:-1] + (2,)).astype(dtype)
    flags = (draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
    return [a, b if flags[1] else np.ascontiguousarray(np.swapaxes(b, -1, -2)), ("dim", flags)]


def spectral_sample(symmetric=False, square_only=False):
    def sample(draw, dtype):
        m, n = _mn(draw)
        if symmetric or square_only:
            n = m
        return [_spectral(draw, dtype, m, n, symmetric)]
    return sample


def general_sample(draw, dtype):
    m, n = _mn(draw)
    rng = _rng(draw)
    return [_layout(draw, rng.uniform(-2, 2, draw(st.sampled_from(BATCHES)) + (m, n)).astype(dtype))]


def _pd(lib):
    def f(x):
        n = x.shape[-1]
        eye = minigrad.eye(n, dtype=x.dtype, device=x.device) if lib is ML else torch.eye(n, dtype=x.dtype)
        return x @ x.mT + eye
    return f


def _sym(x):
    return (x + x.mT) * 0.5


def _eigh(lib):
    def f(x, uplo):
        w, v = lib.eigh(_sym(x), UPLO=uplo)
        return w, v * v
    return f


def _svd(lib):
    def f(x):
        u, s, vh = lib.svd(x, full_matrices=False)
        return s, u * u, vh * vh
    return f


def vecdot_sample(draw, dtype):
    x, y = binary()(draw, dtype)
    k = draw(st.integers(0, 3))
    return [_layout(draw, np.repeat(x[..., None], k, -1)), np.repeat(y[..., None], k, -1)]


def mnorm_sample(draw, dtype):
    ord_ = draw(st.sampled_from(["fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")]))
    m, n = _mn(draw)
    x = _spectral(draw, dtype, m, n)
    if x.ndim == 3 and draw(st.booleans()):
        return [x, ("dim", ord_, (0, 2), draw(st.booleans()))]
    return [x, ("dim", ord_, (-2, -1), draw(st.booleans()))]


def norm_sample(draw, dtype):
    kind = draw(st.sampled_from(["flat", "vector", "matrix"]))
    if kind == "matrix":
        x = _spectral(draw, dtype, *_mn(draw))
        return [x, ("dim", draw(st.sampled_from([None, "fro", "nuc", 2, 1])), (-2, -1), draw(st.booleans()))]
    x = general_sample(draw, dtype)[0]
    if kind == "flat":
        return [x, ("dim", None, None, False)]
    return [x, ("dim", draw(st.sampled_from([None, 1, 3, float("inf")])), -1, draw(st.booleans()))]


def mpow_sample(draw, dtype):
    return [_square(draw, dtype), ("dim", draw(st.integers(-3, 4)))]


def mexp_sample(draw, dtype):
    rng = _rng(draw)
    n = draw(st.integers(1, 3))
    scale = draw(st.sampled_from([0.1, 1.0, 3.0]))
    return [rng.uniform(-scale, scale, draw(st.sampled_from(BATCHES)) + (n, n)).astype(dtype)]


def multi_dot_sample(draw, dtype):
    rng = _rng(draw)
    dims = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(3, 5)))]
    out = [rng.uniform(-2, 2, (dims[i], dims[i + 1])).astype(dtype) for i in range(len(dims) - 1)]
    if draw(st.booleans()):
        out[0] = out[0][0]
    if draw(st.booleans()):
        out[-1] = out[-1][:, 0]
    return out


def cross_sample(draw, dtype):
    rng = _rng(draw)
    dim = draw(st.sampled_from([0, 1, -1]))
    a = [2, 3] if dim == 1 else [3, 2] if dim == 0 else [2, 3]
    b = list(a)
    b[0 if dim != 0 else 1] = 1
    return [rng.uniform(-2, 2, a).astype(dtype), rng.uniform(-2, 2, b).astype(dtype), ("dim", dim)]


def diagonal_sample(draw, dtype):
    x = _values_shape(draw, dtype)
    d1, d2 = draw(st.sampled_from([(-2, -1), (0, 2), (2, 0), (1, 0)]))
    return [x, ("dim", draw(st.integers(-3, 3)), d1, d2)]


def _values_shape(draw, dtype):
    return _layout(draw, _rng(draw).uniform(-2, 2, (draw(st.integers(1, 3)), 2, 3)).astype(dtype))


def _solve(lib):
    def f(a, b, right):
        return lib.solve(a, b, left=not right)
    return f


def _solve_tri(lib):
    def f(a, b, flags):
        return lib.solve_triangular(a, b, upper=flags[0], left=flags[1], unitriangular=flags[2])
    return f


def _mnorm(lib):
    def f(x, ord_, dim, keepdim):
        return lib.matrix_norm(x, ord_, dim, keepdim)
    return f


def _norm(lib):
    def f(x, ord_, dim, keepdim):
        return lib.norm(x, ord_, dim, keepdim)
    return f


OPS = [
    OpSpec("linalg.inv", ML.inv, torch.linalg.inv, sample=square),
    OpSpec("linalg.det", ML.det, torch.linalg.det, sample=square, dtypes=(F64,)),
    OpSpec("linalg.slogdet", ML.slogdet, torch.linalg.slogdet, sample=square),
    OpSpec("logdet", minigrad.logdet, torch.logdet, sample=lambda d, t: [np.abs(_square(d, t))],
           note="|A| with a dominant positive diagonal: det > 0", dtypes=(F64,)),
    OpSpec("linalg.solve", _solve(ML), _solve(torch.linalg), sample=solve_sample),
    OpSpec("linalg.solve_triangular", _solve_tri(ML), _solve_tri(torch.linalg), sample=triangular_sample),
    OpSpec("linalg.cholesky", lambda x, up: ML.cholesky(_pd(ML)(x), upper=up),
           lambda x, up: torch.linalg.cholesky(_pd(torch)(x), upper=up),
           sample=lambda d, t: [_square(d, t), ("dim", d(st.booleans()))], note="of x x^T + I"),
    OpSpec("linalg.qr", lambda x, mode: ML.qr(x, mode), lambda x, mode: torch.linalg.qr(x, mode),
           sample=lambda d, t: [x := _spectral(d, t, *_mn(d)),
                                ("dim", d(st.sampled_from(["reduced", "complete"] if x.shape[-2] <= x.shape[-1]
                                                          else ["reduced"])))]),
    OpSpec("linalg.eigh", _eigh(ML), _eigh(torch.linalg),
           sample=lambda d, t: spectral_sample(True)(d, t) + [("dim", d(st.sampled_from("LU")))],
           note="of (x + x^T) / 2; eigenvectors squared"),
    OpSpec("linalg.eigvalsh", lambda x: ML.eigvalsh(_sym(x)), lambda x: torch.linalg.eigvalsh(_sym(x)),
           sample=spectral_sample(True)),
    OpSpec("linalg.svd", _svd(ML), _svd(torch.linalg), sample=spectral_sample(),
           note="singular vectors squared"),
    OpSpec("linalg.svdvals", ML.svdvals, torch.linalg.svdvals, sample=spectral_sample()),
    OpSpec("linalg.pinv", ML.pinv, torch.linalg.pinv, sample=spectral_sample()),
    OpSpec("linalg.lstsq", lambda a, b: ML.lstsq(a, b).solution, lambda a, b: torch.linalg.lstsq(a, b).solution,
           sample=lambda d, t: [a := _spectral(d, t, 3, d(st.integers(1, 3))),
                                _rng(d).uniform(-2, 2, a.shape[:-1] + (2,)).astype(t)], dtypes=(F64,)),
    OpSpec("linalg.matrix_power", ML.matrix_power, torch.linalg.matrix_power, sample=mpow_sample, dtypes=(F64,)),
    OpSpec("linalg.matrix_exp", ML.matrix_exp, torch.linalg.matrix_exp, sample=mexp_sample),
    OpSpec("linalg.matrix_norm", _mnorm(ML), _mnorm(torch.linalg), sample=mnorm_sample, gradcheck=False,
           note="1/inf norms: ties of amax are kinks"),
    OpSpec("linalg.norm", _norm(ML), _norm(torch.linalg), sample=norm_sample, gradcheck=False,
           note="inf norm: ties are kinks"),
    OpSpec("linalg.cond", ML.cond, torch.linalg.cond, sample=spectral_sample(), dtypes=(F64,)),
    OpSpec("linalg.multi_dot", lambda *t: ML.multi_dot(t), lambda *t: torch.linalg.multi_dot(t),
           sample=multi_dot_sample, dtypes=(F64,)),
    OpSpec("linalg.cross", lambda a, b, dim: ML.cross(a, b, dim=dim),
           lambda a, b, dim: torch.linalg.cross(a, b, dim=dim), sample=cross_sample, dtypes=(F64,)),
    OpSpec("linalg.vecdot", ML.vecdot, torch.linalg.vecdot, sample=vecdot_sample, dtypes=(F64,)),
    OpSpec("linalg.diagonal", lambda x, o, d1, d2: ML.diagonal(x, offset=o, dim1=d1, dim2=d2),
           lambda x, o, d1, d2: torch.linalg.diagonal(x, offset=o, dim1=d1, dim2=d2), sample=diagonal_sample,
           dtypes=(F64,)),
    OpSpec("linalg.matrix_rank", ML.matrix_rank, torch.linalg.matrix_rank, sample=general_sample, grad=False),
]
