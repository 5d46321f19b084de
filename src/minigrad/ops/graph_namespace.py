"""The array namespace that op backwards see under create_graph=True: each function records a Tensor op.

It offers exactly the functions that op backwards call on `ctx.xp`; an op whose backward needs another one fails
with an error naming it, rather than silently dropping out of the graph.
"""
from ..autograd import function as _function
from . import elementwise as E
from . import linalg as L
from . import movement as M
from . import reduce as R


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis))


class GraphNamespace:
    def __init__(self, device):
        self.device = device
        self.raw = device.xp
        self.float16, self.float32 = self.raw.float16, self.raw.float32  # dtypes, for backwards that cast

    def __getattr__(self, name):
        raise NotImplementedError(
            f"create_graph: an op's backward called xp.{name}, which has no differentiable form in "
            f"minigrad.ops.graph_namespace yet; add it there to take higher-order gradients through that op")

    def _t(self, x):
        if hasattr(x, "_ctx"):
            return x
        return _function.Tensor._wrap(self.raw.asarray(x), self.device)

    def apply(self, cls, *arrays, **attrs):
        """Record any op: cls.apply on arrays made Tensors. For the backwards of ops outside the core set (digamma's
        is polygamma(1), logcumsumexp's is logcumsumexp), which this namespace cannot list one by one."""
        return cls.apply(*(self._t(a) for a in arrays), **attrs)

    def _pair(self, a, b):
        from ..tensor import _binary_operands  # noqa: PLC0415

        if not hasattr(a, "_ctx"):
            b, a = _binary_operands(b, a)
            return a, b
        return _binary_operands(a, b)

    # elementwise
    def exp(self, x):
        return E.Exp.apply(x)

    def log(self, x):
        return E.Log.apply(x)

    def tanh(self, x):
        return E.Tanh.apply(x)

    def abs(self, x):
        return E.Abs.apply(self._t(x))

    def sign(self, x):
        return E.Sign.apply(self._t(x))

    def sqrt(self, x):
        return E.Sqrt.apply(self._t(x))

    def sin(self, x):
        return E.Sin.apply(self._t(x))

    def cos(self, x):
        return E.Cos.apply(self._t(x))

    def erf(self, x):
        return E.Erf.apply(self._t(x))

    def floor(self, x):
        return E.Floor.apply(self._t(x))

    def maximum(self, a, b):
        return E.Maximum.apply(*self._pair(a, b))

    def minimum(self, a, b):
        return E.Minimum.apply(*self._pair(a, b))

    def any(self, x):
        return bool(self.raw.any(x.data if hasattr(x, "_ctx") else x))

    def eye(self, n, dtype=None):
        return self._t(self.raw.eye(n, dtype=dtype))

    def ones(self, shape, dtype=None):
        return self._t(self.raw.ones(shape, dtype=dtype))

    def zeros(self, shape, dtype=None):
        return self._t(self.raw.zeros(shape, dtype=dtype))

    def where(self, cond, a, b):
        cond = cond.data if hasattr(cond, "_ctx") else cond
        a, b = self._pair(a, b)
        shape = self.raw.broadcast_shapes(cond.shape, a.shape, b.shape)
        return E.Where.apply(a, b, cond=self.raw.broadcast_to(cond, shape))

    def astype(self, x, dtype):
        return x if x.dtype == dtype else E.Cast.apply(x, dtype=dtype)

    def zeros_like(self, x):
        return self._t(self.raw.zeros_like(x.data))

    def ones_like(self, x):
        return self._t(self.raw.ones_like(x.data))

    # reductions
    def sum(self, x, axis=None, keepdims=False):
        return R.Sum.apply(x, axis=_axes(axis, x.ndim), keepdims=keepdims)

    def max(self, x, axis=None, keepdims=False):
        return R.Amax.apply(x, axis=_axes(axis, x.ndim), keepdims=keepdims)

    def prod(self, x, axis=None, keepdims=False):
        return R.Prod.apply(x, axis=_axes(axis, x.ndim), keepdims=keepdims)

    def cumsum(self, x, axis):
        return R.Cumsum.apply(x, axis=axis % x.ndim)

    def cumprod(self, x, axis):
        return R.Cumprod.apply(x, axis=axis % x.ndim)

    # movement
    def reshape(self, x, shape):
        return M.Reshape.apply(x, shape=tuple(shape))

    def expand_dims(self, x, axis):
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        ndim = x.ndim + len(axes)
        axes = sorted(a % ndim for a in axes)
        shape = list(x.shape)
        for a in axes:
            shape.insert(a, 1)
        return M.Reshape.apply(x, shape=tuple(shape))

    def broadcast_to(self, x, shape):
        x = self._t(x)
        return x if x.shape == tuple(shape) else M.Expand.apply(x, shape=tuple(shape))

    def transpose(self, x, axes=None):
        axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
        return M.Permute.apply(x, axes=axes)

    def swapaxes(self, x, a, b):
        axes = list(range(x.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return M.Permute.apply(x, axes=tuple(axes))

    def flip(self, x, axis):
        return M.Flip.apply(x, axis=axis)

    def scatter_add(self, shape, index, values, dtype):
        return M.ScatterAdd.apply(values, shape=shape, index=index)

    # linear algebra
    def matmul(self, a, b):
        return L.MatMul.apply(*self._pair(a, b))

    def einsum(self, equation, *operands, optimize=False):
        return L.Einsum.apply(*[self._t(o) for o in operands], equation=equation)

    # convolution helpers (ops/conv.py)
    def pad(self, x, pad_width, constant_values=0):
        if constant_values != 0:
            raise NotImplementedError("create_graph: xp.pad with a non-zero fill has no differentiable form")
        x = self._t(x)
        shape = tuple(n + a + b for n, (a, b) in zip(x.shape, pad_width))
        index = tuple(slice(a, a + n) for n, (a, _) in zip(x.shape, pad_width))
        return M.ScatterAdd.apply(x, shape=shape, index=index)

    def sliding_window_view(self, x, window_shape, axis):
        from .conv import SlidingWindowView  # noqa: PLC0415 - conv imports nothing from here; kept local anyway

        return SlidingWindowView.apply(self._t(x), window_shape=tuple(window_shape), axis=tuple(axis))

    def concatenate(self, arrays, axis=0):
        ts = [self._t(a) for a in arrays]
        return M.Cat.apply(*ts, axis=axis % ts[0].ndim)

    def col2im(self, cols, padded, stride, dilation):
        from .conv import Col2Im  # noqa: PLC0415

        return Col2Im.apply(self._t(cols), padded=tuple(padded), stride=tuple(stride), dilation=tuple(dilation))


_cache = {}


def namespace_for(device):
    ns = _cache.get(device)
    if ns is None:
        ns = _cache[device] = GraphNamespace(device)
    return ns
