"""Reductions over axes. `axis` is a tuple of non-negative ints (tensor.py normalises torch's dim)."""
from ..autograd.function import Function


def _expand_back(xp, grad, shape, axis, keepdims):
    """Re-insert reduced axes so that grad broadcasts against the input again."""
    if not keepdims and axis:
        grad = xp.expand_dims(grad, axis)
    return grad


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return ctx.xp.sum(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        return xp.broadcast_to(_expand_back(xp, grad, ctx.shape, ctx.axis, ctx.keepdims), ctx.shape)


class Amax(Function):
    """max over axes; the gradient is shared evenly between tied maxima (as torch.amax)."""

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        out = ctx.xp.max(a, axis=axis, keepdims=keepdims)
        ctx.save_for_backward(a, out)
        ctx.axis, ctx.keepdims = axis, keepdims
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved
        out = _expand_back(xp, out, a.shape, ctx.axis, ctx.keepdims)
        grad = _expand_back(xp, grad, a.shape, ctx.axis, ctx.keepdims)
        mask = a == out
        count = xp.sum(xp.astype(mask, a.dtype), axis=ctx.axis, keepdims=True)
        return xp.where(mask, grad / count, 0)


class Amin(Amax):
    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        out = ctx.xp.min(a, axis=axis, keepdims=keepdims)
        ctx.save_for_backward(a, out)
        ctx.axis, ctx.keepdims = axis, keepdims
        return out
