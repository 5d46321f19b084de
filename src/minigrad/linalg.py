"""minigrad.linalg: torch.linalg's functions (det, inv, solve, cholesky, qr, eigh, svd, norms, ...), each
differentiable; the ops with their gradients live in ops/linalg.py. Matches torch.linalg.

Composed from Tensor ops where that is exact (norms, det, pinv, lstsq, matrix_power, cond, cross, ...), so their
second derivatives, lazy graphs and ONNX come from the parts; the factorizations (inv, solve, slogdet, cholesky, qr,
eigh, svd, matrix_exp) are Functions whose backwards record the same Functions under create_graph.
"""
import collections
import math

from .autograd.grad_mode import no_grad
from .lazy import _nodes as _lazy_nodes
from .ops import linalg as L
from .ops.linalg import LinAlgError
from .tensor import Tensor, tensor

_TORCH_INT = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_SlogdetResult = collections.namedtuple("slogdet", ["sign", "logabsdet"])
_InvExResult = collections.namedtuple("inv_ex", ["inverse", "info"])
_CholeskyExResult = collections.namedtuple("cholesky_ex", ["L", "info"])
_QRResult = collections.namedtuple("qr", ["Q", "R"])
_EighResult = collections.namedtuple("eigh", ["eigenvalues", "eigenvectors"])
_SVDResult = collections.namedtuple("svd", ["U", "S", "Vh"])
_TorchSVDResult = collections.namedtuple("svd", ["U", "S", "V"])
_LstsqResult = collections.namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])


def _check(A, op, square=True, min_dims=2):
    if A.dtype.kind != "f":
        raise RuntimeError(f"linalg.{op}: Expected a floating point or complex tensor as input. Got "
                           f"{_TORCH_INT.get(str(A.dtype), A.dtype)}")
    if A.ndim < min_dims:
        raise RuntimeError(f"linalg.{op}: The input tensor A must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                           f"{A.shape[-1]} matrices")


def _lazy(*ts):
    """Whether a lazy graph is being built from these tensors: its zero-filled placeholders are singular, so the
    factorizations give NaN there instead of raising (also when replayed: a lazy graph cannot raise mid-replay)."""
    return bool(_lazy_nodes) and any(id(t) in _lazy_nodes for t in ts)


def _const(A, arr):
    return tensor(arr, dtype=A.dtype, device=A.device)


def _eye_like(A):
    n = A.shape[-1]
    return _const(A, A._device.xp.eye(n, dtype=A.data.dtype)).expand(*A.shape)


# ------------------------------------------------------------------------------------------- inverses and solves
def inv(A: Tensor) -> Tensor:
    """Inverse of A: (..., n, n). Matches torch.linalg.inv (LinAlgError for a singular A).

    >>> minigrad.linalg.inv(minigrad.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    _check(A, "inv")
    return L.Inv.apply(A, nan_on_error=_lazy(A))


def inv_ex(A: Tensor, *, check_errors: bool = False):
    """(inverse, info) for A: (..., n, n); info (int32, batch-shaped) is 0, or LAPACK's index of the first zero
    pivot where A is singular (that inverse is NaN here; torch leaves whatever LAPACK wrote). Matches
    torch.linalg.inv_ex."""
    _check(A, "inv_ex")
    xp = A._device.xp
    try:
        return _InvExResult(inv(A), tensor(xp.zeros(A.shape[:-2], dtype="int32"), device=A.device))
    except LinAlgError:
        if check_errors:
            raise
    flat = A.data.reshape((-1,) + tuple(A.shape[-2:]))
    info = xp.asarray([L.zero_pivot(m) for m in flat], dtype="int32").reshape(A.shape[:-2])
    bad = info[..., None, None] > 0
    out = L.Inv.apply(_const(A, xp.where(bad, xp.eye(A.shape[-1], dtype=A.data.dtype), A.data)))
    return _InvExResult(out + _const(A, xp.where(bad, math.nan, 0.0)), tensor(info, device=A.device))


def _vector_rhs(A, B):
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """X with A X = B (or X A = B when left=False). A: (..., n, n); B: (..., n, k) or a batch of vectors (..., n);
    batch dims broadcast. Matches torch.linalg.solve (LinAlgError for a singular A)."""
    _check(A, "solve")
    if not left:
        return solve(A.mT, B.mT).mT
    if A.dtype != B.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype} and B of type {B.dtype} instead")
    vec = _vector_rhs(A, B)
    b = B.unsqueeze(-1) if vec else B
    if b.ndim < 2 or b.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {b.shape[-2] if b.ndim > 1 else b.shape[-1]}x"
                           f"{b.shape[-1]})")
    out = L.Solve.apply(A, b, nan_on_error=_lazy(A, b))
    return out.squeeze(-1) if vec else out


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """X with A X = B (X A = B when left=False) reading only A's upper or lower triangle (and a unit diagonal if
    unitriangular). A: (..., n, n), B: (..., n, k). Matches torch.linalg.solve_triangular; the gradient of A is
    that triangle's, as torch's."""
    _check(A, "solve_triangular")
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    if not left:
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    xp, n = A._device.xp, A.shape[-1]
    mask = xp.tril(xp.ones((n, n), dtype=A.data.dtype), -1 if unitriangular else 0)
    mask = mask.T if upper else mask
    tri = A * _const(A, mask)
    if unitriangular:
        tri = tri + _const(A, xp.eye(n, dtype=A.data.dtype))
    return L.Solve.apply(tri, B, nan_on_error=_lazy(A, B))


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """Cholesky factor of a symmetric positive-definite A: (..., n, n), lower (L L^T = A) or upper (U^T U = A); only
    the lower triangle of A is read. Matches torch.linalg.cholesky (LinAlgError if A is not positive-definite)."""
    _check(A, "cholesky")
    out = L.Cholesky.apply(A, nan_on_error=_lazy(A))
    return out.mT if upper else out


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """(L, info): info (int32, batch-shaped) is 0, or the order of the first leading minor that is not
    positive-definite. Matches torch.linalg.cholesky_ex (a failed factor is NaN here, partial in torch)."""
    _check(A, "cholesky_ex")
    xp = A._device.xp
    info = xp.zeros(A.shape[:-2], dtype="int32")
    try:
        return _CholeskyExResult(cholesky(A, upper=upper), tensor(info, device=A.device))
    except LinAlgError:
        if check_errors:
            raise
    flat, fi = A.data.reshape((-1,) + tuple(A.shape[-2:])), info.reshape(-1)
    for b in range(flat.shape[0]):  # error path only
        fi[b] = L.bad_minor(xp, flat[b])
    bad = info[..., None, None] > 0
    out = cholesky(_const(A, xp.where(bad, xp.eye(A.shape[-1], dtype=A.data.dtype), A.data)), upper=upper)
    return _CholeskyExResult(out + _const(A, xp.where(bad, math.nan, 0.0)), tensor(info, device=A.device))


# ------------------------------------------------------------------------------------------------- determinants
def slogdet(A: Tensor):
    """(sign, logabsdet) of A: (..., n, n); sign has no gradient. Matches torch.linalg.slogdet."""
    _check(A, "slogdet")
    packed = L.Slogdet.apply(A)
    return _SlogdetResult(packed[..., 0], packed[..., 1])


def det(A: Tensor) -> Tensor:
    """Determinant of A: (..., n, n). Matches torch.linalg.det. NOTE: at a singular A the gradient is NaN (torch
    returns the adjugate's)."""
    _check(A, "det")
    sign, logabs = slogdet(A)
    return sign * logabs.exp()


def logdet(A: Tensor) -> Tensor:
    """log det A: NaN where det < 0, -inf where it is 0. Matches torch.logdet."""
    _check(A, "logdet")
    from .functions import where  # noqa: PLC0415

    sign, logabs = slogdet(A)
    return where(sign < 0, math.nan, logabs)


# ---------------------------------------------------------------------------------------------- decompositions
def qr(A: Tensor, mode: str = "reduced"):
    """(Q, R) of A: (..., m, n) for mode 'reduced' (Q: (..., m, k), k = min(m, n)), 'complete' (Q: (..., m, m)) or
    'r' (Q empty). Matches torch.linalg.qr, gradients included (none for 'complete' with m > n, as torch)."""
    _check(A, "qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    m, n = A.shape[-2], A.shape[-1]
    complete = mode == "complete" and m > n
    packed = L.QR.apply(A, complete=complete)
    qc = m if complete else min(m, n)
    q = packed[..., :m * qc].reshape(*A.shape[:-2], m, qc)
    r = packed[..., m * qc:].reshape(*A.shape[:-2], qc, n)
    if mode == "r":
        q = _const(A, A._device.xp.zeros((0,), dtype=A.data.dtype))
    return _QRResult(q, r)


def eigh(A: Tensor, UPLO: str = "L"):
    """(eigenvalues ascending, eigenvectors as columns) of a symmetric A: (..., n, n), reading its lower (UPLO='L')
    or upper triangle. Matches torch.linalg.eigh; eigenvector signs are LAPACK's, as torch's on the CPU."""
    _check(A, "eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    packed = L.Eigh.apply(A, UPLO=UPLO)
    return _EighResult(packed[..., 0, :], packed[..., 1:, :])


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """Eigenvalues (ascending) of a symmetric A: (..., n, n). Matches torch.linalg.eigvalsh."""
    _check(A, "eigvalsh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return L.Eigh.apply(A, UPLO=UPLO, vectors=False)


def svd(A: Tensor, full_matrices: bool = True):
    """(U, S, Vh) with A = U diag(S) Vh for A: (..., m, n); S descending. Matches torch.linalg.svd (signs are
    LAPACK's gesdd, as torch's on the CPU); with full_matrices the extra columns of U and rows of Vh get no
    gradient, as torch."""
    _check(A, "svd", square=False)
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    um, vn = (m, n) if full_matrices else (k, k)
    packed = L.SVD.apply(A, full_matrices=full_matrices)
    b = tuple(A.shape[:-2])
    u = packed[..., :m * um].reshape(*b, m, um)
    s = packed[..., m * um:m * um + k]
    vh = packed[..., m * um + k:].reshape(*b, vn, n)
    return _SVDResult(u, s, vh)


def svdvals(A: Tensor) -> Tensor:
    """Singular values of A: (..., m, n), descending. Matches torch.linalg.svdvals."""
    _check(A, "svdvals", square=False)
    return L.SVD.apply(A, vectors=False)


def _tolerance(A, S, atol, rtol):
    """torch's cut for pinv/matrix_rank: max(atol, rtol * largest singular value)."""
    if atol is None and rtol is None:
        rtol = float(A._device.xp.finfo(A.data.dtype).eps) * max(A.shape[-2], A.shape[-1])
    elif rtol is None:
        rtol = 0.0
    atol = 0.0 if atol is None else atol
    top = S.amax(-1, keepdim=True) if S.shape[-1] else S.sum(-1, keepdim=True)
    return (top * rtol).clamp(min=atol) if not isinstance(atol, Tensor) else (top * rtol).maximum(atol)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """Moore-Penrose pseudoinverse of A: (..., m, n) -> (..., n, m) through the SVD (eigh when hermitian), singular
    values at or under max(atol, rtol * the largest) dropped. Matches torch.linalg.pinv, gradients included."""
    _check(A, "pinv", square=hermitian)
    from .functions import where  # noqa: PLC0415

    # hermitian takes the SVD path too: the singular values are |eigenvalues|, so the values agree, and torch's
    # gradient (pinv_backward, from the result) is the unconstrained one that the SVD path gives, not eigh's
    # symmetrised one. NOTE: a non-symmetric A with hermitian=True is read whole, where torch reads one triangle.
    u, s, vh = svd(A, full_matrices=False)
    keep = s > _tolerance(A, s, atol, rtol)
    sinv = where(keep, 1.0 / where(keep, s, 1.0), 0.0)
    return (vh.mT * sinv.unsqueeze(-2)) @ u.mT


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """Number of singular values above max(atol, rtol * the largest), int64. Matches torch.linalg.matrix_rank."""
    _check(A, "matrix_rank", square=hermitian)
    with no_grad():
        s = eigvalsh(A).abs() if hermitian else svdvals(A)
        return (s > _tolerance(A, s, atol, rtol)).sum(-1)


def lstsq(A: Tensor, B: Tensor, rcond=None, *, driver=None):
    """Least-squares solution of A X = B for A: (..., m, n), B: (..., m, k) or (..., m), through the pseudoinverse
    (singular values under rcond times the largest dropped; default eps * max(m, n)). Matches torch.linalg.lstsq
    and its gradients: rank for every driver but 'gels'; singular_values for 'gelsd'/'gelss'; residuals (squared)
    when m > n, A has full rank and the driver is not 'gelsy' (torch's CPU default); else empty tensors."""
    _check(A, "lstsq", square=False)
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vec = B.ndim == A.ndim - 1
    b = B.unsqueeze(-1) if vec else B
    x = pinv(A, rtol=rcond) @ b
    empty = _const(A, A._device.xp.zeros((0,), dtype=A.data.dtype))
    rank = matrix_rank(A, rtol=rcond) if driver != "gels" else empty.long()
    sv = svdvals(A) if driver in ("gelsd", "gelss") else empty
    res = empty
    m, n = A.shape[-2], A.shape[-1]
    if driver != "gelsy" and m > n and bool((matrix_rank(A) == n).all()):
        res = ((A @ x - b) ** 2).sum(-2)
        res = res.squeeze(-1) if vec else res
    return _LstsqResult(x.squeeze(-1) if vec else x, res, rank, sv)


# ------------------------------------------------------------------------------------- matrix functions, products
def matrix_power(A: Tensor, n: int) -> Tensor:
    """A^n for A: (..., m, m) by repeated squaring; n < 0 inverts first, n = 0 gives the identity. Matches
    torch.linalg.matrix_power."""
    _check(A, "matrix_power")
    if not isinstance(n, int):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:  # on the graph with a zero gradient, as torch's
        return _eye_like(A) + A * 0.0
    if n < 0:
        A, n = inv(A), -n
    out, base = None, A
    while n:
        if n & 1:
            out = base if out is None else out @ base
        n >>= 1
        if n:
            base = base @ base
    return out


def matrix_exp(A: Tensor) -> Tensor:
    """exp(A) for A: (..., n, n). Matches torch.linalg.matrix_exp, gradients included."""
    _check(A, "matrix_exp")
    return L.MatrixExp.apply(A)


def multi_dot(tensors) -> Tensor:
    """Chained matrix product; the first may be 1-d (a row), the last 1-d (a column). Matches
    torch.linalg.multi_dot (left to right, where torch picks the cheapest order: same values to rounding)."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    for i, t in enumerate(tensors):
        if t.ndim != 2 and not (t.ndim == 1 and i in (0, len(tensors) - 1)):
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    out = tensors[0]
    for t in tensors[1:]:
        out = out @ t
    return out


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """Cross product of 3-vectors along `dim`, batch dims broadcast. Matches torch.linalg.cross."""
    from .functions import stack  # noqa: PLC0415

    nd = max(input.ndim, other.ndim)
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    a, b = (t.reshape(*([1] * (nd - t.ndim)), *t.shape) for t in (input, other))
    if a.shape[dim] != 3 or b.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[dim]} and "
                           f"{b.shape[dim]}")
    a, b = a.movedim(dim, -1), b.movedim(dim, -1)
    c = [a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1], a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
         a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]]
    return stack(c, -1).movedim(-1, dim)


def _cross_method(self, other, dim=None):
    """Matches torch.cross: dim=None picks the first dim of size 3 (torch warns that this default is deprecated)."""
    if dim is None:
        shape = [max(p, q) for p, q in zip(*(([1] * (max(self.ndim, other.ndim) - t.ndim)) + list(t.shape)
                                              for t in (self, other)))]
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return cross(self, other, dim=dim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """Dot product along `dim`, other dims broadcast. Matches torch.linalg.vecdot."""
    if x.shape[dim] != y.shape[dim]:  # torch broadcasts the other dims, not this one
        if x.ndim == y.ndim == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to "
                               f"have the same number of elements, but got {x.shape[0]} and {y.shape[0]} elements "
                               "respectively")
        raise RuntimeError(f"The size of tensor a ({x.shape[dim]}) must match the size of tensor b ({y.shape[dim]}) "
                           f"at non-singleton dimension {dim % max(x.ndim, y.ndim)}")
    return (x * y).sum(dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The diagonal `offset` of the matrices on dims (dim1, dim2), as the last dim. Matches torch.linalg.diagonal."""
    xp = A._device.xp
    nd = A.ndim
    d1, d2 = dim1 % nd, dim2 % nd
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = A.movedim((d1, d2), (-2, -1))
    rows, cols = x.shape[-2], x.shape[-1]
    n = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    i = xp.arange(n) + max(0, -offset)
    return x[..., i, i + offset]


# ---------------------------------------------------------------------------------------------------------- norms
def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The ord-norm of x's entries over `dim` (all of them when None). Matches torch.linalg.vector_norm."""
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    return x.norm(ord, dim, keepdim, dtype=dtype)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """Matrix norm over the two dims `dim`: 'fro', 'nuc', 1, -1, inf, -inf (max/min column or row abs sums), 2, -2
    (largest/smallest singular value). Matches torch.linalg.matrix_norm, gradients included."""
    A = A if dtype is None else A.to(dtype)
    _check(A, "matrix_norm", square=False)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dim)}")
    d = tuple(k % A.ndim for k in dim)
    if d[0] == d[1]:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return A.norm(2, d, keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(A.movedim(d, (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
        for k in sorted(d) if keepdim else ():
            out = out.unsqueeze(k)
        return out
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    pick = "amax" if ord > 0 else "amin"
    first = d[0] if abs(ord) == 1 else d[1]
    second = d[1] if abs(ord) == 1 else d[0]
    out = getattr(A.abs().sum(first, keepdim=True), pick)(second, keepdim=True)
    return out if keepdim else out.squeeze(d[1]).squeeze(d[0]) if d[1] > d[0] else out.squeeze(d[0]).squeeze(d[1])


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Vector norm (dim an int, or A 1-d) or matrix norm (dim a pair, or A 2-d) by torch's rules; ord=None is the
    2-norm of the flattened entries (dim=None) or 'fro'. Matches torch.linalg.norm."""
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
        if len(dim) == 1:
            dim = dim[0]
    if isinstance(dim, int) or (dim is None and (ord is None or A.ndim == 1)):
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {dim}"
                               if dim is not None else f"linalg.norm: ord='{ord}' needs a 2-d input or dim pair")
        return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is None and A.ndim != 2:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype)


def cond(A: Tensor, p=None) -> Tensor:
    """Condition number: largest over smallest singular value (p None or 2; -2 the inverse), else
    matrix_norm(A, p) * matrix_norm(inv(A), p). Matches torch.linalg.cond."""
    _check(A, "cond", square=p not in (None, 2, -2))
    if p in (None, 2, -2):
        s = svdvals(A)
        return s[..., 0] / s[..., -1] if p != -2 else s[..., -1] / s[..., 0]
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# ----------------------------------------------------------------------------------- torch's older spellings
def _qr_method(self, some=True):
    """Matches torch.qr / Tensor.qr: some=False gives the complete Q."""
    return qr(self, "reduced" if some else "complete")


def _svd_method(self, some=True, compute_uv=True):
    """Matches torch.svd / Tensor.svd: returns V (not Vh); compute_uv=False gives zero U and V."""
    u, s, vh = svd(self, full_matrices=not some)
    if not compute_uv:
        return _TorchSVDResult(u.detach() * 0, svdvals(self), vh.detach().mT * 0)
    return _TorchSVDResult(u, s, vh.mT)


def _cholesky_method(self, upper=False):
    """Matches torch.cholesky / Tensor.cholesky (deprecated in torch, kept)."""
    return cholesky(self, upper=upper)


def _pinverse(self, rcond=1e-15):
    """Matches torch.pinverse / Tensor.pinverse: singular values under rcond times the largest are dropped."""
    return pinv(self, rtol=rcond)


METHODS = {"det": det, "logdet": logdet, "slogdet": slogdet, "inverse": inv, "cholesky": _cholesky_method,
           "qr": _qr_method, "svd": _svd_method, "pinverse": _pinverse, "matrix_power": matrix_power,
           "matrix_exp": matrix_exp, "cross": _cross_method}
FUNCTIONS = dict(METHODS)
