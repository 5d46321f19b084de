"""Matrix products."""
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
