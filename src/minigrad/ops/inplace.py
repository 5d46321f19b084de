"""In-place ops on tensors and views with torch's semantics: x op= y updates the array off the graph and rebases
the tensor onto a new node on it (snapshots keep what earlier nodes saw); views write back to their base; detach()
shares the version counter. Tensor methods bound in tensor.py."""
import builtins
import weakref

from .. import lazy as _lazy
from ..autograd.grad_mode import GradMode, no_grad
from ..backend import CPU
from . import movement as M

Tensor = tensor = None  # set by tensor.py
_host = CPU.xp
_INTEGER = (int, _host.integer)


def inplace(self, result_fn, other, op):
    """x op= y. Off the graph (no grad mode, or a leaf: seed 000's `x -= x.grad * lr`) the array is updated in
    place; on the graph the tensor is rebased onto a new node, as torch does."""
    other_rg = isinstance(other, Tensor) and other.requires_grad
    if not GradMode.enabled or (self._ctx is None and (self.requires_grad or not other_rg)):
        _refuse_lazy(self, op)
        if _inplace_ufunc(self, other, op):
            bump_version(self)
            return self
        with no_grad():
            result = result_fn(self.detach(), other)
        self._write(result.data, op)
    else:
        snapshot = _snapshot(self)
        result = result_fn(snapshot, other)
        if result.dtype != self.dtype:
            result = result.to(self.dtype)
        if result.shape != self.shape:
            raise RuntimeError(f"{op}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
                               f"{tuple(result.shape)}")
        rebase(self, snapshot, result)
        _write_back(self, snapshot, op)
        return self
    bump_version(self)
    return self


def _snapshot(self):
    """A tensor holding self's node and array, for the nodes recorded before an in-place op on self (including its
    argument's, as in h -= h.mean(0)); autograd.function.recorded_input routes them to it. Never a lazy Detach node:
    the lazy graph's record of it would hold self, and self's _past holds it."""
    snapshot = _detached(self)
    snapshot.requires_grad, snapshot._ctx = self.requires_grad, self._ctx
    return snapshot


def rebase(self, snapshot, result):
    """self becomes result (computed from snapshot = _snapshot(self)) in place: torch's in-place op on the graph."""
    # as torch: hooks registered before the op see the gradient with respect to the value before it
    snapshot._hooks, self._hooks = self._hooks, None
    self._past = (*getattr(self, "_past", ()), (self._version, snapshot))
    self.data, self._ctx, self.requires_grad = result.data, result._ctx, True
    self._version += 1
    if self._ctx is not None:  # a node that saved its output (exp_, sigmoid_) sees it at this version
        self._ctx.out_version = self._version


def _refuse_lazy(t, op):
    # off the graph an in-place op writes the array and records nothing, so a lazy graph's forward() would replay
    # the tensor without it: refused rather than silently wrong
    if _lazy._nodes and id(t) in _lazy._nodes:
        raise RuntimeError(f"{op}: an in-place op on a tensor of a lazy graph (shape {tuple(t.shape)}) that records "
                           "no gradient would not be replayed by forward(); write it out of place (y = y + 1), "
                           "or build the graph in grad mode from placeholders that require grad")


def detach(self):
    """A tensor sharing self's array, off the graph. Changing it in place bumps self's version too (bump_version).
    Of a lazy graph's tensor, a recorded Detach node, so that forward() recomputes it from new feeds."""
    if _lazy._nodes and id(self) in _lazy._nodes:
        t = M.Detach.apply(self)
        t._source = weakref.ref(self)
        return t
    return _detached(self)


def _detached(self):
    t = Tensor._wrap(self.data, self._device)
    t._source = weakref.ref(self)  # weak: a kept `loss.detach()` must not keep loss's graph alive
    return t


def bump_version(t):
    """t's version + 1 after its array changed in place, and the version of the tensor t was detached from, if it
    still holds the same array: torch's detach() shares the version counter, so a change through `y.detach()`
    still stops a backward that saved y's values (a wrong gradient otherwise)."""
    t._version += 1
    source = getattr(t, "_source", None)
    source = source() if source is not None else None
    if source is not None and source.data is t.data:
        bump_version(source)


def _write_back(view, old, op):
    """torch's views share memory with their base, so an in-place op on a view changes the base too (`b[0].mul_(10)`
    multiplies b's first row). Off the graph NumPy's views do the same; on the graph the op gave `view` a new array,
    so the base is rebased too: base[index] = view for a slice, the inverse reshape or permutation otherwise (each
    itself an in-place op, so a view of a view reaches the first base). `old`: the snapshot of view before the op."""
    node = old._ctx
    kind = type(node)
    if kind is not M.GetItem and kind is not M.Reshape and kind is not M.Permute:
        return
    (base,) = node.parents
    if base._version != node.versions[0]:
        return  # base has changed since: the view no longer shows it
    if kind is M.GetItem:
        index = node.index if isinstance(node.index, tuple) else (node.index,)
        if not builtins.all(i is None or i is Ellipsis or type(i) is slice or isinstance(i, _INTEGER) for i in index):
            return  # advanced indexing copies, in torch too
    elif kind is M.Reshape and not node.xp.may_share_memory(base.data, old.data):
        return  # a reshape that had to copy (torch's reshape copies in the same cases)
    if base._ctx is None and base.requires_grad:
        raise RuntimeError(f"{op}: a view of a leaf tensor that requires grad (shape {tuple(base.shape)}) is being "
                           "used in an in-place operation; clone() the view, or change the leaf under no_grad()")
    if kind is M.GetItem:
        base[node.index] = view
    elif kind is M.Reshape:
        base._inplace(lambda b, v: v.reshape(b.shape), view, op)
    else:
        base._inplace(lambda b, v: v.permute(_host.argsort(node.axes).tolist()), view, op)


_UFUNCS = {"add_": "add", "sub_": "subtract", "mul_": "multiply", "div_": "true_divide"}


def _inplace_ufunc(self, other, op):
    """The common off-graph case (an optimizer's `p -= lr * g`) as one ufunc writing into the tensor's array.
    measured: 2.2x faster than computing the result and copying it back on a 784x256 weight. Anything unusual
    (promotion, broadcasting beyond self's shape, 0-d scalars) returns False and takes the general path."""
    name = _UFUNCS.get(op)
    data = self.data
    if name is None or type(data) is not self._device.xp.ndarray:
        return False
    if isinstance(other, Tensor):
        other = other.data
        if (other.dtype is not data.dtype and other.dtype != data.dtype) or other.ndim > data.ndim:
            return False
    elif type(other) is not float and type(other) is not int:
        return False
    if name == "true_divide" and data.dtype.kind != "f":
        return False
    try:
        getattr(self._device.xp, name)(data, other, out=data)  # casting="same_kind", the ufunc default
    except (TypeError, ValueError):
        return False
    return True


# methods that torch also has in place (x.exp_() is x.exp() written back, through inplace()); tensor.py binds each
# as name + "_". Ops that change the shape (squeeze_, t_, ...) are left out: inplace() keeps the shape.
INPLACE_TWINS = ("exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "square", "abs", "neg", "sign",
                 "sin", "cos", "tan", "tanh", "sigmoid", "relu", "arctanh", "arcsin", "arcsinh", "atanh", "asin",
                 "asinh", "erf", "floor", "ceil", "round", "trunc", "clamp", "clip", "clamp_min", "clamp_max", "pow",
                 "remainder", "floor_divide", "masked_fill", "cumsum", "cumprod", "logical_not", "logical_and",
                 "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor")


def inplace_twin(name):
    """The in-place form of Tensor method `name`, which keeps versions and graphs right as `x += y` does."""
    op = name + "_"

    def method(self, *args, **kwargs):
        # an argument that requires grad puts a leaf that does not onto the graph, as `x += y` does
        needs = next((a for a in (*args, *kwargs.values()) if isinstance(a, Tensor) and a.requires_grad), None)
        return self._inplace(lambda a, _: getattr(a, name)(*args, **kwargs), needs, op)

    method.__name__, method.__qualname__ = op, f"Tensor.{op}"
    method.__doc__ = f"In-place Tensor.{name}; matches torch.Tensor.{op}."
    return method


def write(self, values, op):
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
