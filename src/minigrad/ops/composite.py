"""Ops written from other ops: Tensor methods that validate torch's arguments and compose primitive ops (or other
methods), so they need no backward of their own. Each function here is bound as a Tensor method in tensor.py
(`split = C.split`), so its first argument is named `self`.

tensor.py imports this module before Tensor exists, and sets `Tensor` and `tensor` here once they do.
"""
import builtins
import collections
import math

from .. import dtypes
from ..autograd.grad_mode import GradMode
from ..backend import CPU, Device, get_device
from . import elementwise as E
from .inplace import _refuse_lazy, bump_version
from . import movement as M
from . import reduce as R

Tensor = tensor = None  # set by tensor.py

# shape arithmetic (reshape's -1, broadcast checks) runs on the host whatever the tensor's device
_host = CPU.xp
_INTEGER = (int, _host.integer)

_MaxResult = collections.namedtuple("max", ["values", "indices"])
_MinResult = collections.namedtuple("min", ["values", "indices"])


# ----------------------------------------------------------------------------------- argument helpers
def _dims(dim, ndim, op):
    """Normalise torch's dim (None, int or sequence, negative allowed) to a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and -ndim <= dim < ndim:  # the common case, first
        return (dim % ndim,)
    if isinstance(dim, _INTEGER):
        dim = (dim,)
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    axes = []
    for d in dim:
        if not lo <= d <= hi:
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimension(s) "
                             f"(expected to be in range of [{lo}, {hi}])")
        axes.append(d % ndim if ndim else 0)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}: dim {tuple(dim)} names an axis more than once")
    return tuple(sorted(axes)) if ndim else ()


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(builtins.int(s) for s in shape)


def _floating(t):
    return t if t.dtype.kind == "f" else t.to(dtypes.get_default_dtype())


def _nonempty(t, axes, op):
    for a in axes:
        if t.shape[a] == 0:
            raise IndexError(f"{op}: expected reduction dim {a} to have non-zero size (shape {tuple(t.shape)})")
    if not axes and t.numel() == 0:
        raise RuntimeError(f"{op}: cannot reduce an empty tensor (shape {tuple(t.shape)})")


def _check_index(idx, n, axis, op):
    if idx.dtype.kind not in "iu":
        raise IndexError(f"{op}: expected an integer index tensor, got dtype {idx.dtype}")
    # torch refuses negative indices here (they would wrap around in NumPy)
    if idx.size and (idx.max() >= n or idx.min() < 0):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {axis} with size {n}")


def _index_arg(index, t):
    """Turn Tensors (and lists) inside an index into arrays, so that NumPy indexing semantics apply."""
    if isinstance(index, tuple):
        return tuple(_index_arg(i, t) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return t._device.xp.asarray(index)
    return index


# ----------------------------------------------------------------------------------- conversion
def cast_method(dtype):
    """A method returning `self.to(dtype)`: Tensor's and Module's float(), double(), half(), long(), int(), bool()."""
    def cast(self):
        return self.to(dtype)

    cast.__name__ = cast.__qualname__ = dtypes.TORCH_NAMES[str(dtypes.as_dtype(dtype))]
    return cast


def type_(self, dtype=None):
    """Tensor.type: torch's name ('torch.FloatTensor', 'torch.cuda.LongTensor') without an argument, else
    self.to(dtype), dtype also a name like 'torch.DoubleTensor' (or any dtype spelling minigrad takes)."""
    if dtype is None:
        cuda = "" if self._device.type == "cpu" else "cuda."
        return f"torch.{cuda}{dtypes.TORCH_NAMES[str(self.dtype)].title()}Tensor"
    return self.to(dtypes.from_type_name(dtype) if isinstance(dtype, str) else dtype)


def scalar_method(convert):
    """__float__ / __int__: the one element through `convert`; torch's ValueError for more (or fewer) elements."""
    def method(self):
        if self.data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return convert(self.data.item())
    return method


def new_factory(name):
    """Tensor.new_zeros/new_ones/new_full/new_empty/new_tensor: minigrad.<name> with self's dtype and device unless
    given (new_tensor(data) casts data to self's dtype, as torch does); requires_grad=False unless given."""
    def new(self, *args, dtype=None, device=None, **kw):
        from .. import creation  # noqa: PLC0415 - creation imports tensor.py, which imports this module
        return getattr(creation, name)(*args, dtype=dtype or self.dtype, device=device or self._device, **kw)
    return new


def stride(self, dim=None):
    """Tensor.stride: the element strides of the row-major (C-contiguous) layout of self's shape, as torch reports
    for a contiguous tensor. Views report these too (torch reports its base's), which is what minigrad's
    as_strided and contiguous() (a no-op) assume: `x.as_strided(x.size(), x.stride())` is x."""
    strides = tuple(math.prod(builtins.max(n, 1) for n in self.shape[k + 1:]) for k in range(self.ndim))
    return strides if dim is None else strides[_dims(dim, self.ndim, "stride")[0]]


def to(self, *args, dtype=None, device=None, copy=False):
    for a in args:
        if isinstance(a, (str, Device)):
            device = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        else:
            dtype = a
    out = self
    if device is not None and get_device(device) != self._device:
        from ..cuda import transfer  # noqa: PLC0415 - the only other device lives there

        out = transfer(out, get_device(device))
    if dtype is not None and dtypes.as_dtype(dtype) != out.dtype:
        dt = dtypes.as_dtype(dtype)
        # as torch: an integer or bool result is off the graph (else x - x.long() would cancel x's gradient)
        out = E.Cast.apply(out if dt.kind == "f" or not out.requires_grad else out.detach(), dtype=dt)
    if copy and out is self:
        out = self.clone()
    return out


# ----------------------------------------------------------------------------------- reductions
def sum(self, dim=None, keepdim=False, dtype=None, axis=None, keepdims=None):
    x = self if dtype is None else self.to(dtype)
    if x.dtype.kind == "b":
        x = x.to(dtypes.int64)
    return R.Sum.apply(x, axis=_dims(axis if dim is None else dim, self.ndim, "sum"),
                       keepdims=keepdim if keepdims is None else keepdims)


def mean(self, dim=None, keepdim=False, dtype=None, axis=None, keepdims=None):
    x = self if dtype is None else self.to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"mean: could not infer output dtype; input dtype must be floating point, got {x.dtype}")
    axes = _dims(axis if dim is None else dim, self.ndim, "mean")
    n = math.prod(self.shape[a] for a in axes)
    keep = keepdim if keepdims is None else keepdims
    if not n:
        # empty: nan, as torch; scaling before the sum keeps d(grad)/d(upstream grad) at 0 (torch's), not nan
        return (x * float("nan")).sum(axes, keep) + float("nan")
    return R.Mean.apply(x, axis=axes, keepdims=keep)


def amax(self, dim=None, keepdim=False, axis=None):
    axes = _dims(axis if dim is None else dim, self.ndim, "amax")
    _nonempty(self, axes, "amax")
    return R.Amax.apply(self, axis=axes, keepdims=keepdim)


def amin(self, dim=None, keepdim=False, axis=None):
    axes = _dims(axis if dim is None else dim, self.ndim, "amin")
    _nonempty(self, axes, "amin")
    return R.Amin.apply(self, axis=axes, keepdims=keepdim)


def prod(self, dim=None, keepdim=False, dtype=None, axis=None):
    dim = axis if dim is None else dim
    x = self if dtype is None else self.to(dtype)
    if x.dtype.kind == "b":
        x = x.to(dtypes.int64)
    return R.Prod.apply(x, axis=_dims(dim, self.ndim, "prod"), keepdims=keepdim)


def var(self, dim=None, unbiased=None, keepdim=False, correction=None, axis=None):
    """Matches torch.var: sum((x - mean)^2) / max(0, N - correction), correction 1 by default."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = _dims(axis if dim is None else dim, self.ndim, "var")
    n = math.prod(self.shape[a] for a in axes)
    d = self - self.mean(axes, keepdim=True)
    return (d * d).sum(axes, keepdim=keepdim) / builtins.max(0, n - correction)


def std(self, dim=None, unbiased=None, keepdim=False, correction=None, axis=None):
    from ..functions import where  # noqa: PLC0415

    v = self.var(dim, unbiased, keepdim, correction, axis)
    # matches torch: a zero std passes a zero gradient (sqrt'(0) = inf would make it nan)
    zero = v == 0
    return where(zero, 0.0, where(zero, 1.0, v).sqrt())


def max(self, dim=None, keepdim=False, axis=None):
    """max() over everything (ties share the gradient), max(dim) -> (values, indices) (the gradient goes to
    the returned index only, as torch), or max(other) -> maximum. `axis` is an alias of `dim`."""
    dim = axis if dim is None else dim
    if isinstance(dim, Tensor):
        return self.maximum(dim)
    if dim is None:
        if not self.numel():
            raise RuntimeError(f"max: expected reduction dim to be specified for an empty tensor (shape "
                               f"{tuple(self.shape)})")
        return self.amax()
    return _select(self, dim, keepdim, R.Argmax, _MaxResult, "max")


def min(self, dim=None, keepdim=False, axis=None):
    dim = axis if dim is None else dim
    if isinstance(dim, Tensor):
        return self.minimum(dim)
    if dim is None:
        if not self.numel():
            raise RuntimeError(f"min: expected reduction dim to be specified for an empty tensor (shape "
                               f"{tuple(self.shape)})")
        return self.amin()
    return _select(self, dim, keepdim, R.Argmin, _MinResult, "min")


def _select(t, dim, keepdim, argop, result, op):
    """max/min along one dim: the values are gathered at the returned indices, so the gradient goes there only."""
    axis = _dims(dim, t.ndim, op)
    _nonempty(t, axis, op)
    if t.ndim == 0:
        return result(t.clone(), tensor(0, device=t._device))
    idx = argop.apply(t, axis=axis[0], keepdims=True)
    values = t.gather(axis[0], idx)
    if not keepdim:
        values, idx = values.squeeze(axis[0]), idx.squeeze(axis[0])
    return result(values, idx)


def argmax(self, dim=None, keepdim=False, axis=None):
    dim = axis if dim is None else dim
    if dim is None:
        _nonempty(self, (), "argmax")
        out = R.Argmax.apply(self.reshape(-1), axis=0)
        return out.reshape((1,) * self.ndim) if keepdim else out
    axis = _dims(dim, self.ndim, "argmax")
    _nonempty(self, axis, "argmax")
    return R.Argmax.apply(self, axis=axis[0] if self.ndim else None, keepdims=keepdim)


def argmin(self, dim=None, keepdim=False, axis=None):
    dim = axis if dim is None else dim
    if dim is None:
        _nonempty(self, (), "argmin")
        out = R.Argmin.apply(self.reshape(-1), axis=0)
        return out.reshape((1,) * self.ndim) if keepdim else out
    axis = _dims(dim, self.ndim, "argmin")
    _nonempty(self, axis, "argmin")
    return R.Argmin.apply(self, axis=axis[0] if self.ndim else None, keepdims=keepdim)


def all(self, dim=None, keepdim=False, axis=None):
    dim = axis if dim is None else dim
    return R.All.apply(self, axis=_dims(dim, self.ndim, "all"), keepdims=keepdim)


def any(self, dim=None, keepdim=False, axis=None):
    dim = axis if dim is None else dim
    return R.Any.apply(self, axis=_dims(dim, self.ndim, "any"), keepdims=keepdim)


def logsumexp(self, dim=None, keepdim=False, axis=None):
    dim = axis if dim is None else dim
    return R.LogSumExp.apply(_floating(self), axis=_dims(dim, self.ndim, "logsumexp"), keepdims=keepdim)


def softmax(self, dim=-1, dtype=None):
    """Matches torch.softmax; `dim` defaults to the last axis (seed 003's `.softmax()`)."""
    x = _floating(self if dtype is None else self.to(dtype))
    return R.Softmax.apply(x, axis=_dims(dim, self.ndim, "softmax")[0] if self.ndim else None)


def log_softmax(self, dim=-1, dtype=None):
    x = _floating(self if dtype is None else self.to(dtype))
    return R.LogSoftmax.apply(x, axis=_dims(dim, self.ndim, "log_softmax")[0] if self.ndim else None)


def cumsum(self, dim=None, dtype=None, axis=None):
    return _cumulative(self, axis if dim is None else dim, dtype, R.Cumsum, "cumsum")


def cumprod(self, dim=None, dtype=None, axis=None):
    """Matches torch.cumprod, including its gradient where the input has zeros (ops/reduce.py's Cumprod)."""
    return _cumulative(self, axis if dim is None else dim, dtype, R.Cumprod, "cumprod")


def _cumulative(self, dim, dtype, op, name):
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim' (or 'axis')")
    x = self if dtype is None else self.to(dtype)
    if x.ndim == 0:
        return x.clone()
    return op.apply(x, axis=_dims(dim, self.ndim, name)[0])


def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm over `dim` (all dims when None) of the flattened elements: p a number, inf or -inf, or 'fro' (the
    2-norm, over at most 2 dims). Matches torch.norm (torch.linalg.vector_norm), gradients included: a zero norm
    passes a zero gradient (not inf * 0 = nan), the inf-norm splits it between tied maxima, and p = 0 (the count of
    nonzeros) has a zero gradient. The nuclear norm ('nuc') is not supported.

    >>> minigrad.tensor([3.0, -4.0]).norm()
    tensor(5.)
    """
    from ..functions import where  # noqa: PLC0415

    x = self if dtype is None else self.to(dtype)
    if x.dtype.kind != "f":
        raise RuntimeError(f"norm: expected a floating point tensor as input, got {x.dtype} (shape {tuple(x.shape)})")
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm: the nuclear norm (p='nuc') is not supported")
        if p != "fro" or not (dim is None or isinstance(dim, _INTEGER) or len(dim) <= 2):
            raise RuntimeError(f"norm: p='{p}' with dim={dim} is not a vector or Frobenius norm (p is a number, "
                               "inf, -inf or 'fro' over at most 2 dims)")
        p = 2
    axes = _dims(dim, x.ndim, "norm")
    if p == math.inf:
        return x.abs().amax(axes, keepdim)
    if p == -math.inf:
        return x.abs().amin(axes, keepdim)
    if p == 0:
        return x.sign().abs().sum(axes, keepdim)  # sign's gradient is 0, as torch's for p = 0
    if p == 1:
        return x.abs().sum(axes, keepdim)
    if p == 2:
        s = (x * x).sum(axes, keepdim)
    else:
        # |x|^p with 0 (inf for p < 0) where x = 0 and a zero gradient there, as torch's (not p * 0^(p-1) = inf)
        a = x.abs()
        zero = a == 0
        s = where(zero, 0.0 if p > 0 else math.inf, where(zero, 1.0, a) ** p).sum(axes, keepdim)
    zero = s == 0
    root = where(zero, 1.0, s)
    return where(zero, 0.0, root.sqrt() if p == 2 else root ** (1.0 / p))


# ----------------------------------------------------------------------------------- elementwise
def clamp(self, min=None, max=None):
    """Matches torch.clamp: number or tensor bounds; gradient to x where min <= x <= max, else to the bound."""
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    ops = [self, self if min is None else min, self if max is None else max]
    rt = dtypes.result_type(*[o for o in ops])
    ops = [o.to(rt) if isinstance(o, Tensor) else tensor(o, dtype=rt, device=self._device) for o in ops]
    return E.Clamp.apply(*ops, has_lo=min is not None, has_hi=max is not None)


def div(self, other, rounding_mode=None):
    """Matches torch.div: true division, or rounded toward zero ('trunc') or down ('floor', as //), which keep
    integer dtypes and have a zero gradient, as in torch."""
    if rounding_mode is None:
        return self / other
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                           f"'{rounding_mode}'")
    from ..tensor import _checked  # noqa: PLC0415 - tensor.py imports this module

    return E.DivRounding.apply(*_checked(self, other, "div"), mode=rounding_mode)


def div_(self, other, rounding_mode=None):
    if rounding_mode is None:
        return self._inplace(Tensor.__truediv__, other, "div_")
    return self._inplace(lambda a, o: div(a, o, rounding_mode), other, f"div_(rounding_mode='{rounding_mode}')")


def round(self, decimals=0):
    """Matches torch.round: half to even, at `decimals` decimal places (negative: tens, hundreds, ...); integers
    are returned as they are (decimals=0 only, as torch). The gradient is zero."""
    if self.dtype.kind != "f":
        if decimals:
            raise NotImplementedError(f"round: decimals={decimals} is not implemented for {self.dtype} tensors")
        return self
    return E.Round.apply(self) if not decimals else E.RoundDecimals.apply(self, decimals=builtins.int(decimals))


# ----------------------------------------------------------------------------------- shape
def reshape(self, *shape):
    shape = _shape_arg(shape)
    try:
        target = _host.empty(self.shape, dtype=_host.bool_).reshape(shape).shape
    except ValueError:
        raise RuntimeError(f"reshape: shape {tuple(shape)} is invalid for input of size {self.numel()} "
                           f"(shape {tuple(self.shape)})") from None
    return self if target == self.shape else M.Reshape.apply(self, shape=target)


def t(self):
    """The transpose of a matrix; a 0-d or 1-d tensor as it is. Matches torch.Tensor.t."""
    if self.ndim > 2:
        raise RuntimeError(f"t: t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D (shape "
                           f"{tuple(self.shape)})")
    return self.transpose(0, 1) if self.ndim == 2 else self


def permute(self, *dims):
    dims = _shape_arg(dims)
    if sorted(d % builtins.max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
        raise RuntimeError(f"permute: dims {tuple(dims)} are not a permutation of the {self.ndim} dimensions "
                           f"of a tensor of shape {tuple(self.shape)}")
    return M.Permute.apply(self, axes=tuple(d % self.ndim for d in dims))


def transpose(self, dim0, dim1):
    if self.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return self
    a, b = _dims(dim0, self.ndim, "transpose")[0], _dims(dim1, self.ndim, "transpose")[0]
    axes = list(range(self.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return M.Permute.apply(self, axes=tuple(axes))


def expand(self, *shape):
    shape = _shape_arg(shape)
    lead = len(shape) - self.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({self.ndim})")
    if -1 in shape[:lead]:
        raise RuntimeError(f"expand: the expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                           f"dimension {shape.index(-1)} (shape {tuple(self.shape)} to {tuple(shape)})")
    target = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return self.broadcast_to(target)


def broadcast_to(self, *shape):
    shape = _shape_arg(shape)
    try:
        _host.broadcast_shapes(self.shape, shape)
        if _host.broadcast_shapes(self.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"broadcast_to: the shape {tuple(self.shape)} cannot be broadcast to "
                           f"{tuple(shape)}") from None
    return self if shape == self.shape else M.Expand.apply(self, shape=shape)


def squeeze(self, dim=None):
    axes = _dims(dim, self.ndim, "squeeze")
    shape = tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1))
    return self if shape == self.shape else M.Reshape.apply(self, shape=shape)


def unsqueeze(self, dim):
    axis = _dims(dim, self.ndim + 1, "unsqueeze")[0]
    return M.Reshape.apply(self, shape=self.shape[:axis] + (1,) + self.shape[axis:])


def flatten(self, start_dim=0, end_dim=-1):
    if self.ndim == 0:
        return self.reshape(1)
    s, e = _dims(start_dim, self.ndim, "flatten")[0], _dims(end_dim, self.ndim, "flatten")[0]
    if s > e:
        raise RuntimeError(f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} "
                           f"(shape {tuple(self.shape)})")
    return self.reshape(self.shape[:s] + (-1,) + self.shape[e + 1:]) if self.numel() else self.reshape(
        self.shape[:s] + (math.prod(self.shape[s:e + 1]),) + self.shape[e + 1:])


def unflatten(self, dim, sizes):
    axis = _dims(dim, self.ndim, "unflatten")[0]
    return self.reshape(self.shape[:axis] + tuple(sizes) + self.shape[axis + 1:])


def movedim(self, source, destination):
    """Matches torch.movedim: ints or sequences of dims; the other dims keep their order."""
    src, dst = (list(d) if isinstance(d, (list, tuple)) else [d] for d in (source, destination))
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    src, dst = ([_dims(d, self.ndim, "movedim")[0] for d in ds] for ds in (src, dst))
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {source} or destination {destination}")
    order = [None] * self.ndim
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(self.ndim) if d not in src)
    return self.permute([next(rest) if o is None else o for o in order])


def repeat(self, *sizes):
    """Matches torch.Tensor.repeat (NumPy's tile): built from reshape and expand, no new op."""
    sizes = _shape_arg(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller than number of "
                           f"dimensions of tensor ({self.ndim})")
    shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
    x = self.reshape(tuple(v for n in shape for v in (1, n)))
    x = x.expand(tuple(v for r, n in zip(sizes, shape) for v in (r, n)))
    return x.reshape(tuple(r * n for r, n in zip(sizes, shape)))


def flip(self, *dims):
    dims = _shape_arg(dims)
    return M.Flip.apply(self, axis=_dims(dims, self.ndim, "flip")) if dims else self


def split(self, split_size_or_sections, dim=0):
    """Matches torch.split: an int gives pieces of that size (the last may be smaller), a list gives sizes."""
    axis = _dims(dim, self.ndim, "split")[0]
    n = self.shape[axis]
    if isinstance(split_size_or_sections, _INTEGER):
        step = builtins.int(split_size_or_sections)
        if step <= 0 and n:
            raise RuntimeError(f"split: split_size must be positive, got {step}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] if n else [0]
    else:
        sizes = [builtins.int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise RuntimeError(f"split: split_sizes {sizes} must sum to the size of dim {dim}, {n} "
                               f"(shape {tuple(self.shape)})")
    lead, out, start = (slice(None),) * axis, [], 0
    for s in sizes:
        out.append(self[lead + (slice(start, start + s),)])
        start += s
    return tuple(out)


def chunk(self, chunks, dim=0):
    axis = _dims(dim, self.ndim, "chunk")[0]
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be greater than 0, got {chunks}")
    n = self.shape[axis]
    if n == 0:  # as torch: `chunks` empty pieces
        return tuple(self[(slice(None),) * axis + (slice(0, 0),)] for _ in range(chunks))
    return self.split(-(-n // chunks), axis)


def unbind(self, dim=0):
    axis = _dims(dim, self.ndim, "unbind")[0]
    return tuple(self[(slice(None),) * axis + (i,)] for i in range(self.shape[axis]))


def narrow(self, dim, start, length):
    """Matches torch.narrow: `length` elements from `start` (negative counts from the end) along `dim`."""
    axis = _dims(dim, self.ndim, "narrow")[0]
    size = self.shape[axis]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start ({start}) out of range for dimension {dim} of size {size}")
    start = start % size if start < 0 else start
    if length < 0 or start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size})")
    return self[(slice(None),) * axis + (slice(start, start + length),)]


def unfold(self, dimension, size, step):
    """Matches torch.Tensor.unfold: windows of `size` along `dimension`, `step` apart, as a new last axis."""
    axis = _dims(dimension, self.ndim, "unfold")[0] if self.ndim else 0
    n = self.shape[axis] if self.ndim else 1
    if size > n or size < 0:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {dimension} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    x = self if self.ndim else self.reshape(1)
    return M.Unfold.apply(x, axis=axis, size=size, step=step)


def as_strided(self, size, stride, storage_offset=0):
    """Matches torch.as_strided on a contiguous tensor (strides count elements of the row-major layout)."""
    xp = self._device.xp
    size, stride = _shape_arg((size,)), _shape_arg((stride,))
    if len(size) != len(stride):
        raise RuntimeError(f"as_strided: mismatch in length of strides and shape ({len(stride)} != {len(size)})")
    flat = xp.full(size, storage_offset, dtype=dtypes.int64)
    for k, (n, s) in enumerate(zip(size, stride)):
        flat = flat + xp.reshape(xp.arange(n) * s, [-1 if j == k else 1 for j in range(len(size))])
    if flat.size and (flat.max() >= self.numel() or flat.min() < 0):
        raise RuntimeError(f"as_strided: setStorage: sizes {list(size)}, strides {list(stride)} and storage "
                           f"offset {storage_offset} reach element {int(flat.max())} of a tensor of "
                           f"{self.numel()} elements (shape {tuple(self.shape)})")
    return M.GetItem.apply(self.reshape(-1), index=flat)


# ----------------------------------------------------------------------------------- indexing
def gather(self, dim, index):
    """Matches torch.gather: out[i][j] = x[index[i][j]][j] (dim 0). A fancy index with a scatter-add grad."""
    axis = _dims(dim, self.ndim, "gather")[0]
    idx = index.data if isinstance(index, Tensor) else self._device.xp.asarray(index)
    if idx.ndim != self.ndim:
        raise RuntimeError(f"gather: index tensor must have the same number of dimensions as input tensor, "
                           f"got {idx.ndim} and {self.ndim} (shapes {tuple(idx.shape)} and {tuple(self.shape)})")
    _check_index(idx, self.shape[axis], axis, "gather")
    return M.GetItem.apply(self, index=along(self._device.xp, idx, axis))


def along(xp, idx, axis):
    """The NumPy index that picks element idx[i][j] along `axis` and the same position [.][j] in the others: torch's
    gather (and scatter's write)."""
    return tuple(idx if k == axis else xp.reshape(xp.arange(idx.shape[k]), [-1 if j == k else 1
                                                                            for j in range(idx.ndim)])
                 for k in range(idx.ndim))


def index_select(self, dim, index):
    axis = _dims(dim, self.ndim, "index_select")[0]
    idx = index.data if isinstance(index, Tensor) else self._device.xp.asarray(index)
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be 0-d or 1-d, got shape {tuple(idx.shape)}")
    _check_index(idx, self.shape[axis], axis, "index_select")
    return M.GetItem.apply(self, index=(slice(None),) * axis + (self._device.xp.reshape(idx, (-1,)),))


def masked_fill(self, mask, value):
    m = mask.data if isinstance(mask, Tensor) else mask
    if m.dtype != dtypes.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got dtype {m.dtype}")
    try:  # checked, not applied: Where broadcasts it, and a copy would hide a lazy mask's source (functions.where)
        if self._device.xp.broadcast_shapes(m.shape, self.shape) != tuple(self.shape):
            raise ValueError
    except ValueError:
        raise RuntimeError(f"masked_fill: the mask of shape {tuple(m.shape)} cannot be broadcast to the tensor's "
                           f"shape {tuple(self.shape)}") from None
    v = value.to(self.dtype) if isinstance(value, Tensor) else tensor(value, dtype=self.dtype, device=self._device)
    return E.Where.apply(v, self, cond=m)


def where(self, condition, other):
    """x.where(condition, y) = where(condition, x, y), as torch."""
    from ..functions import where  # noqa: PLC0415

    return where(condition, self, other)


def setitem(self, index, value):
    """x[index] = value. Off the graph (a leaf, or no grad mode) it writes into the array and bumps the version,
    like the in-place operators; inside a graph the tensor is rebased onto a SetItem node."""
    index = _index_arg(index, self)
    other_rg = isinstance(value, Tensor) and value.requires_grad
    if not GradMode.enabled or (self._ctx is None and (self.requires_grad or not other_rg)):
        _refuse_lazy(self, "setitem")
        if not isinstance(self.data, self._device.xp.ndarray):  # a NumPy 0-d scalar is immutable
            self.data = self._device.xp.array(self.data)
        self.data[index] = value.data if isinstance(value, Tensor) else value
        bump_version(self)
        return
    if not isinstance(value, Tensor):
        value = tensor(value, dtype=self.dtype, device=self._device)
    self._inplace(lambda a, v: M.SetItem.apply(a, v.to(a.dtype), index=index), value, "setitem")


# ----------------------------------------------------------------------------------- products
def einsum(self, equation, *others):
    """Seed 003's method form: x.einsum(eq, y) = einsum(eq, x, y)."""
    from ..functions import einsum  # noqa: PLC0415

    return einsum(equation, self, *others)


def dot(self, other):
    from ..functions import dot  # noqa: PLC0415

    return dot(self, other)


def outer(self, other):
    from ..functions import outer  # noqa: PLC0415

    return outer(self, other)


def tensordot(self, other, dims=2):
    from ..functions import tensordot  # noqa: PLC0415

    return tensordot(self, other, dims)
