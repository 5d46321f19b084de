"""gradgradcheck: second derivatives against central differences of the first gradient.

The check is directional (as HIPS autograd's check_grads): for a function F, a random cotangent w and a random
direction d, the analytic <w, J d> (one vector-Jacobian product, dotted with d) must equal the central difference
(<w, F(x + eps d)> - <w, F(x - eps d)>) / (2 eps). That is two evaluations per direction instead of 2N.
gradgradcheck applies it to F(x, v) = grad(f(x), x, v, create_graph=True), so it checks the derivative of the
backward with respect to both the inputs and the upstream gradient (the one jvp's double-vjp trick needs).
"""
import numpy as np

from . import function as _function
from .functional_api import grad as _grad
from .grad_mode import enable_grad


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _dot(outs, ws):
    return sum(float(np.sum(np.asarray(o.numpy(), dtype=np.float64) * w)) for o, w in zip(outs, ws) if o is not None)


def check_directional(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, n_directions=2, seed=0, name="function",
                      raise_exception=True):
    """Compare fn's vector-Jacobian products with central differences along random directions.

    Args:
        fn: maps the input Tensors to a Tensor or a tuple of Tensors (None entries are treated as zero).
        inputs: Tensors, float64 for meaningful results; those with requires_grad are differentiated.

    Returns:
        True when every direction agrees; otherwise raises RuntimeError (or returns False).
    """
    Tensor = _function.Tensor
    inputs = _tuple(inputs)
    rng = np.random.default_rng(seed)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def call(arrays):
        ts = [Tensor._wrap(a, x._device, x.requires_grad) if isinstance(x, Tensor) else x
              for a, x in zip(arrays, inputs)]
        with enable_grad():
            return _tuple(fn(*ts)), ts

    base = [x.data if isinstance(x, Tensor) else None for x in inputs]
    outs, ts = call(base)
    for _ in range(n_directions):
        ws = [None if o is None else rng.standard_normal(o.shape) for o in outs]
        dirs = {i: rng.standard_normal(inputs[i].shape) for i in diff}
        pairs = [(o, w) for o, w in zip(outs, ws) if o is not None and o.requires_grad]
        analytic = 0.0
        if pairs:
            gs = _grad([o for o, _ in pairs], [ts[i] for i in diff],
                       [Tensor._wrap(w.astype(o.dtype), o._device) for o, w in pairs], retain_graph=True,
                       allow_unused=True)
            analytic = sum(float(np.sum(g.numpy() * dirs[i])) for g, i in zip(gs, diff) if g is not None)

        def shifted(sign, dirs=dirs, ws=ws):
            arrays = [b if i not in dirs else (b + sign * eps * dirs[i]).astype(b.dtype) for i, b in enumerate(base)]
            return _dot(call(arrays)[0], ws)

        numeric = (shifted(1.0) - shifted(-1.0)) / (2 * eps)
        if not abs(analytic - numeric) <= atol + rtol * abs(numeric):
            msg = (f"{name}: Jacobian mismatch along a random direction: analytic {analytic!r} vs numerical "
                   f"{numeric!r} (difference {abs(analytic - numeric):.3g}, atol={atol}, rtol={rtol}); input shapes "
                   f"{[tuple(inputs[i].shape) for i in diff]}")
            if raise_exception:
                raise RuntimeError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3, n_directions=2, seed=0,
                  raise_exception=True):
    """Check second derivatives of `func` by finite differences of its first gradient. Matches the purpose of
    torch.autograd.gradgradcheck (checks along random directions instead of building full Jacobians).

    Args:
        func: maps input Tensors to a Tensor or tuple of Tensors.
        inputs: float64 Tensors; those with requires_grad=True are differentiated.
        grad_outputs: upstream gradients for func's outputs; random (and differentiated) when None.

    Returns:
        True, or raises RuntimeError naming the mismatch (returns False with raise_exception=False).

    >>> import minigrad
    >>> x = minigrad.tensor([0.5, -1.0], dtype=minigrad.float64, requires_grad=True)
    >>> gradgradcheck(lambda t: t.tanh() * t, (x,))
    True
    """
    Tensor = _function.Tensor
    inputs = _tuple(inputs)
    with enable_grad():
        outs = _tuple(func(*inputs))
    rng = np.random.default_rng(seed + 1)
    if grad_outputs is None:
        grad_outputs = tuple(Tensor._wrap(rng.standard_normal(o.shape).astype(o.dtype), o._device, True)
                             for o in outs)
    grad_outputs = _tuple(grad_outputs)
    n = len(inputs)
    diff = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_grad(*args):
        xs, gos = args[:n], args[n:]
        ys = _tuple(func(*xs))
        pairs = [(y, g) for y, g in zip(ys, gos) if y.requires_grad]
        if not pairs:
            return tuple(None for _ in diff)
        return _grad([y for y, _ in pairs], [xs[i] for i in diff], [g for _, g in pairs], create_graph=True,
                     allow_unused=True)

    name = getattr(func, "__name__", "function")
    return check_directional(first_grad, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                             n_directions=n_directions, seed=seed, name=f"gradgradcheck({name})",
                             raise_exception=raise_exception)
