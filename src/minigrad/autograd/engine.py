"""The backward pass: iterative topological sort, the one unbroadcast, accumulation, freeing saved arrays.

Plain backward moves raw arrays between nodes. With create_graph=True the same op backwards run on Tensors through
a namespace of recorded ops (see function.py), so the gradients are themselves differentiable.
"""
import gc

from . import function as _function
from .function import recorded_input

_new = object.__new__


def count_dependencies(roots, hooked_leaves):
    """For each node (Function) reachable from `roots` through tensors that require grad, the number of edges
    from other reachable nodes into it: a node may run once that many gradients have arrived (Kahn's algorithm, as
    torch's engine does). Iterative, so a 100,000-op chain needs no recursion. Leaves are not counted, except that
    `hooked_leaves` receives the number of edges into each leaf with hooks, so that its hooks can run once on the
    summed gradient (as torch's do)."""
    deps = {}
    stack = []
    for root in roots:
        ctx = root._ctx
        if ctx is not None and ctx not in deps:
            deps[ctx] = 0
            stack.append(ctx)
    while stack:
        ctx = stack.pop()
        for p in ctx.parents:
            pc = p._ctx
            if pc is not None and p._version:  # a non-leaf changed in place: maybe rebased since ctx recorded it
                p = _as_recorded(ctx, p)
                pc = p._ctx
            if pc is None:
                if p._hooks:
                    hooked_leaves[id(p)] = hooked_leaves.get(id(p), 0) + 1
            elif p.requires_grad:
                n = deps.get(pc)
                if n is None:
                    deps[pc] = 1
                    stack.append(pc)
                else:
                    deps[pc] = n + 1
    return deps


def _as_recorded(ctx, p):
    # measured: zipping every node's parents with its versions doubled count_dependencies' time on a chain
    for q, v in zip(ctx.parents, ctx.versions):
        if q is p:
            return recorded_input(p, v)[0] if p._version != v else p
    return p


def unbroadcast(xp, grad, shape, dtype):
    """Sum `grad` down to `shape` (undoing broadcasting) and cast it to `dtype`. The only place this happens."""
    gshape = grad.shape
    if gshape != shape:
        extra = len(gshape) - len(shape)
        inner = tuple([i + extra for i, n in enumerate(shape) if n == 1 and gshape[i + extra] != 1])
        if not inner:
            # only leading axes to drop (a bias): one reduction straight to `shape`, with an int axis where it
            # can be (a tuple axis costs NumPy ~2 us to normalise)
            grad = xp.sum(grad, axis=0 if extra == 1 else tuple(range(extra)))
        else:
            grad = xp.sum(grad, axis=tuple(range(extra)) + inner, keepdims=True)
            grad = xp.reshape(grad, shape)
    if grad.dtype != dtype:
        grad = xp.astype(grad, dtype)
    return grad


def _check_versions(ctx, out):
    """Raise if an input or the output of ctx changed in place after ctx recorded it (slow path only)."""
    saved = ctx.saved
    for p, v in zip(ctx.parents, ctx.versions):
        if p._version == v:
            continue
        # an in-place op on the graph leaves ctx's input intact in a snapshot (recorded_input); torch still raises
        # when ctx saved it, as there the array itself changed, and so does minigrad
        q, now = recorded_input(p, v)
        saved_q = any(s is q.data for s in saved)
        if saved_q or (now != v and q.requires_grad):
            raise RuntimeError(
                f"backward: a tensor of shape {tuple(p.shape)} used by {ctx.name()} (output shape {tuple(out.shape)}) "
                f"was modified by an in-place operation after {ctx.name()[:-9]} recorded it (version {v}, now "
                f"{p._version}); make the change out of place (x = x + y instead of x += y) or clone the tensor first")
    if out._version != ctx.out_version and any(s is out.data for s in saved):
        raise RuntimeError(
            f"backward: the output of {ctx.name()[:-9]} (shape {tuple(out.shape)}) was modified by an in-place "
            f"operation, but {ctx.name()} needs its value; use an out-of-place operation")


def _graph_ctx(ctx, out):
    """A copy of ctx whose xp records Tensor ops and whose saved arrays are the matching Tensors."""
    from ..ops.graph_namespace import namespace_for  # noqa: PLC0415 - ops import the engine

    Tensor = type(out)
    gctx = _new(type(ctx))  # shallow copy: copy.copy's __reduce_ex__ costs more than a small op's backward
    gctx.__dict__.update(ctx.__dict__)
    gctx.xp = namespace_for(out._device)
    mapped = []
    for s in ctx.saved:
        t = s
        if s is out.data:
            t = out
        else:
            for p in ctx.recorded_parents():
                if s is p.data:
                    t = p
                    break
            else:
                if hasattr(s, "shape") and hasattr(s, "dtype"):
                    t = Tensor._wrap(s, out._device)
        mapped.append(t)
    gctx.saved = tuple(mapped)
    return gctx


class _Attach(_function.Function):
    """g itself, made to depend on saved tensors with a zero derivative (see _attach_saved)."""

    @staticmethod
    def forward(ctx, g, *saved):
        return g

    @staticmethod
    def backward(ctx, grad):
        return (grad, *[None if not need else ctx.xp.zeros_like(p.data if hasattr(p, "_ctx") else p)
                        for need, p in zip(ctx.needs_input_grad[1:], ctx.parents[1:])])


def _attach_saved(bctx, gs):
    """torch's differentiable backward of an op that reads a saved tensor (relu's result, abs's input, a max's
    input) gives a gradient that depends on it, though only through a mask: its derivative there is zero, and
    torch returns zeros for it, where minigrad's recorded backward, whose masks are plain comparisons, left the
    gradient off the graph (so autograd.grad of it raised "does not require grad"). Such a gradient is attached to
    the saved tensors that require grad, with a zero derivative."""
    live = [s for s in bctx.saved if getattr(s, "requires_grad", False)]
    if not live:
        return gs
    return tuple(g if g is None or g.requires_grad else _Attach.apply(g, *live) for g in gs)


def run_backward(roots, seeds, retain_graph=False, create_graph=False, inputs=None, allow_unused=False):
    """Backpropagate from `roots` with upstream gradients `seeds` (arrays, or Tensors when create_graph).

    Without `inputs`, gradients accumulate into leaves' (and retain_grad tensors') `.grad`. With `inputs`, they
    are returned in that order instead and no `.grad` is touched (autograd.grad).
    """
    # measured: on a 100,000-node graph the cyclic GC, triggered by allocations while every node is alive, took a
    # third of backward's time; backward creates no reference cycles, so it runs with the collector paused.
    if not gc.isenabled():
        return _run_backward(roots, seeds, retain_graph, create_graph, inputs, allow_unused)
    gc.disable()
    try:
        return _run_backward(roots, seeds, retain_graph, create_graph, inputs, allow_unused)
    finally:
        gc.enable()


def backward_plain(root, seed, retain_graph):
    """Tensor.backward() into the leaves' .grad, without create_graph or inputs: the loop of _run_backward minus
    the branches that only autograd.grad, create_graph, leaf hooks, anomaly detection and the profiler need
    (measured: about a third of the engine's cost per node on 4x4 tensors). Anything else goes to run_backward."""
    if _function._hooks.on_backward is not None or root._ctx is None:
        return run_backward([root], [seed], retain_graph)
    enabled = gc.isenabled()
    gc.disable()  # see run_backward
    try:
        hooked = {}
        deps = count_dependencies((root,), hooked)
        if hooked:
            return _run_backward([root], [seed], retain_graph, False, None, False)
        Tensor = _function.Tensor
        grads = {root._ctx: seed}
        # nodes whose pending gradient is an array that only the engine holds: a fresh result of one backward (not
        # a gradient passed through, not a view) or a sum of several; ops with backward_owned may write into it
        owned = set()
        ready = [root]
        while ready:
            t = ready.pop()
            ctx = t._ctx
            parents = ctx.parents
            g = grads.pop(ctx, None)
            if g is None:
                _release(ctx, deps, ready)
                continue
            if t._hooks or t._retains_grad:
                owned.discard(ctx)  # a hook may keep the gradient it was shown
                if t._hooks:
                    g = _run_tensor_hooks(t, g, False, Tensor)
                if t._retains_grad:
                    _accumulate(t, g, True, False, Tensor)
            saved = ctx.saved
            if saved is None:
                _raise_freed(ctx, t)
            if t._version and saved:
                _check_versions(ctx, t)
            gs = (ctx.backward_owned if ctx.backward_owned is not None and ctx in owned else ctx.backward)(ctx, g)
            if type(gs) is not tuple:
                gs = (gs,)
            if len(gs) != len(parents):
                raise RuntimeError(f"{ctx.name()} returned {len(gs)} gradients for {len(parents)} inputs")
            # the inputs' versions are checked in the loop that delivers the gradients (one loop per node, not
            # two; measured ~1 us less per small-op step): a changed input raises before its own gradient or any
            # later one is delivered (as in torch, what earlier nodes delivered to leaves stays)
            for p, pg, v in zip(parents, gs, ctx.versions):
                if p._version != v:
                    _check_versions(ctx, t)
                    p = recorded_input(p, v)[0]
                if not p.requires_grad:
                    continue
                pc = p._ctx
                if pg is not None:
                    pdata = p.data
                    if pg.shape != pdata.shape or (pg.dtype is not pdata.dtype and pg.dtype != pdata.dtype):
                        pg = unbroadcast(ctx.xp, pg, pdata.shape, pdata.dtype)
                    if pc is None:
                        if p.grad is None:
                            p.grad = Tensor._wrap(_owned(pg, pg is g, p), p._device)
                        else:
                            _add_into_grad(p, pg)
                        continue
                    prev = grads.get(pc)
                    if prev is None:
                        grads[pc] = pg
                        if pg is not g and pg.base is None:
                            owned.add(pc)
                    else:
                        grads[pc] = prev + pg
                        owned.add(pc)
                elif pc is None:
                    continue
                n = deps[pc] = deps[pc] - 1
                if not n:
                    ready.append(p)
            if not retain_graph and saved:
                ctx.saved = None
    finally:
        if enabled:
            gc.enable()


def _leading_to(roots, deps, wanted):
    """The nodes among `deps` (count_dependencies' result) from which a tensor whose id is in `wanted` can be
    reached: a Kahn pass gives the nodes children first, then each node is needed when one of its inputs is
    wanted or made by a needed node."""
    pending = dict(deps)
    order, ready = [], list({r._ctx for r in roots if r._ctx is not None and pending.get(r._ctx) == 0})
    while ready:
        ctx = ready.pop()
        order.append(ctx)
        for p in ctx.recorded_parents():
            pc = p._ctx
            if pc is not None and p.requires_grad:
                pending[pc] -= 1
                if not pending[pc]:
                    ready.append(pc)
    needed = set()
    for ctx in reversed(order):
        if any(id(p) in wanted or (p._ctx is not None and p._ctx in needed) for p in ctx.recorded_parents()):
            needed.add(ctx)
    return needed


def _release(ctx, deps, ready):
    """A node that received no gradient (an input without one) still releases its parents' counts."""
    for p in ctx.recorded_parents():
        pc = p._ctx
        if pc is not None and p.requires_grad:
            n = deps[pc] = deps[pc] - 1
            if not n:
                ready.append(p)


def _raise_freed(ctx, t):
    raise RuntimeError(
        f"backward: trying to backward through the graph a second time: the saved arrays of {ctx.name()} "
        f"(output shape {tuple(t.shape)}) were freed by the first backward. Pass retain_graph=True to the "
        f"first backward() if you need to backward twice")


def _run_backward(roots, seeds, retain_graph, create_graph, inputs, allow_unused):
    Tensor = _function.Tensor
    wanted = None if inputs is None else {id(t): i for i, t in reversed(list(enumerate(inputs)))}  # first place
    results = [None] * (0 if inputs is None else len(inputs))

    def deliver(t, g, shared):
        # a leaf, a retain_grad tensor or a wanted input receives g; with `inputs`, a tensor not among them is off
        # the paths torch runs, so its hooks do not fire either
        i = None if wanted is None else wanted.get(id(t))
        if wanted is not None and i is None:
            return
        if t._hooks:
            g = _run_tensor_hooks(t, g, create_graph, Tensor)
        if i is not None:
            prev = results[i]
            results[i] = g if prev is None else prev + g
        else:
            _accumulate(t, g, shared, create_graph, Tensor)

    grads = {}  # node (Function) -> the sum of the gradients that reached its output so far
    for r, s in zip(roots, seeds):
        ctx = r._ctx
        if ctx is None:
            deliver(r, s, True)
        else:
            prev = grads.get(ctx)
            grads[ctx] = s if prev is None else prev + s

    hooks = _function._hooks
    hooked = {}
    waiting = {}  # leaf id -> [leaf, summed grad] for hooked leaves still expecting gradients
    deps = count_dependencies(roots, hooked)
    # with `inputs`, only the nodes on a path to one of them run (as torch): no hooks fire and no freed graph is
    # touched below them
    needed = None if wanted is None else _leading_to(roots, deps, wanted)
    # a node runs once every edge into it has delivered (or declined to deliver) its gradient
    ready = []
    for r in roots:
        ctx = r._ctx
        if ctx is not None and deps[ctx] == 0:
            deps[ctx] = -1  # a root listed twice starts once
            ready.append(r)
    while ready:
        t = ready.pop()
        ctx = t._ctx
        parents = ctx.parents
        if needed is not None and ctx not in needed and id(t) not in wanted:
            grads.pop(ctx, None)
            continue
        g = grads.pop(ctx, None)
        if g is None:
            _release(ctx, deps, ready)
            continue
        if t._hooks or t._retains_grad or wanted is not None and id(t) in wanted:
            if t._hooks:
                g = _run_tensor_hooks(t, g, create_graph, Tensor)
            if t._retains_grad:  # autograd.grad fills retain_grad tensors too, as torch 2's does
                _accumulate(t, g, True, create_graph, Tensor)
            if wanted is not None and id(t) in wanted:
                results[wanted[id(t)]] = g
        if needed is not None and ctx not in needed:
            continue
        saved = ctx.saved
        if saved is None:
            _raise_freed(ctx, t)
        for p, v in zip(parents, ctx.versions):
            if p._version != v:
                _check_versions(ctx, t)
        if t._version and saved:
            _check_versions(ctx, t)
        bctx = _graph_ctx(ctx, t) if create_graph else ctx
        # anomaly detection and the profiler wrap each node's backward; None costs one attribute check
        gs = ctx.backward(bctx, g) if hooks.on_backward is None else hooks.on_backward(ctx, bctx, g, t)
        if type(gs) is not tuple:
            gs = (gs,)
        if create_graph:
            gs = _attach_saved(bctx, gs)
        if len(gs) != len(parents):
            raise RuntimeError(f"{ctx.name()} returned {len(gs)} gradients for {len(parents)} inputs")
        for p, pg, v in zip(parents, gs, ctx.versions):
            if p._version != v:
                p = recorded_input(p, v)[0]
            if not p.requires_grad:
                continue
            pc = p._ctx
            if pg is not None:
                pdata = p.data
                if pg.shape != pdata.shape or (pg.dtype is not pdata.dtype and pg.dtype != pdata.dtype):
                    pg = unbroadcast(bctx.xp, pg, pdata.shape, pdata.dtype)  # bctx.xp records under create_graph
                if pc is not None:
                    prev = grads.get(pc)
                    grads[pc] = pg if prev is None else prev + pg
                elif p._hooks and id(p) in hooked:
                    key = id(p)
                    entry = waiting.get(key)
                    if entry is None:
                        entry = waiting[key] = [p, pg]
                    else:
                        entry[1] = entry[1] + pg
                    hooked[key] -= 1
                    if hooked[key] == 0:
                        del waiting[key]
                        deliver(p, entry[1], True)
                else:
                    deliver(p, pg, create_graph or pg is g or pg.base is not None)
            if pc is not None:
                n = deps[pc] - 1
                deps[pc] = n
                if not n:
                    ready.append(p)
        if not retain_graph and saved:
            ctx.saved = None
    for p, summed in waiting.values():  # edges from nodes that received no gradient never arrived
        deliver(p, summed, True)
    if inputs is not None:
        for i, t in enumerate(inputs):  # an input listed twice gets its gradient twice, as in torch
            results[i] = results[wanted[id(t)]]
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {tuple(inputs[i].shape)}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it")
        if not create_graph:
            results = [None if r is None else Tensor._wrap(r, inputs[i]._device) for i, r in enumerate(results)]
        return results
    return None


def _owned(g, shared, t):
    """An array that the leaf `t` may keep as its .grad: a copy when g may live elsewhere too (an incoming grad
    passed through, as Add does, or a view), and never a NumPy scalar."""
    if shared or g.base is not None:
        return t._device.xp.array(g, copy=True)
    if not g.shape and type(g) is not t._device.xp.ndarray:
        return t._device.xp.asarray(g)
    return g


def _accumulate(t, g, maybe_shared, create_graph, Tensor):
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = Tensor._wrap(_owned(g, maybe_shared, t), t._device)
    else:
        _add_into_grad(t, g)


def _add_into_grad(t, g):
    # out of place: code that kept a reference to the previous .grad array (func transforms, users) keeps its value
    total = t.grad.data + g
    t.grad.data = total if total.shape else t._device.xp.asarray(total)


def _run_tensor_hooks(t, g, create_graph, Tensor):
    gt = g if create_graph else Tensor._wrap(g, t._device)
    for hook in list(t._hooks.values()):
        r = hook(gt)
        if r is not None:
            # as torch: a hook may replace the gradient, not reshape or recast it (that would be summed or cast
            # away below it without a word)
            if not isinstance(r, Tensor) or r.shape != gt.shape or r.dtype != gt.dtype:
                got = (f"a {type(r).__name__}" if not isinstance(r, Tensor) else
                       f"shape {tuple(r.shape)} and dtype {r.dtype}")
                raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} on a tensor of shape {tuple(t.shape)} "
                                   f"returned {got}; it must return None or a Tensor of shape "
                                   f"{tuple(gt.shape)} and dtype {gt.dtype}")
            gt = r
    return gt if create_graph else gt.data


__all__ = ["backward_plain", "count_dependencies", "run_backward", "unbroadcast"]
