"""gradcheck: a function's gradients against float64 central differences along random directions."""
import warnings

from . import function as _function
from .gradgradcheck import check_directional


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, n_directions=3, seed=0, raise_exception=True):
    """Check the vector-Jacobian products of `fn` against central differences, as HIPS autograd's check_grads: for
    a random upstream gradient w and a random input direction d, <backward(w), d> must equal
    (<w, fn(x + eps d)> - <w, fn(x - eps d)>) / (2 eps). Two evaluations per direction instead of 2N.
    Matches the purpose of torch.autograd.gradcheck (which builds the full Jacobian instead).

    Args:
        fn: maps the input Tensors to a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of them (other values are passed through); those that require grad are
            checked. Use float64: in float32 the finite differences are too coarse to mean anything.
        eps, atol, rtol: the step and the tolerance |analytic - numeric| <= atol + rtol * |numeric|.
        n_directions: how many random (w, d) pairs to try.

    Returns:
        True when every direction agrees.

    Raises:
        RuntimeError: naming the analytic and numerical values, when a direction disagrees (unless
            raise_exception=False, which returns False instead).

    >>> import minigrad
    >>> x = minigrad.tensor([0.5, 1.5], dtype=minigrad.float64, requires_grad=True)
    >>> minigrad.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    True
    """
    Tensor = _function.Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: expected at least one input tensor to require gradient, but none did")
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype.itemsize < 8:
            warnings.warn(f"gradcheck: input {i} requires gradient and is not double precision ({x.dtype}); "
                          "finite differences in it are unreliable", stacklevel=2)
    name = getattr(fn, "__name__", "function")
    return check_directional(fn, inputs, eps=eps, atol=atol, rtol=rtol, n_directions=n_directions, seed=seed,
                             name=name, raise_exception=raise_exception)
