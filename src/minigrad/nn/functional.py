"""Stateless layer math: the functional forms behind the nn layers and losses. Matches torch.nn.functional.

Activations call the engine's fused ops (ops/elementwise.py, ops/reduce.py); the losses are composed from Tensor
ops, except where a fused op in ops/loss.py is needed for stability or torch's exact gradient.
"""
import math
import warnings

from .. import dtypes
from .. import functions as _functions
from ..ops import elementwise as E
from ..ops import linear as LI
from ..ops import loss as LO
from ..ops import movement as M
from ..random import get_rng
from ..tensor import Tensor, tensor

# ------------------------------------------------------------------------------------------------ linear


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias. input: (*, in_features), weight: (out_features, in_features), bias:
    (out_features). Matches torch.nn.functional.linear.

    >>> linear(tensor([[1.0, 2.0]]), tensor([[1.0, 1.0]]), tensor([0.5]))
    tensor([[3.5000]])
    """
    xs, w = input.data.shape, weight.data
    if not xs or xs[-1] != w.shape[-1]:
        raise RuntimeError(f"linear: input of shape {tuple(input.shape)} does not match weight of shape "
                           f"{tuple(weight.shape)} (expected input.shape[-1] == {weight.shape[-1]})")
    dt = w.dtype
    if input.data.dtype == dt and (bias is None or bias.data.dtype == dt):  # the common case, checked cheaply
        return LI.Linear.apply(input, weight) if bias is None else LI.Linear.apply(input, weight, bias)
    if bias is None:
        return LI.Linear.apply(*_same_dtype(input, weight))
    return LI.Linear.apply(*_same_dtype(input, weight, bias))


def _same_dtype(*ts):
    dt = ts[1].dtype
    return tuple(t if t.dtype == dt else t.to(dt) for t in ts)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T A_k x2 + b_k. input1: (*, in1), input2: (*, in2), weight: (out, in1, in2), bias: (out).
    Matches torch.nn.functional.bilinear."""
    out, in1, in2 = weight.shape
    if input1.shape[-1] != in1 or input2.shape[-1] != in2 or input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(f"bilinear: inputs of shapes {tuple(input1.shape)} and {tuple(input2.shape)} do not match "
                           f"weight of shape {tuple(weight.shape)}")
    lead = input1.shape[:-1]
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    t = (x1 @ weight.permute(1, 0, 2).reshape(in1, out * in2)).reshape(-1, out, in2)
    y = (t * x2.reshape(-1, 1, in2)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(*lead, out)


# ------------------------------------------------------------------------------------------------ activations
def relu(input, inplace=False):
    return input.relu()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return E.LeakyRelu.apply(input, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return E.Elu.apply(input, alpha=alpha)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got '{approximate}'")
    return E.Gelu.apply(input, approximate=approximate)


def silu(input, inplace=False):
    return E.Silu.apply(input)


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def softplus(input, beta=1.0, threshold=20.0):
    return E.Softplus.apply(input, beta=beta, threshold=threshold)


def _softmax_dim(name, ndim, dim):
    """Resolve dim=None. NOTE: torch's deprecated implicit choice is dim 0 for 0-, 1- and 3-D input and dim 1
    otherwise; minigrad uses the last dim, which agrees with torch for 1-D and 2-D input (seed 000's
    nn.Softmax() on (N, C) logits) and warns where torch would pick another dim."""
    if dim is not None:
        return dim
    torch_dim = 0 if ndim in (0, 1, 3) else 1
    if ndim > 2:
        warnings.warn(f"{name}: no dim given for a {ndim}-D input; minigrad uses dim=-1 (the last), torch's "
                      f"deprecated implicit choice would be dim={torch_dim}. Pass dim= explicitly.", UserWarning,
                      stacklevel=3)
    return -1


def softmax(input, dim=None, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return input.softmax(_softmax_dim("softmax", input.ndim, dim))


def log_softmax(input, dim=None, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    return input.log_softmax(_softmax_dim("log_softmax", input.ndim, dim))


def softmin(input, dim=None, dtype=None):
    return softmax(-input, dim, dtype)


# NOTE: the activations below are composed from Tensor ops (their gradients, higher-order gradients, lazy replay
# and ONNX export come from those ops); each matches torch's gradient at its kinks, noted where it takes care.
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val]. Matches torch.nn.functional.hardtanh.

    >>> hardtanh(tensor([-2.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    # matches torch: no gradient where x <= min_val or x >= max_val (clamp passes it at the bounds); NaN passes
    return _functions.where(input <= min_val, min_val, _functions.where(input >= max_val, max_val, input))


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6), as torch. Matches torch.nn.functional.relu6."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6, with no gradient at x = +-3 (as torch). Matches torch.nn.functional.hardsigmoid, except
    that torch's float64 backward multiplies by float32(1/6) (3e-8 off) where this one is exact."""
    return hardtanh(input + 3.0, 0.0, 6.0) / 6.0


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6. Matches torch.nn.functional.hardswish: the gradient is 0 at x = -3 and 1 at x = 3,
    which the product with hardsigmoid (no gradient at its bounds) gives."""
    return input * hardsigmoid(input)


def mish(input, inplace=False):
    """x * tanh(softplus(x)). Matches torch.nn.functional.mish."""
    # threshold=inf: torch's mish uses the exact softplus, whose stable form cannot overflow
    return input * E.Softplus.apply(input, beta=1.0, threshold=math.inf).tanh()


def softsign(input):
    """x / (1 + |x|). Matches torch.nn.functional.softsign."""
    return input / (input.abs() + 1.0)


def tanhshrink(input):
    """x - tanh(x). Matches torch.nn.functional.tanhshrink."""
    return input - input.tanh()


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|. Matches torch.nn.functional.logsigmoid."""
    return -E.Softplus.apply(-input, beta=1.0, threshold=math.inf)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim. Matches torch.nn.functional.glu."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = dim % input.ndim if -input.ndim <= dim < input.ndim else dim
    if not 0 <= axis < input.ndim:
        raise IndexError(f"glu: dim {dim} is out of range for an input of shape {tuple(input.shape)}")
    if input.shape[axis] % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {axis} is size {input.shape[axis]} "
                           f"(input shape {tuple(input.shape)})")
    a, b = input.chunk(2, axis)
    return a * b.sigmoid()


def prelu(input, weight):
    """x where x > 0, else weight * x; weight has 1 or C (= input.shape[1]) entries. Matches
    torch.nn.functional.prelu (the gradient at 0 goes to the weight * x branch, as torch)."""
    c = input.shape[1] if input.ndim >= 2 else 1
    n = weight.numel()
    if n not in (1, c):
        raise RuntimeError(f"prelu: mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{n} (weight shape {tuple(weight.shape)}) and channel size = {c} (input shape "
                           f"{tuple(input.shape)})")
    w = weight.reshape(()) if n == 1 else weight.reshape((1, n) + (1,) * (input.ndim - 2))
    return _functions.where(input > 0, input, w * input)


# ------------------------------------------------------------------------------------ normalize, pad, resize
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along dim. Matches torch.nn.functional.normalize (p > 0 or inf; no `out`).

    >>> normalize(tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported")
    if not p > 0:
        raise ValueError(f"normalize: p must be positive or inf, got {p}")
    # as torch: Tensor.norm passes a zero gradient at a zero norm, so an all-zero slice gets torch's 1/eps
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad) // 2 dims ((left, right) for the last dim first) with `value` (mode 'constant';
    negative pads crop), or by 'reflect', 'replicate' or 'circular' indexing of the last 1-3 dims of a batched or
    unbatched input. Matches torch.nn.functional.pad (this is minigrad.pad with torch's checks).

    >>> pad(tensor([[1.0, 2.0]]), (1, 0))
    tensor([[0., 1., 2.]])
    """
    if mode != "constant":
        if value:
            raise RuntimeError(f'pad: padding mode "{mode}" doesn\'t take in value argument')
        k = len(pad) // 2
        if len(pad) % 2 == 0 and mode in ("reflect", "replicate", "circular") and not (
                1 <= k <= 3 and input.ndim in (k + 1, k + 2)):
            raise NotImplementedError(f"pad: padding size {len(pad)} is not supported for {input.ndim}D input (shape "
                                      f"{tuple(input.shape)}) in mode '{mode}'; supported: 2 for 2D or 3D input, 4 "
                                      "for 3D or 4D, 6 for 4D or 5D")
    return _functions.pad(input, pad, mode, 0.0 if value is None else value)


def _nearest_source(xp, n_in, n_out, scale, exact, double):
    """Source index of each of n_out positions, as ATen's CPU kernel (found by comparing thousands of sizes): the
    scale 1/scale_factor (or n_in/n_out) is kept in the input's precision (float unless the input is float64), and
    the product (dst [+ 0.5]) * scale is rounded to float32 before the floor, so the picked pixels match torch's."""
    s = 1.0 / scale if scale is not None and scale > 0 else n_in / n_out
    if not double:
        s = float(xp.float32(s))
    src = xp.floor(((xp.arange(n_out) + (0.5 if exact else 0.0)) * s).astype(xp.float32))
    return xp.minimum(src.astype(xp.int64), n_in - 1)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize the spatial dims of input (N, C, *S) (1 to 3 of them) to `size`, or to floor(S * scale_factor),
    by nearest-neighbour indexing (one gather, so the gradient sums over the copies of each pixel). Matches
    torch.nn.functional.interpolate for modes 'nearest' and 'nearest-exact'. NOTE: where torch's backward
    disagrees with its own forward (output size equal to or twice the input's reached by a non-integer
    scale_factor, e.g. 10 -> 20 at 2.05), this gradient is the forward's.

    >>> interpolate(tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """
    if mode not in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported (only 'nearest' and 'nearest-exact')")
    if align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: linear | "
                         "bilinear | bicubic | trilinear")
    if antialias:
        raise ValueError("interpolate: anti-alias option is restricted to bilinear and bicubic modes")
    nsp = input.ndim - 2
    if not 1 <= nsp <= 3:
        raise NotImplementedError(f"interpolate: expected a 3D, 4D or 5D input (N, C, *spatial), got shape "
                                  f"{tuple(input.shape)}")
    spatial = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: only one of size or scale_factor should be defined" if size is not None else
                         "interpolate: either size or scale_factor should be defined")
    given = size if size is not None else scale_factor
    if isinstance(given, (list, tuple)) and len(given) != nsp:
        what = "output size" if size is not None else "scale_factor"
        raise ValueError(f"interpolate: input and {what} must have the same number of spatial dimensions, but got "
                         f"input with spatial dimensions of {list(spatial)} (shape {tuple(input.shape)}) and {what} "
                         f"of {tuple(given)}")
    given = tuple(given) if isinstance(given, (list, tuple)) else (given,) * nsp
    if size is not None:
        out, scales = tuple(int(s) for s in given), (None,) * nsp
    else:
        scales = tuple(float(s) for s in given)
        out = tuple(math.floor(n * s) for n, s in zip(spatial, scales))
        if recompute_scale_factor:
            scales = (None,) * nsp
    if min(out) <= 0 or min(spatial) <= 0:
        raise RuntimeError(f"interpolate: input and output sizes should be greater than 0, but got input "
                           f"{spatial} and output {out}")
    xp = input._device.xp
    index = [slice(None), slice(None)]
    for k, (n_in, n_out, s) in enumerate(zip(spatial, out, scales)):
        src = _nearest_source(xp, n_in, n_out, s, mode == "nearest-exact", input.dtype == dtypes.float64)
        index.append(xp.reshape(src, [-1 if j == k else 1 for j in range(nsp)]))
    return M.GetItem.apply(input, index=tuple(index))


# ------------------------------------------------------------------------------------------------ dropout
def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability p and scale the rest by 1/(1-p) when training; identity otherwise.
    The mask comes from minigrad's seeded generator. Matches torch.nn.functional.dropout."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = get_rng(generator).random(input.shape) >= p
    scale = input._device.xp.asarray(keep, dtype=input.dtype) * (1.0 / (1.0 - p))
    return input * Tensor._wrap(input._device.xp.asarray(scale, dtype=input.dtype), input._device)


# ------------------------------------------------------------------------------------------------ losses
_REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss, reduction, name):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: {reduction} is not a valid value for reduction (expected one of {_REDUCTIONS})")


def _as_tensor(x, like):
    if isinstance(x, Tensor):
        return x
    return tensor(x, device=like._device)


def _check_same_shape(name, input, target):
    # NOTE: torch only warns and broadcasts; a (N, 1) vs (N,) pair silently makes an (N, N) loss (pytorch #4938)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} differ; "
                         "minigrad does not broadcast loss inputs (reshape one of them, e.g. target.reshape"
                         f"{tuple(input.shape)})")


def _float_pair(name, input, target):
    target = _as_tensor(target, input)
    _check_same_shape(name, input, target)
    if target.dtype != input.dtype:
        target = target.to(dtypes.result_type(input, target))
        if input.dtype != target.dtype:
            input = input.to(target.dtype)
    return input, target


def mse_loss(input, target, reduction="mean"):
    """mean((input - target)^2). input and target: same shape. Matches torch.nn.functional.mse_loss, except
    that unequal shapes raise ValueError instead of broadcasting."""
    input, target = _float_pair("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    input, target = _float_pair("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction, "l1_loss")


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target)."""
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (got {beta})")
    input, target = _float_pair("smooth_l1_loss", input, target)
    if beta == 0:
        return l1_loss(input, target, reduction)
    d = input - target
    a = d.abs()
    quad = d * d * (0.5 / beta)
    lin = a - 0.5 * beta
    return _reduce(E.Where.apply(quad, lin, cond=a.data < beta), reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere."""
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta (got {delta})")
    input, target = _float_pair("huber_loss", input, target)
    d = input - target
    a = d.abs()
    return _reduce(E.Where.apply(d * d * 0.5, (a - 0.5 * delta) * delta, cond=a.data < delta), reduction,
                   "huber_loss")


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)), each log clamped at -100 as torch does. input: probabilities."""
    input, target = _float_pair("binary_cross_entropy", input, target)
    xp = input._device.xp
    if input.data.size and (bool(xp.any(input.data < 0)) or bool(xp.any(input.data > 1))):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1 (got values in "
                           f"[{float(xp.min(input.data))}, {float(xp.max(input.data))}])")
    loss = LO.BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _as_tensor(weight, input)
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """BCE on sigmoid(input), computed as (1 - y) x + (1 + (pw - 1) y) softplus(-x): finite at |x| = 1000.
    Matches torch.nn.functional.binary_cross_entropy_with_logits."""
    input, target = _float_pair("binary_cross_entropy_with_logits", input, target)
    sp = E.Softplus.apply(-input, beta=1.0, threshold=float("inf"))  # log(1 + exp(-x)), stable
    if pos_weight is not None:
        pw = _as_tensor(pos_weight, input)
        loss = (1.0 - target) * input + (1.0 + (pw - 1.0) * target) * sp
    else:
        loss = (1.0 - target) * input + sp
    if weight is not None:
        loss = loss * _as_tensor(weight, input)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def kl_div(input, target, reduction="mean", log_target=False):
    """Pointwise target * (log target - input), input given as log-probabilities. reduction='batchmean' divides
    the sum by the batch size (the mathematically correct KL); 'mean' averages over elements, as torch."""
    input, target = _float_pair("kl_div", input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        nonzero = target.data != 0
        zero = Tensor._wrap(target._device.xp.zeros((), dtype=target.dtype), target._device)
        one = Tensor._wrap(target._device.xp.ones((), dtype=target.dtype), target._device)
        # xlogy, as torch: 0 * log 0 is 0; a negative target is NaN there too (the log of a negative), not 0
        safe = E.Where.apply(*_broadcast_pair(target, one), cond=nonzero)
        loss = E.Where.apply(*_broadcast_pair(target * safe.log(), zero), cond=nonzero) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction, "kl_div")


def _broadcast_pair(a, b):
    return a, b.broadcast_to(a.shape)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-input[n, target[n]] * weight[target[n]], for log-probabilities input (N, C) or (N, C, d1, ...) and class
    indices target (N) or (N, d1, ...). 'mean' divides by the summed weights of the non-ignored targets, as torch."""
    return _nll(input, target, weight, ignore_index, reduction, 0.0, "nll_loss")


def _check_class_target(name, input, target):
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected target of integer dtype (class indices) for input of shape "
                           f"{tuple(input.shape)}, got dtype {target.dtype}")
    expected = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim >= 2 else ()
    if tuple(target.shape) != expected:
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} needs class-index target of shape "
                         f"{expected}, got {tuple(target.shape)}")


def _check_class_range(name, input, t, ignore_index, C):
    xp = input._device.xp
    valid = t != ignore_index
    lo, hi = (int(xp.min(t)), int(xp.max(t))) if t.size else (0, 0)
    if (lo < 0 or hi >= C) and (bool(xp.any(t[valid] < 0)) or bool(xp.any(t[valid] >= C))):
        bad = t[valid][(t[valid] < 0) | (t[valid] >= C)][0]
        raise IndexError(f"{name}: target {int(bad)} is out of bounds for {C} classes (input shape "
                         f"{tuple(input.shape)})")
    return valid


def _nll(logp, target, weight, ignore_index, reduction, label_smoothing, name):
    target = _as_tensor(target, logp)
    _check_class_target(name, logp, target)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: {reduction} is not a valid value for reduction (expected one of {_REDUCTIONS})")
    lead = tuple(target.shape)
    C = logp.shape[1] if logp.ndim >= 2 else logp.shape[0]
    if logp.ndim == 1:
        logp2, t = logp.reshape(1, C), target.data.reshape(1)
    elif logp.ndim == 2:
        logp2, t = logp, target.data
    else:
        logp2 = logp.permute(0, *range(2, logp.ndim), 1).reshape(-1, C)
        t = target.data.reshape(-1)
    xp = logp._device.xp
    valid = _check_class_range(name, logp, t, ignore_index, C)
    safe_t = xp.where(valid, t, 0)
    rows = xp.arange(t.shape[0])
    picked = logp2[rows, safe_t]
    dt = logp.dtype
    mask = xp.asarray(valid, dtype=dt)
    if weight is not None:
        weight = _as_tensor(weight, logp)
        if tuple(weight.shape) != (C,):
            raise RuntimeError(f"{name}: weight tensor should be defined either for all {C} classes or no classes "
                               f"but got weight tensor of shape: {tuple(weight.shape)}")
        w = Tensor._wrap(xp.asarray(weight.data[safe_t] * mask, dtype=dt), logp._device)
    else:
        w = Tensor._wrap(mask, logp._device)
    loss = -(picked * w)
    if label_smoothing > 0:
        if weight is not None:
            smooth = -(logp2 * Tensor._wrap(xp.asarray(weight.data, dtype=dt), logp._device)).sum(1)
        else:
            smooth = -logp2.sum(1)
        smooth = smooth * Tensor._wrap(mask, logp._device)
        loss = loss * (1.0 - label_smoothing) + smooth * (label_smoothing / C)
    if reduction == "none":
        return loss.reshape(*lead)
    if reduction == "sum":
        return loss.sum()
    total = xp.asarray(w.data.sum(), dtype=dt)
    if not total:
        # 0 / 0: the loss is nan, as in torch, whose backward sends an ignored target no gradient (a
        # zero-weight one gets nan); routed through where, the ignored rows get an exact 0, not 0 * inf
        loss = loss.where(Tensor._wrap(valid, logp._device), 0.0)
    return loss.sum() / Tensor._wrap(total, logp._device)


_UNSIGNED = {1: "u1", 2: "u2", 4: "u4", 8: "u8"}


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross entropy from logits. input: (N, C), (C) or (N, C, d1, ...); target: class indices (N) / (N, d1, ...)
    of an integer dtype, or class probabilities of input's shape. Computed through log_softmax, so finite at
    |logits| = 1000. Matches torch.nn.functional.cross_entropy (weight, ignore_index, label_smoothing)."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    target = _as_tensor(target, input)
    x, t = input.data, target.data  # the arrays: the checks below run on every training step
    if (x.ndim == 2 and t.dtype.kind in "iu" and weight is None and label_smoothing == 0
            and reduction in _REDUCTIONS and x.dtype.kind == "f"):
        if t.shape != x.shape[:1]:
            _check_class_target("cross_entropy", input, target)  # raises, naming both shapes
        C = x.shape[1]
        # fast check, one reduction: read as unsigned, a negative target is huge, so max < C says every target is
        # in [0, C); that and none equal to ignore_index lets the fused op skip its masks, anything else takes the
        # full check
        u = t if t.dtype.kind == "u" else t.view(_UNSIGNED[t.dtype.itemsize])
        all_valid = bool(t.size) and u.max() < C and not (0 <= ignore_index < C and bool((t == ignore_index).any()))
        if not all_valid:
            _check_class_range("cross_entropy", input, t, ignore_index, C)
        return LO.CrossEntropy.apply(input, target=t, ignore_index=ignore_index, reduction=reduction,
                                     all_valid=all_valid)
    cdim = 1 if input.ndim >= 2 else 0
    logp = input.log_softmax(cdim)
    if target.dtype.kind == "f":
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, cdim)
    return _nll(logp, target, weight, ignore_index, reduction, label_smoothing, "cross_entropy")


def _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, cdim):
    if tuple(target.shape) != tuple(logp.shape):
        raise ValueError(f"cross_entropy: class-probability target of shape {tuple(target.shape)} must have the "
                         f"input's shape {tuple(logp.shape)}")
    if target.dtype != logp.dtype:
        target = target.to(logp.dtype)
    C = logp.shape[cdim]
    if label_smoothing > 0:
        target = target * (1.0 - label_smoothing) + label_smoothing / C
    prod = logp * target
    if weight is not None:
        weight = _as_tensor(weight, logp).to(logp.dtype)
        shape = [1] * logp.ndim
        shape[cdim] = C
        prod = prod * weight.reshape(*shape)
    loss = -prod.sum(cdim)
    if reduction == "mean":
        n = loss.numel()
        return loss.sum() / n if n else loss.sum() * float("nan")
    return _reduce(loss, reduction, "cross_entropy")


def one_hot(tensor_, num_classes=-1):
    """(*) int64 class indices -> (*, num_classes) int64 one-hot. Matches torch.nn.functional.one_hot."""
    t = tensor_ if isinstance(tensor_, Tensor) else tensor(tensor_)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor, got dtype {t.dtype}")
    xp = t._device.xp
    n = int(xp.max(t.data)) + 1 if num_classes == -1 else num_classes
    if t.data.size and (int(xp.min(t.data)) < 0 or int(xp.max(t.data)) >= n):
        raise RuntimeError(f"one_hot: class values must be in [0, {n}), got values in [{int(xp.min(t.data))}, "
                           f"{int(xp.max(t.data))}]")
    return Tensor._wrap(xp.asarray(xp.arange(n) == t.data[..., None], dtype=dtypes.int64), t._device)


__all__ = ["linear", "bilinear", "relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus", "softmax",
           "log_softmax", "softmin", "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish", "softsign", "tanhshrink",
           "logsigmoid", "glu", "prelu", "normalize", "pad", "interpolate", "dropout", "mse_loss", "l1_loss",
           "smooth_l1_loss", "huber_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
           "nll_loss", "cross_entropy", "one_hot"]
from .functional_layers import *  # noqa: E402,F401,F403 - conv, pooling, norm, embedding, attention (issue 7)
