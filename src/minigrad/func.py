"""Function transforms under torch.func's names: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap.

They are built on the tape, not on a tracer: a transform calls `func` on fresh aliases of the differentiated
arguments and runs `autograd.grad` on the recorded graph. Each alias is a new node (or a new leaf), so nested
transforms never confuse one level's variable with another's (grad of `x * grad(lambda y: x * y)(x)` is right).
A backward records its own graph (create_graph) only when the result reaches a tensor that requires grad outside
this transform, such as an outer transform's alias or a model parameter, so that transforms compose with each other
and with `.backward()`; at top level the results come back detached, as torch.func's do.

jvp uses the double-vjp trick: g(u) = J^T u is linear in u, so differentiating <g(u), .> with respect to u in the
direction v gives J v. jacfwd builds columns from jvps, jacrev rows from vjps; hessian is jacfwd(jacrev(f)).
vmap maps by looping over the batch axis and stacking (correct for any function; not a vectorising compiler).
"""
import functools

from .autograd import function as _function
from .autograd.functional_api import grad as _autograd_grad
from .autograd.grad_mode import enable_grad
from .ops import movement as M

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap", "functional_call"]


# ----------------------------------------------------------------------------------- pytrees of tensors
def _flatten(tree):
    """Leaves of nested tuples/lists/dicts, and a function that rebuilds the tree from new leaves."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(x) for x in tree]
        sizes = [len(p[0]) for p in parts]

        def build(leaves):
            out, k = [], 0
            for (_, b), n in zip(parts, sizes):
                out.append(b(leaves[k:k + n]))
                k += n
            return type(tree)(out)

        return [leaf for p in parts for leaf in p[0]], build
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, build_vals = _flatten([tree[k] for k in keys])
        return leaves, lambda new: dict(zip(keys, build_vals(new)))
    return [tree], lambda new: new[0]


def _spec(tree):
    """The structure of a pytree (leaves as '*'), for comparing a cotangent's structure with an output's."""
    if isinstance(tree, (tuple, list)):
        return type(tree).__name__, tuple(_spec(x) for x in tree)
    if isinstance(tree, dict):
        return "dict", tuple((k, _spec(v)) for k, v in tree.items())
    return "*"


def _check_outputs(leaves, fn):
    for o in leaves:
        if not isinstance(o, _function.Tensor):
            raise RuntimeError(f"{fn}: expected f(*args) to return only tensors (or tuples/lists/dicts of them), "
                               f"got unsupported type {type(o).__name__}")


def _check_tensor(x, fn, what):
    if not isinstance(x, _function.Tensor):
        raise ValueError(f"{fn}: expected {what} to be a Tensor (or a tuple/list/dict of Tensors), got "
                         f"{type(x).__name__}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{fn}: can only differentiate with respect to floating point tensors, got {what} of "
                           f"dtype {x.dtype} (shape {tuple(x.shape)})")


def _alias(x):
    """A fresh differentiable stand-in for x: a new node on x's graph if x requires grad, else a new leaf."""
    Tensor = _function.Tensor
    if x.requires_grad:
        return M.Clone.apply(x)
    return Tensor._wrap(x.data, x._device, requires_grad=True)


def _reaches_outside(outputs, aliases):
    """Does any output depend on a requires-grad leaf other than these aliases (an outer variable)?"""
    own = {id(a) for a in aliases}
    stack = [o for o in outputs if isinstance(o, _function.Tensor) and o.requires_grad]
    seen = set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t._ctx is None:
            if id(t) not in own:
                return True
            continue
        stack.extend(p for p in t._ctx.recorded_parents() if p.requires_grad)
    return False


def _detach_tree(tree, keep):
    if keep:
        return tree
    leaves, build = _flatten(tree)
    return build([x.detach() if isinstance(x, _function.Tensor) else x for x in leaves])


def _argnums_tuple(argnums, nargs, fn):
    if not isinstance(argnums, (int, tuple)) or isinstance(argnums, bool):
        raise RuntimeError(f"{fn}: argnums must be int or Tuple[int, ...], got: {type(argnums).__name__}")
    nums = (argnums,) if isinstance(argnums, int) else argnums
    if not nums:
        raise RuntimeError(f"{fn}: argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int) or isinstance(a, bool):
            raise RuntimeError(f"{fn}: argnums must be int or Tuple[int, ...], got an element of type "
                               f"{type(a).__name__}")
        if not -nargs <= a < nargs:
            raise RuntimeError(f"{fn}: Got argnums={argnums}, but only {nargs} positional inputs")
    nums = tuple(a % nargs for a in nums)
    if len(set(nums)) != len(nums):
        raise RuntimeError(f"{fn}: argnums elements must be unique, got {argnums}")
    return nums


def _prepare(args, argnums, fn):
    """Replace args[argnums] by aliases; return new args, the aliased trees' (leaves, build) and all aliases."""
    nums = _argnums_tuple(argnums, len(args), fn)
    args = list(args)
    trees = []
    for a in nums:
        leaves, build = _flatten(args[a])
        for x in leaves:
            _check_tensor(x, fn, f"argument {a}")
        al = [_alias(x) for x in leaves]
        args[a] = build(al)
        trees.append((al, build))
    return args, trees, [x for al, _ in trees for x in al]


def _split_aux(out, has_aux, fn):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{fn}(f, has_aux=True): f must return a (output, aux) tuple")
    return out


def _zeros_for(x):
    Tensor = _function.Tensor
    return Tensor._wrap(x._device.xp.zeros(x.shape, dtype=x.dtype), x._device)


def _vjp_call(outputs, aliases, cotangents, create_graph):
    gs = _autograd_grad(outputs, aliases, cotangents, retain_graph=True, create_graph=create_graph,
                        allow_unused=True)
    return [(_zeros_for(a) if g is None else g) for a, g in zip(aliases, gs)]


# ----------------------------------------------------------------------------------- grad
def grad_and_value(func, argnums=0, has_aux=False):
    """f -> (gradient of f's scalar output with respect to args[argnums], f's output). Matches torch.func.

    Returns `(grad, value)`, or `(grad, (value, aux))` with has_aux. With a tuple argnums, grad is a tuple.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with enable_grad():
            new_args, trees, aliases = _prepare(args, argnums, "grad")
            out = func(*new_args, **kwargs)
            out, aux = _split_aux(out, has_aux, "grad")
            if not isinstance(out, _function.Tensor):
                raise RuntimeError(f"grad: Expected f(*args) to return a scalar Tensor, got {type(out).__name__}")
            if out.ndim != 0:
                raise RuntimeError(f"grad: Expected f(*args) to return a scalar Tensor, got {tuple(out.shape)} (a "
                                   f"{out.ndim}-dim tensor). Maybe you wanted to use the vjp or jacrev APIs instead?")
            keep = _reaches_outside([out], aliases)
            if out.requires_grad:
                gs = _vjp_call([out], aliases, None, keep)
            else:
                gs = [_zeros_for(a) for a in aliases]
        k, per_tree = 0, []
        for al, build in trees:
            per_tree.append(build(gs[k:k + len(al)]))
            k += len(al)
        g = per_tree[0] if isinstance(argnums, int) else tuple(per_tree)
        value = out if keep else out.detach()
        if has_aux:
            return g, (value, _detach_tree(aux, keep))
        return g, value

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """f -> a function returning the gradient of f's scalar output with respect to args[argnums].
    Matches torch.func.grad.

    >>> import minigrad
    >>> from minigrad.func import grad
    >>> grad(grad(lambda x: (x ** 3).sum()))(minigrad.tensor(2.0))
    tensor(12.)
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


# ----------------------------------------------------------------------------------- vjp / jvp
def vjp(func, *primals, has_aux=False):
    """Run func(*primals); return (output, vjp_fn[, aux]) where vjp_fn(cotangents) gives one vector-Jacobian
    product per primal, as a tuple. Matches torch.func.vjp."""
    if not primals:
        raise RuntimeError("vjp(f, *primals): Expected primals to contain at least one Tensor")
    with enable_grad():
        args, trees, aliases = _prepare(primals, tuple(range(len(primals))), "vjp")
        out = func(*args)
        out, aux = _split_aux(out, has_aux, "vjp")
    out_leaves, _ = _flatten(out)
    _check_outputs(out_leaves, "vjp")
    keep = _reaches_outside(out_leaves, aliases)

    def vjp_fn(cotangents):
        cot_leaves, _ = _flatten(cotangents)
        if _spec(cotangents) != _spec(out):
            raise RuntimeError(f"vjp_fn: Expected the pytree structure of the cotangents to be the same as that of "
                               f"the outputs of the function: cotangents {_spec(cotangents)}, outputs {_spec(out)}")
        for i, (o, c) in enumerate(zip(out_leaves, cot_leaves)):
            if not isinstance(c, _function.Tensor):
                raise RuntimeError(f"vjp_fn: Expected cotangent {i} to be a Tensor, got {type(c).__name__}")
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"vjp_fn: Expected cotangent {i} to have shape {tuple(o.shape)}, got "
                                   f"{tuple(c.shape)}")
        pairs = [(o, c) for o, c in zip(out_leaves, cot_leaves) if o.requires_grad]
        graph = keep or any(c.requires_grad for c in cot_leaves)
        with enable_grad():
            if pairs:
                gs = _vjp_call([o for o, _ in pairs], aliases, [c for _, c in pairs], graph)
            else:
                gs = [_zeros_for(a) for a in aliases]
        k, res = 0, []
        for al, build in trees:
            res.append(build(gs[k:k + len(al)]))
            k += len(al)
        return tuple(res)

    out_ret = _detach_tree(out, keep)
    return (out_ret, vjp_fn, _detach_tree(aux, keep)) if has_aux else (out_ret, vjp_fn)


def _ones_like(x, requires_grad=False):
    Tensor = _function.Tensor
    return Tensor._wrap(x._device.xp.ones(x.shape, dtype=x.dtype), x._device, requires_grad)


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J @ tangents): a Jacobian-vector product. Matches torch.func.jvp.

    Args:
        func: maps the primals (Tensors or trees of Tensors) to a Tensor or a tuple of Tensors.
        primals: a tuple of arguments. tangents: a tuple with the same structure and shapes.
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError("jvp: Expected primals and tangents to be tuples")
    if not primals:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to contain at least one Tensor")
    p_leaves, _ = _flatten(primals)
    t_leaves, _ = _flatten(tangents)
    if len(p_leaves) != len(t_leaves) or _spec(primals) != _spec(tangents):
        raise RuntimeError(f"jvp: Expected primals and tangents to have the same structure ({len(p_leaves)} vs "
                           f"{len(t_leaves)} tensors)")
    for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(f"jvp: Expected primal {i} (shape {tuple(p.shape)}) and its tangent (shape "
                               f"{tuple(t.shape)}) to have the same shape")
    with enable_grad():
        args, trees, aliases = _prepare(primals, tuple(range(len(primals))), "jvp")
        out = func(*args)
        out, aux = _split_aux(out, has_aux, "jvp")
        out_leaves, build_out = _flatten(out)
        _check_outputs(out_leaves, "jvp")
        keep = _reaches_outside(out_leaves, aliases) or any(t.requires_grad for t in t_leaves)
        jv = _jvp_leaves(out_leaves, aliases, t_leaves, keep)
    result = (_detach_tree(out, keep), build_out(jv))
    return result + (_detach_tree(aux, keep),) if has_aux else result


def _jvp_leaves(out_leaves, aliases, tangents, keep):
    """J v for each output leaf, by differentiating u -> J^T u (linear in u) in the direction v."""
    jv = []
    for o in out_leaves:
        if not o.requires_grad:
            jv.append(_zeros_for(o))
            continue
        u = _ones_like(o, requires_grad=True)
        gs = _autograd_grad([o], aliases, [u], retain_graph=True, create_graph=True, allow_unused=True)
        pairs = [(g, t) for g, t in zip(gs, tangents) if g is not None and g.requires_grad]
        if not pairs:
            jv.append(_zeros_for(o))
            continue
        (r,) = _autograd_grad([g for g, _ in pairs], [u], [t for _, t in pairs], retain_graph=True,
                              create_graph=keep, allow_unused=True)
        jv.append(_zeros_for(o) if r is None else r)
    return jv


# ----------------------------------------------------------------------------------- Jacobians
def _stack(ts, axis=0):
    """Stack equal-shaped tensors along a new axis (differentiable)."""
    shape = tuple(ts[0].shape)
    axis = axis % (len(shape) + 1)
    new = shape[:axis] + (1,) + shape[axis:]
    parts = [M.Reshape.apply(t, shape=new) for t in ts]
    return parts[0] if len(parts) == 1 else M.Cat.apply(*parts, axis=axis)


def _basis(x):
    """One-hot tensors e_0 ... e_{n-1} shaped like x."""
    Tensor = _function.Tensor
    xp = x._device.xp
    n = int(x.data.size)
    eye = xp.eye(n, dtype=x.dtype)
    return [Tensor._wrap(xp.reshape(eye[i], x.shape), x._device) for i in range(n)]


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """f -> a function returning the Jacobian of f with respect to args[argnums], one row per output element
    (reverse mode). Shape: output.shape + input.shape. Matches torch.func.jacrev (chunk_size is accepted and
    ignored: rows are computed one backward at a time)."""

    @functools.wraps(func)
    def wrapper(*args):
        with enable_grad():
            new_args, trees, aliases = _prepare(args, argnums, "jacrev")
            out = func(*new_args)
            out, aux = _split_aux(out, has_aux, "jacrev")
            out_leaves, build_out = _flatten(out)
            _check_outputs(out_leaves, "jacrev")
            keep = _reaches_outside(out_leaves, aliases)
            per_out = []
            for o in out_leaves:
                rows = [[] for _ in aliases]
                for e in _basis(o):
                    gs = (_vjp_call([o], aliases, [e], keep) if o.requires_grad
                          else [_zeros_for(a) for a in aliases])
                    for r, g in zip(rows, gs):
                        r.append(g)
                jacs = []
                for a, r in zip(aliases, rows):
                    j = _stack(r) if r else _zeros_for(a)
                    jacs.append(M.Reshape.apply(j, shape=tuple(o.shape) + tuple(a.shape)))
                per_out.append(_rebuild(jacs, trees, argnums))
        result = build_out(per_out)
        return (result, _detach_tree(aux, keep)) if has_aux else result

    return wrapper


def _rebuild(jacs, trees, argnums):
    k, res = 0, []
    for al, build in trees:
        res.append(build(jacs[k:k + len(al)]))
        k += len(al)
    return res[0] if isinstance(argnums, int) else tuple(res)


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """f -> a function returning the Jacobian of f with respect to args[argnums], one column per input element
    (Jacobian-vector products). Shape: output.shape + input.shape. Matches torch.func.jacfwd."""

    @functools.wraps(func)
    def wrapper(*args):
        with enable_grad():
            new_args, trees, aliases = _prepare(args, argnums, "jacfwd")
            out = func(*new_args)
            out, aux = _split_aux(out, has_aux, "jacfwd")
            out_leaves, build_out = _flatten(out)
            _check_outputs(out_leaves, "jacfwd")
            keep = _reaches_outside(out_leaves, aliases)
            per_out = []
            for o in out_leaves:
                jacs = []
                if o.requires_grad:
                    u = _ones_like(o, requires_grad=True)
                    gs = _autograd_grad([o], aliases, [u], retain_graph=True, create_graph=True, allow_unused=True)
                for i, a in enumerate(aliases):
                    g = gs[i] if o.requires_grad else None
                    if g is None or not g.requires_grad:
                        cols = None
                    else:
                        cols = [_autograd_grad([g], [u], [e], retain_graph=True, create_graph=keep,
                                               allow_unused=True)[0] for e in _basis(a)]
                        cols = [(_zeros_for(o) if c is None else c) for c in cols]
                    shape = tuple(o.shape) + tuple(a.shape)
                    if cols is None:
                        Tensor = _function.Tensor
                        jacs.append(Tensor._wrap(o._device.xp.zeros(shape, dtype=o.dtype), o._device))
                    else:
                        j = _stack(cols, axis=-1) if cols else _zeros_for(o)
                        jacs.append(M.Reshape.apply(j, shape=shape))
                per_out.append(_rebuild(jacs, trees, argnums))
        result = build_out(per_out)
        return (result, _detach_tree(aux, keep)) if has_aux else result

    return wrapper


def hessian(func, argnums=0):
    """f -> a function returning the Hessian of f's scalar output: jacfwd(jacrev(f)). Matches torch.func.hessian."""
    return jacfwd(jacrev(func, argnums), argnums)


# ----------------------------------------------------------------------------------- vmap
def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """f -> a function mapping f over a batch axis of its arguments. Matches torch.func.vmap's results.

    in_dims is an int, None, or a tuple with one entry per positional argument (each an int, None, or a pytree
    matching that argument); keyword arguments are not mapped. f may return a Tensor or a pytree of Tensors;
    out_dims is an int or a tuple with one entry per element of a tuple output.

    NOTE: implemented as a Python loop over the batch followed by a stack: the results are torch's, the speed is
    that of the loop.
    """
    name = getattr(func, "__name__", type(func).__name__)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        if isinstance(in_dims, int) or in_dims is None:
            dims = (in_dims,) * len(args)
        elif isinstance(in_dims, tuple):
            dims = in_dims
        else:
            raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                             f"structure of inputs, got: {type(in_dims).__name__}.")
        if len(dims) != len(args):
            raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`: in_dims has "
                             f"{len(dims)} entries but the function got {len(args)} positional arguments")
        flat = []  # per argument: (leaves, build, per-leaf dims)
        sizes = set()
        for a, d in zip(args, dims):
            leaves, build = _flatten(a)
            if d is None or isinstance(d, int):
                ds = [d] * len(leaves)
            else:
                ds, _ = _flatten(d)
                if len(ds) != len(leaves):
                    raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`: an in_dim "
                                     f"has {len(ds)} entries for an input with {len(leaves)} leaves")
            for leaf, k in zip(leaves, ds):
                if k is None:
                    continue
                if not isinstance(leaf, _function.Tensor):
                    raise ValueError(f"{where}: Got in_dim={k} for an input but the input is of type "
                                     f"{type(leaf).__name__}. We cannot vmap over non-Tensor arguments, please use "
                                     "None as the respective in_dim")
                if leaf.ndim == 0 or not -leaf.ndim <= k < leaf.ndim:
                    raise ValueError(f"{where}: Got in_dim={k} for some input, but that input is a Tensor of "
                                     f"dimensionality {leaf.ndim} (shape {tuple(leaf.shape)}) so expected in_dim to "
                                     f"satisfy -{leaf.ndim} <= in_dim < {leaf.ndim}.")
                sizes.add(leaf.shape[k])
            flat.append((leaves, build, ds))
        if not sizes:
            raise ValueError(f"{where}: at least one argument must be mapped over (in_dims all None)")
        if len(sizes) > 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got "
                             f"sizes {sorted(sizes)} for the mapped dimension ({where})")
        (n,) = sizes
        if n == 0:
            raise ValueError(f"{where}: the mapped dimension has size 0; this loop-based vmap needs at least one "
                             "example to run f on")
        results = []
        for i in range(n):
            sl = [build([x if k is None else _take(x, k, i) for x, k in zip(leaves, ds)])
                  for leaves, build, ds in flat]
            results.append(func(*sl, **kwargs))
        first_leaves, build_out = _flatten(results[0])
        if isinstance(out_dims, int) or out_dims is None:
            ods = [out_dims] * len(first_leaves)
        elif isinstance(out_dims, tuple) and isinstance(results[0], tuple) and len(out_dims) == len(results[0]):
            ods = [d for od, r in zip(out_dims, results[0]) for d in [od] * len(_flatten(r)[0])]
        else:
            raise ValueError(f"vmap({name}, ...): out_dims={out_dims} is not compatible with the structure of the "
                             "outputs")
        per_leaf = [_flatten(r)[0] for r in results]
        outs = []
        for k, od in enumerate(ods):
            leaves = [p[k] for p in per_leaf]
            if not isinstance(leaves[0], _function.Tensor):
                if od is not None:
                    raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                                     f"{type(leaves[0]).__name__}. Did you mean to set out_dims= to None for output?")
                outs.append(leaves[0])
            elif od is None:
                outs.append(leaves[0])
            else:
                outs.append(_stack(leaves, axis=od))
        return build_out(outs)

    return wrapper


def _take(a, dim, i):
    index = (slice(None),) * (dim % a.ndim) + (i,)
    return a[index]


# ----------------------------------------------------------------------------------- modules as functions
def functional_call(module, parameter_and_buffer_dicts, args=(), kwargs=None, *, tie_weights=True, strict=False):
    """Call `module(*args, **kwargs)` with some parameters and buffers replaced by the given tensors (by their
    state_dict names), restoring the module's own afterwards. Matches torch.func.functional_call, so that
    `grad(lambda p: loss(functional_call(model, p, (x,))))(params)` differentiates with respect to a dict.
    """
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, (tuple, list)):
        merged = {}
        for d in dicts:
            for k, v in d.items():
                if k in merged:
                    raise ValueError(f"functional_call: {k} appeared in multiple dictionaries; behavior of "
                                     "functional_call is ambiguous")
                merged[k] = v
        dicts = merged
    if tie_weights:
        dicts = _untie(module, dicts)
    if strict:
        known = ({n for n, _ in module.named_parameters(remove_duplicate=False)}
                 | {n for n, _ in module.named_buffers(remove_duplicate=False)})
        missing, unexpected = sorted(known - set(dicts)), sorted(set(dicts) - known)
        if missing or unexpected:
            raise RuntimeError(f"functional_call: Error(s) in reparametrizing for {type(module).__name__}: missing "
                               f"keys {missing}, unexpected keys {unexpected}")
    saved = []
    try:
        for name, value in dicts.items():
            owner, _, leaf = name.rpartition(".")
            mod = module.get_submodule(owner) if owner else module
            for registry in ("_parameters", "_buffers"):
                reg = mod.__dict__[registry]
                if leaf in reg:
                    saved.append((reg, leaf, reg[leaf]))
                    reg[leaf] = value
                    break
            else:
                # as torch: a name that is not a parameter or buffer is set as a plain attribute for the call
                attrs = mod.__dict__
                if leaf in attrs and not isinstance(attrs[leaf], _function.Tensor):
                    raise TypeError(f"functional_call: attribute `{leaf}` of {type(mod).__name__} (name '{name}'): "
                                    f"{attrs[leaf]!r} is not a Tensor")
                saved.append((attrs, leaf, attrs.get(leaf, _MISSING)))
                attrs[leaf] = value
        if not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for reg, leaf, old in reversed(saved):
            if old is _MISSING:
                del reg[leaf]
            else:
                reg[leaf] = old


_MISSING = object()


def _untie(module, values):
    """As torch's tie_weights=True: a value given for one name of a tensor shared by several names (tied weights)
    is used for all of them; different values for names of one tied tensor are an error."""
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    groups = {}
    for n, t in named.items():
        groups.setdefault(id(t), []).append(n)
    out = dict(values)
    for names in groups.values():
        if len(names) < 2:
            continue
        given = [n for n in names if n in values]
        if not given:
            continue
        if len({id(values[n]) for n in given}) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, which are tied. "
                             "Consider using tie_weights=False")
        for n in names:
            out.setdefault(n, values[given[0]])
    return out
