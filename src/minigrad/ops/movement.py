"""Ops that move or select elements without arithmetic: reshape, permute, expand, indexing."""
from ..autograd.function import Function


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a.shape
        return ctx.xp.reshape(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.reshape(grad, ctx.in_shape)


class Permute(Function):
    @staticmethod
    def forward(ctx, a, axes):
        ctx.axes = axes
        return ctx.xp.transpose(a, axes)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.axes)
        for i, ax in enumerate(ctx.axes):
            inverse[ax] = i
        return ctx.xp.transpose(grad, tuple(inverse))


class Expand(Function):
    """broadcast_to; the engine's unbroadcast sums the gradient back."""

    @staticmethod
    def forward(ctx, a, shape):
        return ctx.xp.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


class GetItem(Function):
    """a[index] with basic slices, integer arrays and boolean masks; backward scatter-adds."""

    @staticmethod
    def forward(ctx, a, index):
        ctx.index, ctx.shape = index, a.shape
        out = a[index]
        if not out.shape and not isinstance(out, ctx.xp.ndarray):
            # an element comes back from NumPy as a scalar copy; with `...` added it is a 0-d view, as in torch,
            # so that x[0].mul_(2) under no_grad changes x
            out = a[(*index, ...) if isinstance(index, tuple) else (index, ...)]
        return out

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.scatter_add(ctx.shape, ctx.index, grad, grad.dtype)


class ScatterAdd(Function):
    """zeros(shape) with values added at index: GetItem's backward, itself differentiable for higher order."""

    @staticmethod
    def forward(ctx, values, shape, index):
        ctx.index = index
        return ctx.xp.scatter_add(shape, index, values, values.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.index]


class Clone(Function):
    @staticmethod
    def forward(ctx, a):
        return ctx.xp.array(a, copy=True)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Detach(Function):
    """x.detach() of a lazy graph's tensor: the same array, recorded so that forward() recomputes it from the new
    feeds (a plain detach would keep the build-time values); never differentiated."""

    differentiable = False

    @staticmethod
    def forward(ctx, a):
        return a


class SetItem(Function):
    """a with a[index] = values, out of place (tensor.__setitem__ rebases onto it inside a graph)."""

    @staticmethod
    def forward(ctx, a, values, index):
        xp = ctx.xp
        ctx.index = index
        out = xp.array(a, copy=True)
        out[index] = values
        keep = xp.ones(a.shape, dtype=bool)
        keep[index] = False
        ctx.save_for_backward(keep)
        return out

    @staticmethod
    def backward(ctx, grad):
        (keep,) = ctx.saved
        return (ctx.xp.where(keep, grad, 0) if ctx.needs_input_grad[0] else None,
                grad[ctx.index] if ctx.needs_input_grad[1] else None)


class Cat(Function):
    """Concatenate along `axis`; backward hands each input its slice of the gradient."""

    @staticmethod
    def forward(ctx, *arrays, axis):
        ctx.axis = axis
        ctx.sizes = [a.shape[axis] for a in arrays]
        return ctx.xp.concatenate(arrays, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        out, start = [], 0
        for n, need in zip(ctx.sizes, ctx.needs_input_grad):
            out.append(grad[lead + (slice(start, start + n),)] if need else None)
            start += n
        return tuple(out)


class Pad(Function):
    """Constant padding; `pad_width` is NumPy's ((before, after), ...) per axis, all non-negative."""

    @staticmethod
    def forward(ctx, a, pad_width, value=0.0):
        ctx.pad_width = pad_width
        return ctx.xp.pad(a, pad_width, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        index = tuple(slice(lo, n - hi) for (lo, hi), n in zip(ctx.pad_width, grad.shape))
        return grad[index]


class Flip(Function):
    @staticmethod
    def forward(ctx, a, axis):
        ctx.axis = axis
        return ctx.xp.flip(a, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.flip(grad, axis=ctx.axis)


class Unfold(Function):
    """Tensor.unfold(dim, size, step): windows of `size` along `axis`, `step` apart, as a new last axis.
    The forward is a strided view; backward scatter-adds the windows back (they may overlap)."""

    @staticmethod
    def forward(ctx, a, axis, size, step):
        xp = ctx.xp
        ctx.shape, ctx.axis = a.shape, axis
        n = (a.shape[axis] - size) // step + 1
        # the element each window position reads, shape (n, size)
        ctx.window = xp.arange(n)[:, None] * step + xp.arange(size)[None, :]
        view = xp.sliding_window_view(a, size, axis=axis)
        return view[(slice(None),) * axis + (slice(None, None, step),)]

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        nd, axis = grad.ndim, ctx.axis
        # move the window axis from last to just after `axis`, then scatter-add through a[..., window, ...]
        axes = tuple(range(axis + 1)) + (nd - 1,) + tuple(range(axis + 1, nd - 1))
        g = xp.transpose(grad, axes)
        return xp.scatter_add(ctx.shape, (slice(None),) * axis + (ctx.window,), g, grad.dtype)
