"""Gradient clipping and flat parameter vectors. Match torch.nn.utils."""
import math

from ..tensor import Tensor


def _params(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint norm is at most max_norm; returns the norm before
    clipping (a 0-d tensor). Matches torch.nn.utils.clip_grad_norm_ (scale = max_norm / (norm + 1e-6), applied
    only when below 1)."""
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        from ..creation import zeros  # noqa: PLC0415

        return zeros(())
    xp = grads[0]._device.xp
    norm_type = float(norm_type)
    if norm_type == math.inf:
        norms = [xp.max(xp.abs(g.data)) for g in grads]
        total = xp.max(xp.stack([xp.asarray(n, dtype=xp.float64) for n in norms]))
    else:
        total = sum(float(xp.sum(xp.abs(g.data.astype(xp.float64)) ** norm_type)) for g in grads) ** (1.0 / norm_type)
    total = float(total)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g.data *= g.data.dtype.type(coef)
    return Tensor._wrap(xp.asarray(total, dtype=grads[0].dtype), grads[0]._device)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    c = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            xp = p.grad._device.xp
            xp.clip(p.grad.data, -c, c, out=p.grad.data)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (a copy)."""
    ps = _params(parameters)
    xp = ps[0]._device.xp
    return Tensor._wrap(xp.concatenate([xp.reshape(p.data, (-1,)) for p in ps]), ps[0]._device)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of a 1-D vector into the parameters, in place."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected minigrad.Tensor, but got: {type(vec).__name__}")
    ps = _params(parameters)
    total = sum(p.numel() for p in ps)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise RuntimeError(f"vector_to_parameters: vector of shape {tuple(vec.shape)} does not hold the {total} "
                           "parameter elements")
    i = 0
    for p in ps:
        n = p.numel()
        p.data[...] = vec.data[i:i + n].reshape(p.shape)
        p._version += 1
        i += n
