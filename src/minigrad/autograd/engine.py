"""The backward pass: iterative topological sort, the one unbroadcast, accumulation, freeing saved arrays.

Plain backward moves raw arrays between nodes. With create_graph=True the same op backwards run on Tensors through
a namespace of recorded ops (see function.py), so the gradients are themselves differentiable.
"""
import copy

from . import function as _function
from .function import Function


def toposort(roots):
    """Tensors that require grad, reachable from `roots`, parents before children. Iterative: no recursion limit."""
    order, visited = [], set()
    stack = [(r, False) for r in roots]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in visited:
            continue
        visited.add(id(t))
        stack.append((t, True))
        ctx = t._ctx
        if ctx is not None:
            for p in ctx.parents:
                if p.requires_grad and id(p) not in visited:
                    stack.append((p, False))
    return order


def unbroadcast(xp, grad, shape, dtype):
    """Sum `grad` down to `shape` (undoing broadcasting) and cast it to `dtype`. The only place this happens."""
    if grad.shape != shape:
        extra = len(grad.shape) - len(shape)
        axes = tuple(range(extra)) + tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
        if axes:
            grad = xp.sum(grad, axis=axes, keepdims=True)
        if extra or grad.shape != shape:
            grad = xp.reshape(grad, shape)
    if grad.dtype != dtype:
        grad = xp.astype(grad, dtype)
    return grad


def _check_versions(ctx, out):
    saved = ctx.saved
    for p, v in zip(ctx.parents, ctx.versions):
        if p._version != v and (p.requires_grad or any(s is p.data for s in saved)):
            raise RuntimeError(
                f"backward: a tensor of shape {tuple(p.shape)} used by {ctx.name()} (output shape {tuple(out.shape)}) "
                f"was modified by an in-place operation after {ctx.name()[:-9]} recorded it (version {v}, now "
                f"{p._version}); make the change out of place (x = x + y instead of x += y) or clone the tensor first")
    if out._version != 0 and any(s is out.data for s in saved):
        raise RuntimeError(
            f"backward: the output of {ctx.name()[:-9]} (shape {tuple(out.shape)}) was modified by an in-place "
            f"operation, but {ctx.name()} needs its value; use an out-of-place operation")


def _graph_ctx(ctx, out):
    """A copy of ctx whose xp records Tensor ops and whose saved arrays are the matching Tensors."""
    from ..ops.graph_namespace import namespace_for  # noqa: PLC0415 - ops import the engine

    Tensor = type(out)
    gctx = copy.copy(ctx)
    gctx.xp = namespace_for(out._device)
    mapped = []
    for s in ctx.saved:
        t = s
        if s is out.data:
            t = out
        else:
            for p in ctx.parents:
                if s is p.data:
                    t = p
                    break
            else:
                if hasattr(s, "shape") and hasattr(s, "dtype"):
                    t = Tensor._wrap(s, out._device)
        mapped.append(t)
    gctx.saved = tuple(mapped)
    return gctx


class _Freed:
    """Marks a node whose saved arrays were released by a backward without retain_graph."""


def run_backward(roots, seeds, retain_graph=False, create_graph=False, inputs=None, allow_unused=False):
    """Backpropagate from `roots` with upstream gradients `seeds` (arrays, or Tensors when create_graph).

    Without `inputs`, gradients accumulate into leaves' (and retain_grad tensors') `.grad`. With `inputs`, they
    are returned in that order instead and no `.grad` is touched (autograd.grad).
    """
    Tensor = _function.Tensor
    order = toposort(roots)
    grads = {}
    for r, s in zip(roots, seeds):
        grads[id(r)] = s if id(r) not in grads else grads[id(r)] + s
    passed = {id(s) for s in seeds}  # arrays that may also live elsewhere: copy before storing in a leaf
    wanted = None if inputs is None else {id(t): i for i, t in enumerate(inputs)}
    results = [None] * (0 if inputs is None else len(inputs))

    for t in reversed(order):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        if t._hooks:
            g = _run_tensor_hooks(t, g, create_graph, Tensor)
        ctx = t._ctx
        if wanted is not None:
            i = wanted.get(id(t))
            if i is not None:
                results[i] = g if create_graph else Tensor._wrap(g, t._device)
        elif ctx is None or t._retains_grad:
            _accumulate(t, g, id(g) in passed or getattr(g, "base", None) is not None, create_graph, Tensor)
        if ctx is None:
            continue
        saved = ctx.saved
        if saved is None:
            raise RuntimeError(
                f"backward: trying to backward through the graph a second time: the saved arrays of {ctx.name()} "
                f"(output shape {tuple(t.shape)}) were freed by the first backward. Pass retain_graph=True to the "
                f"first backward() if you need to backward twice")
        _check_versions(ctx, t)
        passed.add(id(g))
        if create_graph:
            gs = ctx.backward(_graph_ctx(ctx, t), g)
        else:
            gs = ctx.backward(ctx, g)
        if type(gs) is not tuple:
            gs = (gs,)
        if len(gs) != len(ctx.parents):
            raise RuntimeError(f"{ctx.name()} returned {len(gs)} gradients for {len(ctx.parents)} inputs")
        xp = ctx.xp
        for p, pg in zip(ctx.parents, gs):
            if pg is None or not p.requires_grad:
                continue
            pdata = p.data
            if pg.shape != pdata.shape or pg.dtype != pdata.dtype:
                pg = unbroadcast(_xp_for(pg, xp, create_graph, p), pg, pdata.shape, pdata.dtype)
            key = id(p)
            prev = grads.get(key)
            grads[key] = pg if prev is None else prev + pg
        if not retain_graph and saved:
            ctx.saved = None
    if inputs is not None:
        for i, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {tuple(inputs[i].shape)}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it")
        return results
    return None


def _xp_for(pg, xp, create_graph, p):
    if create_graph:
        from ..ops.graph_namespace import namespace_for  # noqa: PLC0415

        return namespace_for(p._device)
    return xp


def _accumulate(t, g, maybe_shared, create_graph, Tensor):
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
        return
    if t.grad is None:
        t.grad = Tensor._wrap(g.copy() if maybe_shared else g, t._device)
    else:
        t.grad.data = t.grad.data + g


def _run_tensor_hooks(t, g, create_graph, Tensor):
    gt = g if create_graph else Tensor._wrap(g, t._device)
    for hook in list(t._hooks.values()):
        r = hook(gt)
        if r is not None:
            gt = r
    return gt if create_graph else gt.data


__all__ = ["Function", "run_backward", "toposort", "unbroadcast"]
