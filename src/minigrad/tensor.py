"""Tensor: an array, its gradient and the node that made it. Each op method is a short binding to an op in ops/;
no array math lives here."""
import builtins
import collections

import numpy as np

from . import dtypes
from . import lazy as _lazy
from .autograd import function as _function
from .autograd.engine import run_backward
from .autograd.grad_mode import GradMode, no_grad
from .backend import Device, get_device
from .ops import elementwise as E
from .ops import linalg as L
from .ops import movement as M
from .ops import reduce as R

_new = object.__new__


def _to_array(data, dtype, xp, tensor_style):
    """Convert user data to an array. `tensor_style` follows torch.tensor's inference (float -> default float,
    int -> int64, bool -> bool); otherwise numbers and lists become the default float dtype, as torch.Tensor."""
    if isinstance(data, Tensor):
        arr = data.data
        return xp.array(arr, dtype=dtype, copy=True)
    if hasattr(data, "__array__") or hasattr(data, "__cuda_array_interface__"):
        arr = xp.array(data, copy=True)
        if dtype is not None:
            arr = xp.astype(arr, dtype)
        return arr
    arr = np.asarray(data)
    if arr.dtype == object:
        raise TypeError(f"tensor: cannot build a tensor from {type(data).__name__} holding ragged or non-numeric "
                        f"data ({str(data)[:60]})")
    if dtype is None:
        if not tensor_style:
            dtype = dtypes.get_default_dtype()
        elif arr.dtype.kind == "f":
            dtype = dtypes.get_default_dtype()
        elif arr.dtype.kind in "iu":
            dtype = dtypes.int64
        elif arr.dtype.kind == "b":
            dtype = dtypes.bool_
        else:
            raise TypeError(f"tensor: unsupported data of dtype {arr.dtype}")
    return xp.asarray(arr, dtype=dtype)


def _check_requires_grad(requires_grad, dtype, where):
    if requires_grad and dtype.kind != "f":
        raise RuntimeError(f"{where}: only tensors of floating point dtype can require gradients, got dtype {dtype}")


def _dims(dim, ndim, op):
    """Normalise torch's dim (None, int or sequence, negative allowed) to a sorted tuple of axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
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


def _binary_operands(a, b):
    """Promote a Tensor and a Tensor, array or Python number to one dtype and device, as torch does."""
    if isinstance(b, Tensor):
        if a._device is not b._device and a._device != b._device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{a._device} and {b._device}")
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

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_device", "_version", "name", "_retains_grad", "_hooks",
                 "__weakref__")
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

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(f"item: a Tensor with {self.data.size} elements (shape {self.shape}) cannot be "
                               "converted to a Python scalar")
        return self.data.item()

    def numpy(self):
        return self._device.xp.to_host(self.data) if self._device.type != "cpu" else self.data

    def tolist(self):
        return self.numpy().tolist()

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iu":
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
                    run_backward([self], [seed], retain_graph)
                finally:
                    GradMode.enabled = True
            else:
                run_backward([self], [seed], retain_graph)
            return
        with_grad = GradMode.enabled
        GradMode.enabled = True
        try:
            run_backward([self], [Tensor._wrap(seed, self._device)], retain_graph, True)
        finally:
            GradMode.enabled = with_grad

    def forward(self, **feeds):
        """Re-evaluate this tensor's graph with new values for its placeholders (lazy graphs, seed 002): see
        minigrad.lazy.forward. Returns self."""
        from .lazy import forward  # noqa: PLC0415 - lazy graphs are optional machinery

        return forward(self, **feeds)

    def _seed(self, gradient, op):
        """The upstream gradient as an array: ones when not given (seed 002's non-scalar rule)."""
        if gradient is None:
            seed = self._device.xp.empty(self.data.shape, dtype=self.data.dtype)
            seed[...] = 1
            return seed
        g = gradient.data if isinstance(gradient, Tensor) else tensor(gradient, dtype=self.dtype,
                                                                       device=self._device).data
        if g.shape != self.shape:
            raise RuntimeError(f"{op}: gradient has shape {tuple(g.shape)} but the tensor has shape {tuple(self.shape)}")
        return g if g.dtype == self.dtype else self._device.xp.astype(g, self.dtype)

    def zero_grad(self):
        """Drop the accumulated gradient (sets .grad to None, as torch's zero_grad(set_to_none=True))."""
        self.grad = None

    def detach(self):
        return Tensor._wrap(self.data, self._device)

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
            from .backend import transfer  # noqa: PLC0415

            out = transfer(out, get_device(device))
        if dtype is not None and dtypes.as_dtype(dtype) != out.dtype:
            out = E.Cast.apply(out, dtype=dtypes.as_dtype(dtype))
        if copy and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None):
        return str(self.dtype) if dtype is None else self.to(dtype)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}")

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    # ----------------------------------------------------------------------------------- arithmetic
    # try/except costs nothing on success (3.11); on NumPy's broadcast ValueError it names the op and the shapes
    def __add__(self, other):
        try:
            return E.Add.apply(*_binary_operands(self, other))
        except ValueError:
            _broadcast_error("add", self, other)

    def __radd__(self, other):
        b, a = _binary_operands(self, other)
        return E.Add.apply(a, b)

    def __sub__(self, other):
        try:
            return E.Sub.apply(*_binary_operands(self, other))
        except ValueError:
            _broadcast_error("sub", self, other)

    def __rsub__(self, other):
        b, a = _binary_operands(self, other)
        return E.Sub.apply(a, b)

    def __mul__(self, other):
        try:
            return E.Mul.apply(*_binary_operands(self, other))
        except ValueError:
            _broadcast_error("mul", self, other)

    def __rmul__(self, other):
        b, a = _binary_operands(self, other)
        return E.Mul.apply(a, b)

    def __truediv__(self, other):
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
    def _inplace(self, result_fn, other, op):
        """x op= y. Off the graph (no grad mode, or a leaf: seed 000's `x -= x.grad * lr`) the array is updated in
        place; on the graph the tensor is rebased onto a new node, as torch does."""
        other_rg = isinstance(other, Tensor) and other.requires_grad
        if not GradMode.enabled or (self._ctx is None and (self.requires_grad or not other_rg)):
            with no_grad():
                result = result_fn(self.detach(), other)
            self._write(result.data, op)
        else:
            snapshot = self.detach()
            snapshot.requires_grad, snapshot._ctx = self.requires_grad, self._ctx
            result = result_fn(snapshot, other)
            if result.dtype != self.dtype:
                result = result.to(self.dtype)
            if result.shape != self.shape:
                raise RuntimeError(f"{op}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
                                   f"{tuple(result.shape)}")
            self.data, self._ctx, self.requires_grad = result.data, result._ctx, True
        self._version += 1
        return self

    def _write(self, values, op):
        xp = self._device.xp
        if not isinstance(self.data, xp.ndarray):  # NumPy hands 0-d results back as immutable scalars
            self.data = xp.array(self.data)
        if values.shape != self.shape:
            try:
                values = xp.broadcast_to(values, self.shape)
            except ValueError:
                raise RuntimeError(f"{op}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
                                   f"{tuple(values.shape)}") from None
        if values.dtype != self.dtype and not xp.can_cast(values.dtype, self.dtype, casting="same_kind"):
            raise RuntimeError(f"{op}: result type {values.dtype} can't be cast to the desired output type "
                               f"{self.dtype}")
        xp.copyto(self.data, values, casting="unsafe")

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

    def div_(self, other):
        return self._inplace(Tensor.__truediv__, other, "div_")

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

    def div(self, other):
        return self / other

    def neg(self):
        return -self

    def matmul(self, other):
        return matmul(self, other)

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
        n = 1
        for a in axes:
            n *= self.shape[a]
        keep = keepdim if keepdims is None else keepdims
        if not n:
            # empty: nan, as torch; scaling before the sum keeps d(grad)/d(upstream grad) at 0 (torch's), not nan
            return (x * float("nan")).sum(axes, keep) + float("nan")
        return x.sum(axes, keep) / n

    def amax(self, dim=None, keepdim=False, axis=None):
        dim = axis if dim is None else dim
        axes = _dims(dim, self.ndim, "amax")
        _nonempty(self, axes, "amax")
        return R.Amax.apply(self, axis=axes, keepdims=keepdim)

    def amin(self, dim=None, keepdim=False, axis=None):
        dim = axis if dim is None else dim
        axes = _dims(dim, self.ndim, "amin")
        _nonempty(self, axes, "amin")
        return R.Amin.apply(self, axis=axes, keepdims=keepdim)

    # ----------------------------------------------------------------------------------- shape
    def reshape(self, *shape):
        shape = _shape_arg(shape)
        try:
            target = np.empty(self.shape, dtype=np.bool_).reshape(shape).shape
        except ValueError:
            raise RuntimeError(f"reshape: shape {tuple(shape)} is invalid for input of size {self.numel()} "
                               f"(shape {tuple(self.shape)})") from None
        return self if target == self.shape else M.Reshape.apply(self, shape=target)

    view = reshape

    def permute(self, *dims):
        dims = _shape_arg(dims)
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
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

    @property
    def T(self):
        return self if self.ndim < 2 else M.Permute.apply(self, axes=tuple(reversed(range(self.ndim))))

    @property
    def mT(self):
        if self.ndim < 2:
            raise RuntimeError(f"mT: tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D")
        return self.transpose(-2, -1)

    def expand(self, *shape):
        shape = _shape_arg(shape)
        lead = len(shape) - self.ndim
        if lead < 0:
            raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the "
                               f"number of dimensions in the tensor ({self.ndim})")
        target = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        return self.broadcast_to(target)

    def broadcast_to(self, *shape):
        shape = _shape_arg(shape)
        try:
            np.broadcast_shapes(self.shape, shape)
            if np.broadcast_shapes(self.shape, shape) != shape:
                raise ValueError
        except ValueError:
            raise RuntimeError(f"broadcast_to: the shape {tuple(self.shape)} cannot be broadcast to "
                               f"{tuple(shape)}") from None
        return self if shape == self.shape else M.Expand.apply(self, shape=shape)

    def __getitem__(self, index):
        return M.GetItem.apply(self, index=_index_arg(index, self))

    def __setitem__(self, index, value):
        """x[index] = value. Off the graph (a leaf, or no grad mode) it writes into the array and bumps the version,
        like the in-place operators; inside a graph the tensor is rebased onto a SetItem node."""
        index = _index_arg(index, self)
        other_rg = isinstance(value, Tensor) and value.requires_grad
        if not GradMode.enabled or (self._ctx is None and (self.requires_grad or not other_rg)):
            if not isinstance(self.data, self._device.xp.ndarray):  # a NumPy 0-d scalar is immutable
                self.data = self._device.xp.array(self.data)
            self.data[index] = value.data if isinstance(value, Tensor) else value
            self._version += 1
            return
        if not isinstance(value, Tensor):
            value = tensor(value, dtype=self.dtype, device=self._device)
        self._inplace(lambda a, v: M.SetItem.apply(a, v.to(a.dtype), index=index), value, "setitem")

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

    def __and__(self, other):
        return E.Logical.apply(*_checked(self, other, "logical_and"), fn="logical_and")

    def __or__(self, other):
        return E.Logical.apply(*_checked(self, other, "logical_or"), fn="logical_or")

    def __xor__(self, other):
        return E.Logical.apply(*_checked(self, other, "logical_xor"), fn="logical_xor")

    def __invert__(self):
        return E.Logical.apply(self, fn="logical_not" if self.dtype.kind == "b" else "invert")

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    logical_and, logical_or, logical_xor = __and__, __or__, __xor__

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

    def round(self):
        return self if self.dtype.kind != "f" else E.Round.apply(self)

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

    def clamp(self, min=None, max=None):
        """Matches torch.clamp: number or tensor bounds; gradient to x where min <= x <= max, else to the bound."""
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        ops = [self, self if min is None else min, self if max is None else max]
        rt = dtypes.result_type(*[o for o in ops])
        ops = [o.to(rt) if isinstance(o, Tensor) else tensor(o, dtype=rt, device=self._device) for o in ops]
        return E.Clamp.apply(*ops, has_lo=min is not None, has_hi=max is not None)

    clip = clamp

    def clamp_min(self, min):
        return self.clamp(min=min)

    def clamp_max(self, max):
        return self.clamp(max=max)

    # ----------------------------------------------------------------------------------- more reductions
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
        n = 1
        for a in axes:
            n *= self.shape[a]
        d = self - self.mean(axes, keepdim=True)
        return (d * d).sum(axes, keepdim=keepdim) / builtins.max(0, n - correction)

    def std(self, dim=None, unbiased=None, keepdim=False, correction=None, axis=None):
        from .functions import where  # noqa: PLC0415

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

    logsoftmax = log_softmax  # seed 003's spelling

    def cumsum(self, dim=None, dtype=None, axis=None):
        dim = axis if dim is None else dim
        if dim is None:
            raise TypeError("cumsum() missing required argument 'dim' (or 'axis')")
        x = self if dtype is None else self.to(dtype)
        if x.ndim == 0:
            return x.clone()
        return R.Cumsum.apply(x, axis=_dims(dim, self.ndim, "cumsum")[0])

    # ----------------------------------------------------------------------------------- more shape
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
            self.shape[:s] + (_prod(self.shape[s:e + 1]),) + self.shape[e + 1:])

    def unflatten(self, dim, sizes):
        axis = _dims(dim, self.ndim, "unflatten")[0]
        return self.reshape(self.shape[:axis] + tuple(sizes) + self.shape[axis + 1:])

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

    def movedim(self, source, destination):
        src, dst = _dims(source, self.ndim, "movedim")[0], _dims(destination, self.ndim, "movedim")[0]
        order = [d for d in range(self.ndim) if d != src]
        order.insert(dst, src)
        return self.permute(order)

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
        if isinstance(split_size_or_sections, (builtins.int, np.integer)):
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
        axis = _dims(dim, self.ndim, "narrow")[0]
        return self[(slice(None),) * axis + (slice(start, start + length),)]

    def gather(self, dim, index):
        """Matches torch.gather: out[i][j] = x[index[i][j]][j] (dim 0). A fancy index with a scatter-add grad."""
        axis = _dims(dim, self.ndim, "gather")[0]
        idx = index.data if isinstance(index, Tensor) else self._device.xp.asarray(index)
        if idx.ndim != self.ndim:
            raise RuntimeError(f"gather: index tensor must have the same number of dimensions as input tensor, "
                               f"got {idx.ndim} and {self.ndim} (shapes {tuple(idx.shape)} and {tuple(self.shape)})")
        _check_index(idx, self.shape[axis], axis, "gather")
        xp = self._device.xp
        full = tuple(idx if k == axis else xp.reshape(xp.arange(idx.shape[k]), [-1 if j == k else 1
                                                                                 for j in range(idx.ndim)])
                     for k in range(idx.ndim))
        return M.GetItem.apply(self, index=full)

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
        try:
            m = self._device.xp.broadcast_to(m, self.shape)
        except ValueError:
            raise RuntimeError(f"masked_fill: the mask of shape {tuple(m.shape)} cannot be broadcast to the tensor's "
                               f"shape {tuple(self.shape)}") from None
        v = value.to(self.dtype) if isinstance(value, Tensor) else tensor(value, dtype=self.dtype, device=self._device)
        return E.Where.apply(v, self, cond=m)

    def where(self, condition, other):
        """x.where(condition, y) = where(condition, x, y), as torch."""
        from .functions import where  # noqa: PLC0415

        return where(condition, self, other)

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

    # ----------------------------------------------------------------------------------- products
    def einsum(self, equation, *others):
        """Seed 003's method form: x.einsum(eq, y) = einsum(eq, x, y)."""
        from .functions import einsum  # noqa: PLC0415

        return einsum(equation, self, *others)

    def dot(self, other):
        from .functions import dot  # noqa: PLC0415

        return dot(self, other)

    def outer(self, other):
        from .functions import outer  # noqa: PLC0415

        return outer(self, other)

    def tensordot(self, other, dims=2):
        from .functions import tensordot  # noqa: PLC0415

        return tensordot(self, other, dims)

    # ----------------------------------------------------------------------------------- NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from .functions import numpy_ufunc  # noqa: PLC0415

        return numpy_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from .functions import numpy_function  # noqa: PLC0415

        return numpy_function(func, args, kwargs)



_MaxResult = collections.namedtuple("max", ["values", "indices"])
_MinResult = collections.namedtuple("min", ["values", "indices"])


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


def _check_index(idx, n, axis, op):
    if idx.dtype.kind not in "iu":
        raise IndexError(f"{op}: expected an integer index tensor, got dtype {idx.dtype}")
    if idx.size and (idx.max() >= n or idx.min() < -n):
        bad = int(idx.max()) if idx.max() >= n else int(idx.min())
        raise IndexError(f"{op}: index {bad} is out of bounds for dimension {axis} with size {n}")


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(builtins.int(s) for s in shape)


def _index_arg(index, t):
    """Turn Tensors (and lists) inside an index into arrays, so that NumPy indexing semantics apply."""
    if isinstance(index, tuple):
        return tuple(_index_arg(i, t) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return t._device.xp.asarray(index)
    return index


def _floating(t):
    return t if t.dtype.kind == "f" else t.to(dtypes.get_default_dtype())


def _nonempty(t, axes, op):
    for a in axes:
        if t.shape[a] == 0:
            raise IndexError(f"{op}: expected reduction dim {a} to have non-zero size (shape {tuple(t.shape)})")
    if not axes and t.numel() == 0:
        raise RuntimeError(f"{op}: cannot reduce an empty tensor (shape {tuple(t.shape)})")


def matmul(a, b):
    """torch.matmul, promoting mixed float dtypes as NumPy does (float32 @ float64 gives float64)."""
    if not isinstance(a, Tensor):
        a = tensor(a)
    a, b = _binary_operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}")
    ka = a.shape[-1]
    kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if ka != kb:
        raise RuntimeError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be multiplied ({ka} != {kb})")
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise RuntimeError(f"matmul: batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} "
                               "cannot be broadcast") from None
    return L.MatMul.apply(a, b)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """Build a tensor, inferring the dtype as torch.tensor does (float -> float32, int -> int64, bool -> bool;
    an ndarray keeps its dtype). Defaults to requires_grad=False."""
    dev = get_device(device)
    arr = _to_array(data, None if dtype is None else dtypes.as_dtype(dtype), dev.xp, tensor_style=True)
    _check_requires_grad(requires_grad, arr.dtype, "tensor")
    return Tensor._wrap(arr, dev, bool(requires_grad))


_function.Tensor = Tensor
