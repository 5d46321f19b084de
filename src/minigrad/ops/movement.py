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
        return a[index]

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
