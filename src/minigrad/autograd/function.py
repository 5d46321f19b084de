"""Function: one op's forward and backward side by side, and apply(), which runs it and records the graph.

An instance of a Function subclass is both the op's context (`ctx`) and the graph node that produced its output
tensor. Forward and backward see raw arrays and compute through `ctx.xp`. When `backward(create_graph=True)` asks
for a differentiable backward, the engine calls the same backward with `ctx.xp` swapped for a namespace of
recorded Tensor ops and `ctx.saved` mapped to Tensors, so each gradient is written once for first and higher
order. The rule that makes this work: anything saved must be an input, the output, or something whose own
derivative does not matter (a mask, indices); any other intermediate is recomputed in backward through `ctx.xp`.
"""
from numpy import generic as _generic

from ..backend import check_same_device
from .grad_mode import GradMode


class Function:
    """Base class of every op. Subclasses define static `forward(ctx, *arrays, **attrs)` and
    `backward(ctx, grad)`; backward returns one gradient per array input (or None), output-shaped: the engine
    sums broadcast dimensions away and casts to each input's dtype."""

    saved = ()
    differentiable = True
    # the version of the output tensor when this node made it: 0, or the version an in-place op on the graph gave
    # the tensor it rebased onto this node (ops/inplace.inplace), so that y.exp_() is not mistaken for a change
    out_version = 0
    # optional `backward_owned(ctx, grad)`: the same gradient as backward, allowed to write into `grad`, which the
    # engine passes only when no one else holds it (see engine.backward_plain)
    backward_owned = None

    def save_for_backward(self, *arrays):
        self.saved = arrays

    @property
    def saved_tensors(self):
        return self.saved

    def name(self):
        return type(self).__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.name()}>"

    @property
    def next_functions(self):
        return tuple((p._ctx, 0) for p in self.recorded_parents())

    def recorded_parents(self):
        """The input tensors as this node recorded them: `parents`, except that an input moved onto a newer node
        by an in-place op since then stands for the snapshot of it that the node saw (see recorded_input)."""
        ps = self.parents
        for p, v in zip(ps, self.versions):
            if p._version != v:
                return tuple([recorded_input(q, w)[0] for q, w in zip(ps, self.versions)])
        return ps

    @classmethod
    def apply(cls, *inputs, **attrs):
        """Run forward on the inputs' arrays; record a node when grad mode is on and an input requires grad."""
        if _hooks.on_apply is not None:  # lazy graphs: set while a placeholder lives (lazy.py)
            return _hooks.on_apply(cls, inputs, attrs)
        ctx = _new(cls)  # no op defines __init__; object.__new__ skips type.__call__'s lookups
        x = inputs[0]
        dev = x._device
        ctx.xp = dev.xp
        n = len(inputs)
        # arity special cases: apply() is the forward hot path (see benchmarks/bench_core.py)
        try:  # free when nothing is raised (3.11)
            if n == 1:
                out = cls.forward(ctx, x.data, **attrs)
                record = x.requires_grad
            elif n == 2:
                y = inputs[1]
                out = cls.forward(ctx, x.data, y.data, **attrs)
                record = x.requires_grad or y.requires_grad
            elif n == 3:  # Linear with a bias, where, addcmul...
                y, z = inputs[1], inputs[2]
                out = cls.forward(ctx, x.data, y.data, z.data, **attrs)
                record = x.requires_grad or y.requires_grad or z.requires_grad
            else:
                out = cls.forward(ctx, *[t.data for t in inputs], **attrs)
                record = True in [t.requires_grad for t in inputs]
        except TypeError:  # CuPy refuses NumPy arrays (and NumPy CuPy's): name the devices, not the arrays
            check_same_device(inputs, cls.__name__)
            raise
        if not out.shape and isinstance(out, _generic):
            # NumPy ufuncs return scalars for 0-d input (CuPy never does); a tensor always holds an array. A saved
            # output must stay identical to the tensor's array, or create_graph would not recognise it (engine).
            arr = dev.xp.asarray(out)
            if ctx.saved:
                ctx.saved = tuple([arr if s is out else s for s in ctx.saved])
            out = arr
        t = _new(Tensor)
        t.data = out
        t.grad = t.name = t._hooks = None
        t._device = dev
        t._version = 0
        t._retains_grad = False
        if record and GradMode.enabled and cls.differentiable:
            if n == 1:
                ctx.needs_input_grad = (True,)
                ctx.versions = (x._version,)
            elif n == 2:
                ctx.needs_input_grad = (x.requires_grad, y.requires_grad)
                ctx.versions = (x._version, y._version)
            elif n == 3:
                ctx.needs_input_grad = (x.requires_grad, y.requires_grad, z.requires_grad)
                ctx.versions = (x._version, y._version, z._version)
            else:
                ctx.needs_input_grad = tuple([p.requires_grad for p in inputs])
                ctx.versions = tuple([p._version for p in inputs])
            ctx.parents = inputs
            ctx.attrs = attrs
            t._ctx = ctx
            t.requires_grad = True
            if _hooks.on_record is not None:
                _hooks.on_record(ctx, t)
        else:
            t._ctx = None
            t.requires_grad = False
        return t


def recorded_input(p, v):
    """The tensor that a node recorded as input `p` at version `v`, and that tensor's version now.

    An in-place op on the graph (`h -= h.mean(0)` on a non-leaf) moves h onto a new node and leaves behind a
    snapshot holding h's previous node and array (ops/inplace.inplace). A node recorded before that, like the
    mean here, must reach the snapshot: through h it would reach h's new node, which depends on the mean itself,
    and the graph would loop. In torch an edge points at the node, not at the tensor, so this cannot happen there.
    `p._past` is unset until the first such op: ((version at the op, snapshot), ...) in order."""
    try:
        past = p._past
    except AttributeError:
        return p, p._version
    for r, snap in past:
        if v <= r:
            return snap, r
    return p, p._version


# tensor.py sets this: the engine sits below tensor.py in the layering and cannot import it
Tensor = None
_new = object.__new__


class _hooks:
    """Set by anomaly detection, the profiler and lazy graphs; None keeps apply() at one attribute check."""

    on_record = None
    # lazy graphs: when set, apply() hands every call to on_apply(cls, inputs, attrs), which runs and records it
    on_apply = None
    # engine: when set, called as on_backward(ctx, bctx, grad, out) instead of ctx.backward(bctx, grad) for each node.
    # The profiler sets it, so code that bypasses apply() off the graph (tensor._scalar_op) checks it too
    on_backward = None
