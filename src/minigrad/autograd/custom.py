"""The user-facing `minigrad.autograd.Function`: custom ops written with Tensor operations, as torch's.

Internal ops subclass `autograd.function.Function` and see raw arrays; a user subclasses this class and sees
Tensors: `forward(ctx, *args)` runs under no_grad, and `backward(ctx, *grads)` runs with grad mode on only during
`backward(create_graph=True)`, so a backward written in Tensor ops is itself differentiable (double backward).
Saved inputs and outputs come back from `ctx.saved_tensors` as the very Tensors on the graph.

Each differentiable output gets one engine node (`_CustomNode`); with several outputs each node calls the user's
backward with zeros for the other outputs' gradients, which is exact because backward is linear in the gradients.
"""
from . import function as _function
from .grad_mode import GradMode


class FunctionCtx:
    """The `ctx` a custom Function's forward and backward share."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()
        self.non_differentiable = set()
        self.materialize_grads = True
        self.dirty = ()

    def save_for_backward(self, *tensors):
        """Keep tensors (inputs, outputs or intermediates) for backward; read them back from `ctx.saved_tensors`."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _function.Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *outputs):
        """These outputs get no gradient (indices, masks); backward receives zeros for them."""
        self.non_differentiable.update(id(t) for t in outputs)

    def set_materialize_grads(self, value):
        """With False, backward receives None instead of zeros for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """Declare inputs that forward modified in place (their version counter is bumped)."""
        self.dirty = tensors


class _CustomNode(_function.Function):
    """Engine node for output `index` of a custom Function call; backward calls the user's backward."""

    def name(self):
        return self.fn.__name__ + "Backward0"

    @staticmethod
    def backward(ctx, grad):
        Tensor = _function.Tensor
        graph = isinstance(grad, Tensor)  # the engine passes Tensors only under create_graph=True
        user = ctx.user_ctx
        g = grad if graph else Tensor._wrap(grad, ctx.device)
        grads = []
        for i, (shape, dtype) in enumerate(ctx.out_meta):
            if i == ctx.index:
                grads.append(g)
            elif user.materialize_grads:
                grads.append(Tensor._wrap(ctx.device.xp.zeros(shape, dtype=dtype), ctx.device))
            else:
                grads.append(None)
        if graph:
            result = ctx.fn.backward(user, *grads)
        else:
            with_grad = GradMode.enabled
            GradMode.enabled = False
            try:
                result = ctx.fn.backward(user, *grads)
            finally:
                GradMode.enabled = with_grad
        if not isinstance(result, tuple):
            result = (result,)
        n = len(ctx.arg_is_tensor)
        if len(result) < n or any(r is not None for r in result[n:]):
            raise RuntimeError(f"function {ctx.fn.__name__}Backward returned an incorrect number of gradients "
                               f"(expected {n}, got {len(result)})")
        out = []
        for k, (r, is_t) in enumerate(zip(result, ctx.arg_is_tensor)):
            if not is_t:
                continue
            p = ctx.parents[len(out)]
            if r is not None:
                if not isinstance(r, Tensor):
                    raise TypeError(f"function {ctx.fn.__name__}Backward returned a {type(r).__name__} as gradient "
                                    f"{k}; expected a Tensor or None")
                if r.shape != p.shape and not _broadcastable(r.shape, p.shape):
                    raise RuntimeError(f"Function {ctx.fn.__name__}Backward returned an invalid gradient at index "
                                       f"{k} - got {list(r.shape)} but expected shape compatible with "
                                       f"{list(p.shape)}")
                r = r if graph else r.data
            out.append(r)
        return tuple(out)


def _broadcastable(got, want):
    """True when `got` sums down to `want` the way the engine's unbroadcast does."""
    if len(got) < len(want):
        return False
    tail = got[len(got) - len(want):]
    return all(g == w or w == 1 for g, w in zip(tail, want))


class Function:
    """Base class for custom differentiable operations. Matches torch.autograd.Function (old-style: ctx first).

    Subclass it with static `forward(ctx, *args, **kwargs)` and `backward(ctx, *grad_outputs)`, and call
    `MyFn.apply(*args)`. Forward receives the Tensors themselves and runs under no_grad; backward receives one
    gradient per output and returns one gradient (or None) per forward argument.

    >>> import minigrad
    >>> class Square(minigrad.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 2 * x
    >>> x = minigrad.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).backward()
    >>> x.grad
    tensor([6.])
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = _function.Tensor
        arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
        tensors = [a for a in args if isinstance(a, Tensor)]
        record = GradMode.enabled and any(t.requires_grad for t in tensors)
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad and record for a in args))
        with_grad = GradMode.enabled
        GradMode.enabled = False
        try:
            result = cls.forward(ctx, *args, **kwargs)
        finally:
            GradMode.enabled = with_grad
        single = not isinstance(result, tuple)
        outs = (result,) if single else result
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                raise TypeError(f"{cls.__name__}.forward must return Tensors; output {i} is {type(o).__name__}")
        for t in ctx.dirty:
            t._version += 1
        if not record:
            return result
        # an input returned as is becomes a new Tensor, so that the caller's tensor keeps its own history
        outs = tuple(Tensor._wrap(o.data, o._device) if any(o is t for t in tensors) else o for o in outs)
        out_meta = tuple((o.shape, o.dtype) for o in outs)
        device = tensors[0]._device
        for i, o in enumerate(outs):
            if id(o) in ctx.non_differentiable or o.dtype.kind != "f":
                o.requires_grad = False
                continue
            node = _CustomNode()
            node.fn, node.user_ctx, node.index, node.out_meta = cls, ctx, i, out_meta
            node.arg_is_tensor, node.device = arg_is_tensor, device
            node.xp = device.xp
            node.parents = tuple(tensors)
            node.needs_input_grad = tuple(t.requires_grad for t in tensors)
            node.versions = [t._version for t in tensors]
            node.attrs = {"function": cls}
            # the engine's version check and "backward twice" error look at these arrays; a node that saved none
            # can run backward again, as in torch
            node.saved = tuple(t.data for t in ctx.saved_tensors if t is not None)
            o._ctx, o.requires_grad = node, True
            if _function._hooks.on_record is not None:
                _function._hooks.on_record(node, o)
        return outs[0] if single else outs


class _OnceDifferentiated(_function.Function):
    """Marks a gradient computed by a @once_differentiable backward under create_graph: it carries the value, is
    connected to the incoming gradients, and refuses to be differentiated again (as torch does)."""

    @staticmethod
    def forward(ctx, value, *grads):
        return value

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


def once_differentiable(backward):
    """Decorator for a backward that is not itself differentiable. It runs without recording; under create_graph
    its gradients are marked so that differentiating through them again raises, as in torch."""
    import functools  # noqa: PLC0415

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with_grad = GradMode.enabled
        GradMode.enabled = False
        try:
            result = backward(ctx, *grads)
        finally:
            GradMode.enabled = with_grad
        live = [g for g in grads if isinstance(g, _function.Tensor) and g.requires_grad]
        if not (with_grad and live):
            return result

        def mark(r):
            return _OnceDifferentiated.apply(r.detach(), *live) if isinstance(r, _function.Tensor) else r

        return tuple(mark(r) for r in result) if isinstance(result, tuple) else mark(result)

    return wrapper
