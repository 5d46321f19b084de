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
