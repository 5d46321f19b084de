"""The fully connected layer's op, fused: y = x @ W.T + b as one node instead of Permute, MatMul and Add."""
from ..autograd.function import Function


class Linear(Function):
    """torch.nn.functional.linear. x: (*, in), weight: (out, in), bias: (out) or absent.

    # fused: one node instead of three (W.T, matmul, + b) saves two records and two gradient passes per layer;
    # benchmarks/bench_mlp_train.py measures the step time it buys.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        ctx.save_for_backward(x, weight)
        out = ctx.xp.matmul(x, weight.T)
        if bias is not None:
            out += bias  # out is a fresh array: adding in place saves one temporary
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        x, weight = ctx.saved
        need = ctx.needs_input_grad
        gx = xp.matmul(grad, weight) if need[0] else None
        gw = gb = None
        if need[1]:
            n_out, n_in = weight.shape
            g2 = grad if grad.ndim == 2 else xp.reshape(grad, (-1, n_out))
            x2 = x if x.ndim == 2 else xp.reshape(x, (-1, n_in))
            gw = xp.matmul(g2.T, x2)
        if len(need) > 2 and need[2]:
            if grad.ndim == 2:
                gb = xp.sum(grad, axis=0)  # an int axis: a tuple costs NumPy's normalize_axis_tuple (~2 us)
            else:
                gb = xp.sum(grad, axis=tuple(range(grad.ndim - 1))) if grad.ndim > 1 else grad
        return (gx, gw, gb) if len(need) > 2 else (gx, gw)
