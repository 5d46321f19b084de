"""Top-level torch-style functions (minigrad.cat, minigrad.where, minigrad.exp, ...). Each is a binding to an op in
ops/ or to the Tensor method of the same name; no array math lives here."""
import builtins

from . import dtypes
from .autograd.grad_mode import GradMode
from .backend import check_same_device
from .ops import elementwise as E
from .ops import linalg as L
from .ops import movement as M
from .tensor import Tensor, _binary_operands, _dims, matmul, tensor

__all__ = ["abs", "add", "all", "amax", "amin", "any", "arcsin", "arcsinh", "arctanh", "argmax", "argmin", "argsort",
           "as_strided", "asin", "asinh", "atanh", "bitwise_and", "bitwise_or", "bitwise_xor", "broadcast_to", "cat",
           "ceil", "chunk", "clamp", "clamp_max", "clamp_min", "clip", "clone", "concat", "concatenate", "cos",
           "cumprod", "cumsum", "detach", "div", "divide", "dot", "einsum", "elu", "eq", "erf", "exp", "expand",
           "expm1", "flatten", "flip", "floor", "floor_divide", "gather", "ge", "gelu", "gt", "hstack", "index_select",
           "inner", "is_floating_point", "is_tensor", "isfinite", "isinf", "isnan", "le", "leaky_relu", "log", "log1p",
           "log_softmax", "logical_and", "logical_not", "logical_or", "logical_xor", "logsumexp", "lt", "masked_fill",
           "matmul", "max", "maximum", "mean", "min", "minimum", "movedim", "mul", "multiply", "narrow", "ne", "neg",
           "negative", "norm", "numel", "outer", "pad", "permute", "pow", "prod", "promote_types", "reciprocal", "relu",
           "remainder", "reshape", "result_type", "round", "rsqrt", "scatter", "scatter_add", "sigmoid", "sign", "silu",
           "sin", "softmax", "softplus", "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "sub",
           "subtract", "sum", "swapaxes", "swapdims", "tan", "tanh", "tensordot", "topk", "transpose", "trunc",
           "unbind", "unflatten", "unfold", "unsqueeze", "var", "vstack", "where"]


def _as_tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    return tensor(x, device=None if like is None else like._device)


def _promoted(tensors, op):
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of Tensors")
    tensors = [_as_tensor(t) for t in tensors]
    check_same_device(tensors, op)
    rt = dtypes.result_type(*tensors) if len(tensors) > 1 else tensors[0].dtype
    return [t if t.dtype == rt else t.to(rt) for t in tensors]


def cat(tensors, dim=0):
    """Concatenate along an existing dim. Matches torch.cat (mixed dtypes promote as torch.result_type)."""
    tensors = _promoted(list(tensors), "cat")
    first = tensors[0]
    if first.ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = _dims(dim, first.ndim, "cat")[0]
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != first.ndim or builtins.any(a != b for k, (a, b) in enumerate(zip(t.shape, first.shape)) if k != axis):
            raise RuntimeError(f"cat: expected all tensors to have the same shape except in dimension {axis}, got "
                               f"{tuple(first.shape)} at position 0 and {tuple(t.shape)} at position {i}")
    return M.Cat.apply(*tensors, axis=axis)  # also for one tensor: torch returns a new tensor, never the input


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join along a new dim. Matches torch.stack."""
    tensors = _promoted(list(tensors), "stack")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack: expects each tensor to be equal size, but got {tuple(tensors[0].shape)} at "
                               f"entry 0 and {tuple(t.shape)} at entry {i}")
    axis = _dims(dim, tensors[0].ndim + 1, "stack")[0]
    return cat([t.unsqueeze(axis) for t in tensors], axis)


def hstack(tensors):
    tensors = [_as_tensor(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t if t.ndim > 1 else t.reshape(1, -1) for t in map(_as_tensor, tensors)], 0)


def where(condition, input=None, other=None):
    """where(cond, x, y): x where cond is True, else y (numbers or tensors, broadcast). Matches torch.where;
    the one-argument form returns the indices of the True elements."""
    cond = condition.data if isinstance(condition, Tensor) else condition
    if input is None and other is None:
        return tuple(Tensor._wrap(i, condition._device) for i in condition.data.nonzero())
    if getattr(cond, "dtype", None) != dtypes.bool_:
        raise RuntimeError(f"where: expected condition to be a boolean tensor, got dtype "
                           f"{getattr(cond, 'dtype', type(cond).__name__)}")
    if isinstance(input, Tensor):
        a, b = _binary_operands(input, other)
    elif isinstance(other, Tensor):
        b, a = _binary_operands(other, input)
    else:
        a, b = _binary_operands(tensor(input), other)
    xp = a._device.xp
    try:
        xp.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError:
        raise RuntimeError(f"where: condition {tuple(cond.shape)}, input {tuple(a.shape)} and other "
                           f"{tuple(b.shape)} cannot be broadcast together") from None
    # the condition goes in unbroadcast (Where's forward broadcasts it): a copy would hide from a lazy graph that it
    # was computed from a placeholder, and the replay would keep the build-time mask
    return E.Where.apply(a, b, cond=cond)


def einsum(equation, *operands):
    """Einstein summation over any number of operands, e.g. einsum("ij,jk->ik", a, b). Matches torch.einsum
    (string form); mixed dtypes promote as torch.result_type instead of raising."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ops = _promoted(list(operands), "einsum")
    try:
        ins, _ = L.parse_einsum(equation, [o.ndim for o in ops])
        sizes = {}
        for sub, o in zip(ins, ops):
            for c, n in zip(sub, o.shape):
                seen = sizes.setdefault(c, n)
                if seen != n and 1 not in (seen, n):  # size 1 broadcasts, as in torch
                    raise ValueError(f"einsum(): subscript {c} has size {n} for an operand of shape {tuple(o.shape)}"
                                     f" which does not match the previously seen size {sizes[c]}")
                sizes[c] = builtins.max(seen, n)
    except ValueError as e:
        raise RuntimeError(f"{e} (equation '{equation}', shapes {[tuple(o.shape) for o in ops]})") from None
    return L.Einsum.apply(*ops, equation=equation)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def tensordot(a, b, dims=2):
    """Contract dims of a with dims of b: an int n pairs a's last n with b's first n; or two lists. Matches
    torch.tensordot (note: seed 002's tensordot reverses the pairing; this one is torch's)."""
    a, b = _promoted([a, b], "tensordot")
    if isinstance(dims, int):
        if dims < 0 or dims > builtins.min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot: dims {dims} is invalid for tensors of shapes {tuple(a.shape)} and "
                               f"{tuple(b.shape)}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = [list(d) if isinstance(d, (list, tuple)) else [d] for d in dims]
        da, db = [d % a.ndim for d in da], [d % b.ndim for d in db]
    if len(da) != len(db):
        raise RuntimeError(f"tensordot: both dimension lists should have the same length, got {da} and {db}")
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"tensordot: contracted dimensions need to match, but first has size {a.shape[i]} in "
                               f"dim {i} and second has size {b.shape[j]} in dim {j} (shapes {tuple(a.shape)} and "
                               f"{tuple(b.shape)})")
    sa = _LETTERS[:a.ndim]
    sb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    sb = "".join(sb)
    out = "".join(c for i, c in enumerate(sa) if i not in da) + "".join(c for j, c in enumerate(sb) if j not in db)
    return L.Einsum.apply(a, b, equation=f"{sa},{sb}->{out}")


def dot(input, other):
    """Inner product of two 1-D tensors. Matches torch.dot."""
    a, b = _as_tensor(input), _as_tensor(other)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors (shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)})")
    if a.shape != b.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
                           "to have the same number of elements")
    a, b = _promoted([a, b], "dot")
    return L.Einsum.apply(a, b, equation="i,i->")


def inner(input, other):
    """Sum over the last dim of both: shape input.shape[:-1] + other.shape[:-1]. Matches torch.inner."""
    a, b = _promoted([_as_tensor(input), _as_tensor(other)], "inner")
    if not a.ndim or not b.ndim:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner: last dimensions of the inputs must match, got shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}")
    return tensordot(a, b, dims=([-1], [-1]))


def outer(input, vec2):
    """Outer product of two 1-D tensors. Matches torch.outer."""
    a, b = _as_tensor(input), _as_tensor(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    a, b = _promoted([a, b], "outer")
    return L.Einsum.apply(a, b, equation="i,j->ij")


def pad(input, pad, mode="constant", value=0.0):
    """Pad the last len(pad) // 2 dims; `pad` lists (left, right) for the last dim first. Matches
    torch.nn.functional.pad for modes constant (negative pads crop), reflect, replicate and circular."""
    x = _as_tensor(input)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad: padding length {len(pad)} must be divisible by 2 and at most twice the number of "
                           f"dimensions of the input (shape {tuple(x.shape)})")
    k = len(pad) // 2
    widths = [(0, 0)] * (x.ndim - k) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]
    if mode == "constant":
        crop = tuple(slice(-lo if lo < 0 else 0, n + hi if hi < 0 else n) for (lo, hi), n in zip(widths, x.shape))
        if builtins.any(lo < 0 or hi < 0 for lo, hi in widths):
            x = x[crop]
        widths = tuple((builtins.max(lo, 0), builtins.max(hi, 0)) for lo, hi in widths)
        return x if not builtins.any(lo or hi for lo, hi in widths) else M.Pad.apply(x, pad_width=widths, value=value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode '{mode}' is not supported (constant, reflect, replicate, circular)")
    xp = x._device.xp
    index = [slice(None)] * (x.ndim - k)
    for axis in range(x.ndim - k, x.ndim):
        (lo, hi), n = widths[axis], x.shape[axis]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(f"pad: padding size should be less than the corresponding input dimension, but got "
                               f"padding ({lo}, {hi}) at dimension {axis} of input {tuple(x.shape)}")
        i = xp.arange(-lo, n + hi)
        if mode == "reflect":
            i = (n - 1) - xp.abs((n - 1) - xp.abs(i))
        elif mode == "replicate":
            i = xp.clip(i, 0, n - 1)
        else:
            i = i % n
        shape = [1] * k
        shape[axis - (x.ndim - k)] = -1
        index.append(xp.reshape(i, shape))
    return M.GetItem.apply(x, index=tuple(index))


def _method(name):
    def fn(input, *args, **kwargs):
        return getattr(_as_tensor(input), name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Function form of Tensor.{name}; matches torch.{name}."
    return fn


# function forms of Tensor methods (torch.exp(x) is x.exp())
exp = _method("exp")
log = _method("log")
log1p = _method("log1p")
expm1 = _method("expm1")
sqrt = _method("sqrt")
rsqrt = _method("rsqrt")
reciprocal = _method("reciprocal")
square = _method("square")
abs = _method("abs")
sign = _method("sign")
sin = _method("sin")
cos = _method("cos")
tan = _method("tan")
tanh = _method("tanh")
sigmoid = _method("sigmoid")
arctanh = _method("arctanh")
atanh = _method("atanh")
arcsin = _method("arcsin")
asin = _method("asin")
arcsinh = _method("arcsinh")
asinh = _method("asinh")
erf = _method("erf")
floor = _method("floor")
ceil = _method("ceil")
round = _method("round")
trunc = _method("trunc")
relu = _method("relu")
leaky_relu = _method("leaky_relu")
elu = _method("elu")
gelu = _method("gelu")
silu = _method("silu")
softplus = _method("softplus")
clamp = _method("clamp")
clip = _method("clip")
clamp_min = _method("clamp_min")
clamp_max = _method("clamp_max")
maximum = _method("maximum")
minimum = _method("minimum")
remainder = _method("remainder")
floor_divide = _method("floor_divide")
add = _method("add")
sub = _method("sub")
mul = _method("mul")
div = _method("div")
pow = _method("pow")
neg = _method("neg")
eq = _method("eq")
ne = _method("ne")
lt = _method("lt")
le = _method("le")
gt = _method("gt")
ge = _method("ge")
logical_and = _method("logical_and")
bitwise_and = _method("bitwise_and")
bitwise_or = _method("bitwise_or")
bitwise_xor = _method("bitwise_xor")
logical_or = _method("logical_or")
logical_xor = _method("logical_xor")
logical_not = _method("logical_not")
isnan = _method("isnan")
isinf = _method("isinf")
isfinite = _method("isfinite")
sum = _method("sum")
mean = _method("mean")
var = _method("var")
std = _method("std")
prod = _method("prod")
amax = _method("amax")
amin = _method("amin")
max = _method("max")
min = _method("min")
argmax = _method("argmax")
argmin = _method("argmin")
all = _method("all")
any = _method("any")
logsumexp = _method("logsumexp")
softmax = _method("softmax")
log_softmax = _method("log_softmax")
cumsum = _method("cumsum")
cumprod = _method("cumprod")
norm = _method("norm")
sort = _method("sort")
argsort = _method("argsort")
topk = _method("topk")
reshape = _method("reshape")
transpose = _method("transpose")
permute = _method("permute")
squeeze = _method("squeeze")
unsqueeze = _method("unsqueeze")
flatten = _method("flatten")
unflatten = _method("unflatten")
movedim = _method("movedim")
swapaxes = _method("swapaxes")
swapdims = _method("swapdims")
flip = _method("flip")
split = _method("split")
chunk = _method("chunk")
unbind = _method("unbind")
narrow = _method("narrow")
gather = _method("gather")
scatter = _method("scatter")
scatter_add = _method("scatter_add")
index_select = _method("index_select")
masked_fill = _method("masked_fill")
unfold = _method("unfold")
as_strided = _method("as_strided")
broadcast_to = _method("broadcast_to")
expand = _method("expand")
clone = _method("clone")
detach = _method("detach")
subtract, multiply, divide, negative = sub, mul, div, neg


def numel(input):
    return input.numel()


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def result_type(tensor1, tensor2):
    """torch.result_type of two tensors or numbers (dtypes.result_type: categories first, 0-d and numbers weaker)."""
    return dtypes.result_type(tensor1, tensor2)


def promote_types(type1, type2):
    return dtypes.promote(dtypes.as_dtype(type1), dtypes.as_dtype(type2))


# ---------------------------------------------------------------------------------------------- NumPy protocols
def _to_arrays(x):
    if isinstance(x, Tensor):
        return x.numpy()
    if isinstance(x, (list, tuple)):
        return type(x)(_to_arrays(v) for v in x)
    return x


def _needs_graph(args):
    if not GradMode.enabled:
        return False
    stack = list(args)
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor) and x.requires_grad:
            return True
        if isinstance(x, (list, tuple)):
            stack.extend(x)
    return False


def _t(x):
    return x if isinstance(x, Tensor) else tensor(x)


def _b(fn):
    def call(a, b):
        if isinstance(a, Tensor):
            return fn(a, b)
        b2, a2 = _binary_operands(b, a)
        return fn(a2, b2)

    return call


_UFUNCS = {
    "add": _b(Tensor.__add__), "subtract": _b(Tensor.__sub__), "multiply": _b(Tensor.__mul__),
    "true_divide": _b(Tensor.__truediv__), "divide": _b(Tensor.__truediv__), "power": _b(Tensor.__pow__),
    "floor_divide": _b(Tensor.__floordiv__), "remainder": _b(Tensor.__mod__), "mod": _b(Tensor.__mod__),
    "maximum": _b(Tensor.maximum), "minimum": _b(Tensor.minimum), "matmul": lambda a, b: matmul(_t(a), b),
    "equal": _b(Tensor.__eq__), "not_equal": _b(Tensor.__ne__), "less": _b(Tensor.__lt__),
    "less_equal": _b(Tensor.__le__), "greater": _b(Tensor.__gt__), "greater_equal": _b(Tensor.__ge__),
    "logical_and": _b(Tensor.logical_and), "logical_or": _b(Tensor.logical_or),
    "logical_xor": _b(Tensor.logical_xor), "bitwise_and": _b(Tensor.__and__), "bitwise_or": _b(Tensor.__or__),
    "bitwise_xor": _b(Tensor.__xor__), "invert": Tensor.__invert__,
    "negative": Tensor.__neg__, "positive": Tensor.__pos__, "absolute": Tensor.abs, "fabs": Tensor.abs,
    "logical_not": Tensor.logical_not, "reciprocal": Tensor.reciprocal, "square": Tensor.square,
}
for _name in ["exp", "log", "log1p", "expm1", "sqrt", "sign", "sin", "cos", "tan", "tanh", "arctanh", "arcsin", "arcsinh", "floor", "ceil", "trunc", "isnan", "isinf", "isfinite"]:
    _UFUNCS[_name] = getattr(Tensor, _name)
_UFUNCS["rint"] = Tensor.round


def numpy_ufunc(ufunc, method, inputs, kwargs):
    """Tensor.__array_ufunc__: np.exp(t), arr + t, ... run the matching minigrad op so the graph is kept. A ufunc
    minigrad lacks raises TypeError when a tensor needs grad (it would silently leave the graph); otherwise it runs
    on the arrays and returns an ndarray."""
    fn = _UFUNCS.get(ufunc.__name__) if method == "__call__" and not kwargs else None
    if fn is not None:
        return fn(*[_t(x) if i == 0 and not isinstance(x, Tensor) and len(inputs) == 1 else x
                    for i, x in enumerate(inputs)])
    if _needs_graph(inputs):
        raise TypeError(f"numpy.{ufunc.__name__} (ufunc method '{method}') is not supported on minigrad Tensors that "
                        "require grad: it would drop out of the autograd graph. Use the Tensor method or call "
                        ".detach().numpy() first")
    return getattr(ufunc, method)(*_to_arrays(inputs), **kwargs)


def _np_sum(a, axis=None, dtype=None, keepdims=False):
    return _t(a).sum(axis, keepdim=keepdims, dtype=dtype)


def _np_mean(a, axis=None, dtype=None, keepdims=False):
    return _t(a).mean(axis, keepdim=keepdims, dtype=dtype)


def _np_var(a, axis=None, dtype=None, ddof=0, keepdims=False):
    return _t(a).var(axis, keepdim=keepdims, correction=ddof)


def _np_std(a, axis=None, dtype=None, ddof=0, keepdims=False):
    return _t(a).std(axis, keepdim=keepdims, correction=ddof)


def _np_reduce(name):
    def call(a, axis=None, keepdims=False):
        return getattr(_t(a), name)(axis, keepdim=keepdims)

    return call


def _np_cumsum(a, axis=None):
    a = _t(a)
    return a.reshape(-1).cumsum(0) if axis is None else a.cumsum(axis)


def _np_transpose(a, axes=None):
    a = _t(a)
    return a.permute(tuple(reversed(range(a.ndim))) if axes is None else axes)


def _np_where(condition, x=None, y=None):
    if x is None and y is None:
        raise TypeError("numpy.where with one argument is not supported on minigrad Tensors; use t.nonzero()")
    return where(_t(condition), x, y)


def _np_clip(a, a_min=None, a_max=None):
    return _t(a).clamp(a_min, a_max)


_FUNCTIONS = {
    "sum": _np_sum, "mean": _np_mean, "var": _np_var, "std": _np_std, "prod": _np_reduce("prod"),
    "max": _np_reduce("amax"), "amax": _np_reduce("amax"), "min": _np_reduce("amin"), "amin": _np_reduce("amin"),
    "cumsum": _np_cumsum, "transpose": _np_transpose, "where": _np_where, "clip": _np_clip,
    "concatenate": lambda arrays, axis=0: cat(arrays, axis), "stack": lambda arrays, axis=0: stack(arrays, axis),
    "reshape": lambda a, shape=None, newshape=None: _t(a).reshape(shape if shape is not None else newshape),
    "squeeze": lambda a, axis=None: _t(a).squeeze(axis), "expand_dims": lambda a, axis: _t(a).unsqueeze(axis),
    "swapaxes": lambda a, axis1, axis2: _t(a).transpose(axis1, axis2), "flip": lambda a, axis=None: _t(a).flip(
        tuple(range(_t(a).ndim)) if axis is None else axis), "broadcast_to": lambda a, shape: _t(a).broadcast_to(shape),
    "einsum": lambda eq, *ops: einsum(eq, *ops), "tensordot": lambda a, b, axes=2: tensordot(a, b, axes),
    "outer": lambda a, b: outer(_t(a).reshape(-1), _t(b).reshape(-1)), "matmul": lambda a, b: matmul(_t(a), b),
}
# functions whose result carries no gradient: computing them on the arrays loses nothing
_NO_GRAD = {"argmax", "argmin", "argsort", "allclose", "isclose", "array_equal", "array_equiv", "shape", "ndim", "size",
            "count_nonzero", "nonzero", "flatnonzero", "any", "all", "sort", "unique", "result_type", "can_cast",
            "array_repr", "array_str", "array2string", "isfinite", "isnan", "isinf", "searchsorted", "histogram"}


def numpy_function(func, args, kwargs):
    """Tensor.__array_function__: np.sum(t), np.concatenate([t, u]), ... map to minigrad ops (NumPy's argument
    names and defaults, e.g. np.std's ddof=0). Other functions raise TypeError when a tensor needs grad, and run
    on the arrays otherwise."""
    name = func.__name__
    fn = _FUNCTIONS.get(name)
    if fn is not None and not (set(kwargs) - {"axis", "keepdims", "ddof", "dtype", "axes", "shape", "newshape",
                                              "a_min", "a_max", "axis1", "axis2"}):
        return fn(*args, **kwargs)
    if name not in _NO_GRAD and _needs_graph(args) or _needs_graph(list(kwargs.values())) and name not in _NO_GRAD:
        raise TypeError(f"numpy.{name} is not supported on minigrad Tensors that require grad: it would drop out of "
                        "the autograd graph. Use the minigrad function or Tensor method of that name, or call "
                        ".detach().numpy() first")
    return func(*_to_arrays(args), **{k: _to_arrays(v) for k, v in kwargs.items()})
