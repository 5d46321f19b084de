"""Convolutions as fused Functions: im2col by a strided window view, then one matmul per group.

Forward and both backwards are written with three helpers over `xp` (pad, sliding_window_view, reshape, transpose,
matmul), so one body serves NumPy, CuPy and the recorded namespace of create_graph: the input gradient of a
convolution is itself a convolution (of the stride-dilated, padded output gradient with the flipped, transposed
kernel), and a transposed convolution is that input gradient run forward. Only the inputs are saved; the columns
are recomputed in backward, which keeps peak memory at one column buffer per layer rather than one per layer and
step of the graph.

Geometry (`stride`, `dilation`, `pad_lo`, `pad_hi`) is one tuple entry per spatial axis; the layer and functional
code check it and raise errors naming the layer.
"""
from ..autograd.function import Function


def _prod(xs):
    out = 1
    for x in xs:
        out *= x
    return out


def pad_crop(xp, x, lo, hi, value=0):
    """Pad the trailing len(lo) axes by lo/hi (negative amounts crop)."""
    lead = x.ndim - len(lo)
    if any(n > 0 for n in lo) or any(n > 0 for n in hi):
        widths = [(0, 0)] * lead + [(max(a, 0), max(b, 0)) for a, b in zip(lo, hi)]
        x = xp.pad(x, widths) if value == 0 else xp.pad(x, widths, constant_values=value)
    if any(n < 0 for n in lo) or any(n < 0 for n in hi):
        x = x[(slice(None),) * lead + tuple(slice(-min(a, 0), x.shape[lead + i] + min(b, 0))
                                            for i, (a, b) in enumerate(zip(lo, hi)))]
    return x


def windows(xp, x, kernel, stride, dilation):
    """(N, C, *S) padded input -> (N, C, *out, *kernel) view of every window the kernel visits."""
    nsp = len(kernel)
    lead = x.ndim - nsp
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    w = xp.sliding_window_view(x, span, axis=tuple(range(lead, x.ndim)))
    if all(s == 1 for s in stride) and all(d == 1 for d in dilation):
        return w
    return w[(slice(None),) * lead + tuple(slice(None, None, s) for s in stride)
             + tuple(slice(None, None, d) for d in dilation)]


def _columns(xp, x, kernel, stride, dilation, groups):
    """Windows of x as a (groups, N*P, C/groups * K) matrix, and the output's spatial shape."""
    n, c = x.shape[0], x.shape[1]
    nsp = len(kernel)
    cols = windows(xp, x, kernel, stride, dilation)  # (N, C, *out, *K)
    out = cols.shape[2:2 + nsp]
    cols = xp.transpose(cols, (0, *range(2, 2 + nsp), 1, *range(2 + nsp, 2 + 2 * nsp)))  # (N, *out, C, *K)
    cols = xp.reshape(cols, (n * _prod(out), groups, (c // groups) * _prod(kernel)))
    return xp.transpose(cols, (1, 0, 2)), out


def conv_forward(xp, x, w, stride, pad_lo, pad_hi, dilation, groups):
    """y[n, o] = sum over c, k of w[o, c, k] * x_padded[n, c, stride * i + dilation * k]."""
    nsp = w.ndim - 2
    n, o = x.shape[0], w.shape[0]
    kernel = w.shape[2:]
    cols, out = _columns(xp, pad_crop(xp, x, pad_lo, pad_hi), kernel, stride, dilation, groups)
    wm = xp.transpose(xp.reshape(w, (groups, o // groups, -1)), (0, 2, 1))  # (g, Cg*K, Og)
    y = xp.matmul(cols, wm)  # (g, N*P, Og)
    y = xp.reshape(xp.transpose(y, (1, 0, 2)), (n, *out, o))
    return xp.transpose(y, (0, nsp + 1, *range(1, nsp + 1)))


def conv_weight_grad(xp, x, gy, w_shape, stride, pad_lo, pad_hi, dilation, groups):
    """d loss / d w for y = conv(x, w), given gy = d loss / d y."""
    nsp = gy.ndim - 2
    o = w_shape[0]
    cols, out = _columns(xp, pad_crop(xp, x, pad_lo, pad_hi), w_shape[2:], stride, dilation, groups)
    g = xp.transpose(gy, (0, *range(2, 2 + nsp), 1))  # (N, *out, O)
    g = xp.transpose(xp.reshape(g, (-1, groups, o // groups)), (1, 2, 0))  # (g, Og, N*P)
    gw = xp.matmul(g, cols)  # (g, Og, Cg*K)
    return xp.reshape(gw, tuple(w_shape))


def _dilate(xp, g, stride):
    """Insert stride-1 zeros between the elements of the trailing spatial axes (the transpose of striding)."""
    nsp = len(stride)
    for i, s in enumerate(stride):
        if s == 1:
            continue
        ax = g.ndim - nsp + i
        size = g.shape[ax]
        g = xp.expand_dims(g, ax + 1)
        g = xp.pad(g, [(0, 0)] * (ax + 1) + [(0, s - 1)] + [(0, 0)] * (g.ndim - ax - 2))
        shape = list(g.shape[:ax]) + [size * s] + list(g.shape[ax + 2:])
        g = xp.reshape(g, tuple(shape))
        g = g[(slice(None),) * ax + (slice(0, size * s - (s - 1)),)]
    return g


def conv_input_grad(xp, gy, w, x_spatial, stride, pad_lo, pad_hi, dilation, groups):
    """d loss / d x for y = conv(x, w): a stride-1 convolution of the dilated, padded gy with the flipped kernel
    transposed per group. `x_spatial` is x's spatial shape (it fixes the trailing rows that no window reached)."""
    nsp = len(x_spatial)
    o, cg = w.shape[0], w.shape[1]
    kernel = w.shape[2:]
    out = gy.shape[2:]
    lo = tuple(d * (k - 1) - p for k, d, p in zip(kernel, dilation, pad_lo))
    hi = tuple(s_in + p - s * (n - 1) - 1 for s_in, p, s, n in zip(x_spatial, pad_lo, stride, out))
    g = pad_crop(xp, _dilate(xp, gy, stride), lo, hi)
    wt = xp.reshape(w, (groups, o // groups, cg, *kernel))
    wt = xp.reshape(xp.transpose(wt, (0, 2, 1, *range(3, 3 + nsp))), (groups * cg, o // groups, *kernel))
    wt = wt[(slice(None), slice(None)) + (slice(None, None, -1),) * nsp]
    ones = (1,) * nsp
    zeros = (0,) * nsp
    return conv_forward(xp, g, wt, ones, zeros, zeros, dilation, groups)


class Conv(Function):
    """N-d cross-correlation (torch's conv1d/conv2d/conv3d) of x (N, C, *S) with w (O, C/groups, *K); the bias is
    added by the caller so that this op has two inputs."""

    @staticmethod
    def forward(ctx, x, w, stride, pad_lo, pad_hi, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.geom = (stride, pad_lo, pad_hi, dilation, groups)
        return conv_forward(ctx.xp, x, w, *ctx.geom)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        x, w = ctx.saved
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = conv_input_grad(xp, grad, w, x.shape[2:], *ctx.geom)
        if ctx.needs_input_grad[1]:
            gw = conv_weight_grad(xp, x, grad, w.shape, *ctx.geom)
        return gx, gw


class ConvTranspose(Function):
    """N-d transposed convolution (torch's conv_transpose2d) of x (N, Cin, *S) with w (Cin, Cout/groups, *K):
    the input gradient of the convolution with the same geometry, whose input has spatial shape `out_spatial`."""

    @staticmethod
    def forward(ctx, x, w, out_spatial, stride, pad_lo, pad_hi, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.geom = (stride, pad_lo, pad_hi, dilation, groups)
        return conv_input_grad(ctx.xp, x, w, out_spatial, *ctx.geom)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        x, w = ctx.saved
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = conv_forward(xp, grad, w, *ctx.geom)
        if ctx.needs_input_grad[1]:
            # y = A_w^T x where A_w is the convolution, so d<grad, y>/dw = d<x, A_w grad>/dw
            gw = conv_weight_grad(xp, grad, x, w.shape, *ctx.geom)
        return gx, gw


class SlidingWindowView(Function):
    """xp.sliding_window_view as a recorded op, so that conv backwards can be differentiated again; its
    gradient adds every window back onto the positions it covers."""

    @staticmethod
    def forward(ctx, x, window_shape, axis):
        ctx.shape, ctx.window_shape, ctx.axis = x.shape, window_shape, axis
        return ctx.xp.sliding_window_view(x, window_shape, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        raw = getattr(ctx.xp, "raw", ctx.xp)  # the index is a constant: build it with the device's arrays
        index = _window_index(raw, ctx.shape, ctx.window_shape, ctx.axis)
        return ctx.xp.scatter_add(ctx.shape, index, grad, grad.dtype)


def _window_index(xp, shape, window_shape, axis):
    """Index arrays that map each element of sliding_window_view(zeros(shape)) to its source position."""
    nd = len(shape)
    axis = tuple(a % nd for a in axis)
    out_shape = list(shape)
    for a, k in zip(axis, window_shape):
        out_shape[a] = shape[a] - k + 1
    full = tuple(out_shape) + tuple(window_shape)
    total = len(full)
    index = []
    for a in range(nd):
        pos = xp.arange(full[a]).reshape([full[a] if i == a else 1 for i in range(total)])
        if a in axis:
            j = nd + axis.index(a)
            pos = pos + xp.arange(full[j]).reshape([full[j] if i == j else 1 for i in range(total)])
        index.append(xp.broadcast_to(pos, full))
    return tuple(index)
