"""torch.autograd.functional: vjp, jvp, jacobian, hessian, hvp and vhp of a function of tensors.

Inputs are a Tensor or a tuple of Tensors, and results follow that structure, as torch's. Each call differentiates
fresh leaves that share the inputs' data; with create_graph=True those are identity nodes on the inputs instead,
so the results stay differentiable with respect to the original inputs. jvp uses the double-vjp trick
(see minigrad.func); hvp equals vhp because the Hessian of a twice-differentiable function is symmetric.
"""
from . import function as _function
from .functional_api import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _tuple(x, what, fn):
    Tensor = _function.Tensor
    single = isinstance(x, Tensor)
    if not single and not isinstance(x, tuple):  # as torch: a list is not a tuple of Tensors
        raise TypeError(f"{fn}: The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the given "
                        f"{what} has type {type(x).__name__}.")
    xs = (x,) if single else x
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}: The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the "
                            f"value at index {i} has type {type(t).__name__}.")
    return single, xs


def _prepare(xs, create_graph):
    from ..ops import movement as M  # noqa: PLC0415 - ops sit above autograd in the layering

    Tensor = _function.Tensor
    for i, x in enumerate(xs):
        if x.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients (input {i} has dtype "
                               f"{x.dtype}, shape {tuple(x.shape)})")
    if create_graph:
        return tuple(M.Clone.apply(x) if x.requires_grad else Tensor._wrap(x.data, x._device, True) for x in xs)
    return tuple(Tensor._wrap(x.data, x._device, True) for x in xs)


def _zeros(x):
    return _function.Tensor._wrap(x._device.xp.zeros(x.shape, dtype=x.dtype), x._device)


def _finish(ts, like, create_graph):
    out = [(_zeros(x) if t is None else t) for t, x in zip(ts, like)]
    return tuple(out if create_graph else [t.detach() for t in out])


def _strict_outputs(outs, strict, fn):
    if strict:
        for i, o in enumerate(outs):
            if not o.requires_grad:
                raise RuntimeError(f"{fn}: Output {i} of the user-provided function does not require gradients. The "
                                   "outputs must be computed in a differentiable manner from the input when running "
                                   "in strict mode.")


def _strict_grads(gs, strict, fn, msg="The output of the user-provided function is independent of input {i}"):
    if strict:
        for i, g in enumerate(gs):
            if g is None:
                raise RuntimeError(f"{fn}: {msg.format(i=i)}. This is not allowed in strict mode.")


def _strict_jacobian(gs, strict, fn):
    """hessian/vhp/hvp in strict mode: the gradient must exist and depend on the inputs (f not linear)."""
    _strict_grads(gs, strict, fn)
    if strict:
        for i, g in enumerate(gs):
            if not g.requires_grad:
                raise RuntimeError(f"{fn}: While computing the hessian, found that the jacobian of the user-provided "
                                   f"function with respect to input {i} is independent of the input. This is not "
                                   "allowed in strict mode. You should ensure that your function is twice "
                                   "differentiable and that the jacobian depends on the inputs (this would be "
                                   "violated by a linear function for example).")


def _check_v(v, outs, fn, what="outputs"):
    if v is None:
        if len(outs) != 1 or outs[0].data.size != 1:
            which = ("the user-provided function returns" if what == "outputs"
                     else "the input to the user-provided function is")
            raise RuntimeError(f"{fn}: The vector v can only be None if {which} a single Tensor with a single "
                               f"element (got {what} of shapes "
                               f"{[tuple(o.shape) for o in outs]}).")
        return None
    _, vs = _tuple(v, "v", fn)
    if len(vs) != len(outs):
        raise RuntimeError(f"{fn}: v has {len(vs)} tensors but the function's {what} has {len(outs)}")
    for i, (a, o) in enumerate(zip(vs, outs)):
        if tuple(a.shape) != tuple(o.shape):
            raise RuntimeError(f"{fn}: Mismatch in shape: v[{i}] has a shape of {tuple(a.shape)} and {what}[{i}] "
                               f"has a shape of {tuple(o.shape)}")
    return vs


def _call(func, xs, fn):
    out = func(*xs)
    single, outs = _tuple(out, "outputs of the user-provided function", fn)
    return out, single, outs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J). Matches torch.autograd.functional.vjp."""
    single, xs = _tuple(inputs, "inputs", "vjp")
    with enable_grad():
        xs_ = _prepare(xs, create_graph)
        out, _, outs = _call(func, xs_, "vjp")
        vs = _check_v(v, outs, "vjp")
        _strict_outputs(outs, strict, "vjp")
        pairs = [(o, g) for o, g in zip(outs, vs or (None,) * len(outs)) if o.requires_grad]
        gs = _grad([o for o, _ in pairs], xs_, [g for _, g in pairs] if vs else None, retain_graph=True,
                   create_graph=create_graph, allow_unused=True) if pairs else (None,) * len(xs_)
        _strict_grads(gs, strict, "vjp")
    res = _finish(gs, xs, create_graph)
    return _detach(out, create_graph), res[0] if single else res


def _detach(out, keep):
    if keep:
        return out
    return out.detach() if isinstance(out, _function.Tensor) else tuple(o.detach() for o in out)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v), by the double-vjp trick. Matches torch.autograd.functional.jvp."""
    single, xs = _tuple(inputs, "inputs", "jvp")
    vs = _check_v(v, xs, "jvp", "inputs")
    vs = vs if vs is not None else (_ones(xs[0]),)
    with enable_grad():
        xs_ = _prepare(xs, create_graph)
        out, out_single, outs = _call(func, xs_, "jvp")
        _strict_outputs(outs, strict, "jvp")
        used = [False] * len(xs_)
        res = []
        for o in outs:
            if not o.requires_grad:
                res.append(_zeros(o))
                continue
            u = _function.Tensor._wrap(o._device.xp.ones(o.shape, dtype=o.dtype), o._device, True)
            gs = _grad([o], xs_, [u], retain_graph=True, create_graph=True, allow_unused=True)
            used = [k or g is not None for k, g in zip(used, gs)]
            pairs = [(g, t) for g, t in zip(gs, vs) if g is not None and g.requires_grad]
            r = _grad([g for g, _ in pairs], [u], [t for _, t in pairs], retain_graph=True,
                      create_graph=create_graph, allow_unused=True)[0] if pairs else None
            res.append(_zeros(o) if r is None else r)
        _strict_grads([True if k else None for k in used], strict, "jvp")
    res = _finish(res, outs, create_graph)
    return _detach(out, create_graph), res[0] if out_single else res


def _ones(x):
    return _function.Tensor._wrap(x._device.xp.ones(x.shape, dtype=x.dtype), x._device)


def _stack_rows(rows, shape):
    from ..ops import movement as M  # noqa: PLC0415

    parts = [M.Reshape.apply(r, shape=(1,) + tuple(r.shape)) for r in rows]
    j = parts[0] if len(parts) == 1 else M.Cat.apply(*parts, axis=0)
    return M.Reshape.apply(j, shape=shape)


def _check_strategy(strategy, vectorize, strict, fn, arg="strategy"):
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(f'{fn}: Expected {arg} to be either "forward-mode" or "reverse-mode", got {strategy!r}.')
    if strict and vectorize:
        raise RuntimeError(f"torch.autograd.functional.{fn}: `strict=True` and `vectorized=True` are not supported "
                           "together. Please either set `strict=False` or `vectorize=False`.")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(f"{fn}: Computing Jacobian using forward-AD or forward-over-reverse Hessian is "
                                  "only implemented for `vectorize=True`.")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of func at inputs, one backward per output element; each block has shape
    output.shape + input.shape. Matches torch.autograd.functional.jacobian's results and nesting."""
    _check_strategy(strategy, vectorize, strict, "jacobian")
    single, xs = _tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        xs_ = _prepare(xs, create_graph)
        out, out_single, outs = _call(func, xs_, "jacobian")
        _strict_outputs(outs, strict, "jacobian")
        per_out = []
        for i, o in enumerate(outs):
            n = int(o.data.size)
            blocks = []
            rows = [[] for _ in xs_]
            for k in range(n):
                e = o._device.xp.zeros(n, dtype=o.dtype)
                e[k] = 1
                seed = _function.Tensor._wrap(o._device.xp.reshape(e, o.shape), o._device)
                gs = _grad([o], xs_, [seed], retain_graph=True, create_graph=create_graph,
                           allow_unused=True) if o.requires_grad else (None,) * len(xs_)
                _strict_grads(gs, strict, "jacobian", f"Output {i} of the user-provided function is independent of "
                              "input {i}")
                for r, g, x in zip(rows, gs, xs_):
                    r.append(_zeros(x) if g is None else g)
            for r, x in zip(rows, xs):
                shape = tuple(o.shape) + tuple(x.shape)
                blocks.append(_stack_rows(r, shape) if r else
                              _function.Tensor._wrap(x._device.xp.zeros(shape, dtype=o.dtype), x._device))
            blocks = _finish(blocks, blocks, create_graph)
            per_out.append(blocks[0] if single else blocks)
    return per_out[0] if out_single else tuple(per_out)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar func at inputs: the Jacobian of its gradient. Matches
    torch.autograd.functional.hessian (a tuple of tuples for several inputs)."""
    _check_strategy(outer_jacobian_strategy, vectorize, strict, "hessian", "outer_jacobian_strategy")
    single, xs = _tuple(inputs, "inputs", "hessian")

    def gradient(*ts):
        out = _check_scalar(func(*ts), "hessian")
        _strict_outputs((out,), strict, "hessian")
        gs = _grad([out], ts, create_graph=True, allow_unused=True) if out.requires_grad else (None,) * len(ts)
        _strict_jacobian(gs, strict, "hessian")
        gs = tuple(_zeros(t) if g is None else g for g, t in zip(gs, ts))
        return gs[0] if single else gs

    return jacobian(gradient, xs[0] if single else xs, create_graph=create_graph, strict=strict)


def _check_scalar(out, fn):
    if not isinstance(out, _function.Tensor):  # as torch: not even a 1-tuple
        raise RuntimeError(f"{fn}: The function given to {fn} should return a single Tensor, got "
                           f"{type(out).__name__}")
    if out.data.size != 1:
        raise RuntimeError(f"{fn}: The Tensor returned by the function given to {fn} should contain a single element "
                           f"(got shape {tuple(out.shape)})")
    return out


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a scalar func. Matches torch.autograd.functional.vhp."""
    return _vhp(func, inputs, v, create_graph, strict, "vhp")


def _vhp(func, inputs, v, create_graph, strict, fn):
    single, xs = _tuple(inputs, "inputs", fn)
    vs = _check_v(v, xs, fn, "inputs")
    if vs is None:
        vs = (_ones(xs[0]),)
    with enable_grad():
        xs_ = _prepare(xs, create_graph)
        out = func(*xs_)
        if not isinstance(out, _function.Tensor):
            _tuple(out, "outputs of the user-provided function", fn)
            raise RuntimeError(f"{fn}: The function given to {fn} should return a single Tensor, got a "
                               f"{type(out).__name__}")
        scalar = _check_scalar(out, fn)
        _strict_outputs((scalar,), strict, fn)
        gs = (_grad([scalar], xs_, create_graph=True, allow_unused=True) if scalar.requires_grad
              else (None,) * len(xs_))
        _strict_jacobian(gs, strict, fn)
        pairs = [(g, t) for g, t in zip(gs, vs) if g is not None and g.requires_grad]
        res = _grad([g for g, _ in pairs], xs_, [t for _, t in pairs], retain_graph=True, create_graph=create_graph,
                    allow_unused=True) if pairs else (None,) * len(xs_)
        _strict_grads(res, strict, fn, "The jacobian of the user-provided function is independent of input {i}")
    res = _finish(res, xs, create_graph)
    return _detach(out, create_graph), res[0] if single else res


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a scalar func; equal to vhp since H is symmetric. Matches
    torch.autograd.functional.hvp."""
    return _vhp(func, inputs, v, create_graph, strict, "hvp")
