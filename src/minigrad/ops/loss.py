"""Fused loss ops, where composing Tensor ops would lose stability or torch's exact gradient."""
from ..autograd.function import Function


def _clamped_log(xp, p):
    # matches torch: BCE clamps each log at -100, so p = 0 or 1 gives a finite loss (and no log(0) warning)
    pos = p > 0
    return xp.maximum(xp.where(pos, xp.log(xp.where(pos, p, 1.0)), -100.0), -100.0)


class BinaryCrossEntropy(Function):
    """Elementwise -(y log p + (1 - y) log(1 - p)) with torch's log clamp at -100 and its gradient
    (p - y) / max(p (1 - p), 1e-12), finite at p = 0 and p = 1."""

    @staticmethod
    def forward(ctx, p, y):
        ctx.save_for_backward(p, y)
        xp = ctx.xp
        return -(y * _clamped_log(xp, p) + (1.0 - y) * _clamped_log(xp, 1.0 - p))

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved
        xp = ctx.xp
        gp = grad * (p - y) / xp.maximum((1.0 - p) * p, 1e-12) if ctx.needs_input_grad[0] else None
        gy = grad * (_clamped_log(xp, 1.0 - p) - _clamped_log(xp, p)) if ctx.needs_input_grad[1] else None
        return gp, gy


class CrossEntropy(Function):
    """Cross entropy of (N, C) logits against class indices, without weights or smoothing (the common case).

    # fused: one node instead of log_softmax, an index and four small ops (N = 128 spends longer in op overhead
    # than in arithmetic); the shift by the row max keeps it finite at |logits| = 1000.
    Attrs: target (N,) integer array, ignore_index, reduction ("mean", "sum" or "none").
    """

    @staticmethod
    def forward(ctx, x, target, ignore_index, reduction):
        xp = ctx.xp
        shifted = x - xp.max(x, axis=1, keepdims=True)
        logp = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
        valid = target != ignore_index
        safe = xp.where(valid, target, 0)
        rows = xp.arange(x.shape[0])
        picked = logp[rows, safe]
        nll = xp.where(valid, -picked, 0).astype(x.dtype, copy=False)
        onehot = xp.zeros(x.shape, dtype=x.dtype)
        onehot[rows, safe] = 1
        ctx.save_for_backward(x)
        ctx.onehot, ctx.valid, ctx.reduction = onehot, xp.expand_dims(valid, 1).astype(x.dtype), reduction
        if reduction == "none":
            return nll
        total = xp.sum(nll)
        if reduction == "sum":
            return total
        ctx.count = int(valid.sum())
        return total / ctx.count if ctx.count else total * float("nan")

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = ctx.xp
        e = xp.exp(x - xp.max(x, axis=1, keepdims=True))
        g = (e / xp.sum(e, axis=1, keepdims=True) - ctx.onehot) * ctx.valid
        if ctx.reduction == "none":
            return g * xp.expand_dims(grad, 1)
        if ctx.reduction == "mean":
            return g * (grad / ctx.count) if ctx.count else g * (grad * float("nan"))
        return g * grad
