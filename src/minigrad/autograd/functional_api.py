"""autograd.grad and Tensor.backward(inputs=...): gradients returned (or accumulated into chosen tensors only).

Both drive engine.run_backward with `inputs=`, which returns the gradients reaching those tensors without touching
any `.grad`. With create_graph=True the seeds and results are Tensors on a recorded graph, so they can be
differentiated again (Hessian-vector products, gradient penalties, MAML).
"""
from . import function as _function
from .engine import run_backward
from .grad_mode import GradMode


def _as_tuple(x, what):
    if isinstance(x, (tuple, list)):
        return tuple(x)
    if x is None:
        return None
    if not isinstance(x, _function.Tensor):
        raise TypeError(f"grad: {what} must be a Tensor or a sequence of Tensors, got {type(x).__name__}")
    return (x,)


def _make_seeds(outputs, grad_outputs, create_graph):
    """One seed per output: ones for a scalar output without grad_output (non-scalar raises, as torch)."""
    Tensor = _function.Tensor
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad: grad_outputs has {len(grad_outputs)} entries but there are {len(outputs)} outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out.data.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs (output {i} has shape "
                                   f"{tuple(out.shape)}); pass grad_outputs")
            arr = out._device.xp.ones(out.shape, dtype=out.dtype)
            seeds.append(Tensor._wrap(arr, out._device) if create_graph else arr)
            continue
        if not isinstance(g, Tensor):
            from ..tensor import tensor  # noqa: PLC0415 - tensor.py imports autograd

            g = tensor(g, dtype=out.dtype, device=out._device)
        if g.shape != out.shape:
            raise RuntimeError(f"grad: Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                               f"output[{i}] has a shape of {tuple(out.shape)}")
        if g.dtype != out.dtype:
            g = g.to(out.dtype)
        seeds.append(g if create_graph else g.data)
    return seeds


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         is_grads_batched=False, materialize_grads=False):
    """Gradients of `outputs` with respect to `inputs`, returned instead of accumulated. Matches torch.autograd.grad.

    Args:
        outputs: a Tensor or sequence of Tensors to differentiate.
        inputs: a Tensor or sequence of Tensors (leaves or not) to differentiate with respect to.
        grad_outputs: the vector in the vector-Jacobian product, one per output (None for a scalar output means 1).
        retain_graph: keep the graph's saved arrays for another backward; defaults to create_graph.
        create_graph: record the backward, so that the returned gradients can be differentiated again.
        allow_unused: return None for an input the outputs do not depend on, instead of raising.
        is_grads_batched: the first axis of each grad_output is a batch of vectors; one vjp per entry, stacked
            (a loop, not torch's vmap, so it costs one backward per entry).
        materialize_grads: return zeros instead of None for unused inputs (implies allow_unused).

    Returns:
        A tuple with one gradient (or None) per input.

    Raises:
        RuntimeError: an output or input does not require grad, a non-scalar output has no grad_output, or an
            input is unused and allow_unused is False.

    >>> import minigrad
    >>> x = minigrad.tensor([3.0], requires_grad=True)
    >>> (g,) = minigrad.autograd.grad((x ** 3).sum(), x, create_graph=True)
    >>> minigrad.autograd.grad(g.sum(), x)[0]
    tensor([18.])
    """
    Tensor = _function.Tensor
    outputs = _as_tuple(outputs, "outputs")
    inputs = _as_tuple(inputs, "inputs")
    if grad_outputs is not None:
        grad_outputs = grad_outputs if isinstance(grad_outputs, (tuple, list)) else (grad_outputs,)
    if allow_unused is None:
        allow_unused = materialize_grads
    if materialize_grads and not allow_unused:
        raise ValueError("grad: expected allow_unused to be True or not passed when materialize_grads=True")
    for i, out in enumerate(outputs):
        if not out.requires_grad:
            raise RuntimeError(f"grad: element {i} of tensors does not require grad and does not have a grad_fn "
                               f"(shape {tuple(out.shape)})")
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"grad: input {i} is a {type(x).__name__}, not a Tensor")
        if not x.requires_grad:
            raise RuntimeError(f"grad: One of the differentiated Tensors does not require grad (input {i}, shape "
                               f"{tuple(x.shape)})")
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        return _batched(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads)
    seeds = _make_seeds(outputs, grad_outputs, create_graph)
    results = _run(list(outputs), seeds, retain_graph, create_graph, list(inputs), allow_unused)
    if materialize_grads:
        from ..creation import zeros_like  # noqa: PLC0415

        # as torch: with create_graph the zeros require grad, like every other returned gradient
        results = [zeros_like(x).requires_grad_(create_graph) if r is None else r for x, r in zip(inputs, results)]
    return tuple(results)


def _batched(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    from ..functions import stack  # noqa: PLC0415 - above autograd in the layering

    if grad_outputs is None or any(g is None for g in grad_outputs):
        raise RuntimeError("grad: is_grads_batched=True needs a grad_output (with a leading batch axis) per output")
    n = grad_outputs[0].shape[0]
    rows = [grad(outputs, inputs, [g[i] for g in grad_outputs], retain_graph=True if i < n - 1 else retain_graph,
                 create_graph=create_graph, allow_unused=allow_unused, materialize_grads=materialize_grads)
            for i in range(n)]
    return tuple(None if col[0] is None else stack(list(col)) for col in zip(*rows))


def _run(roots, seeds, retain_graph, create_graph, inputs, allow_unused):
    with_grad = GradMode.enabled
    GradMode.enabled = create_graph
    try:
        return run_backward(roots, seeds, retain_graph, create_graph, inputs=inputs, allow_unused=allow_unused)
    finally:
        GradMode.enabled = with_grad


def backward_into(tensor, seed, inputs, retain_graph, create_graph):
    """Tensor.backward(inputs=...): accumulate gradients into the `.grad` of `inputs` only (leaves or not)."""
    Tensor = _function.Tensor
    inputs = _as_tuple(inputs, "inputs")
    if not inputs:
        raise RuntimeError("backward: 'inputs' argument to backward() cannot be empty")
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"backward: One of the differentiated Tensors does not require grad (inputs[{i}], "
                               f"shape {tuple(x.shape)})")
    grads = _run([tensor], [seed], retain_graph, create_graph, list(inputs), True)
    for x, g in zip(inputs, grads):
        if g is None:
            continue
        if create_graph:
            x.grad = g if x.grad is None else x.grad + g
        elif x.grad is None:
            x.grad = Tensor._wrap(g.data.copy(), x._device)
        else:
            x.grad.data = x.grad.data + g.data
