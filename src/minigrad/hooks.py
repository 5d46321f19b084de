"""Handles returned by hook registration, shared by tensors and modules."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """Returned by register_*hook; `remove()` (or leaving a `with` block) unregisters the hook."""

    def __init__(self, registry, hook):
        self.registry, self.id = registry, next(_ids)
        registry[self.id] = hook

    def remove(self):
        self.registry.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


# ----------------------------------------------------------------------------------- module hooks
class Flagged:
    """A forward (pre-)hook registered with with_kwargs=True (it also receives, and may replace, the keyword
    arguments) or always_call=True (it also runs when forward raises, with output None)."""

    __slots__ = ("fn", "with_kwargs", "always_call")

    def __init__(self, fn, with_kwargs=False, always_call=False):
        self.fn, self.with_kwargs, self.always_call = fn, with_kwargs, always_call


def add_hook(registry, hook, prepend):
    handle = RemovableHandle(registry, hook)
    if prepend:
        registry.move_to_end(handle.id, last=False)
    return handle


def call_module(module, args, kwargs):
    """Module.__call__ with hooks: forward pre-hooks, forward, forward hooks, and full backward hooks.

    Backward hooks need every input gradient at once, as torch's `hook(module, grad_input, grad_output)` gets them.
    The inputs that require grad are therefore packed into one flat tensor whose slices, reshaped, are what forward
    sees; a tensor hook on the packed tensor then receives all input gradients together (and may replace them).
    Gradients of the outputs are caught by tensor hooks on identity copies of the outputs.
    """
    for hook in list(module._forward_pre_hooks.values()):
        if type(hook) is Flagged:
            result = hook.fn(module, args, kwargs)
            if result is not None:
                args, kwargs = result
        else:
            result = hook(module, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
    state = None
    if _grad_enabled():  # under no_grad there is no backward to hook
        if module._backward_hooks:
            args, state = _pack_inputs(module, args)
        elif module._backward_pre_hooks:
            state = _BackwardState(module, [], len(args))
    try:
        out = module.forward(*args, **kwargs)
    except Exception:
        for hook in list(module._forward_hooks.values()):
            if type(hook) is Flagged and hook.always_call:
                _run_forward_hook(hook, module, args, kwargs, None)
        raise
    for hook in list(module._forward_hooks.values()):
        if type(hook) is Flagged:
            result = _run_forward_hook(hook, module, args, kwargs, out)
        else:
            result = hook(module, args, out)
        if result is not None:
            out = result
    if state is not None:
        out = _hook_outputs(out, state)
    return out


def _grad_enabled():
    from .autograd.grad_mode import GradMode  # noqa: PLC0415

    return GradMode.enabled


def _run_forward_hook(hook, module, args, kwargs, out):
    return hook.fn(module, args, kwargs, out) if hook.with_kwargs else hook.fn(module, args, out)


class _BackwardState:
    """What one hooked call needs at backward time: the module, where each input sits in the packed tensor, and
    the output gradients caught so far."""

    def __init__(self, module, slots, nargs):
        self.module, self.slots, self.nargs = module, slots, nargs
        self.grad_outputs = None
        self.n_outputs = 0
        self.seen_outputs = 0
        self.zero_inputs = ()  # tensor inputs that need no grad: torch reports zeros for them


def _pack_inputs(module, args):
    from .ops import movement as M  # noqa: PLC0415 - hooks.py sits below ops in the import order
    from .tensor import Tensor  # noqa: PLC0415

    idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    state = _BackwardState(module, [], len(args))
    if not idx or len({args[i].dtype for i in idx}) > 1 or len({args[i]._device for i in idx}) > 1:
        # nothing to pack (or mixed dtypes): grad_input is reported as None for these inputs
        return args, state
    flat = [M.Reshape.apply(args[i], shape=(args[i].numel(),)) for i in idx]
    packed = flat[0] if len(flat) == 1 else M.Cat.apply(*flat, axis=0)
    args = list(args)
    state.zero_inputs = [(i, a) for i, a in enumerate(args) if isinstance(a, Tensor) and not a.requires_grad]
    start = 0
    for i in idx:
        n, shape = args[i].numel(), tuple(args[i].shape)
        state.slots.append((i, start, n, shape))
        args[i] = M.Reshape.apply(packed[start:start + n], shape=shape)
        start += n
    packed.register_hook(lambda g: _on_input_grads(state, g))
    return tuple(args), state


def _hook_outputs(out, state):
    from .ops import movement as M  # noqa: PLC0415
    from .tensor import Tensor  # noqa: PLC0415

    single = isinstance(out, Tensor)
    outs = (out,) if single else tuple(out) if isinstance(out, (tuple, list)) else None
    if outs is None:
        return out
    state.grad_outputs = [None] * len(outs)
    new = []
    for k, o in enumerate(outs):
        if isinstance(o, Tensor) and o.requires_grad:
            o = M.Clone.apply(o)
            state.n_outputs += 1
            o.register_hook(lambda g, k=k: _on_output_grad(state, k, g))
        new.append(o)
    if state.module._backward_pre_hooks and state.n_outputs > 1:
        # each output's gradient arrives on its own, so one call with all of them could not replace the earlier ones
        raise NotImplementedError(f"register_full_backward_pre_hook: {type(state.module).__name__} returned "
                                  f"{state.n_outputs} tensors that require grad; only one is supported")
    return new[0] if single else type(out)(new)


def _on_output_grad(state, k, g):
    for hook in list(state.module._backward_pre_hooks.values()):  # torch's hook(module, grad_output)
        grad_output = tuple(g if j == k else None for j in range(len(state.grad_outputs)))
        result = hook(state.module, grad_output)
        if result is not None:
            if not isinstance(result, tuple) or len(result) != len(grad_output):
                raise RuntimeError(f"backward pre-hook of {type(state.module).__name__} returned {result!r}; "
                                   f"expected None or a tuple of {len(grad_output)} gradients (one per output)")
            g = result[k]
    state.grad_outputs[k] = g
    state.seen_outputs += 1
    if not state.slots and state.seen_outputs == state.n_outputs:
        # no input needs grad: torch still calls the hook, with None for every input
        _call_backward_hooks(state, tuple(None for _ in range(state.nargs)))
    return g if state.module._backward_pre_hooks else None


def _call_backward_hooks(state, grad_input):
    grad_output = tuple(state.grad_outputs or ())
    for hook in list(state.module._backward_hooks.values()):
        result = hook(state.module, grad_input, grad_output)
        if result is not None:
            if not isinstance(result, tuple) or len(result) != len(grad_input):
                raise RuntimeError(f"backward hook of {type(state.module).__name__} returned {result!r}; expected "
                                   f"None or a tuple of {len(grad_input)} gradients (one per input)")
            grad_input = result
    return grad_input


def _on_input_grads(state, g):
    from .ops import movement as M  # noqa: PLC0415
    from .tensor import Tensor  # noqa: PLC0415

    grad_input = [None] * state.nargs
    for i, start, n, shape in state.slots:
        grad_input[i] = M.Reshape.apply(g[start:start + n], shape=shape)
    for i, a in state.zero_inputs:
        grad_input[i] = Tensor._wrap(a._device.xp.zeros(a.shape, dtype=a.dtype), a._device)
    new = _call_backward_hooks(state, tuple(grad_input))
    if all(a is b for a, b in zip(new, grad_input)):
        return None
    parts = []
    for i, start, n, _ in state.slots:
        r = new[i]
        parts.append(g[start:start + n] * 0 if r is None else M.Reshape.apply(r, shape=(n,)))
    return parts[0] if len(parts) == 1 else M.Cat.apply(*parts, axis=0)
