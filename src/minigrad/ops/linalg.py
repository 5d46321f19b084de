"""Matrix products."""
import math

from ..autograd.function import Function


class MatMul(Function):
    """torch.matmul: 1-d operands are promoted and the added axis removed again; batch axes broadcast."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, b = ctx.saved
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if ctx.needs_input_grad[0] else None,
                    grad * a if ctx.needs_input_grad[1] else None)
        if a.ndim == 1:
            # (k) @ (..., k, n) -> (..., n)
            if ctx.needs_input_grad[0]:
                ga = xp.matmul(b, xp.expand_dims(grad, -1))[..., 0]
            if ctx.needs_input_grad[1]:
                gb = xp.expand_dims(a, -1) * xp.expand_dims(grad, -2)
            return ga, gb
        if b.ndim == 1:
            # (..., m, k) @ (k) -> (..., m)
            if ctx.needs_input_grad[0]:
                ga = xp.expand_dims(grad, -1) * b
            if ctx.needs_input_grad[1]:
                gb = xp.matmul(xp.expand_dims(grad, -2), a)[..., 0, :]
            return ga, gb
        if ctx.needs_input_grad[0]:
            ga = xp.matmul(grad, xp.swapaxes(b, -1, -2))
        if ctx.needs_input_grad[1]:
            gb = xp.matmul(xp.swapaxes(a, -1, -2), grad)
        return ga, gb


def parse_einsum(equation, ndims):
    """Split an einsum equation into per-operand subscripts and the output's, made explicit (implicit mode
    outputs the letters used once, sorted, after any ellipsis). Raises ValueError naming the problem."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:
        lhs, out = eq, None
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise ValueError(f"einsum(): equation '{equation}' has {len(ins)} operand(s) but {len(ndims)} were given")
    for sub, nd in zip(ins, ndims):
        letters = len(sub.replace("...", ""))
        if ("..." in sub and letters > nd) or ("..." not in sub and letters != nd):
            raise ValueError(f"einsum(): the subscripts '{sub}' of equation '{equation}' do not match an operand "
                             f"with {nd} dimension(s)")
    if out is None:
        letters = "".join(s.replace("...", "") for s in ins)
        out = ("..." if any("..." in s for s in ins) else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1))
    return _spell_ellipsis(ins, out, ndims)


def _spell_ellipsis(ins, out, ndims):
    """Replace each '...' by letters of its own, right-aligned across operands as broadcasting aligns them: NumPy's
    einsum cannot sum ellipsis dims away ('...ij,jk->jk'), which the gradient of '...ij,jk->...ik' with respect to
    the second operand needs, and torch's einsum can."""
    if not any("..." in s for s in ins) and "..." not in out:
        return ins, out
    counts = [nd - len(s.replace("...", "")) if "..." in s else 0 for s, nd in zip(ins, ndims)]
    used = set("".join(ins) + out)
    letters = "".join(_fresh(used) for _ in range(max(counts, default=0)))
    ins = [s.replace("...", letters[len(letters) - k:]) for s, k in zip(ins, counts)]
    return ins, out.replace("...", letters)


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _einsum(xp, equation, operands):
    # measured (1 thread): c_einsum takes 8.5 ms for (600, 1024) x (1024, 3), optimize=True 1.8 ms (BLAS); but the
    # path search costs ~60 us, so small operands keep the plain call
    # sizes from shapes: under create_graph the operands are Tensors, whose .size is a method
    if len(operands) > 1 and sum(_numel(o.shape) for o in operands) > 16384:
        return xp.einsum(equation, *operands, optimize=True)
    return xp.einsum(equation, *operands)


def _fresh(used):
    for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if c not in used:
            used.add(c)
            return c
    raise ValueError("einsum(): ran out of subscript letters for the gradient")


class Einsum(Function):
    """einsum over any number of operands. The gradient for operand i is itself an einsum of the upstream
    gradient with the other operands; letters repeated within operand i (diagonals) are tied back by identity
    matrices, and letters that appear only in operand i are broadcast by a ones vector."""

    @staticmethod
    def forward(ctx, *arrays, equation):
        ctx.save_for_backward(*arrays)
        ctx.ins, ctx.out = parse_einsum(equation, [a.ndim for a in arrays])
        return _einsum(ctx.xp, ",".join(ctx.ins) + "->" + ctx.out, arrays)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        arrays, ins, out = ctx.saved, ctx.ins, ctx.out
        grads = []
        for i, target in enumerate(ins):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            a = arrays[i]
            subs = [out] + [s for j, s in enumerate(ins) if j != i]
            ops = [grad] + [arr for j, arr in enumerate(arrays) if j != i]
            used = set("".join(ins) + out)
            avail = set("".join(subs))
            result = []
            for axis, c in enumerate(target):  # parse_einsum spelled every '...' out in letters
                size = a.shape[axis]
                if c in result:  # a diagonal: tie a fresh letter to c with an identity matrix
                    new = _fresh(used)
                    subs.append(c + new)
                    ops.append(xp.eye(size, dtype=a.dtype))
                    c = new
                elif c not in avail:  # summed away in the forward: the gradient is constant along it
                    subs.append(c)
                    ops.append(xp.ones((size,), dtype=a.dtype))
                    avail.add(c)
                result.append(c)
            grads.append(_einsum(xp, ",".join(subs) + "->" + "".join(result), ops))
        return tuple(grads)


# ---------------------------------------------------------------------------------------- decompositions, inverses
# Backwards call these through `ctx.xp` only when it is the raw namespace; under create_graph their operands are
# Tensors, and the same formula records this module's Functions (graph_namespace has no linalg entries).
class LinAlgError(RuntimeError):
    """A matrix that an op cannot factor or invert. Matches torch.linalg.LinAlgError (a RuntimeError)."""


def _mT(xp, a):
    return xp.swapaxes(a, -1, -2)


def _graph(a):
    return hasattr(a, "_ctx")


def _raw(xp):
    return getattr(xp, "raw", xp)


def _solve(xp, a, b):
    return Solve.apply(a, b) if _graph(a) or _graph(b) else xp.linalg.solve(a, b)


def _tril_mask(xp, n, dtype, k=0):
    return _raw(xp).tril(_raw(xp).ones((n, n), dtype=dtype), k)


def _factor(xp, fn, a, op, nan_on_error, like):
    try:
        return fn()
    except Exception as e:  # numpy.linalg.LinAlgError (or CuPy's): torch's class and message
        if type(e).__name__ != "LinAlgError":
            raise
        if nan_on_error:  # a lazy graph: its zero-filled placeholders are singular at build time
            return like() * math.nan
        raise LinAlgError(_failure(xp, a, op)) from None


def zero_pivot(a):
    """LAPACK getrf's info for one (n, n) matrix: the 1-based index of the first exactly zero pivot of an LU
    factorization with partial pivoting, 0 if none. Error paths only."""
    a = a.astype("float64")
    info = 0
    for j in range(a.shape[0]):
        p = j + int(abs(a[j:, j]).argmax())
        if a[p, j] == 0:
            info = info or j + 1
            continue
        a[[j, p]] = a[[p, j]]
        a[j + 1:] -= a[j + 1:, j:j + 1] / a[j, j] * a[j]
    return info


def bad_minor(xp, a):
    """The order of the first leading minor of one (n, n) matrix that is not positive-definite, 0 if none."""
    for k in range(1, a.shape[-1] + 1):
        try:
            xp.linalg.cholesky(a[:k, :k])
        except Exception:  # noqa: BLE001 - numpy's or cupy's LinAlgError
            return k
    return 0


def _failure(xp, a, op):
    """torch's message for the first failing matrix of a batch."""
    flat = xp.reshape(a, (-1,) + a.shape[-2:])
    for b in range(flat.shape[0]):
        where = f"(Batch element {b}): " if a.ndim > 2 else ""
        if op == "cholesky" and (k := bad_minor(xp, flat[b])):
            return (f"linalg.cholesky: {where}The factorization could not be completed because the input is not "
                    f"positive-definite (the leading minor of order {k} is not positive-definite).")
        if op != "cholesky" and (k := zero_pivot(flat[b])):
            if op == "solve":
                return "torch.linalg.solve: The solver failed because the input matrix is singular."
            return (f"linalg.inv: {where}The diagonal element {k} is zero, the inversion could not be completed "
                    "because the input matrix is singular.")
    return f"linalg.{op}: the input matrix is singular or not positive-definite."


def _pack(xp, *arrays):
    """Several outputs as one array (..., total): a Function has one output."""
    batch = arrays[0].shape[:-2]
    return xp.concatenate([xp.reshape(a, batch + (-1,)) for a in arrays], axis=-1)


def _unpack(xp, packed, shapes):
    batch, out, at = tuple(packed.shape[:-1]), [], 0
    for s in shapes:
        n = 1
        for d in s:
            n *= d
        out.append(xp.reshape(packed[..., at:at + n], batch + tuple(s)))
        at += n
    return out


class Inv(Function):
    """Matrix inverse of (..., n, n). Matches torch.linalg.inv; grad = -A^-T g A^-T from the saved output."""

    @staticmethod
    def forward(ctx, a, nan_on_error=False):
        out = _factor(ctx.xp, lambda: ctx.xp.linalg.inv(a), a, "inv", nan_on_error, lambda: a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (out,) = ctx.saved
        t = _mT(xp, out)
        return -xp.matmul(t, xp.matmul(grad, t))


class Slogdet(Function):
    """(sign, log|det A|) of (..., n, n), packed as (..., 2); the sign gets no gradient. Matches
    torch.linalg.slogdet; grad = g A^-T. NOTE: a singular A gives an infinite gradient (torch: its SVD-based
    limit)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        sign, logabs = ctx.xp.linalg.slogdet(a)
        return ctx.xp.stack([sign, logabs], axis=-1)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (a,) = ctx.saved
        eye = xp.eye(a.shape[-1], dtype=a.dtype)
        inv_t = _solve(xp, _mT(xp, a), xp.broadcast_to(eye, tuple(a.shape)))
        return xp.expand_dims(grad[..., 1], (-1, -2)) * inv_t


class MatrixExp(Function):
    """exp(A) of (..., n, n): scaled to a 1-norm under 1/2, a degree-18 Taylor polynomial, squared back. Matches
    torch.linalg.matrix_exp; the gradient is torch's: the top-right block of exp([[A^T, g], [0, A^T]])."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _expm(ctx.xp, a)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (a,) = ctx.saved
        n, at = a.shape[-1], _mT(xp, a)
        shape = tuple(grad.shape)
        at = xp.broadcast_to(at, shape)
        zero = xp.zeros(shape, dtype=a.dtype)
        block = xp.concatenate([xp.concatenate([at, grad], axis=-1), xp.concatenate([zero, at], axis=-1)], axis=-2)
        return (MatrixExp.apply(block) if _graph(block) else _expm(xp, block))[..., :n, n:]


def _expm(xp, a):
    n = a.shape[-1]
    norm1 = float(xp.max(xp.sum(xp.abs(a), axis=-2))) if a.size else 0.0
    s = math.ceil(math.log2(norm1 / 0.5)) if norm1 > 0.5 else 0
    x = a * (0.5 ** s)
    out = xp.broadcast_to(xp.eye(n, dtype=a.dtype), a.shape) + x
    term = x
    for k in range(2, 19):
        term = xp.matmul(term, x) * (1.0 / k)
        out = out + term
    for _ in range(s):
        out = xp.matmul(out, out)
    return out


class Solve(Function):
    """X with A X = B for A (..., n, n), B (..., n, k), batch dims broadcast. Matches torch.linalg.solve;
    gB = A^-T g, gA = -gB X^T."""

    @staticmethod
    def forward(ctx, a, b, nan_on_error=False):
        out = _factor(ctx.xp, lambda: ctx.xp.linalg.solve(a, b), a, "solve", nan_on_error, lambda: ctx.xp.matmul(a, b))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved
        gb = _solve(xp, _mT(xp, a), grad)
        ga = -xp.matmul(gb, _mT(xp, out)) if ctx.needs_input_grad[0] else None
        return ga, (gb if ctx.needs_input_grad[1] else None)


class Cholesky(Function):
    """Lower Cholesky factor of a symmetric positive-definite (..., n, n), reading its lower triangle. Matches
    torch.linalg.cholesky; grad = L^-T Phi L^-1 with Phi the symmetric matrix built from tril(L^T gL) (torch's)."""

    @staticmethod
    def forward(ctx, a, nan_on_error=False):
        out = _factor(ctx.xp, lambda: ctx.xp.linalg.cholesky(a), a, "cholesky", nan_on_error, lambda: a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (L,) = ctx.saved
        n = L.shape[-1]
        p = xp.matmul(_mT(xp, L), grad) * _tril_mask(xp, n, L.dtype)
        phi = (p + _mT(xp, p * _tril_mask(xp, n, L.dtype, -1))) * 0.5
        x = _solve(xp, _mT(xp, L), phi)  # L^-T phi
        return _mT(xp, _solve(xp, _mT(xp, L), _mT(xp, x)))  # (L^-T x^T)^T = x L^-1


class QR(Function):
    """Q and R of (..., m, n), packed as one array (see _pack). Matches torch.linalg.qr (Householder signs, as
    LAPACK's); the gradient is torch's, for mode 'reduced', or 'complete' with m <= n."""

    @staticmethod
    def forward(ctx, a, complete=False):
        q, r = ctx.xp.linalg.qr(a, mode="complete" if complete else "reduced")
        out = _pack(ctx.xp, q, r)
        ctx.save_for_backward(a, out)
        ctx.shapes = (q.shape[-2:], r.shape[-2:])
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved
        q, r = _unpack(xp, out, ctx.shapes)
        gq, gr = _unpack(xp, grad, ctx.shapes)
        m, n = a.shape[-2], a.shape[-1]
        if ctx.shapes[0][1] > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        y = None
        if m < n:  # A = [X | Y]: X = Q U is square, Y = Q V; V = Q^T Y passes its gradient to Q and Y
            y, gv, r, gr = a[..., m:], gr[..., m:], r[..., :m], gr[..., :m]
            gq = gq + xp.matmul(y, _mT(xp, gv))
        k = r.shape[-1]
        mm = xp.matmul(r, _mT(xp, gr)) - xp.matmul(_mT(xp, gq), q)
        low = mm * _tril_mask(xp, k, a.dtype)
        sym = low + _mT(xp, mm * _tril_mask(xp, k, a.dtype, -1))
        b = gq + xp.matmul(q, sym)
        gx = _mT(xp, _solve(xp, r, _mT(xp, b)))  # b R^-T
        return gx if y is None else xp.concatenate([gx, xp.matmul(q, gv)], axis=-1)


class Eigh(Function):
    """Eigenvalues (ascending) and eigenvectors of a symmetric (..., n, n), packed as (..., n + 1, n) with the
    eigenvalues in the first row. Matches torch.linalg.eigh; grad = V (diag(gL) + skew(V^T gV) / E) V^T,
    E_ij = L_j - L_i. NOTE: repeated eigenvalues make that division infinite, as in torch."""

    @staticmethod
    def forward(ctx, a, UPLO="L", vectors=True):
        if not vectors:  # eigvalsh: its gradient V diag(gL) V^T has no 1 / E, so repeated eigenvalues are fine
            ctx.save_for_backward(a)
            ctx.uplo = UPLO
            return ctx.xp.linalg.eigvalsh(a, UPLO=UPLO)
        w, v = ctx.xp.linalg.eigh(a, UPLO=UPLO)
        out = ctx.xp.concatenate([ctx.xp.expand_dims(w, -2), v], axis=-2)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (out,) = ctx.saved
        if grad.ndim == out.ndim - 1:  # eigenvalues only: recompute V from the saved input
            a = out
            v = Eigh.apply(a, UPLO=ctx.uplo)[..., 1:, :] if _graph(a) else xp.linalg.eigh(a, UPLO=ctx.uplo)[1]
            return xp.matmul(v * xp.expand_dims(grad, -2), _mT(xp, v))
        w, v, gw, gv = out[..., 0, :], out[..., 1:, :], grad[..., 0, :], grad[..., 1:, :]
        eye = xp.eye(v.shape[-1], dtype=v.dtype)
        vgv = xp.matmul(_mT(xp, v), gv)
        e = xp.expand_dims(w, -2) - xp.expand_dims(w, -1) + eye
        inner = (vgv - _mT(xp, vgv)) * 0.5 / e * (1 - eye) + eye * xp.expand_dims(gw, -2)
        return xp.matmul(v, xp.matmul(inner, _mT(xp, v)))


def _svd_shapes(shape):
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    return (m, k), (1, k), (k, n)


class SVD(Function):
    """U, S, Vh of (..., m, n), packed (see _pack). Matches torch.linalg.svd; the gradient is torch's (with
    full_matrices, the extra columns of U and rows of Vh get none, as torch narrows them). NOTE: repeated singular
    values make it infinite, zero ones too when U or Vh gets a gradient, as in torch."""

    @staticmethod
    def forward(ctx, a, full_matrices=False, vectors=True):
        if not vectors:  # svdvals: its gradient U diag(gS) Vh has no 1 / E, so repeated values are fine
            ctx.save_for_backward(a)
            return ctx.xp.linalg.svd(a, compute_uv=False)
        u, s, vh = ctx.xp.linalg.svd(a, full_matrices=full_matrices)
        out = _pack(ctx.xp, u, ctx.xp.expand_dims(s, -2), vh)
        ctx.save_for_backward(out)
        ctx.shapes = (u.shape[-2:], (1, s.shape[-1]), vh.shape[-2:])
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (out,) = ctx.saved
        if grad.ndim == out.ndim - 1:  # singular values only: recompute U, Vh from the saved input
            a = out
            if _graph(a):
                u, _, vh = _unpack(xp, SVD.apply(a), _svd_shapes(a.shape))
            else:
                u, _, vh = xp.linalg.svd(a, full_matrices=False)
            return xp.matmul(u * xp.expand_dims(grad, -2), vh)
        u, s, vh = _unpack(xp, out, ctx.shapes)
        gu, gs, gvh = _unpack(xp, grad, ctx.shapes)
        k = s.shape[-1]
        u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
        m, n = u.shape[-2], vh.shape[-1]
        v, gv = _mT(xp, vh), _mT(xp, gvh)
        eye = xp.eye(k, dtype=u.dtype)
        uhgu, vhgv = xp.matmul(_mT(xp, u), gu), xp.matmul(_mT(xp, v), gv)
        uhgu, vhgv = uhgu - _mT(xp, uhgu), vhgv - _mT(xp, vhgv)
        s2 = s * s
        e = s2 - _mT(xp, s2) + eye
        ga = (uhgu * s + _mT(xp, s) * vhgv) / e + eye * gs
        if m > k:
            gus = gu / s
            ga = xp.matmul(u, ga) + gus - xp.matmul(u, xp.matmul(_mT(xp, u), gus))
            return xp.matmul(ga, vh)
        if n > k:
            sgv = gvh / _mT(xp, s)
            ga = xp.matmul(ga, vh) + sgv - xp.matmul(xp.matmul(sgv, v), vh)
            return xp.matmul(u, ga)
        return xp.matmul(u, xp.matmul(ga, vh))
