"""Lazy graphs (seed 002): build an expression once over named placeholders, then re-evaluate it with new values.

    a = Tensor(shape=(2, 2), name="var1")          # shape and dtype known now; data comes later
    b = Tensor(shape=(2,), name="var2")
    c = (a @ b).relu()                             # shapes checked here, at the line that builds c
    c.forward(var1=..., var2=...)                  # replays the cached order of recorded nodes
    c.backward()

A placeholder holds a zero-filled array of its shape and dtype, so every op runs at build time and raises its usual
shape errors where the user wrote it (floating-point warnings from the zeros are silenced). While a placeholder is
alive, `Function.apply` calls `_on_apply` (one `_hooks.on_apply` check on the eager path otherwise), which records
each op that has a lazy input as (op class, parents, attrs), even when grad mode is off or no input requires grad.
`forward(**feeds)` sorts the graph once, caches that order on the root, and re-runs each node's `forward` with its
recorded attrs on the fed arrays; recorded nodes reuse their ctx, so `backward()` then sees the new saved arrays.
"""
import operator
import weakref

import numpy as np

from . import dtypes
from .autograd import function as _function


class _Node:
    """A placeholder (cls is None) or an op applied to a lazy tensor."""

    __slots__ = ("_ctx", "attrs", "cls", "dynamic", "evaluated", "name", "parents", "ref")

    def __init__(self, cls, parents, attrs, ctx, evaluated, name=None, dynamic=()):
        # the engine node only weakly (its output tensor holds it): held here, in a global registry, an engine cycle
        # made by an in-place op (y.mul_(y.norm())) could never be collected
        self.cls, self.parents, self.attrs, self._ctx = cls, parents, attrs, None if ctx is None else weakref.ref(ctx)
        self.evaluated, self.name, self.dynamic = evaluated, name, dynamic

    @property
    def ctx(self):
        return None if self._ctx is None else self._ctx()


# the engine's own apply, called directly by the hook: not `cls.apply`, which may be a wrapper (the profiler's) that
# already wraps this call
_engine_apply = _function.Function.__dict__["apply"].__func__
_nodes = {}  # id(tensor) -> _Node for placeholders and every tensor computed from one; dropped when the tensor dies
_plans = {}  # id(root) -> (weakref to root, _Plan): the cached evaluation order of a graph


def _register(t, node):
    key = id(t)

    # defaults bind the dicts: the callback may run at interpreter exit, after module globals are cleared
    def gone(_ref, key=key, node=node, nodes=_nodes, hooks=_function._hooks):
        if nodes.get(key) is node:
            del nodes[key]
        if not nodes:
            hooks.on_apply = None

    node.ref = weakref.ref(t, gone)
    _nodes[key] = node
    _function._hooks.on_apply = _on_apply


def make_placeholder(tensor, shape, dtype, device, name, requires_grad):
    """Fill `tensor` (from `Tensor(shape=..., name=..., dtype=...)`) as a placeholder fed by `forward(name=...)`."""
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"Tensor(shape={shape!r}): a placeholder needs name= a Python identifier (it becomes the "
                        f"keyword of forward(**feeds)), got name={name!r}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
    try:
        shape = tuple(operator.index(s) for s in shape)  # as torch: 2.0 is refused, not truncated
        if any(s < 0 for s in shape):
            raise ValueError
    except (TypeError, ValueError):
        raise TypeError(f"Tensor(shape=..., name={name!r}): shape must be a tuple of non-negative ints, "
                        f"got {shape!r}") from None
    dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
    if requires_grad is None:
        requires_grad = dtype.kind == "f"
    if requires_grad and dtype.kind != "f":
        raise RuntimeError(f"Tensor(shape={shape}, name={name!r}): only placeholders of floating point dtype can "
                           f"require gradients, got dtype {dtype}")
    tensor.data = device.xp.zeros(shape, dtype=dtype)
    tensor.requires_grad, tensor._device, tensor.name = bool(requires_grad), device, name
    tensor.grad = tensor._ctx = tensor._hooks = None
    tensor._version = 0
    tensor._retains_grad = False
    _register(tensor, _Node(None, (), {}, None, False, name))


def is_unevaluated(tensor):
    """True for a placeholder not fed yet, or a tensor computed from one and not evaluated by a forward() since."""
    node = _nodes.get(id(tensor))
    return node is not None and not node.evaluated


def is_placeholder(tensor):
    node = _nodes.get(id(tensor))
    return node is not None and node.cls is None


def _record(t):
    """(op class, parents, attrs, ctx, dynamic) of the op that made `t`, or None for a leaf. A tensor rebased by
    an in-place op on the graph (x[i] = v) has a newer engine node than its lazy record: the engine's wins."""
    node = _nodes.get(id(t))
    ctx = t._ctx
    # a custom autograd.Function's node has no forward to replay: its output's lazy record (the Tensor ops its
    # forward ran) replays the values, and the node keeps serving backward
    if node is not None and (ctx is None or ctx is node.ctx or not hasattr(type(ctx), "forward")):
        if node.cls is None:
            return None
        # an input changed in place since (y.mul_(y.norm())) stands for the snapshot this op saw, as in backward
        parents = node.parents if node.ctx is None else node.ctx.recorded_parents()
        return node.cls, parents, node.attrs, node.ctx, node.dynamic
    if ctx is None:
        return None
    return type(ctx), ctx.recorded_parents(), getattr(ctx, "attrs", {}), ctx, ()


def graph_parents(t):
    """The tensors `t` was computed from, as recorded by the engine or by a lazy graph; () for a leaf."""
    rec = _record(t)
    if rec is None:
        return ()
    return rec[1] + tuple(d[1] for d in rec[4]) if rec[4] else rec[1]


def graph_node(t):
    """(op class, parents, attrs) of the op that made `t`, or None for a leaf (placeholders included)."""
    rec = _record(t)
    return None if rec is None else rec[:3]


def dynamic_attrs(t):
    """[(attr path, source tensor, view)] for attrs that are (views of) the data of a lazy tensor: an index or a
    condition computed from a placeholder. view is None, ("reshape", shape) or ("broadcast", shape)."""
    rec = _record(t)
    return list(rec[4]) if rec is not None else []


def placeholders(root):
    """{name: placeholder} of the graph that computed `root` (the names its forward() needs)."""
    return dict(_plan_for(root).placeholders)


# ----------------------------------------------------------------------------------------------- recording
def _ptr(a):
    try:
        return a.__array_interface__["data"][0]
    except AttributeError:
        return a.data.ptr  # CuPy


def _layout(a):
    return _ptr(a), tuple(a.shape), tuple(a.strides)


def _lazy_source(arr):
    """(lazy tensor, view) such that `view` applied to the tensor's data gives `arr` itself (same memory, shape and
    strides), or None. The views that code outside the ops applies to an index or mask: none, reshape, broadcast."""
    if arr.size == 0:
        return None
    target, ptr = _layout(arr), _ptr(arr)
    xp = None
    for node in list(_nodes.values()):
        t = node.ref()
        if t is None:
            continue
        d = t.data
        if d is arr:
            return t, None
        if d.size == 0 or _ptr(d) != ptr or d.dtype != arr.dtype:
            continue
        xp = t._device.xp
        for view in (("reshape", tuple(arr.shape)), ("broadcast", tuple(arr.shape))):
            try:
                candidate = _apply_view(xp, d, view)
            except ValueError:
                continue
            if _layout(candidate) == target:
                return t, view
    return None


def _apply_view(xp, data, view):
    if view is None:
        return data
    return xp.reshape(data, view[1]) if view[0] == "reshape" else xp.broadcast_to(data, view[1])


def _dynamic(attrs):
    """Attrs that are (views of) arrays of lazy tensors, e.g. an index computed from a placeholder:
    [(path, tensor, view)]."""
    found = []
    for key, v in attrs.items():
        items = v if type(v) is tuple else (v,)
        for i, a in enumerate(items):
            if hasattr(a, "shape") and hasattr(a, "dtype") and not isinstance(a, _function.Tensor):
                src = _lazy_source(a)
                if src is not None:
                    if a.dtype.kind == "b" and key == "index":
                        raise RuntimeError(f"lazy graph: indexing with a boolean mask computed from a placeholder "
                                           f"(mask shape {tuple(a.shape)}) gives a shape that depends on the fed "
                                           "values, which a lazy graph cannot replay; use where() or masked_fill()")
                    found.append(((key, i if type(v) is tuple else None), src[0], src[1]))
    return tuple(found)


def _has_array(attrs, atype):
    for v in attrs.values():
        if type(v) is atype or (type(v) is tuple and any(type(a) is atype for a in v)):
            return True
    return False


def _on_apply(cls, inputs, attrs):
    """Function.apply's hook while placeholders exist: run the op eagerly, and record it if it has a lazy input."""
    hooks = _function._hooks
    lazy = unevaluated = False
    nodes = _nodes
    for t in inputs:
        node = nodes.get(id(t))
        if node is not None:
            lazy = True
            if not node.evaluated:
                unevaluated = True
    dynamic = _dynamic(attrs) if attrs and _has_array(attrs, type(inputs[0].data)) else ()
    for _, src, _view in dynamic:
        lazy = True
        unevaluated = unevaluated or is_unevaluated(src)
    hooks.on_apply = None
    try:
        if unevaluated:
            with np.errstate(all="ignore"):  # placeholders hold zeros until fed: log(0), 0/0 are expected
                out = _engine_apply(cls, *inputs, **attrs)
        else:
            out = _engine_apply(cls, *inputs, **attrs)
    finally:
        hooks.on_apply = _on_apply if nodes else None
    if lazy:
        # with an engine node, the parents are read from it (_record), not held here (see _Node)
        ctx = out._ctx
        _register(out, _Node(cls, tuple(inputs) if ctx is None else (), attrs, ctx, not unevaluated, dynamic=dynamic))
    return out


# ----------------------------------------------------------------------------------------------- replay
class _Plan:
    """The evaluation order of one root's graph: placeholders by name and the steps to re-run."""

    def __init__(self, root):
        order, seen, stack = [], set(), [(root, False)]
        while stack:
            t, expanded = stack.pop()
            if expanded:
                order.append(t)
                continue
            if id(t) in seen:
                continue
            seen.add(id(t))
            stack.append((t, True))
            stack.extend((p, False) for p in graph_parents(t) if id(p) not in seen)
        self.placeholders, self.steps, self.lazy_nodes, self.custom = {}, [], [], []
        self.inplace = any(getattr(t, "_past", None) for t in order)  # a tensor rebased by an in-place op
        for t in order:
            node = _nodes.get(id(t))
            if node is not None:
                self.lazy_nodes.append(node)
                if node.cls is None and t._ctx is None:
                    other = self.placeholders.setdefault(node.name, t)
                    if other is not t:
                        raise RuntimeError(f"forward: two placeholders of this graph share the name {node.name!r} "
                                           f"(shapes {tuple(other.shape)} and {tuple(t.shape)}); give each its own")
                    continue
            rec = _record(t)
            if t._ctx is not None and not hasattr(type(t._ctx), "forward"):
                self.custom.append(t._ctx)
            if rec is None:
                continue
            cls, parents, attrs, ctx, dynamic = rec
            if not hasattr(cls, "forward"):
                raise RuntimeError(f"forward: {ctx.name()} (output shape {tuple(t.shape)}) cannot be replayed: it "
                                   "is a custom autograd.Function whose output does not depend on a placeholder")
            if ctx is None:
                ctx = cls()
                ctx.xp = t._device.xp
            # the root is held weakly by the cache, so its step refers to it as None
            self.steps.append((None if t is root else t, cls.forward, ctx, parents, attrs, dynamic,
                               hasattr(ctx, "versions")))

    def run(self, root, feeds):
        phs = self.placeholders
        unknown = [k for k in feeds if k not in phs]
        if unknown:
            hint = ""
            if any(n.cls is None and n.name in unknown for n in list(_nodes.values())):
                hint = (". A live placeholder has that name, but no recorded op connects it to this tensor: code that "
                        "reads a placeholder's .data outside the ops (e.g. a class-index target of "
                        "F.cross_entropy) bakes in its build-time zeros")
            raise TypeError(f"forward: unknown placeholder name(s) {', '.join(map(repr, unknown))}; this graph's "
                            f"placeholders are {_describe(phs) or 'none'}{hint}")
        missing = [k for k in phs if k not in feeds]
        if missing:
            raise TypeError(f"forward: missing feed(s) for placeholder(s) "
                            f"{_describe({k: phs[k] for k in missing})}")
        for name, t in phs.items():
            t.data = _cast_feed(name, t, feeds[name])
            t.grad = None
        for ctx in self.custom:  # a custom Function's node: its saved Tensors are graph tensors, replayed below
            if ctx.saved is None:
                ctx.saved = (None,)
        for out, fwd, ctx, parents, attrs, dynamic, recorded in self.steps:
            if dynamic:
                attrs = _substitute(attrs, dynamic)
            data = fwd(ctx, *[p.data for p in parents], **attrs)
            if out is None:
                out = root
            out.data = data
            if recorded:
                ctx.versions = [p._version for p in parents]
        if self.lazy_nodes:
            for node in self.lazy_nodes:
                node.evaluated = True
            self.lazy_nodes = ()


def _describe(phs):
    return ", ".join(f"{k!r} (shape {tuple(t.shape)}, dtype {t.dtype})" for k, t in phs.items())


def _substitute(attrs, dynamic):
    attrs = dict(attrs)
    for (key, i), src, view in dynamic:
        value = _apply_view(src._device.xp, src.data, view)
        if i is None:
            attrs[key] = value
        else:
            items = list(attrs[key])
            items[i] = value
            attrs[key] = tuple(items)
    return attrs


def _cast_feed(name, t, value):
    xp = t._device.xp
    try:
        arr = xp.asarray(value.data if isinstance(value, _function.Tensor) else value)
    except (TypeError, ValueError) as e:  # a ragged list, say
        raise type(e)(f"forward: the value fed to placeholder {name!r} (shape {tuple(t.shape)}, dtype {t.dtype}) "
                      f"is not an array: {e}") from None
    if tuple(arr.shape) != tuple(t.shape):
        raise RuntimeError(f"forward: placeholder {name!r} has shape {tuple(t.shape)} (dtype {t.dtype}), but the fed "
                           f"value has shape {tuple(arr.shape)} (dtype {arr.dtype})")
    if arr.dtype != t.dtype and not np.can_cast(arr.dtype, t.dtype, casting="same_kind"):
        raise RuntimeError(f"forward: placeholder {name!r} has dtype {t.dtype} (shape {tuple(t.shape)}), and the fed "
                           f"value's dtype {arr.dtype} cannot be cast to it (NumPy 'same_kind' casting)")
    return xp.array(arr, dtype=t.dtype, copy=True)  # a copy: backward may keep it, and the caller may reuse theirs


def _plan_for(root):
    entry = _plans.get(id(root))
    plan = entry[1] if entry is not None and entry[0]() is root else None
    if plan is None:
        plan = _Plan(root)
        if plan.inplace:
            # not cached: an in-place op on the graph can close a cycle from the plan's tensors back to root
            # (y.mul_(y.norm()): the norm's node holds y), which this global cache would keep alive for ever
            return plan
        key = id(root)

        def gone(ref, key=key, plans=_plans):
            if plans.get(key, (None,))[0] is ref:
                del plans[key]

        _plans[key] = (weakref.ref(root, gone), plan)
    return plan


def forward(root, /, **feeds):
    """Re-evaluate `root`'s graph with `feeds` (placeholder name -> array, list, number or Tensor); returns root.

    The order is computed on the first call and cached on the root. Every placeholder of the graph must be fed, with
    its shape and a dtype that NumPy's "same_kind" casting turns into the placeholder's (ints and bools into
    floats; float64 into float32); the value is copied. Placeholders' `.grad` is reset; parameters keep
    accumulating as with any backward (zero them with the optimizer). Nodes that do not depend on a placeholder
    are re-run too, so a parameter changed by an optimizer step is seen.

    Raises:
        TypeError: a feed names no placeholder of the graph, or a placeholder has no feed.
        RuntimeError: a fed value has the wrong shape, or a dtype that cannot be cast.
    """
    plan = _plan_for(root)
    plan.run(root, feeds)
    return root


def fed_placeholder(array, name, device=None):
    """A placeholder named `name` that already holds (a copy of) `array`: traces a graph on real values."""
    from .backend import get_device

    t = _function.Tensor(shape=tuple(array.shape), dtype=array.dtype, name=name, device=device,
                         requires_grad=False)
    t.data = get_device(device).xp.array(array, copy=True)
    _nodes[id(t)].evaluated = True
    return t


def check_evaluated(t, op):
    """Raise if `t` still holds build-time zeros (a placeholder graph not run by forward())."""
    if is_unevaluated(t):
        names = ", ".join(repr(k) for k in placeholders(t)) or "none"
        raise RuntimeError(f"{op}: this tensor (shape {tuple(t.shape)}) comes from placeholders that were never fed "
                           f"({names}); call .forward(name=value, ...) first")
