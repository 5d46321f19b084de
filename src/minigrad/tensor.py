"""Tensor: an array, its gradient and the node that made it. Each op method is a short binding to an op in ops/;
no array math lives here. Methods composed from other ops (argument checks, reshape/split/max(dim)/var, in-place
rebasing) live in ops/composite.py and are bound here as `name = C.name`."""
import builtins

import numpy as np

from . import dtypes
from . import lazy as _lazy
from . import numpy_protocol as _numpy_protocol
from . import pickling as _pickling
from .autograd import function as _function
from .autograd.engine import backward_plain, run_backward
from .autograd.grad_mode import GradMode
from .backend import check_same_device, get_device
from .numpy_protocol import to_array as _to_array
from .ops import composite as C
from .ops import elementwise as E
from .ops import indexed as I
from .ops import inplace as IP
from .ops import linalg as L
from .ops import movement as M
from .ops.composite import _dims, _floating, _index_arg

_new = object.__new__


def _check_requires_grad(requires_grad, dtype, where):
    if requires_grad and dtype.kind != "f":
        raise RuntimeError(f"{where}: only tensors of floating point dtype can require gradients, got dtype {dtype}")


def _plain_scalar(t, other):
    """Whether `t op other` is a floating tensor with a Python int or float, which cannot change its dtype (a
    number never upcasts a tensor of its category or above, as in torch): ScalarArith takes it as it is."""
    tb = type(other)
    return (tb is builtins.float or tb is builtins.int) and t.data.dtype.kind == "f"


def _scalar_op(t, s, op):
    """t + s, t - s, t * s or t / s for a number s that passes _plain_scalar. Off the graph (grad mode off, or t
    needs no grad) with no lazy graph or profiler listening, the node is skipped: measured, apply() costs ~1.7 us
    over the array op, six times per optimizer step of a raw-tensor `p -= lr * p.grad` loop."""
    hooks = _function._hooks
    if (t.requires_grad and GradMode.enabled) or hooks.on_apply is not None or hooks.on_backward is not None:
        return E.ScalarArith.apply(t, s=s, op=op)
    dev = t._device
    out = E._scalar_arith(dev.xp, t.data, s, op)
    return Tensor._wrap(out if out.shape or type(out) is dev.xp.ndarray else dev.xp.asarray(out), dev)


def _binary_operands(a, b):
    """Promote a Tensor and a Tensor, array or Python number to one dtype and device, as torch does."""
    if isinstance(b, Tensor):
        if a._device is not b._device and a._device != b._device:
            check_same_device((a, b))
        if a.data.dtype is b.data.dtype:
            return a, b
        rt = dtypes.result_type(a, b)
        return (a if a.dtype == rt else E.Cast.apply(a, dtype=rt)), (b if b.dtype == rt else E.Cast.apply(b, dtype=rt))
    tb = type(b)
    if tb is builtins.float or tb is builtins.int:
        # fast path for the common `x * 0.5`: a Python number never upcasts a tensor of its category or above
        dt = a.data.dtype
        if dt.kind == "f" or (tb is builtins.int and dt.kind in "iu"):
            return a, Tensor._wrap(a._device.xp.asarray(b, dtype=dt), a._device)
    if isinstance(b, (builtins.int, builtins.float, builtins.bool)):
        rt = dtypes.result_type(a, b)
        if a.data.dtype != rt:
            a = E.Cast.apply(a, dtype=rt)
        return a, Tensor._wrap(a._device.xp.asarray(b, dtype=rt), a._device)
    if isinstance(b, np.generic):
        return _binary_operands(a, Tensor._wrap(a._device.xp.asarray(b), a._device))
    return _binary_operands(a, tensor(b, device=a._device))


class Tensor:
    """An n-dimensional array that records the ops applied to it, for reverse-mode differentiation.

    `Tensor(data)` makes Python numbers and lists the default float dtype (float32), as torch.Tensor does, and
    keeps an ndarray's dtype. NOTE: unlike torch, it defaults to requires_grad=True for floating data, because
    seeds 000 and 003 rely on it; `minigrad.tensor(data)` and the factories default to requires_grad=False.

    >>> x = Tensor([2.0, 3.0])
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([4., 6.])
    """

    # set only off the hot path: _past by an in-place op on the graph (autograd.function.recorded_input), _source by
    # detach() (ops/inplace.bump_version)
    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_device", "_version", "name", "_retains_grad", "_hooks",
                 "_past", "_source", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data=None, requires_grad=None, dtype=None, device=None, name=None, shape=None):
        dev = get_device(device)
        if data is None:
            if shape is None:
                raise TypeError("Tensor: give data, or shape= (and name=) for a placeholder fed at forward()")
            from .lazy import make_placeholder  # noqa: PLC0415 - lazy graphs are optional machinery

            make_placeholder(self, shape, dtype, dev, name, requires_grad)
            return
        arr = _to_array(data, None if dtype is None else dtypes.as_dtype(dtype), dev.xp, tensor_style=False)
        if requires_grad is None:
            requires_grad = arr.dtype.kind == "f"
        _check_requires_grad(requires_grad, arr.dtype, "Tensor")
        self.data, self.requires_grad, self._device, self.name = arr, bool(requires_grad), dev, name
        self.grad = self._ctx = self._hooks = None
        self._version = 0
        self._retains_grad = False

    @classmethod
    def _wrap(cls, array, device, requires_grad=False):
        """A Tensor around an existing array, no copy, no checks: for internal use."""
        t = _new(cls)
        t.data, t.requires_grad, t._device = array, requires_grad, device
        t.grad = t._ctx = t.name = t._hooks = None
        t._version = 0
        t._retains_grad = False
        return t

    # ----------------------------------------------------------------------------------- attributes
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return self._device

    @property
    def is_leaf(self):
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    @property
    def xp(self):
        return self._device.xp

    def dim(self):
        return self.data.ndim

    def size(self, dim=None):
        if dim is None:
            return self.data.shape
        return self.data.shape[_dims(dim, self.ndim, "size")[0]]

    def numel(self):
        return int(self.data.size)

    def element_size(self):
        return self.data.itemsize

    def is_floating_point(self):
        return self.data.dtype.kind == "f"

    def is_complex(self):
        return False  # minigrad has no complex dtypes

    @property
    def nbytes(self):
        return self.data.nbytes

    nelement, ndimension, stride, itemsize = numel, dim, C.stride, property(element_size)

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(f"item: a Tensor with {self.data.size} elements (shape {self.shape}) cannot be "
                               "converted to a Python scalar")
        return self.data.item()

    def numpy(self):
        return self._device.xp.to_host(self.data) if self._device.type != "cpu" else self.data

    def tolist(self):
        return self.numpy().tolist()

    __array__ = _numpy_protocol.array

    __float__, __int__ = C.scalar_method(builtins.float), C.scalar_method(builtins.int)

    def __index__(self):
        if self.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index (dtype {self.dtype})")
        return builtins.int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self.data.size} elements (shape {self.shape}) is "
                               "ambiguous; use .any() or .all()")
        return builtins.bool(self.data)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from .printing import tensor_repr  # noqa: PLC0415 - printing is not on the hot path

        return tensor_repr(self)

    __str__ = __repr__

    # ----------------------------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Backpropagate into the leaves' `.grad`. Matches torch.Tensor.backward, except that a non-scalar tensor
        without `gradient` is seeded with ones (seed 002), as if `.sum()` had been called first."""
        if not self.requires_grad:
            raise RuntimeError(f"backward: this tensor (shape {tuple(self.shape)}) does not require grad and has no "
                               "grad_fn; did you create its inputs with requires_grad=False or under no_grad()?")
        if _lazy._nodes:  # lazy graphs exist: refuse one whose placeholders were never fed
            _lazy.check_evaluated(self, "backward")
        seed = self._seed(gradient, "backward")
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            from .autograd.functional_api import backward_into  # noqa: PLC0415

            return backward_into(self, seed, inputs, retain_graph, create_graph)
        if not create_graph:
            if GradMode.enabled:
                GradMode.enabled = False
                try:
                    backward_plain(self, seed, retain_graph)
                finally:
                    GradMode.enabled = True
            else:
                backward_plain(self, seed, retain_graph)
            return
        with_grad = GradMode.enabled
        GradMode.enabled = True
        try:
            # a gradient that is itself part of a graph keeps it, so the result is differentiable in it too
            keep = isinstance(gradient, Tensor) and gradient.dtype == self.dtype
            run_backward([self], [gradient if keep else Tensor._wrap(seed, self._device)], retain_graph, True)
        finally:
            GradMode.enabled = with_grad

    def forward(self, /, **feeds):
        """Re-evaluate this tensor's graph with new values for its placeholders (lazy graphs, seed 002): see
        minigrad.lazy.forward. Returns self."""
        from .lazy import forward  # noqa: PLC0415 - lazy graphs are optional machinery

        return forward(self, **feeds)

    def _seed(self, gradient, op):
        """The upstream gradient as an array: ones when not given (seed 002's non-scalar rule)."""
        if gradient is None:
            data = self.data
            if not data.shape:
                return self._device.xp.asarray(1, dtype=data.dtype)
            seed = self._device.xp.empty(data.shape, dtype=data.dtype)
            seed[...] = 1
            return seed
        if isinstance(gradient, Tensor) and gradient._device != self._device:
            raise RuntimeError(f"{op}: the gradient is on {gradient._device}, but the tensor is on {self._device}")
        g = gradient.data if isinstance(gradient, Tensor) else tensor(gradient, dtype=self.dtype,
                                                                       device=self._device).data
        if g.shape != self.shape:
            raise RuntimeError(f"{op}: gradient has shape {tuple(g.shape)} but the tensor has shape {tuple(self.shape)}")
        return g if g.dtype == self.dtype else self._device.xp.astype(g, self.dtype)

    def zero_grad(self):
        """Drop the accumulated gradient (sets .grad to None, as torch's zero_grad(set_to_none=True))."""
        self.grad = None

    detach = IP.detach

    def __deepcopy__(self, memo):
        """copy.deepcopy (optimizer and model state dicts): a leaf's array and grad are copied, as torch does."""
        if self._ctx is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               f"protocol at the moment (this one, of shape {tuple(self.shape)}, has a grad_fn)")
        out = type(self)._wrap(self.data.copy(), self._device, self.requires_grad)
        if self.grad is not None:
            out.grad = Tensor._wrap(self.grad.data.copy(), self._device)
        memo[id(self)] = out
        return out

    __reduce_ex__ = _pickling.reduce_tensor

    def detach_(self):
        self._ctx = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        _check_requires_grad(requires_grad, self.dtype, "requires_grad_")
        if not requires_grad and self._ctx is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad flags of leaf tensors; use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        if self._ctx is not None:
            self._retains_grad = True

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a non-None return replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        from .hooks import RemovableHandle  # noqa: PLC0415

        if self._hooks is None:
            self._hooks = {}
        return RemovableHandle(self._hooks, hook)

    # ----------------------------------------------------------------------------------- conversion
    def clone(self):
        return M.Clone.apply(self)

    to = C.to

    type = C.type_
    new_zeros, new_ones, new_full, new_empty, new_tensor = map(C.new_factory, ("zeros", "ones", "full", "empty",
                                                                               "tensor"))

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    float, double, half = C.cast_method(dtypes.float32), C.cast_method(dtypes.float64), C.cast_method(dtypes.float16)
    long, int, bool = C.cast_method(dtypes.int64), C.cast_method(dtypes.int32), C.cast_method(dtypes.bool_)

    # ----------------------------------------------------------------------------------- arithmetic
    # try/except costs nothing on success (3.11); on NumPy's broadcast ValueError it names the op and the shapes
    def __add__(self, other):
        if _plain_scalar(self, other):
            return _scalar_op(self, other, "add")
        try:
            return E.Add.apply(*_binary_operands(self, other))
        except ValueError:
            _broadcast_error("add", self, other)

    __radd__ = __add__  # IEEE addition commutes: other + self equals self + other, bit for bit

    def __sub__(self, other):
        if _plain_scalar(self, other):
            return _scalar_op(self, other, "sub")
        try:
            return E.Sub.apply(*_binary_operands(self, other))
        except ValueError:
            _broadcast_error("sub", self, other)

    def __rsub__(self, other):
        b, a = _binary_operands(self, other)
        return E.Sub.apply(a, b)

    def __mul__(self, other):
        if _plain_scalar(self, other):
            return _scalar_op(self, other, "mul")
        try:
            return E.Mul.apply(*_binary_operands(self, other))
        except ValueError:
            _broadcast_error("mul", self, other)

    __rmul__ = __mul__  # as is multiplication

    def __truediv__(self, other):
        if _plain_scalar(self, other):
            return _scalar_op(self, other, "div")
        a, b = _binary_operands(self, other)
        if a.dtype.kind != "f":
            a, b = a.to(dtypes.get_default_dtype()), b.to(dtypes.get_default_dtype())
        try:
            return E.Div.apply(a, b)
        except ValueError:
            _broadcast_error("div", a, b)

    def __rtruediv__(self, other):
        b, a = _binary_operands(self, other)
        if a.dtype.kind != "f":
            a, b = a.to(dtypes.get_default_dtype()), b.to(dtypes.get_default_dtype())
        return E.Div.apply(a, b)

    def __neg__(self):
        return E.Neg.apply(self)

    def __pos__(self):
        return self

    def __pow__(self, exponent):
        if isinstance(exponent, (builtins.int, builtins.float)) and not isinstance(exponent, builtins.bool):
            if self.dtype.kind != "f" and (isinstance(exponent, builtins.float) or exponent < 0):
                if isinstance(exponent, builtins.float):
                    return E.PowScalar.apply(self.to(dtypes.get_default_dtype()), exponent=exponent)
                raise RuntimeError(f"pow: integers to negative integer powers are not allowed (exponent {exponent})")
            return E.PowScalar.apply(self, exponent=exponent)
        return E.Pow.apply(*_binary_operands(self, exponent))

    def __rpow__(self, base):
        b, a = _binary_operands(self, base)
        return E.Pow.apply(a, b)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(tensor(other, device=self._device), self)

    # ----------------------------------------------------------------------------------- in place
    _inplace = IP.inplace
    _write = IP.write

    def __iadd__(self, other):
        return self._inplace(Tensor.__add__, other, "add_")

    def __isub__(self, other):
        return self._inplace(Tensor.__sub__, other, "sub_")

    def __imul__(self, other):
        return self._inplace(Tensor.__mul__, other, "mul_")

    def __itruediv__(self, other):
        return self._inplace(Tensor.__truediv__, other, "div_")

    def __ipow__(self, other):
        return self._inplace(Tensor.__pow__, other, "pow_")

    def add_(self, other, alpha=1):
        return self._inplace(Tensor.__add__, other if alpha == 1 else other * alpha, "add_")

    def sub_(self, other, alpha=1):
        return self._inplace(Tensor.__sub__, other if alpha == 1 else other * alpha, "sub_")

    def mul_(self, other):
        return self._inplace(Tensor.__mul__, other, "mul_")

    div_ = C.div_

    def zero_(self):
        return self._inplace(lambda a, _: a * 0, None, "zero_")

    def fill_(self, value):
        return self._inplace(lambda a, v: a * 0 + v, value, "fill_")

    def copy_(self, src):
        return self._inplace(lambda a, s: a * 0 + s, src, "copy_")

    # ----------------------------------------------------------------------------------- unary math
    def exp(self):
        return E.Exp.apply(_floating(self))

    def log(self):
        return E.Log.apply(_floating(self))

    def tanh(self):
        return E.Tanh.apply(_floating(self))

    def sigmoid(self):
        return E.Sigmoid.apply(_floating(self))

    def relu(self):
        return E.Relu.apply(self)

    def pow(self, exponent):
        return self ** exponent

    def add(self, other, alpha=1):
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        return self * other

    div = C.div

    def neg(self):
        return -self

    def matmul(self, other):
        return matmul(self, other)

    # ----------------------------------------------------------------------------------- reductions
    sum = C.sum
    mean = C.mean
    amax = C.amax
    amin = C.amin

    # ----------------------------------------------------------------------------------- shape
    reshape = C.reshape

    view = reshape

    permute = C.permute
    transpose = C.transpose

    @property
    def T(self):
        return self if self.ndim < 2 else M.Permute.apply(self, axes=tuple(reversed(range(self.ndim))))

    t = C.t

    @property
    def mT(self):
        if self.ndim < 2:
            raise RuntimeError(f"mT: tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D")
        return self.transpose(-2, -1)

    expand = C.expand
    broadcast_to = C.broadcast_to

    def __getitem__(self, index):
        return M.GetItem.apply(self, index=_index_arg(index, self))

    __setitem__ = C.setitem

    # ----------------------------------------------------------------------------------- more arithmetic
    def __floordiv__(self, other):
        return E.FloorDivide.apply(*_checked(self, other, "floor_divide"))

    def __rfloordiv__(self, other):
        b, a = _checked(self, other, "floor_divide")
        return E.FloorDivide.apply(a, b)

    def __mod__(self, other):
        return E.Remainder.apply(*_checked(self, other, "remainder"))

    def __rmod__(self, other):
        b, a = _checked(self, other, "remainder")
        return E.Remainder.apply(a, b)

    def __ifloordiv__(self, other):
        return self._inplace(Tensor.__floordiv__, other, "floor_divide_")

    def __imod__(self, other):
        return self._inplace(Tensor.__mod__, other, "remainder_")

    def floor_divide(self, other):
        return self // other

    def remainder(self, other):
        return self % other

    def __abs__(self):
        return self.abs()

    # comparisons: no gradient (differentiable=False ops)
    def __eq__(self, other):
        if other is None:  # as torch: `t == None` is False, not an error
            return False
        return E.Eq.apply(*_checked(self, other, "eq"))

    def __ne__(self, other):
        if other is None:
            return True
        return E.Ne.apply(*_checked(self, other, "ne"))

    def __lt__(self, other):
        return E.Lt.apply(*_checked(self, other, "lt"))

    def __le__(self, other):
        return E.Le.apply(*_checked(self, other, "le"))

    def __gt__(self, other):
        return E.Gt.apply(*_checked(self, other, "gt"))

    def __ge__(self, other):
        return E.Ge.apply(*_checked(self, other, "ge"))

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__
    greater, greater_equal, less, less_equal, not_equal = __gt__, __ge__, __lt__, __le__, __ne__

    def equal(self, other):
        return self.shape == other.shape and builtins.bool((self == other).all())

    # & | ^ ~ are bitwise on integers and logical on bools (the same thing there), as in torch
    def __and__(self, other):
        return _bitwise(self, other, "bitwise_and")

    def __or__(self, other):
        return _bitwise(self, other, "bitwise_or")

    def __xor__(self, other):
        return _bitwise(self, other, "bitwise_xor")

    def __invert__(self):
        return E.Logical.apply(self, fn="logical_not" if self.dtype.kind == "b" else "invert")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    bitwise_and, bitwise_or, bitwise_xor = __and__, __or__, __xor__

    def logical_and(self, other):
        return E.Logical.apply(*_checked(self, other, "logical_and"), fn="logical_and")

    def logical_or(self, other):
        return E.Logical.apply(*_checked(self, other, "logical_or"), fn="logical_or")

    def logical_xor(self, other):
        return E.Logical.apply(*_checked(self, other, "logical_xor"), fn="logical_xor")

    def logical_not(self):
        return E.Logical.apply(self, fn="logical_not")

    def isnan(self):
        return E.Logical.apply(self, fn="isnan")

    def isfinite(self):
        return E.Logical.apply(self, fn="isfinite")

    def isinf(self):
        return E.Logical.apply(self, fn="isinf")

    # ----------------------------------------------------------------------------------- more unary math
    def log1p(self):
        return E.Log1p.apply(_floating(self))

    def expm1(self):
        return E.Expm1.apply(_floating(self))

    def sqrt(self):
        return E.Sqrt.apply(_floating(self))

    def rsqrt(self):
        return E.Rsqrt.apply(_floating(self))

    def reciprocal(self):
        return E.Reciprocal.apply(_floating(self))

    def square(self):
        return self * self

    def abs(self):
        return E.Abs.apply(self)

    def sign(self):
        return E.Sign.apply(self)

    def sin(self):
        return E.Sin.apply(_floating(self))

    def cos(self):
        return E.Cos.apply(_floating(self))

    def tan(self):
        return E.Tan.apply(_floating(self))

    def arctanh(self):
        return E.Arctanh.apply(_floating(self))

    def arcsin(self):
        return E.Arcsin.apply(_floating(self))

    def arcsinh(self):
        return E.Arcsinh.apply(_floating(self))

    atanh, asin, asinh = arctanh, arcsin, arcsinh

    def erf(self):
        return E.Erf.apply(_floating(self))

    def floor(self):
        return self if self.dtype.kind != "f" else E.Floor.apply(self)

    def ceil(self):
        return self if self.dtype.kind != "f" else E.Ceil.apply(self)

    round = C.round

    def trunc(self):
        return self if self.dtype.kind != "f" else E.Trunc.apply(self)

    def leaky_relu(self, negative_slope=0.01):
        return E.LeakyRelu.apply(self, negative_slope=negative_slope)

    def elu(self, alpha=1.0):
        return E.Elu.apply(_floating(self), alpha=alpha)

    def gelu(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise RuntimeError(f"gelu: approximate must be 'none' or 'tanh', got '{approximate}'")
        return E.Gelu.apply(_floating(self), approximate=approximate)

    def silu(self):
        return E.Silu.apply(_floating(self))

    def softplus(self, beta=1.0, threshold=20.0):
        return E.Softplus.apply(_floating(self), beta=beta, threshold=threshold)

    def maximum(self, other):
        return E.Maximum.apply(*_checked(self, other, "maximum"))

    def minimum(self, other):
        return E.Minimum.apply(*_checked(self, other, "minimum"))

    clamp = C.clamp

    clip = clamp

    def clamp_min(self, min):
        return self.clamp(min=min)

    def clamp_max(self, max):
        return self.clamp(max=max)

    # ----------------------------------------------------------------------------------- more reductions
    prod, var, std, max, min, argmax, argmin = C.prod, C.var, C.std, C.max, C.min, C.argmax, C.argmin
    all, any, logsumexp, softmax, log_softmax = C.all, C.any, C.logsumexp, C.softmax, C.log_softmax

    logsoftmax = log_softmax  # seed 003's spelling

    cumsum = C.cumsum
    cumprod = C.cumprod
    norm = C.norm
    sort = I.sort
    argsort = I.argsort
    topk = I.topk

    # ----------------------------------------------------------------------------------- more shape
    squeeze = C.squeeze
    unsqueeze = C.unsqueeze
    flatten = C.flatten
    unflatten = C.unflatten

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def expand_as(self, other):
        return self.expand(other.shape)

    def contiguous(self):
        return self

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    movedim = C.movedim
    repeat = C.repeat
    flip = C.flip
    split = C.split
    chunk = C.chunk
    unbind = C.unbind
    narrow = C.narrow
    gather = C.gather
    scatter, scatter_add = I.scatter, I.scatter_add
    scatter_, scatter_add_ = I.scatter_, I.scatter_add_
    index_select = C.index_select
    masked_fill = C.masked_fill
    where = C.where
    unfold = C.unfold
    as_strided = C.as_strided

    # ----------------------------------------------------------------------------------- products
    einsum = C.einsum
    dot = C.dot
    outer = C.outer
    tensordot = C.tensordot

    # ----------------------------------------------------------------------------------- NumPy protocols
    __array_ufunc__ = _numpy_protocol.array_ufunc
    __array_function__ = _numpy_protocol.array_function


def _bitwise(a, b, op):
    a, b = _checked(a, b, op)
    if a.dtype.kind not in "biu":
        raise TypeError(f"{op}: only integer and bool tensors, got {a.dtype} (shape {tuple(a.shape)}); for a logical "
                        f"result use logical_{op[8:]}")
    # on bools the logical function: the same values, and the op ONNX has at every opset
    return E.Logical.apply(a, b, fn="logical" + op[7:] if a.dtype.kind == "b" else op)


def _checked(a, b, op):
    """_binary_operands, plus an error naming the op and both shapes when they cannot broadcast."""
    a, b = _binary_operands(a, b)
    if a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            _broadcast_error(op, a, b)
    return a, b


def _broadcast_error(op, a, b):
    """Called in an `except ValueError:` block: raise torch's message if a and b cannot broadcast, else re-raise."""
    sa, sb = tuple(np.shape(a)), tuple(np.shape(b))
    for k in range(1, min(len(sa), len(sb)) + 1):
        if sa[-k] != sb[-k] and sa[-k] != 1 and sb[-k] != 1:
            dim = max(len(sa), len(sb)) - k
            raise RuntimeError(f"{op}: the size of tensor a ({sa[-k]}) must match the size of tensor b ({sb[-k]}) at "
                               f"non-singleton dimension {dim} (shapes {sa} and {sb})") from None
    raise  # noqa: PLE0704 - not a broadcast problem: re-raise the ValueError being handled


def matmul(a, b):
    """torch.matmul, promoting mixed float dtypes as NumPy does (float32 @ float64 gives float64)."""
    if not isinstance(a, Tensor):
        a = tensor(a)
    a, b = _binary_operands(a, b)
    sa, sb = a.data.shape, b.data.shape
    if not sa or not sb:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes {sa} and {sb}")
    ka = sa[-1]
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        raise RuntimeError(f"matmul: shapes {sa} and {sb} cannot be multiplied ({ka} != {kb})")
    if len(sa) > 2 or len(sb) > 2:
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise RuntimeError(f"matmul: batch dimensions of shapes {sa} and {sb} cannot be broadcast") from None
    return L.MatMul.apply(a, b)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """Build a tensor, inferring the dtype as torch.tensor does (float -> float32, int -> int64, bool -> bool;
    an ndarray keeps its dtype). Defaults to requires_grad=False."""
    dev = get_device(device)
    arr = _to_array(data, None if dtype is None else dtypes.as_dtype(dtype), dev.xp, tensor_style=True)
    _check_requires_grad(requires_grad, arr.dtype, "tensor")
    return Tensor._wrap(arr, dev, bool(requires_grad))


for _name in IP.INPLACE_TWINS:  # exp_, clamp_, pow_, ...: inplace.inplace_twin
    setattr(Tensor, _name + "_", IP.inplace_twin(_name))
_function.Tensor = _numpy_protocol.Tensor = C.Tensor = IP.Tensor = Tensor
C.tensor = IP.tensor = tensor

# torch API beyond the core op set, in modules by theme; each lists the Tensor methods it adds
from . import linalg as _linalg  # noqa: E402
from .ops import shaping as _shaping, special as _special, statistics as _statistics, tensor_misc as _misc  # noqa: E402
for _mod in (_special, _statistics, _shaping, _misc, _linalg):
    for _name, _fn in _mod.METHODS.items():
        setattr(Tensor, _name, _fn)
