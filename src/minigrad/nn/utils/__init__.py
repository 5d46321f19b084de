"""Gradient clipping and flat parameter vectors here; parametrizations, weight and spectral norm, BatchNorm fusion
and packed sequences in the submodules. Match torch.nn.utils."""
import math

from ... import functions as _functions
from ...tensor import Tensor


def _params(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _vector_norm(xp, a, p):
    a = xp.abs(a)
    if p == math.inf:
        return xp.max(a)
    if p == -math.inf:
        return xp.min(a)
    if p == 0:
        return xp.sum(a != 0)
    return xp.sum(a ** p) ** (1.0 / p)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of `tensors` (a 0-d tensor), as torch.nn.utils.get_total_norm: each tensor's norm is
    taken (in float64, then rounded to its dtype, so float16 overflows to inf as torch's), then the norm of those.
    For p-norms that is the joint norm; for norm_type 0 it counts the tensors with a nonzero element, as torch."""
    ts = _params(tensors)
    if not ts:
        from ...creation import zeros  # noqa: PLC0415

        return zeros(())
    xp, p = ts[0]._device.xp, float(norm_type)
    norms = [xp.asarray(_vector_norm(xp, t.data.astype(xp.float64), p), dtype=t.dtype) for t in ts]
    dtype = xp.result_type(*norms)
    total = xp.asarray(_vector_norm(xp, xp.stack(norms).astype(xp.float64), p), dtype=dtype)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(f"The total norm of order {p} for gradients from `parameters` is non-finite, so it cannot "
                           "be clipped. To disable this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return Tensor._wrap(total, ts[0]._device)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by max_norm / (total_norm + 1e-6) where that is below 1 (or NaN, which torch spreads to
    every gradient), in place. Matches torch.nn.utils.clip_grads_with_norm_."""
    coef = float(max_norm) / (float(total_norm) + 1e-6)
    if not coef >= 1:
        for p in _params(parameters):
            if p.grad is not None:
                p.grad.data *= p.grad.data.dtype.type(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint norm is at most max_norm; returns the norm before
    clipping (a 0-d tensor). Matches torch.nn.utils.clip_grad_norm_: get_total_norm, then clip_grads_with_norm_."""
    params = [p for p in _params(parameters) if p.grad is not None]
    total = get_total_norm([p.grad for p in params], norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    c = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            xp = p.grad._device.xp
            xp.clip(p.grad.data, -c, c, out=p.grad.data)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor: a copy, on the graph (gradients flow back to
    the parameters), as torch's."""
    return _functions.cat([p.reshape(-1) for p in _params(parameters)])


def vector_to_parameters(vec, parameters):
    """Point each parameter's data at its slice of a 1-D vector (a view: the parameters take vec's dtype and share
    its memory, as torch's `param.data = vec[...].view_as(param).data`)."""
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
        p.data = vec.data[i:i + n].reshape(p.shape)
        i += n


# the submodules import the helpers above
from . import parametrizations, parametrize, rnn  # noqa: E402
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: E402
from .legacy_norms import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm  # noqa: E402
