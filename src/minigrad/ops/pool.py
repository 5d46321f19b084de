"""Max pooling as a fused Function over the same window view as convolution (ops/conv.py).

Average pooling needs no op of its own: it is a depthwise convolution with a constant kernel (nn/functional_layers).
"""
from ..autograd.function import Function
from .conv import _prod, pad_crop, windows


class MaxPool(Function):
    """N-d max pooling of x (N, C, *S); padding is -inf, so a window never picks it. The gradient goes to the
    first maximum of each window, as torch's max_pool does. `pad_hi` includes ceil_mode's extra trailing rows."""

    @staticmethod
    def forward(ctx, x, kernel, stride, pad_lo, pad_hi, dilation):
        xp = ctx.xp
        nsp = len(kernel)
        xpad = pad_crop(xp, x, pad_lo, pad_hi, value=-float("inf"))
        win = windows(xp, xpad, kernel, stride, dilation)  # (N, C, *out, *K)
        out_shape = win.shape[:2 + nsp]
        flat = xp.reshape(win, out_shape + (_prod(kernel),))
        arg = xp.argmax(flat, axis=-1)
        ctx.arg, ctx.geom, ctx.padded = arg, (kernel, stride, pad_lo, pad_hi, dilation), xpad.shape
        ctx.in_shape = x.shape
        return xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        raw = getattr(xp, "raw", xp)  # the routing (argmax positions) is a constant
        kernel, stride, pad_lo, pad_hi, dilation = ctx.geom
        nsp = len(kernel)
        out = grad.shape[2:]
        neg_lo = tuple(-p for p in pad_lo)
        if stride == tuple(kernel) and all(d == 1 for d in dilation):
            # windows tile the input: place each gradient in its window by a one-hot mask, then un-tile (no scatter)
            onehot = raw.reshape(raw.arange(_prod(kernel)) == ctx.arg[..., None], grad.shape + tuple(kernel))
            g = grad
            for _ in range(nsp):
                g = xp.expand_dims(g, g.ndim)
            g = xp.where(onehot, g, 0)  # (N, C, *out, *K)
            order = [0, 1]
            for i in range(nsp):
                order += [2 + i, 2 + nsp + i]
            g = xp.reshape(xp.transpose(g, tuple(order)), grad.shape[:2] + tuple(o * k for o, k in zip(out, kernel)))
            tail = tuple(p - o * k for p, o, k in zip(ctx.padded[2:], out, kernel))
            g = pad_crop(xp, g, (0,) * nsp, tail)
            return pad_crop(xp, g, neg_lo, tuple(-p for p in pad_hi))
        # overlapping or dilated windows: scatter-add into the flattened padded input
        k_idx = raw.unravel_index(ctx.arg, kernel)
        flat = raw.zeros(ctx.arg.shape, dtype=raw.int64)
        for i in range(nsp):
            pos = raw.arange(out[i]).reshape([-1 if j == 2 + i else 1 for j in range(2 + nsp)]) * stride[i]
            flat = flat * ctx.padded[2 + i] + pos + k_idx[i] * dilation[i]
        sp = _prod(ctx.padded[2:])
        flat = flat + raw.arange(_prod(ctx.padded[:2])).reshape(ctx.padded[:2] + (1,) * nsp) * sp
        g = xp.scatter_add((_prod(ctx.padded),), raw.reshape(flat, (-1,)), xp.reshape(grad, (-1,)), grad.dtype)
        g = xp.reshape(g, ctx.padded)
        return pad_crop(xp, g, neg_lo, tuple(-p for p in pad_hi))
