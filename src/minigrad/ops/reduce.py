"""Reductions over axes. `axis` is a tuple of non-negative ints (tensor.py normalises torch's dim)."""
import math

from ..autograd.function import Function


def _expand_back(xp, grad, axis, keepdims):
    """Re-insert reduced axes so that grad broadcasts against the input again."""
    if not keepdims and axis:
        grad = xp.expand_dims(grad, axis)
    return grad


def _reduce_saving(ctx, name, a, axis, keepdims):
    """Run the reduction `xp.<name>` and save its input and output, which max, min and prod backwards need."""
    out = getattr(ctx.xp, name)(a, axis=axis, keepdims=keepdims)
    ctx.save_for_backward(a, out)
    ctx.axis, ctx.keepdims = axis, keepdims
    return out


def _sum(xp, a, axis, keepdims, n=None):
    """The sum over `axis`, divided by n when given (a mean). As torch, half precision accumulates in float32 and
    divides before casting back (a float16 running sum overflows at 65504)."""
    if a.dtype == xp.float16:
        s = xp.sum(a, axis=axis, keepdims=keepdims, dtype=xp.float32)
        return xp.astype(s if n is None else s / n, a.dtype)
    s = xp.sum(a, axis=axis, keepdims=keepdims)
    return s if n is None else s / n


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return _sum(ctx.xp, a, axis, keepdims)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx.shape
        if len(ctx.axis) != len(shape):  # a full reduction's 0-d grad broadcasts as it is
            grad = _expand_back(ctx.xp, grad, ctx.axis, ctx.keepdims)
        return ctx.xp.broadcast_to(grad, shape)


class Mean(Function):
    """sum / n in one node, n the number of elements reduced (composite.mean routes empty reductions elsewhere)."""

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        ctx.n = n = math.prod([a.shape[i] for i in axis])
        return _sum(ctx.xp, a, axis, keepdims, n)

    @staticmethod
    def backward(ctx, grad):
        return Sum.backward(ctx, grad / ctx.n)


class Amax(Function):
    """max over axes; the gradient is shared evenly between tied maxima (as torch.amax)."""

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        return _reduce_saving(ctx, "max", a, axis, keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved
        out = _expand_back(xp, out, ctx.axis, ctx.keepdims)
        grad = _expand_back(xp, grad, ctx.axis, ctx.keepdims)
        mask = a == out
        count = xp.sum(xp.astype(mask, a.dtype), axis=ctx.axis, keepdims=True)
        return xp.where(mask, grad / count, 0)


class Amin(Amax):
    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        return _reduce_saving(ctx, "min", a, axis, keepdims)


class Prod(Function):
    """Product over axes. Zeros are handled as torch does: with one zero in a slice, that element's gradient is
    the product of the others; with two or more, every gradient in the slice is 0."""

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        return _reduce_saving(ctx, "prod", a, axis, keepdims)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved
        grad = _expand_back(xp, grad, ctx.axis, ctx.keepdims)
        if not xp.any(a == 0):
            return grad * _expand_back(xp, out, ctx.axis, ctx.keepdims) / a
        # prod/x divides by zero: each element's gradient is the product of the others, as exclusive prefix and
        # suffix products over the reduced axes (moved last and flattened). No division and no constant masks, so
        # the second derivative is right at zeros too (d(x0 x2)/dx0 = x2, as torch's)
        kept = [i for i in range(a.ndim) if i not in ctx.axis]
        perm = kept + list(ctx.axis)
        b = xp.transpose(a, perm)
        lead, k = b.shape[:len(kept)], len(kept)
        n = math.prod(b.shape[k:])
        b = xp.reshape(b, lead + (n,))
        before = _exclusive_cumprod(xp, b, k)
        after = xp.flip(_exclusive_cumprod(xp, xp.flip(b, k), k), k)
        others = xp.reshape(before * after, tuple(a.shape[i] for i in perm))
        return grad * xp.transpose(others, tuple(perm.index(i) for i in range(a.ndim)))


class LogSumExp(Function):
    # fused: exp overflows at |x| ~ 89 (float32); shifting by the max keeps it finite at any magnitude
    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        xp = ctx.xp
        m = xp.max(a, axis=axis, keepdims=True) if a.size else xp.zeros((1,) * a.ndim, dtype=a.dtype)
        m = xp.where(xp.isfinite(m), m, 0.0)
        out = xp.log(xp.sum(xp.exp(a - m), axis=axis, keepdims=True)) + m
        if not keepdims:
            out = xp.squeeze(out, axis=axis)
        ctx.save_for_backward(a, out)
        ctx.axis, ctx.keepdims = axis, keepdims
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, out = ctx.saved
        grad = _expand_back(xp, grad, ctx.axis, ctx.keepdims)
        out = _expand_back(xp, out, ctx.axis, ctx.keepdims)
        return grad * xp.exp(a - out)


class Softmax(Function):
    # fused: the shift by the max keeps exp finite at |x| = 1000
    @staticmethod
    def forward(ctx, a, axis):
        xp = ctx.xp
        if xp.short_rows(a, axis):
            t = xp.class_major(a)  # reductions and broadcasts along whole rows; transposed back as a view
            t = xp.exp(t - xp.max(t, axis=0))
            t /= xp.sum(t, axis=0)
            out = t.T.reshape(a.shape)
        else:
            e = xp.exp(a - xp.max(a, axis=axis, keepdims=True)) if a.size else a
            out = e / xp.sum(e, axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        go = grad * out
        return go - out * ctx.xp.sum(go, axis=ctx.axis, keepdims=True)


class LogSoftmax(Function):
    # fused: log(softmax(x)) underflows to -inf where x - max(x) < -104 (float32)
    @staticmethod
    def forward(ctx, a, axis):
        xp = ctx.xp
        if xp.short_rows(a, axis):
            t = xp.class_major(a)  # reductions and broadcasts along whole rows; transposed back as a view
            t = t - xp.max(t, axis=0)
            t -= xp.log(xp.sum(xp.exp(t), axis=0))
            out = t.T.reshape(a.shape)
        else:
            shifted = a - xp.max(a, axis=axis, keepdims=True) if a.size else a
            out = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        xp = ctx.xp
        return grad - xp.exp(out) * xp.sum(grad, axis=ctx.axis, keepdims=True)


def _suffix_sum(xp, t, axis):
    """sum_{j >= k} t_j along axis: the cumsum from the end."""
    return xp.flip(xp.cumsum(xp.flip(t, axis=axis), axis=axis), axis=axis)


def _exclusive_cumprod(xp, t, axis):
    """prod_{i<k} t_i along axis (1 at k = 0): the cumprod of t shifted one place, without a division."""
    head = t.shape[:axis] + (1,) + t.shape[axis + 1:]
    body = t[(slice(None),) * axis + (slice(0, t.shape[axis] - 1),)]
    return xp.cumprod(xp.concatenate([xp.ones(head, dtype=t.dtype), body], axis=axis), axis=axis)


def _shifted(xp, t, d, axis):
    """t_{k + d} along axis, zeros past the end."""
    tail = t.shape[:axis] + (d,) + t.shape[axis + 1:]
    return xp.concatenate([t[(slice(None),) * axis + (slice(d, None),)], xp.zeros(tail, dtype=t.dtype)], axis=axis)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return ctx.xp.cumsum(a, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return _suffix_sum(ctx.xp, grad, ctx.axis)


class Cumprod(Function):
    """Cumulative product along `axis`. Without zeros the gradient is suffix_sum(grad * out) / x; with zeros (where
    that divides by 0) it is torch's exact one: x_k gets E_k S_k, E_k = prod_{i<k} x_i and
    S_k = sum_{j>=k} g_j prod_{k<i<=j} x_i = g_k + x_{k+1} S_{k+1}, a suffix scan done in log2(n) doubling steps
    with no division, so it stays differentiable (second derivatives at zeros match torch's too)."""

    @staticmethod
    def forward(ctx, a, axis):
        out = ctx.xp.cumprod(a, axis=axis)
        ctx.save_for_backward(a, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        xp, axis = ctx.xp, ctx.axis
        a, out = ctx.saved
        if not xp.any(a == 0):
            return _suffix_sum(xp, grad * out, axis) / a
        n = a.shape[axis]
        s, coef, d = grad, _shifted(xp, a, 1, axis), 1  # coef: the product of the d x's after k
        while d < n:
            s = s + coef * _shifted(xp, s, d, axis)
            coef = coef * _shifted(xp, coef, d, axis)
            d *= 2
        return _exclusive_cumprod(xp, a, axis) * s


class Argmax(Function):
    """Index of the first maximum along `axis` (None: of the flattened tensor). No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return ctx.xp.argmax(a, axis=axis, keepdims=keepdims)


class Argsort(Function):
    """Indices that sort `a` along `axis`, stably: ties keep their order (torch's stable=True) and NaN counts as the
    largest, in both directions, as torch. `k` keeps the first k (topk). No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, a, axis, descending=False, k=None):
        xp = ctx.xp
        if descending:
            # stable descending: sort the reversed axis ascending and reverse back, so ties keep their first-to-last
            # order (sorting -a would not work for unsigned ints or NaN)
            order = xp.argsort(xp.flip(a, axis=axis), axis=axis, kind="stable")
            idx = (a.shape[axis] - 1) - xp.flip(order, axis=axis)
        else:
            idx = xp.argsort(a, axis=axis, kind="stable")
        return idx if k is None else idx[(slice(None),) * axis + (slice(0, k),)]


class Argmin(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        return ctx.xp.argmin(a, axis=axis, keepdims=keepdims)


class All(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        return ctx.xp.all(a, axis=axis, keepdims=keepdims)


class Any(Function):
    differentiable = False

    @staticmethod
    def forward(ctx, a, axis, keepdims=False):
        return ctx.xp.any(a, axis=axis, keepdims=keepdims)
