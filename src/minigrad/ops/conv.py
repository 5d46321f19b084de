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


def _columns(xp, x, kernel, stride, dilation, groups, out=None):
    """Windows of x as (N, groups, C/groups * K, P) columns, and the output's spatial shape. The copy keeps the
    output's row as the innermost axis, which is contiguous in x (measured: 3x faster than a kernel-innermost copy
    for LeNet's 5x5 kernels)."""
    n, c = x.shape[0], x.shape[1]
    nsp = len(kernel)
    cols = windows(xp, x, kernel, stride, dilation)  # (N, C, *out, *K)
    if out is not None:  # a transposed conv's output_padding can leave rows that no output uses
        cols = _crop_to(cols, out)
    out = cols.shape[2:2 + nsp]
    cols = xp.transpose(cols, (0, 1, *range(2 + nsp, 2 + 2 * nsp), *range(2, 2 + nsp)))  # (N, C, *K, *out)
    return xp.reshape(cols, (n, groups, (c // groups) * _prod(kernel), _prod(out))), out


def conv_forward(xp, x, w, stride, pad_lo, pad_hi, dilation, groups, keep=None):
    """y[n, o] = sum over c, k of w[o, c, k] * x_padded[n, c, stride * i + dilation * k]. `keep` (a list)
    receives the columns, for the weight gradient."""
    n, o = x.shape[0], w.shape[0]
    cols, out = _columns(xp, pad_crop(xp, x, pad_lo, pad_hi), w.shape[2:], stride, dilation, groups)
    if keep is not None:
        keep.append(cols)
    wm = xp.reshape(w, (groups, o // groups, -1))  # (g, Og, Cg*K)
    y = xp.matmul(wm, cols)  # (N, g, Og, P): already the output's layout
    return xp.reshape(y, (n, o) + tuple(out))


def conv_weight_grad(xp, x, gy, w_shape, stride, pad_lo, pad_hi, dilation, groups, cols=None):
    """d loss / d w for y = conv(x, w), given gy = d loss / d y (and x's columns, if the forward kept them)."""
    n, o = gy.shape[0], w_shape[0]
    if cols is None:
        cols, _ = _columns(xp, pad_crop(xp, x, pad_lo, pad_hi), w_shape[2:], stride, dilation, groups, gy.shape[2:])
    g = xp.reshape(gy, (n, groups, o // groups, -1))  # (N, g, Og, P)
    gw = xp.sum(xp.matmul(g, xp.swapaxes(cols, -1, -2)), axis=0)  # (g, Og, Cg*K)
    return xp.reshape(gw, tuple(w_shape))


def conv_input_grad(xp, gy, w, x_spatial, stride, pad_lo, pad_hi, dilation, groups):
    """d loss / d x for y = conv(x, w): the columns' gradient w^T gy, added back onto the windows (col2im).
    `x_spatial` is x's spatial shape (it fixes the trailing rows that no window reached)."""
    n, o = gy.shape[0], gy.shape[1]
    cg = w.shape[1]
    kernel, out = tuple(w.shape[2:]), tuple(gy.shape[2:])
    wm = xp.reshape(w, (groups, o // groups, -1))  # (g, Og, Cg*K)
    g = xp.reshape(gy, (n, groups, o // groups, _prod(out)))
    cols = xp.matmul(xp.swapaxes(wm, -1, -2), g)  # (N, g, Cg*K, P)
    cols = xp.reshape(cols, (n, groups * cg) + kernel + out)
    padded = tuple(s + a + b for s, a, b in zip(x_spatial, pad_lo, pad_hi))
    col2im = getattr(xp, "col2im", None)  # create_graph: GraphNamespace records Col2Im; arrays: add in place
    gx = col2im(cols, padded, stride, dilation) if col2im is not None else \
        _col2im_arrays(xp, cols, padded, stride, dilation)
    return pad_crop(xp, gx, tuple(-p for p in pad_lo), tuple(-p for p in pad_hi))


def _col2im_arrays(xp, cols, padded, stride, dilation):
    """(N, C, *K, *out) window values summed onto a zeros (N, C, *padded) array: one strided add per kernel offset
    (measured 2x faster than expressing it with pads and reshapes, and 2x less work than the input gradient as a
    convolution of the dilated output gradient)."""
    nsp = len(padded)
    kernel, out = cols.shape[2:2 + nsp], cols.shape[2 + nsp:]
    lead = (slice(None), slice(None))
    tiled = all(s == k for s, k in zip(stride, kernel)) and all(d == 1 for d in dilation)
    if tiled:  # windows do not overlap: assign instead of accumulating, and zero only the rows none covers
        gx = xp.empty(cols.shape[:2] + tuple(padded), dtype=cols.dtype)
        covered = tuple(o * k for o, k in zip(out, kernel))
        if covered != tuple(padded):
            gx[...] = 0
    else:
        gx = xp.zeros(cols.shape[:2] + tuple(padded), dtype=cols.dtype)
    for offset in _offsets(kernel):
        dst = lead + tuple(slice(k * d, k * d + s * (o - 1) + 1, s)
                           for k, d, s, o in zip(offset, dilation, stride, out))
        if tiled:
            gx[dst] = cols[lead + offset]
        else:
            gx[dst] += cols[lead + offset]
    return gx


def _offsets(kernel):
    offsets = [()]
    for k in kernel:
        offsets = [o + (i,) for o in offsets for i in range(k)]
    return offsets


class Col2Im(Function):
    """Window values (N, C, *K, *out) added back onto a (N, C, *padded) array: the transpose of im2col, recorded
    when a conv backward runs under create_graph. Its gradient takes the windows again."""

    @staticmethod
    def forward(ctx, cols, padded, stride, dilation):
        ctx.geom = (stride, dilation)
        nsp = len(padded)
        ctx.kernel, ctx.out = cols.shape[2:2 + nsp], cols.shape[2 + nsp:]
        return _col2im_arrays(ctx.xp, cols, padded, stride, dilation)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        stride, dilation = ctx.geom
        nsp = len(stride)
        win = windows(xp, grad, ctx.kernel, stride, dilation)  # (N, C, *out, *K)
        win = _crop_to(win, ctx.out)
        return xp.transpose(win, (0, 1, *range(2 + nsp, 2 + 2 * nsp), *range(2, 2 + nsp)))


def _crop_to(a, spatial):
    """a[:, :, :spatial[0], :spatial[1], ...] when a's axes 2.. are longer than spatial (else a itself)."""
    if tuple(a.shape[2:2 + len(spatial)]) == tuple(spatial):
        return a
    return a[(slice(None), slice(None)) + tuple(slice(0, n) for n in spatial)]


class Conv(Function):
    """N-d cross-correlation (torch's conv1d/conv2d/conv3d) of x (N, C, *S) with w (O, C/groups, *K), plus an
    optional bias (O)."""

    @staticmethod
    def forward(ctx, x, w, b=None, *, stride, pad_lo, pad_hi, dilation, groups):
        ctx.save_for_backward(x, w)
        ctx.geom = (stride, pad_lo, pad_hi, dilation, groups)
        # NOTE: the columns are kept for the weight gradient (measured: LeNet's step 12% faster; they cost one
        # im2col buffer per conv, freed with the node). They are constants, so a create_graph backward recomputes
        # them from x instead.
        ctx.cols = []
        y = conv_forward(ctx.xp, x, w, *ctx.geom, keep=ctx.cols)
        if b is not None:  # fused: y is a fresh array, so the bias costs no extra node or temporary
            y += ctx.xp.reshape(b, (1, -1) + (1,) * (y.ndim - 2))
        return y

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        x, w = ctx.saved
        gx = gw = None
        if ctx.needs_input_grad[0]:
            gx = conv_input_grad(xp, grad, w, x.shape[2:], *ctx.geom)
        if ctx.needs_input_grad[1]:
            cols = ctx.cols[0] if ctx.cols and not hasattr(x, "_ctx") else None
            gw = conv_weight_grad(xp, x, grad, w.shape, *ctx.geom, cols=cols)
        ctx.cols = None
        if len(ctx.needs_input_grad) == 3:
            gb = xp.sum(grad, axis=(0,) + tuple(range(2, grad.ndim))) if ctx.needs_input_grad[2] else None
            return gx, gw, gb
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
            # output_padding >= stride (allowed when below dilation) lets the convolution reach one row further
            gx = _crop_to(conv_forward(xp, grad, w, *ctx.geom), x.shape[2:])
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
