"""Max pooling as a fused Function, on the same window geometry as convolution (ops/conv.py).

Average pooling needs no op of its own: it is a depthwise convolution with a constant kernel (nn/functional_layers).
"""
from ..autograd.function import Function
from .conv import _offsets, _prod, pad_crop


def _window_views(x, kernel, stride, dilation, out):
    """For each kernel offset (row-major), the strided view of padded x that the offset sees in every window."""
    lead = (slice(None), slice(None))
    return [x[lead + tuple(slice(k * d, k * d + s * (o - 1) + 1, s) for k, d, s, o in zip(off, dilation, stride, out))]
            for off in _offsets(kernel)]


class MaxPool(Function):
    """N-d max pooling of x (N, C, *S); padding is -inf, so a window never picks it. The gradient goes to the
    first maximum of each window (row-major), as in torch. `pad_hi` includes ceil_mode's extra trailing rows.

    The max and its position come from a tournament over one strided view per kernel offset, so no window is ever
    copied (measured: 4x faster than argmax over a copied (..., K) window array for LeNet's 2x2 pools)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, pad_lo, pad_hi, dilation):
        xp = ctx.xp
        nsp = len(kernel)
        xpad = pad_crop(xp, x, pad_lo, pad_hi, value=-float("inf"))
        out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(xpad.shape[2:], kernel, stride, dilation))
        views = _window_views(xpad, kernel, stride, dilation, out)
        best, arg = _tournament(xp, views)
        # one sum decides whether the exact NaN pass is needed
        if x.dtype.kind == "f" and bool(xp.isnan(xp.sum(best))) and bool(xp.isnan(best).any()):
            # matches torch: a NaN is the maximum and its gradient goes to the first one
            for k in range(len(views) - 1, -1, -1):
                xp.copyto(arg, k, where=xp.isnan(views[k]))
        ctx.arg, ctx.geom, ctx.padded = arg, (kernel, stride, pad_lo, pad_hi, dilation), xpad.shape[2:]
        ctx.nsp = nsp
        return best

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        raw = getattr(xp, "raw", xp)  # the routing (argmax positions) is a constant
        kernel, stride, pad_lo, pad_hi, dilation = ctx.geom
        nsp = ctx.nsp
        col2im = getattr(xp, "col2im", None)  # create_graph: a recorded Col2Im (see ops/conv.py)
        if col2im is None:
            gx = _unpool_arrays(xp, grad, ctx.arg, ctx.padded, kernel, stride, dilation)
        else:
            k = _prod(kernel)
            onehot = raw.reshape(ctx.arg[:, :, None] == raw.arange(k).reshape((k,) + (1,) * nsp),
                                 ctx.arg.shape[:2] + tuple(kernel) + ctx.arg.shape[2:])  # (N, C, *K, *out)
            g = xp.reshape(grad, grad.shape[:2] + (1,) * nsp + grad.shape[2:])
            gx = col2im(xp.where(onehot, g, 0), ctx.padded, stride, dilation)
        return pad_crop(xp, gx, tuple(-p for p in pad_lo), tuple(-p for p in pad_hi))


def _unpool_arrays(xp, grad, arg, padded, kernel, stride, dilation):
    """Each window's gradient onto its first maximum: per kernel offset, one multiply written straight into the
    offset's strided view of the input gradient (measured: 6x faster than building the (N, C, K, out) columns
    and adding them back). Windows that tile the input are assigned, overlapping ones accumulated."""
    n, c, out = grad.shape[0], grad.shape[1], grad.shape[2:]
    tiled = tuple(stride) == tuple(kernel) and all(d == 1 for d in dilation)
    gx = xp.empty((n, c) + tuple(padded), dtype=grad.dtype) if tiled else \
        xp.zeros((n, c) + tuple(padded), dtype=grad.dtype)
    if tiled and tuple(o * k for o, k in zip(out, kernel)) != tuple(padded):
        gx[...] = 0
    lead = (slice(None), slice(None))
    for k, off in enumerate(_offsets(kernel)):
        dst = lead + tuple(slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(off, dilation, stride, out))
        if tiled:
            xp.multiply(grad, arg == k, out=gx[dst])
        else:
            gx[dst] += grad * (arg == k)
    return gx


def _tournament(xp, views):
    """Max over the views and the index of the first maximum, by pairwise rounds in order, so that on a tie the
    left (earlier) candidate stays (measured: 2.3x faster than comparing every view with the final max)."""
    small = len(views) < 256
    nodes = [(v, xp.uint8(k) if small else xp.int64(k)) for k, v in enumerate(views)]
    if len(nodes) == 1:
        v = nodes[0][0]
        return xp.array(v, copy=True), xp.zeros(v.shape, dtype=xp.uint8)
    while len(nodes) > 1:
        paired = []
        for i in range(0, len(nodes) - 1, 2):
            (b1, a1), (b2, a2) = nodes[i], nodes[i + 1]
            paired.append((xp.maximum(b1, b2), xp.where(b2 > b1, a2, a1)))
        if len(nodes) % 2:
            paired.append(nodes[-1])
        nodes = paired
    return nodes[0]
