"""Functional forms of the convolution, pooling, normalization, embedding and attention layers.

Matches torch.nn.functional. Convolution and max pooling run the fused Functions of ops/conv.py and ops/pool.py;
average pooling is a depthwise convolution with a constant kernel, adaptive average pooling a matmul per axis
with a constant averaging matrix, adaptive max pooling a gather and max per axis, and the normalizations and attention are composed from Tensor ops (their backward
comes from the engine). Geometry errors name the function (or the layer, when a module calls) and the shapes.
"""
import math

import numpy as np

from ..autograd.grad_mode import no_grad
from ..functions import where
from ..ops import movement as M
from ..ops import reduce as R
from ..ops.conv import Conv, ConvTranspose, conv_forward
from ..ops.linear import Linear
from ..ops.pool import MaxPool
from ..tensor import Tensor

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "adaptive_max_pool3d",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_norm",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "embedding",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "multi_head_attention_forward",
    "scaled_dot_product_attention",
]


def _ntuple(value, n, name, what):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"{name}: {what} must be an int or a tuple of {n} ints, got {value}")
    return value


def _batched(name, input, nsp):
    """Accept (C, *S) as a batch of one, as torch does; return the batched input and whether to squeeze."""
    if input.ndim == nsp + 1:
        return input.reshape((1,) + tuple(input.shape)), True
    if input.ndim != nsp + 2:
        raise RuntimeError(f"{name}: expected a {nsp + 1}-d (unbatched) or {nsp + 2}-d (batched) input, got shape "
                           f"{tuple(input.shape)}")
    return input, False


def _unbatch(y, squeeze):
    return y.reshape(tuple(y.shape[1:])) if squeeze else y


def _check_window(name, input, padded, span, what, detail=""):
    if any(p < k for p, k in zip(padded, span)):
        raise RuntimeError(f"{name}: the padded input size {tuple(padded)} (input shape {tuple(input.shape)}) is "
                           f"smaller than the {what} {tuple(span)}{detail}; the kernel cannot be larger than the "
                           "padded input")


# ------------------------------------------------------------------------------------------------ convolution
def _conv(name, input, weight, bias, stride, padding, dilation, groups, nsp):
    input, squeeze = _batched(name, input, nsp)
    if weight.ndim != nsp + 2:
        raise RuntimeError(f"{name}: expected a {nsp + 2}-d weight, got shape {tuple(weight.shape)}")
    stride = _ntuple(stride, nsp, name, "stride")
    dilation = _ntuple(dilation, nsp, name, "dilation")
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise ValueError(f"{name}: stride {stride} and dilation {dilation} must be positive")
    c, o = input.shape[1], weight.shape[0]
    if groups < 1 or o % groups:
        raise RuntimeError(f"{name}: weight of shape {tuple(weight.shape)} has {o} output channels, which is not "
                           f"divisible by groups={groups}")
    if c != weight.shape[1] * groups:
        raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} has {c} channels, but weight of shape "
                           f"{tuple(weight.shape)} with groups={groups} expects {weight.shape[1] * groups}")
    kernel = tuple(weight.shape[2:])
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * nsp
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions (stride "
                                 f"{stride})")
            lo = tuple((s - 1) // 2 for s in span)
            hi = tuple(s - 1 - a for s, a in zip(span, lo))
        else:
            raise ValueError(f"{name}: padding must be 'valid', 'same', an int or a tuple, got {padding!r}")
    else:
        lo = hi = _ntuple(padding, nsp, name, "padding")
        if any(p < 0 for p in lo):
            raise RuntimeError(f"{name}: negative padding {lo} is not supported")
    padded = tuple(s + a + b for s, a, b in zip(input.shape[2:], lo, hi))
    _check_window(name, input, padded, span, "dilated kernel size", f" (kernel {kernel}, dilation {dilation})")
    if input.dtype != weight.dtype:
        raise RuntimeError(f"{name}: input dtype {input.dtype} and weight dtype {weight.dtype} differ")
    if bias is not None and (tuple(bias.shape) != (o,) or bias.dtype != weight.dtype):
        raise RuntimeError(f"{name}: bias of shape {tuple(bias.shape)} and dtype {bias.dtype} does not match the "
                           f"{o} output channels of weight {tuple(weight.shape)} ({weight.dtype})")
    args = (input, weight) if bias is None else (input, weight, bias)
    y = Conv.apply(*args, stride=stride, pad_lo=lo, pad_hi=hi, dilation=dilation, groups=groups)
    return _unbatch(y, squeeze)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-d cross-correlation. input: (N, C_in, L) or (C_in, L), weight: (C_out, C_in / groups, K).
    padding: int, tuple, 'valid' or 'same'. Matches torch.nn.functional.conv1d."""
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-d cross-correlation. input: (N, C_in, H, W) or (C_in, H, W), weight: (C_out, C_in / groups, kH, kW).
    padding: int, tuple, 'valid' or 'same'. Matches torch.nn.functional.conv2d.

    >>> import minigrad
    >>> conv2d(minigrad.ones(1, 1, 4, 4), minigrad.ones(2, 1, 3, 3), padding=1).shape
    (1, 2, 4, 4)
    """
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d cross-correlation. Matches torch.nn.functional.conv3d."""
    return _conv("conv3d", input, weight, bias, stride, padding, dilation, groups, 3)


def _conv_transpose(name, input, weight, bias, stride, padding, output_padding, groups, dilation, nsp,
                    output_size=None):
    input, squeeze = _batched(name, input, nsp)
    if weight.ndim != nsp + 2:
        raise RuntimeError(f"{name}: expected a {nsp + 2}-d weight, got shape {tuple(weight.shape)}")
    stride = _ntuple(stride, nsp, name, "stride")
    padding = _ntuple(padding, nsp, name, "padding")
    dilation = _ntuple(dilation, nsp, name, "dilation")
    output_padding = _ntuple(output_padding, nsp, name, "output_padding")
    c = input.shape[1]
    if weight.shape[0] != c or groups < 1 or c % groups:
        raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} has {c} channels, but weight of shape "
                           f"{tuple(weight.shape)} with groups={groups} expects {weight.shape[0]} (divisible by "
                           f"groups)")
    kernel = tuple(weight.shape[2:])
    base = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1
                 for n, s, p, d, k in zip(input.shape[2:], stride, padding, dilation, kernel))
    if output_size is not None:
        if len(output_size) not in (nsp, input.ndim - squeeze):
            raise ValueError(f"{name}: output_size {tuple(output_size)} must have {nsp} or "
                             f"{input.ndim - squeeze} elements for an input of {input.ndim - squeeze} dimensions")
        output_size = tuple(output_size)[-nsp:]
        output_padding = tuple(want - b for want, b in zip(output_size, base))
        if any(not 0 <= op < s for op, s in zip(output_padding, stride)):
            raise ValueError(f"{name}: requested an output size of {output_size}, but valid sizes range from {base} "
                             f"to {tuple(b + s - 1 for b, s in zip(base, stride))} (for an input of shape "
                             f"{tuple(input.shape)})")
    if any(op < 0 or (op >= s and op >= d) for op, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{name}: output padding {output_padding} must be smaller than either stride {stride} or "
                         f"dilation {dilation}, and non-negative")
    out = tuple(b + op for b, op in zip(base, output_padding))
    if any(n < 1 for n in out):
        raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} with kernel {kernel}, stride {stride} and "
                           f"padding {padding} gives an empty output size {out}")
    y = ConvTranspose.apply(input, weight, out_spatial=out, stride=stride, pad_lo=padding, pad_hi=padding,
                            dilation=dilation, groups=groups)
    if bias is not None:
        y = y + bias.reshape((1, -1) + (1,) * nsp)
    return _unbatch(y, squeeze)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-d transposed convolution; weight: (C_in, C_out / groups, K). Matches torch.nn.functional.conv_transpose1d."""
    return _conv_transpose("conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-d transposed convolution (the gradient of conv2d with respect to its input); weight:
    (C_in, C_out / groups, kH, kW). Matches torch.nn.functional.conv_transpose2d."""
    return _conv_transpose("conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-d transposed convolution; weight: (C_in, C_out / groups, kD, kH, kW). Matches
    torch.nn.functional.conv_transpose3d."""
    return _conv_transpose("conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3)


# ------------------------------------------------------------------------------------------------ pooling
def _pool_geometry(name, input, kernel_size, stride, padding, dilation, ceil_mode, nsp):
    kernel = _ntuple(kernel_size, nsp, name, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _ntuple(stride, nsp, name, "stride")
    padding = _ntuple(padding, nsp, name, "padding")
    dilation = _ntuple(dilation, nsp, name, "dilation")
    if any(k < 1 for k in kernel) or any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise ValueError(f"{name}: kernel_size {kernel}, stride {stride} and dilation {dilation} must be positive")
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(2 * p > s for p, s in zip(padding, span)):
        raise RuntimeError(f"{name}: padding {padding} should be at most half of the effective kernel size {span} "
                           f"(kernel_size {kernel}, dilation {dilation})")
    sizes = input.shape[2:]
    _check_window(name, input, tuple(n + 2 * p for n, p in zip(sizes, padding)), span, "kernel size")
    out = []
    for n, k, s, p in zip(sizes, span, stride, padding):
        o = ((n + 2 * p - k + (s - 1 if ceil_mode else 0)) // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:  # matches torch: the last window must start inside the input
            o -= 1
        out.append(o)
    hi = tuple(max(0, (o - 1) * s + k - (n + 2 * p)) + p for o, s, k, n, p in zip(out, stride, span, sizes, padding))
    return kernel, stride, padding, hi, dilation, tuple(out)


def _max_pool(name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nsp):
    if return_indices:
        raise NotImplementedError(f"{name}: return_indices=True is not supported")
    input, squeeze = _batched(name, input, nsp)
    kernel, stride, lo, hi, dilation, _ = _pool_geometry(name, input, kernel_size, stride, padding, dilation,
                                                         ceil_mode, nsp)
    y = MaxPool.apply(input, kernel=kernel, stride=stride, pad_lo=lo, pad_hi=hi, dilation=dilation)
    return _unbatch(y, squeeze)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-d max pooling over (N, C, L) or (C, L). Matches torch.nn.functional.max_pool1d."""
    return _max_pool("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-d max pooling over (N, C, H, W) or (C, H, W); padding counts as -inf. stride defaults to kernel_size.
    Matches torch.nn.functional.max_pool2d (return_indices is not supported)."""
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-d max pooling over (N, C, D, H, W) or (C, D, H, W). Matches torch.nn.functional.max_pool3d."""
    return _max_pool("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def _avg_pool(name, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, nsp):
    input, squeeze = _batched(name, input, nsp)
    kernel, stride, lo, hi, _, out = _pool_geometry(name, input, kernel_size, stride, padding, 1, ceil_mode, nsp)
    n, c = input.shape[:2]
    xp = input._device.xp
    ones = Tensor._wrap(xp.ones((1, 1) + kernel, dtype=input.dtype), input._device)
    flat = input.reshape((n * c, 1) + tuple(input.shape[2:]))
    total = Conv.apply(flat, ones, stride=stride, pad_lo=lo, pad_hi=hi, dilation=(1,) * nsp, groups=1)
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError(f"{name}: divisor_override must not be zero")
        y = total * (1.0 / divisor_override)
    else:
        # count the window positions inside the padded input (count_include_pad) or inside the input itself
        sizes = tuple(input.shape[2:])
        region = tuple(s + 2 * p for s, p in zip(sizes, lo)) if count_include_pad else sizes
        mask = xp.ones((1, 1) + region, dtype=input.dtype)
        m_lo = (0,) * nsp if count_include_pad else lo
        m_hi = tuple(h - p for h, p in zip(hi, lo)) if count_include_pad else hi
        counts = conv_forward(xp, mask, ones.data, stride, m_lo, m_hi, (1,) * nsp, 1)
        y = total * Tensor._wrap(1.0 / counts, input._device)
    return _unbatch(y.reshape((n, c) + out), squeeze)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-d average pooling. Matches torch.nn.functional.avg_pool1d."""
    return _avg_pool("avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-d average pooling over (N, C, H, W) or (C, H, W). Matches torch.nn.functional.avg_pool2d."""
    return _avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-d average pooling over (N, C, D, H, W) or (C, D, H, W). Matches torch.nn.functional.avg_pool3d."""
    return _avg_pool("avg_pool3d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 3)


def _bin_index(xp, size, out):
    """(out, K) positions of torch's adaptive bins [floor(i*size/out), ceil((i+1)*size/out)); a shorter bin
    repeats its last position."""
    i = xp.arange(out)
    start, end = (i * size) // out, -((-(i + 1) * size) // out)
    return xp.minimum(start[:, None] + xp.arange(int((end - start).max()))[None], end[:, None] - 1), end - start


def _bins(xp, size, out, dtype):
    """(out, size) matrix averaging torch's adaptive bins."""
    index, count = _bin_index(xp, size, out)
    a = xp.zeros((out, size), dtype=dtype)
    a[xp.arange(out)[:, None], index] = 1.0 / count[:, None]  # a repeated position is written, not added, twice
    return a


def _matmul_axes(y, mats):
    """y (N, C, *S) with spatial axis i multiplied by the (out, in) array mats[i] (None leaves it)."""
    for i, a in enumerate(mats):
        if a is None:
            continue
        a, axis = Tensor._wrap(a, y._device), 2 + i
        if axis == y.ndim - 1:
            y = y.matmul(a.transpose(0, 1))
        elif axis == y.ndim - 2:  # multiplied from the left, no transposes
            y = a.matmul(y)
        else:
            y = a.matmul(y.transpose(axis, -2)).transpose(axis, -2)
    return y


def _interp_weights(xp, n_in, n_out, scale, align_corners, cubic, dtype):
    """(n_out, n_in) matrix of linear (2 taps) or cubic (4 taps, A = -0.75) weights at ATen's source positions;
    taps outside the input are clamped onto its edge, as in torch's kernels."""
    dst = xp.arange(n_out, dtype=xp.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        src = (dst + 0.5) * (1.0 / scale if scale else n_in / n_out) - 0.5
        src = src if cubic else xp.maximum(src, 0.0)
    i0 = xp.floor(src)
    if cubic:
        taps, a = i0[:, None] + xp.arange(-1, 3), -0.75
        d = xp.abs(src[:, None] - taps)  # 1 + t, t, 1 - t, 2 - t
        w = xp.where(d <= 1, ((a + 2) * d - (a + 3)) * d * d + 1, ((a * d - 5 * a) * d + 8 * a) * d - 4 * a)
    else:
        taps, w = i0[:, None] + xp.arange(2), xp.stack([1 - (src - i0), src - i0], axis=1)
    m = xp.zeros((n_out, n_in), dtype=dtype)
    xp.add.at(m, (xp.arange(n_out)[:, None], xp.clip(taps, 0, n_in - 1).astype(xp.int64)), w.astype(dtype))
    return m


def _adaptive_pool(name, input, output_size, nsp, reduce="avg", return_indices=False):
    if return_indices:
        raise NotImplementedError(f"{name}: return_indices=True is not supported")
    input, squeeze = _batched(name, input, nsp)
    if isinstance(output_size, int):
        output_size = (output_size,) * nsp
    output_size = tuple(n if o is None else int(o) for o, n in zip(output_size, input.shape[2:]))
    if len(output_size) != nsp or any(o < 1 for o in output_size):
        raise ValueError(f"{name}: output_size {output_size} must give {nsp} positive sizes")
    if any(n < 1 for n in input.shape[2:]):
        raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} has an empty spatial dimension")
    xp, sizes = input._device.xp, input.shape[2:]
    if reduce == "avg":
        y = _matmul_axes(input, [None if n == o else _bins(xp, n, o, input.dtype) for n, o in zip(sizes, output_size)])
        return _unbatch(y, squeeze)
    y = input
    # the last axis first: on a tie the gradient goes to the first maximum in row-major order, as torch
    for i in reversed(range(nsp)):
        if sizes[i] != output_size[i]:
            index = (slice(None),) * (2 + i) + (_bin_index(xp, sizes[i], output_size[i])[0],)
            y = M.GetItem.apply(y, index=index).max(3 + i).values
    return _unbatch(y, squeeze)


def adaptive_avg_pool1d(input, output_size):
    """Matches torch.nn.functional.adaptive_avg_pool1d."""
    return _adaptive_pool("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):
    """Average over torch's adaptive bins so that the output has spatial size `output_size` (an int, or a pair
    whose None entries keep the input's size). Matches torch.nn.functional.adaptive_avg_pool2d."""
    return _adaptive_pool("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    """Matches torch.nn.functional.adaptive_avg_pool3d."""
    return _adaptive_pool("adaptive_avg_pool3d", input, output_size, 3)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over torch's adaptive bins. Matches torch.nn.functional.adaptive_max_pool1d (no return_indices)."""
    return _adaptive_pool("adaptive_max_pool1d", input, output_size, 1, "max", return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over torch's adaptive bins. Matches torch.nn.functional.adaptive_max_pool2d (no return_indices)."""
    return _adaptive_pool("adaptive_max_pool2d", input, output_size, 2, "max", return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over torch's adaptive bins. Matches torch.nn.functional.adaptive_max_pool3d (no return_indices)."""
    return _adaptive_pool("adaptive_max_pool3d", input, output_size, 3, "max", return_indices)


# ------------------------------------------------------------------------------------------------ normalization
def _channel_shape(input):
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalize each channel of input (N, C, *) by the batch statistics (training) or the running ones (eval).
    In training the running statistics are updated in place with the unbiased batch variance. Matches
    torch.nn.functional.batch_norm."""
    name = "batch_norm"
    if input.ndim < 2:
        raise ValueError(f"{name}: expected an input of at least 2 dimensions (N, C, *), got shape "
                         f"{tuple(input.shape)}")
    c = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"{name}: {what} should have shape ({c},) for an input of shape "
                               f"{tuple(input.shape)}, got {tuple(t.shape)}")
    shape = _channel_shape(input)
    axes = (0,) + tuple(range(2, input.ndim))
    if training:
        count = input.numel() // c
        if count <= 1:
            raise ValueError(f"{name}: expected more than 1 value per channel when training, got input of shape "
                             f"{tuple(input.shape)}")
        mean = input.mean(axes, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(axes, keepdim=True)
        m = 0.1 if momentum is None else momentum
        with no_grad():
            if running_mean is not None:
                running_mean.data[...] = (1 - m) * running_mean.data + m * mean.data.reshape(c)
                running_mean._version += 1
            if running_var is not None:
                unbiased = var.data.reshape(c) * (count / (count - 1))
                running_var.data[...] = (1 - m) * running_var.data + m * unbiased
                running_var._version += 1
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(f"{name}: running_mean and running_var are needed when training=False")
        centered = input - running_mean.reshape(shape)
        var = running_var.reshape(shape)
    y = centered * (var + eps) ** -0.5
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing dimensions `normalized_shape` (biased variance), then scale and shift
    elementwise. Matches torch.nn.functional.layer_norm."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise RuntimeError(f"layer_norm: input of shape {tuple(input.shape)} does not end with normalized_shape "
                           f"{normalized_shape}")
    axes = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(axes, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(axes, keepdim=True)
    y = centered * (var + eps) ** -0.5
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize input (N, C, *) over groups of C / num_groups channels. Matches torch.nn.functional.group_norm."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(f"group_norm: input of shape {tuple(input.shape)} has channels not divisible by "
                           f"num_groups={num_groups}")
    n = input.shape[0]
    g = input.reshape((n, num_groups, -1))
    mean = g.mean(2, keepdim=True)
    centered = g - mean
    var = (centered * centered).mean(2, keepdim=True)
    y = (centered * (var + eps) ** -0.5).reshape(tuple(input.shape))
    shape = _channel_shape(input)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample of input (N, C, *) over its spatial positions (group_norm with one
    channel per group). Running statistics, if given, move towards the batch mean of the per-sample statistics;
    with use_input_stats=False they normalize instead. Matches torch.nn.functional.instance_norm."""
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    n, c = input.shape[:2] if input.ndim >= 2 else (1, 0)
    if input.ndim < 3 or input.numel() <= n * c:
        raise ValueError(f"instance_norm: expected more than 1 spatial element per channel when using the input's "
                         f"statistics, got input of shape {tuple(input.shape)}")
    if running_mean is not None or running_var is not None:
        with no_grad():  # as torch: each sample's statistics update its own copy; the copies are averaged
            copies = [None if t is None else Tensor._wrap(t._device.xp.tile(t.data, n), t._device)
                      for t in (running_mean, running_var)]
            batch_norm(input.reshape((1, n * c, -1)), *copies, training=True, momentum=momentum, eps=eps)
            for t, copy in zip((running_mean, running_var), copies):
                if t is not None:
                    t.data[...] = copy.data.reshape((n, c)).mean(0)
                    t._version += 1
    return group_norm(input, c, weight, bias, eps)


# ------------------------------------------------------------------------------------------------ embedding
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """Rows of weight (num_embeddings, dim) picked by the integer input (*). The row padding_idx receives no
    gradient. With max_norm, the picked rows whose norm_type-norm exceeds it are first rescaled in place (outside
    the graph, as torch); scale_grad_by_freq divides each row's gradient by its count in input. Matches
    torch.nn.functional.embedding (sparse gradients are not supported)."""
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported")
    idx = input.data if isinstance(input, Tensor) else weight._device.xp.asarray(input)
    if idx.dtype.kind != "i":
        raise RuntimeError(f"embedding: expected an int32 or int64 index tensor, got dtype {idx.dtype}")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: 'weight' must be 2-D, got shape {tuple(weight.shape)}")
    n, xp = weight.shape[0], weight._device.xp
    if padding_idx is not None and not -n <= padding_idx < n:
        raise AssertionError(f"embedding: padding_idx {padding_idx} must be within num_embeddings ({n})")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        bad = int(idx.max()) if int(idx.max()) >= n else int(idx.min())
        raise IndexError(f"embedding: index {bad} is out of range for a weight of shape {tuple(weight.shape)} "
                         f"(indices must be in [0, {n - 1}])")
    if max_norm is not None and idx.size:  # torch's embedding_renorm_: 1e-7 keeps a row at max_norm just under it
        rows = xp.unique(idx)
        norms = xp.linalg.norm(weight.data[rows], ord=norm_type, axis=1, keepdims=True)
        scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
        with no_grad():  # in place, bumping the version: a backward that saved weight before refuses, as torch
            weight[rows] = weight[rows] * Tensor._wrap(scale, weight._device)
    out = M.GetItem.apply(weight, index=idx)
    if padding_idx is not None and out.requires_grad:
        # torch: the padding row gets no gradient; its positions take a detached copy, chosen by recorded ops so that
        # a lazy graph replays the choice for new indices
        ids = input if isinstance(input, Tensor) else Tensor._wrap(idx, weight._device)
        out = where((ids == padding_idx % n).unsqueeze(-1), out.detach(), out)
    if scale_grad_by_freq and out.requires_grad:
        counts = xp.bincount(idx.reshape(-1), minlength=n)[idx][..., None].astype(weight.dtype)
        out.register_hook(lambda grad: grad / counts)
    return out


# ------------------------------------------------------------------------------------------------ attention
def _neg_inf_where(scores, blocked):
    """scores with -inf where the bool tensor `blocked` is True (broadcast). Added, not written, as torch turns a
    bool mask into a float one: a NaN score stays NaN, and a NaN gradient of a fully masked row (need_weights=True
    attention) reaches the inputs as in torch. measured: no slower than a where (the bias has the mask's size).
    The bias goes through where(), so a mask computed from a lazy graph's placeholder is replayed with new feeds."""
    dt, dev = scores.dtype, scores._device
    return scores + where(blocked, Tensor._wrap(dev.xp.asarray(-math.inf, dtype=dt), dev),
                          Tensor._wrap(dev.xp.asarray(0, dtype=dt), dev))


def _softmax(x, axis):
    return R.Softmax.apply(x, axis=axis % x.ndim)


class _SafeSoftmax(R.Softmax):
    """softmax over the last axis in which a row of all -inf (a query whose keys are all masked out) gives zeros,
    not NaN: torch's _safe_softmax, which its scaled_dot_product_attention uses. Softmax's backward then sends
    such a row a zero gradient, as torch's does."""

    @staticmethod
    def forward(ctx, a, axis):
        with np.errstate(invalid="ignore"):  # -inf - -inf in the max shift of those rows: they are replaced below
            out = R.Softmax.forward(ctx, a, axis)
        xp = ctx.xp
        # such a row is NaN throughout, so one column of the output finds the candidates without a pass over a
        nan = xp.isnan(out[..., :1])
        if nan.any():
            dead = nan & xp.all(a == -xp.inf, axis=-1, keepdims=True)  # NaN from a NaN score stays NaN, as torch
            if dead.any():
                out = xp.where(dead, xp.zeros((), dtype=out.dtype), out)
                ctx.save_for_backward(out)
        return out


def _masked_softmax(scores):
    """Softmax of attention scores after a mask was applied, where a fully masked row can occur."""
    return _SafeSoftmax.apply(scores, axis=scores.ndim - 1)


def _check_mask(name, what, mask):
    if mask is not None and mask.dtype != bool and not mask.is_floating_point():
        raise RuntimeError(f"{name}: only bool and floating {what} are supported, got dtype {mask.dtype}")


def _repeat_heads(name, t, hq):
    """enable_gqa: key or value t (*, h, S, E) with each of its h heads serving hq // h consecutive query heads, as
    torch's repeat_interleave."""
    s, h = tuple(t.shape), t.shape[-3]
    if hq % h:
        raise RuntimeError(f"{name}: the number of heads in key and value ({h}) must divide the number of heads in "
                           f"query ({hq})")
    return t.unsqueeze(-3).expand(s[:-3] + (h, hq // h) + s[-2:]).reshape(s[:-3] + (hq,) + s[-2:])


def _dropout(x, p, training):
    if p == 0.0 or not training:
        return x
    from .functional import dropout

    return dropout(x, p, training)


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value over the last two axes. query: (*, L, E), key: (*, S, E),
    value: (*, S, Ev). A bool attn_mask marks the positions that take part (True); a float one is added. A query
    that the mask lets see no key gets zeros (and a zero gradient), as torch. With enable_gqa, key and value
    may have fewer heads (axis -3) than query, each shared by a group of query heads. Matches
    torch.nn.functional.scaled_dot_product_attention."""
    name = "scaled_dot_product_attention"
    if min(query.ndim, key.ndim, value.ndim) < 2 or query.shape[-1] != key.shape[-1] or \
            key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{name}: query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                           f"{tuple(value.shape)} do not fit (each needs at least 2 dimensions; query and key must "
                           "share the last dimension, key and value the sequence dimension)")
    _check_mask(name, "attn_mask", attn_mask)
    if enable_gqa and query.ndim >= 3:
        key, value = _repeat_heads(name, key, query.shape[-3]), _repeat_heads(name, value, query.shape[-3])
    if is_causal and attn_mask is not None:
        raise RuntimeError(f"{name}: pass either attn_mask or is_causal, not both")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = query.matmul(key.transpose(-2, -1)) * scale
    xp = query._device.xp
    L, S = query.shape[-2], key.shape[-2]
    if is_causal:
        scores = _neg_inf_where(scores, Tensor._wrap(xp.triu(xp.ones((L, S), dtype=bool), 1), query._device))
    elif attn_mask is not None:
        if attn_mask.dtype == bool:
            scores = _neg_inf_where(scores, attn_mask.logical_not())
        else:
            scores = scores + attn_mask
    # only a mask can block a whole row (a causal one never does): the unmasked path keeps the plain softmax
    attn = _masked_softmax(scores) if attn_mask is not None else _softmax(scores, -1)
    attn = _dropout(attn, dropout_p, True)
    return attn.matmul(value)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Multi-head attention over sequence-first inputs query (L, N, E), key and value (S, N, E) (or unbatched
    (L, E)). Returns (output (L, N, E), attention weights (N, L, S) averaged over heads, or (N, H, L, S), or None).
    A bool key_padding_mask (N, S) or attn_mask ((L, S) or (N*H, L, S)) marks the positions to ignore (True);
    float masks are added. A query whose keys are all masked out gets zero attention with need_weights=False and
    NaN with need_weights=True, as torch (which runs scaled_dot_product_attention only in the first case). Matches
    torch.nn.functional.multi_head_attention_forward (bias_k/bias_v, add_zero_attn and static_k/static_v are not
    supported)."""
    name = "multi_head_attention_forward"
    if bias_k is not None or bias_v is not None or add_zero_attn or static_k is not None or static_v is not None:
        raise NotImplementedError(f"{name}: bias_k/bias_v, add_zero_attn and static_k/static_v are not supported")
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim or \
            key.shape[:-1] != value.shape[:-1] or key.shape[1:-1] != query.shape[1:-1]:
        raise RuntimeError(f"{name}: query {tuple(query.shape)}, key {tuple(key.shape)} and value "
                           f"{tuple(value.shape)} do not fit: expected (L, N, E), (S, N, kdim) and (S, N, vdim), or "
                           "unbatched (L, E), (S, kdim) and (S, vdim)")
    _check_mask(name, "key_padding_mask", key_padding_mask)
    _check_mask(name, "attn_mask", attn_mask)
    if is_causal and attn_mask is None:  # torch: is_causal is only a hint about attn_mask
        raise RuntimeError(f"{name}: is_causal needs the causal attn_mask too (is_causal is a hint)")
    unbatched = query.ndim == 2
    if unbatched:
        query, key, value = (t.reshape((t.shape[0], 1, t.shape[1])) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.reshape((1, -1))
    L, N, E_ = query.shape
    S = key.shape[0]
    if E_ != embed_dim_to_check:
        raise RuntimeError(f"{name}: query of shape {tuple(query.shape)} has embedding dimension {E_}, expected "
                           f"{embed_dim_to_check}")
    if E_ % num_heads:
        raise RuntimeError(f"{name}: embed_dim {E_} is not divisible by num_heads {num_heads}")
    hd = E_ // num_heads
    if use_separate_proj_weight:
        wq, wk, wv = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        wq, wk, wv = in_proj_weight[:E_], in_proj_weight[E_:2 * E_], in_proj_weight[2 * E_:]
    if wk.shape[1] != key.shape[-1] or wv.shape[1] != value.shape[-1]:
        raise RuntimeError(f"{name}: key {tuple(key.shape)} and value {tuple(value.shape)} should have feature sizes "
                           f"kdim={wk.shape[1]} and vdim={wv.shape[1]}")
    bq = bk = bv = None
    if in_proj_bias is not None:
        bq, bk, bv = in_proj_bias[:E_], in_proj_bias[E_:2 * E_], in_proj_bias[2 * E_:]
    if query is key and key is value and not use_separate_proj_weight:
        qkv = _linear(query, in_proj_weight, in_proj_bias)
        q, k, v = qkv[..., :E_], qkv[..., E_:2 * E_], qkv[..., 2 * E_:]
    else:
        q, k, v = _linear(query, wq, bq), _linear(key, wk, bk), _linear(value, wv, bv)
    # (L, N, E) -> (N, H, L, hd)
    q = q.reshape((L, N, num_heads, hd)).permute(1, 2, 0, 3)
    k = k.reshape((S, N, num_heads, hd)).permute(1, 2, 0, 3)
    v = v.reshape((S, N, num_heads, hd)).permute(1, 2, 0, 3)
    scores = q.matmul(k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))  # (N, H, L, S)
    if attn_mask is not None:
        if attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (N * num_heads, L, S):
                raise RuntimeError(f"{name}: a 3-d attn_mask should have shape {(N * num_heads, L, S)}, got "
                                   f"{tuple(attn_mask.shape)}")
            attn_mask = attn_mask.reshape((N, num_heads, L, S))
        elif tuple(attn_mask.shape) != (L, S):
            raise RuntimeError(f"{name}: a 2-d attn_mask should have shape {(L, S)}, got {tuple(attn_mask.shape)}")
        scores = _neg_inf_where(scores, attn_mask) if attn_mask.dtype == bool else scores + attn_mask
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (N, S):
            raise RuntimeError(f"{name}: key_padding_mask should have shape {(N, S)}, got "
                               f"{tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape((N, 1, 1, S))
        scores = _neg_inf_where(scores, kpm) if kpm.dtype == bool else scores + kpm
    # as torch: without the weights it runs scaled_dot_product_attention, whose fully masked rows give 0; with
    # them, a plain softmax, whose fully masked rows are NaN
    masked = attn_mask is not None or key_padding_mask is not None
    attn = _masked_softmax(scores) if masked and not need_weights else _softmax(scores, -1)
    attn = _dropout(attn, dropout_p, training)  # matches torch: the returned weights are the dropped ones
    out = attn.matmul(v)  # (N, H, L, hd)
    out = out.permute(2, 0, 1, 3).reshape((L, N, E_))
    out = _linear(out, out_proj_weight, out_proj_bias)
    weights = None
    if need_weights:
        weights = attn.mean(1) if average_attn_weights else attn
    if unbatched:
        out = out.reshape((L, E_))
        if weights is not None:
            weights = weights.reshape(tuple(weights.shape[1:]))
    return out, weights


def _linear(x, w, b):
    return Linear.apply(x, w) if b is None else Linear.apply(x, w, b)
