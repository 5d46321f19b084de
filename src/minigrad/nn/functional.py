"""Stateless layer math: the functional forms behind the nn layers and losses. Matches torch.nn.functional.

Activations call the engine's fused ops (ops/elementwise.py, ops/reduce.py). The losses are in functional_losses.py
and the layers' forms in functional_layers.py (conv, pooling, normalization, embedding) and
functional_attention.py (through functional_layers); all are re-exported here.
"""
import math
import warnings

from .. import dtypes
from .. import functions as _functions
from ..ops import elementwise as E
from ..ops import linear as LI
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
def _apply(input, inplace, name, fn):
    """fn(input); with torch's inplace=True written into input (Tensor's in-place machinery: computed from a
    snapshot, so ops that saved the old input still have it), so code that goes on using `input` sees it."""
    return input._inplace(lambda a, _: fn(a), None, name) if inplace else fn(input)


def relu(input, inplace=False):
    return _apply(input, True, "relu_", Tensor.relu) if inplace else input.relu()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _apply(input, inplace, "leaky_relu_", lambda x: E.LeakyRelu.apply(x, negative_slope=negative_slope))


def elu(input, alpha=1.0, inplace=False):
    return _apply(input, inplace, "elu_", lambda x: E.Elu.apply(x, alpha=alpha))


def celu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha (exp(x / alpha) - 1). Matches torch.nn.functional.celu (gradient 1 at x = 0),
    except that torch's float64 backward uses float32(1 / alpha) (~1e-8 off unless 1 / alpha is exact)."""
    if alpha == 0:
        raise RuntimeError("celu: ZeroDivisionError: alpha cannot be 0 for CELU")
    def fn(x):
        # Elu's backward reads exp(u), where expm1's reads expm1(u) + 1, which is 0 below u = -17 in float32; a
        # negative alpha flips u's sign, so there min(x, 0) keeps the unused branch from overflowing
        u = x * (1.0 / alpha) if alpha > 0 else x.clamp(max=0.0) * (1.0 / alpha)
        return _functions.where(x > 0, x, (E.Elu.apply(u, alpha=1.0) if alpha > 0 else u.expm1()) * alpha)

    return _apply(input, inplace, "celu_", fn)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the self-normalising constants. Matches torch.nn.functional.selu."""
    return _apply(input, inplace, "selu_", lambda x: E.Elu.apply(x, alpha=1.6732632423543772) * 1.0507009873554805)


def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got '{approximate}'")
    return E.Gelu.apply(input, approximate=approximate)


def silu(input, inplace=False):
    return _apply(input, inplace, "silu_", E.Silu.apply)


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
    return _apply(input, inplace, "hardtanh_", lambda x: _functions.where(
        x <= min_val, min_val, _functions.where(x >= max_val, max_val, x)))


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6), as torch. Matches torch.nn.functional.relu6."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6, with no gradient at x = +-3 (as torch). Matches torch.nn.functional.hardsigmoid, except
    that torch's float64 backward multiplies by float32(1/6) (3e-8 off) where this one is exact."""
    return _apply(input, inplace, "hardsigmoid_", lambda x: hardtanh(x + 3.0, 0.0, 6.0) / 6.0)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6. Matches torch.nn.functional.hardswish: the gradient is 0 at x = -3 and 1 at x = 3,
    which the product with hardsigmoid (no gradient at its bounds) gives."""
    return _apply(input, inplace, "hardswish_", lambda x: x * hardsigmoid(x))


def mish(input, inplace=False):
    """x * tanh(softplus(x)). Matches torch.nn.functional.mish."""
    # threshold=inf: torch's mish uses the exact softplus, whose stable form cannot overflow
    return _apply(input, inplace, "mish_", lambda x: x * E.Softplus.apply(x, beta=1.0, threshold=math.inf).tanh())


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


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value (NaN passes). Matches torch.nn.functional.threshold."""
    return _apply(input, inplace, "threshold_", lambda x: _functions.where(x <= threshold, value, x))


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0. Matches torch.nn.functional.hardshrink."""
    return _functions.where((input >= -lambd) & (input <= lambd), 0.0, input)


def softshrink(input, lambd=0.5):
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0. Matches torch.nn.functional.softshrink."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be {lambd}")
    return input - input.clamp(-lambd, lambd)  # the clamp passes its gradient at +-lambd, so 0 there, as torch


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """x where x > 0, else a * x: a drawn uniformly from [lower, upper] per element when training, their mean
    otherwise. Matches torch.nn.functional.rrelu (its draws differ: minigrad's generator)."""
    if lower > upper:
        raise RuntimeError(f"rrelu: lower bound ({lower}) should be less than or equal to the upper bound ({upper})")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    xp = input._device.xp
    slope = xp.asarray(get_rng(None).uniform(lower, upper, input.shape), dtype=input.dtype)
    # matches torch: the drawn slope applies at x = 0 too
    noise = Tensor._wrap(xp.where(input.data > 0, xp.ones((), dtype=input.dtype), slope), input._device)
    return _apply(input, inplace, "rrelu_", lambda x: x * noise)


def _inplace_form(fn):
    def inplace_fn(input, *args, **kwargs):
        return fn(input, *args, inplace=True, **kwargs)

    inplace_fn.__name__ = inplace_fn.__qualname__ = fn.__name__ + "_"
    inplace_fn.__doc__ = f"{fn.__name__}(..., inplace=True). Matches torch.nn.functional.{fn.__name__}_."
    return inplace_fn


relu_, leaky_relu_, elu_, celu_, selu_, hardtanh_, threshold_, rrelu_ = map(
    _inplace_form, (relu, leaky_relu, elu, celu, selu, hardtanh, threshold, rrelu))


# ------------------------------------------------------------------------------------ normalize, pad, resize
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along dim. Matches torch.nn.functional.normalize (no `out`).

    >>> normalize(tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported")
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
    if mode == "circular" and any(p < 0 for p in pad):  # as torch: crop first, then wrap the cropped tensor
        input, pad = _functions.pad(input, [min(p, 0) for p in pad]), [max(p, 0) for p in pad]
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


_INTERP_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize the spatial dims of input (N, C, *S) (1 to 3 of them) to `size`, or to floor(S * scale_factor).
    'nearest' and 'nearest-exact' gather (so the gradient sums over the copies of each pixel); 'linear',
    'bilinear', 'trilinear' and 'bicubic' multiply each axis by a constant weight matrix; 'area' is adaptive
    average pooling. Matches torch.nn.functional.interpolate (antialias is not supported). NOTE: where torch's
    nearest backward disagrees with its own forward (output size equal to or twice the input's reached by a
    non-integer scale_factor, e.g. 10 -> 20 at 2.05), this gradient is the forward's.

    >>> interpolate(tensor([[[1.0, 2.0]]]), scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    """
    from .functional_layers import _adaptive_pool, _interp_weights, _matmul_axes

    if mode not in ("nearest", "nearest-exact", "area", *_INTERP_DIMS):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported (nearest, nearest-exact, area, "
                                  "linear, bilinear, bicubic, trilinear)")
    if align_corners is not None and mode not in _INTERP_DIMS:
        raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: linear | "
                         "bilinear | bicubic | trilinear")
    if antialias:
        if mode not in ("bilinear", "bicubic"):
            raise ValueError("interpolate: anti-alias option is restricted to bilinear and bicubic modes")
        raise NotImplementedError("interpolate: antialias=True is not supported")
    nsp = input.ndim - 2
    if not 1 <= nsp <= 3:
        raise NotImplementedError(f"interpolate: expected a 3D, 4D or 5D input (N, C, *spatial), got shape "
                                  f"{tuple(input.shape)}")
    if _INTERP_DIMS.get(mode, nsp) != nsp:
        raise NotImplementedError(f"interpolate: got {input.ndim}D input (shape {tuple(input.shape)}), but {mode} "
                                  f"mode needs {_INTERP_DIMS[mode] + 2}D input")
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
    if mode == "area":
        return _adaptive_pool("interpolate", input, out, nsp)
    if mode in _INTERP_DIMS:
        return _matmul_axes(input, [_interp_weights(xp, n_in, n_out, s, align_corners, mode == "bicubic", input.dtype)
                                    for n_in, n_out, s in zip(spatial, out, scales)])
    index = [slice(None), slice(None)]
    for k, (n_in, n_out, s) in enumerate(zip(spatial, out, scales)):
        src = _nearest_source(xp, n_in, n_out, s, mode == "nearest-exact", input.dtype == dtypes.float64)
        index.append(xp.reshape(src, [-1 if j == k else 1 for j in range(nsp)]))
    return M.GetItem.apply(input, index=tuple(index))


# ------------------------------------------------------------------------------------------------ dropout
def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability p and scale the rest by 1/(1-p) when training; identity otherwise.
    The mask comes from minigrad's seeded generator. Matches torch.nn.functional.dropout."""
    return _dropout(input, p, training, inplace, generator)


def _dropout(input, p, training, inplace, generator=None, lead=None, alpha=False, name="dropout"):
    """Dropout of whole features when `lead` is given (one draw per index of the first `lead` dims: channels),
    of elements otherwise. alpha: SELU's alpha dropout (dropped values at SELU's negative limit, then an affine
    map that keeps mean 0 and variance 1), as torch's _dropout_impl."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if lead is not None and input.ndim < lead:
        raise RuntimeError(f"{name}: feature dropout requires at least {lead} dimensions in the input, got shape "
                           f"{tuple(input.shape)}")
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return _apply(input, inplace, name + "_", lambda x: x * 0.0)
    xp, dev = input._device.xp, input._device
    shape = tuple(input.shape) if lead is None else tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    keep = xp.asarray(get_rng(generator).random(shape) >= p, dtype=input.dtype)
    if not alpha:
        return _apply(input, inplace, name + "_", lambda x: x * Tensor._wrap(keep * (1.0 / (1.0 - p)), dev))
    a = 1.0 / math.sqrt((_SELU_ALPHA ** 2 * p + 1) * (1 - p))
    b = (keep - 1.0) * (_SELU_ALPHA * a) + _SELU_ALPHA * a * p
    return _apply(input, inplace, name + "_", lambda x: x * Tensor._wrap(keep * a, dev) + Tensor._wrap(b, dev))


_SELU_ALPHA = 1.7580993408473766  # SELU's -alpha * scale: where a dropped unit sits before the affine map


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input. Matches torch.nn.functional.dropout1d."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input (shape "
                           f"{tuple(input.shape)})")
    return _dropout(input, p, training, inplace, lead=input.ndim - 1, name="dropout1d")


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) input. NOTE: as torch, a 3-D input is read as (N, C, L), not as an
    unbatched (C, H, W). Matches torch.nn.functional.dropout2d."""
    return _dropout(input, p, training, inplace, lead=2, name="dropout2d")


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input. Matches torch.nn.functional.dropout3d."""
    return _dropout(input, p, training, inplace, lead=2 if input.ndim == 5 else 1, name="dropout3d")


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's zero mean and unit variance. Matches torch.nn.functional.alpha_dropout."""
    return _dropout(input, p, training, inplace, alpha=True, name="alpha_dropout")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels (dim 1). Matches torch.nn.functional.feature_alpha_dropout."""
    return _dropout(input, p, training, inplace, lead=2, alpha=True, name="feature_alpha_dropout")


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


__all__ = ["linear", "bilinear", "relu", "leaky_relu", "elu", "celu", "selu", "gelu", "silu", "sigmoid", "tanh",
           "softplus", "softmax", "log_softmax", "softmin", "hardtanh", "relu6", "hardsigmoid", "hardswish", "mish",
           "softsign", "tanhshrink", "logsigmoid", "glu", "prelu", "threshold", "hardshrink", "softshrink", "rrelu",
           "relu_", "leaky_relu_", "elu_", "celu_", "selu_", "hardtanh_", "threshold_", "rrelu_", "normalize", "pad",
           "interpolate", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
           "one_hot"]
from . import functional_layers as _layers  # noqa: E402
from . import functional_losses as _losses  # noqa: E402
from .functional_layers import *  # noqa: E402,F401,F403 - conv, pooling, norm, embedding, attention (issue 7)
from .functional_losses import *  # noqa: E402,F401,F403
from .functional_losses import _check_same_shape, _reduce  # noqa: E402,F401 - seed 000's losses (losses.py)

__all__ += _layers.__all__ + _losses.__all__
