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
