"""Functional forms of the convolution, pooling, normalization and embedding layers (attention's are in
functional_attention.py, re-exported here).

Matches torch.nn.functional. Convolution and max pooling run the fused Functions of ops/conv.py and ops/pool.py;
average pooling is a depthwise convolution with a constant kernel, adaptive average pooling a matmul per axis
with a constant averaging matrix, adaptive max pooling a gather and max per axis, and the normalizations are
composed from Tensor ops (their backward comes from the engine). Geometry errors name the function (or the layer,
when a module calls) and the shapes.
"""
import math

from .. import dtypes
from ..autograd.grad_mode import no_grad
from ..functions import pad as _pad
from ..functions import where
from ..ops import movement as M
from ..ops.conv import Col2Im, Conv, ConvTranspose, conv_forward
from ..ops.pool import MaxPool
from ..tensor import Tensor
from .functional_attention import multi_head_attention_forward, scaled_dot_product_attention

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
    "fold",
    "group_norm",
    "instance_norm",
    "layer_norm",
    "local_response_norm",
    "max_pool1d",
    "max_pool2d",
    "max_pool3d",
    "max_unpool1d",
    "max_unpool2d",
    "max_unpool3d",
    "multi_head_attention_forward",
    "pixel_shuffle",
    "pixel_unshuffle",
    "rms_norm",
    "scaled_dot_product_attention",
    "unfold",
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


def _window_argmax(input, positions):
    """torch's return_indices: for each window, the flat index into its (unpadded) input plane of the window's
    first maximum (or first NaN). positions[i] is an (out_i, K_i) array of the window's positions along spatial
    axis i; those outside the input are padding. The indices are constants, computed off the graph."""
    xp, x, nsp = input._device.xp, input.data, len(positions)
    sizes, index, valid, flat = x.shape[2:], [], True, 0
    for i, p in enumerate(positions):
        shape = (1,) * (2 * i) + p.shape + (1,) * (2 * (nsp - i - 1))  # axes (o1, K1, o2, K2, ...)
        valid = valid & ((p >= 0) & (p < sizes[i])).reshape(shape)
        index.append(xp.clip(p, 0, sizes[i] - 1).reshape(shape))
        flat = flat * sizes[i] + index[-1]
    full = sum((p.shape for p in positions), ())
    order = tuple(range(0, 2 * nsp, 2)) + tuple(range(1, 2 * nsp, 2))  # (o1, K1, o2, K2) -> (o1, o2, K1, K2)
    out = tuple(p.shape[0] for p in positions)
    valid, flat = (xp.reshape(xp.transpose(xp.broadcast_to(a, full), order), out + (-1,)) for a in (valid, flat))
    vals = xp.transpose(x[(slice(None), slice(None)) + tuple(index)], (0, 1) + tuple(2 + a for a in order))
    vals = xp.where(valid, xp.reshape(vals, x.shape[:2] + out + (-1,)), -xp.inf)
    # matches torch: an all -inf window picks its first position inside the input
    hit = ((vals == xp.max(vals, axis=-1, keepdims=True)) | xp.isnan(vals)) & valid
    k = xp.argmax(hit, axis=-1)
    return Tensor._wrap(flat.astype(xp.int64)[tuple(xp.indices(out)) + (k,)], input._device)


def _max_pool(name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nsp):
    input, squeeze = _batched(name, input, nsp)
    kernel, stride, lo, hi, dilation, out = _pool_geometry(name, input, kernel_size, stride, padding, dilation,
                                                           ceil_mode, nsp)
    y = MaxPool.apply(input, kernel=kernel, stride=stride, pad_lo=lo, pad_hi=hi, dilation=dilation)
    if not return_indices:
        return _unbatch(y, squeeze)
    xp = input._device.xp
    positions = [xp.arange(o)[:, None] * s - p + xp.arange(k)[None] * d
                 for o, s, p, k, d in zip(out, stride, lo, kernel, dilation)]
    return _unbatch(y, squeeze), _unbatch(_window_argmax(input, positions), squeeze)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-d max pooling over (N, C, L) or (C, L). Matches torch.nn.functional.max_pool1d."""
    return _max_pool("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-d max pooling over (N, C, H, W) or (C, H, W); padding counts as -inf. stride defaults to kernel_size.
    With return_indices, also each maximum's flat index into its input plane. Matches
    torch.nn.functional.max_pool2d."""
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
    if return_indices:
        positions = [_bin_index(xp, n, o)[0] for n, o in zip(sizes, output_size)]
        return _unbatch(y, squeeze), _unbatch(_window_argmax(input, positions), squeeze)
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
    """Max over torch's adaptive bins. Matches torch.nn.functional.adaptive_max_pool1d."""
    return _adaptive_pool("adaptive_max_pool1d", input, output_size, 1, "max", return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over torch's adaptive bins. Matches torch.nn.functional.adaptive_max_pool2d."""
    return _adaptive_pool("adaptive_max_pool2d", input, output_size, 2, "max", return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over torch's adaptive bins. Matches torch.nn.functional.adaptive_max_pool3d."""
    return _adaptive_pool("adaptive_max_pool3d", input, output_size, 3, "max", return_indices)


def _max_unpool(name, input, indices, kernel_size, stride, padding, output_size, nsp):
    """Each input value written at its index into a zero output plane: torch's max_unpool, the inverse of max
    pooling with return_indices. A scatter, so the gradient gathers at the indices, as torch's."""
    kernel = _ntuple(kernel_size, nsp, name, "kernel_size")
    stride = kernel if stride is None else _ntuple(stride, nsp, name, "stride")
    padding = _ntuple(padding, nsp, name, "padding")
    if tuple(indices.shape) != tuple(input.shape) or indices.dtype != dtypes.int64:
        raise RuntimeError(f"{name}: indices of shape {tuple(indices.shape)} and dtype {indices.dtype} should be "
                           f"int64 and of the input's shape {tuple(input.shape)}")
    input, squeeze = _batched(name, input, nsp)
    default = tuple((n - 1) * s + k - 2 * p for n, s, k, p in zip(input.shape[2:], stride, kernel, padding))
    size = default if output_size is None else tuple(output_size)
    size = size[2:] if len(size) == nsp + 2 else size
    if len(size) != nsp:
        raise ValueError(f"{name}: output_size {tuple(output_size)} should have {nsp} or {nsp + 2} elements")
    if any(not d - s < o < d + s for o, d, s in zip(size, default, stride)):
        raise ValueError(f"{name}: invalid output_size {size}: each size must be within stride {stride} of the "
                         f"default size {default}")
    n, c, total = input.shape[0], input.shape[1], math.prod(size)
    idx = indices.data.reshape((n, c, math.prod(input.shape[2:])))
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= total):
        bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
        raise RuntimeError(f"{name}: Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, size))})")
    base = Tensor._wrap(input._device.xp.zeros((n, c, total), dtype=input.dtype), input._device)
    y = base.scatter(2, idx, input.reshape(idx.shape))
    return _unbatch(y.reshape((n, c) + tuple(size)), squeeze)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool1d(return_indices=True): zeros with each value at its index. Matches
    torch.nn.functional.max_unpool1d."""
    return _max_unpool("max_unpool1d", input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d(return_indices=True) on (N, C, H, W) or (C, H, W): a zero output of size
    output_size (default (H - 1) * stride - 2 * padding + kernel_size) with each value at its flat index into the
    output plane. Matches torch.nn.functional.max_unpool2d.

    >>> import minigrad
    >>> y, i = max_pool2d(minigrad.arange(16.0).reshape(1, 1, 4, 4), 2, return_indices=True)
    >>> max_unpool2d(y, i, 2)[0, 0, 1].tolist()
    [0.0, 5.0, 0.0, 7.0]
    """
    return _max_unpool("max_unpool2d", input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool3d(return_indices=True). Matches torch.nn.functional.max_unpool3d."""
    return _max_unpool("max_unpool3d", input, indices, kernel_size, stride, padding, output_size, 3)


# ------------------------------------------------------------------------------------------------ fold, pixel shuffle
def _fold_geometry(name, kernel_size, dilation, padding, stride):
    kernel, dilation, padding, stride = (_ntuple(v, 2, name, what) for v, what in (
        (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    if min(kernel + dilation + stride) < 1 or min(padding) < 0:
        raise RuntimeError(f"{name}: kernel_size {kernel}, dilation {dilation} and stride {stride} must be positive "
                           f"and padding {padding} non-negative")
    return kernel, dilation, padding, stride


def _blocks(name, sizes, kernel, dilation, padding, stride):
    """The number of sliding blocks along each spatial axis; torch refuses a geometry that leaves none."""
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in zip(sizes, kernel, dilation, padding,
                                                                                   stride))
    if min(out) < 1:
        raise RuntimeError(f"{name}: spatial size {tuple(sizes)} with kernel_size {kernel}, dilation {dilation}, "
                           f"padding {padding} and stride {stride} leaves no sliding block (got {out})")
    return out


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of input (N, C, H, W) or (C, H, W) as columns (N, C * kH * kW, L), channel-major, L blocks
    in row-major order. A gather, so its gradient adds each block back. Matches torch.nn.functional.unfold.

    >>> import minigrad
    >>> unfold(minigrad.ones(2, 3, 4, 5), 2).shape
    (2, 12, 12)
    """
    if input.ndim not in (3, 4) or 0 in tuple(input.shape[-3:]):
        raise RuntimeError(f"unfold: expected a 3D or 4D (batched) input with non-zero C, H and W, got shape "
                           f"{tuple(input.shape)}")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = geom = _fold_geometry("unfold", kernel_size, dilation, padding, stride)
    input, squeeze = _batched("unfold", input, 2)
    oh, ow = _blocks("unfold", input.shape[2:], *geom)
    xp, (n, c) = input._device.xp, input.shape[:2]
    rows = (xp.arange(kh) * dh)[:, None, None, None] + (xp.arange(oh) * sh)[None, None, :, None]
    cols = (xp.arange(kw) * dw)[None, :, None, None] + (xp.arange(ow) * sw)[None, None, None, :]
    x = _pad(input, (pw, pw, ph, ph)) if ph or pw else input
    y = M.GetItem.apply(x, index=(slice(None), slice(None), rows, cols))  # (N, C, kH, kW, oH, oW)
    return _unbatch(y.reshape((n, c * kh * kw, oh * ow)), squeeze)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The adjoint of unfold: columns (N, C * kH * kW, L) or (C * kH * kW, L) summed back onto an (N, C, *output_size)
    image, overlapping blocks added. Matches torch.nn.functional.fold."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected a 2D or 3D (batched) input, got shape {tuple(input.shape)}")
    geom = _fold_geometry("fold", kernel_size, dilation, padding, stride)
    (kh, kw), (ph, pw) = geom[0], geom[2]
    size = _ntuple(output_size, 2, "fold", "output_size")
    input, squeeze = _batched("fold", input, 1)
    oh, ow = _blocks("fold", size, *geom)
    n, ck, blocks = input.shape
    if ck % (kh * kw) or blocks != oh * ow:
        raise RuntimeError(f"fold: input of shape {tuple(input.shape)} should have C * {kh * kw} (kernel_size "
                           f"{geom[0]}) rows and {oh} * {ow} = {oh * ow} blocks for output_size {size}")
    cols = input.reshape((n, ck // (kh * kw), kh, kw, oh, ow))
    y = Col2Im.apply(cols, padded=(size[0] + 2 * ph, size[1] + 2 * pw), stride=geom[3], dilation=geom[1])
    y = y[:, :, ph:ph + size[0], pw:pw + size[1]] if ph or pw else y
    return _unbatch(y, squeeze)


def _pixel_shuffle(name, input, r, up):
    if input.ndim < 3:
        raise RuntimeError(f"{name}: expected an input of at least 3 dimensions (*, C, H, W), got shape "
                           f"{tuple(input.shape)}")
    if r < 1:
        raise RuntimeError(f"{name}: expected a positive {'up' if up else 'down'}scale_factor, got {r}")
    lead, (c, h, w), k = tuple(input.shape[:-3]), tuple(input.shape[-3:]), input.ndim - 3
    if c % (r * r) if up else h % r or w % r:
        raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} should have "
                           + (f"channels divisible by upscale_factor ** 2 = {r * r}" if up else
                              f"height and width divisible by downscale_factor {r}"))
    if up:  # (C, r, r, H, W) -> (C, H, r, W, r)
        x = input.reshape(lead + (c // (r * r), r, r, h, w)).permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
        return x.reshape(lead + (c // (r * r), h * r, w * r))
    x = input.reshape(lead + (c, h // r, r, w // r, r)).permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(lead + (c * r * r, h // r, w // r))


def pixel_shuffle(input, upscale_factor):
    """(*, C * r * r, H, W) -> (*, C, H * r, W * r): each group of r * r channels becomes the r x r blocks of one
    channel (r = upscale_factor). Matches torch.nn.functional.pixel_shuffle.

    >>> import minigrad
    >>> pixel_shuffle(minigrad.arange(4.0).reshape(1, 4, 1, 1), 2).reshape(2, 2).tolist()
    [[0.0, 1.0], [2.0, 3.0]]
    """
    return _pixel_shuffle("pixel_shuffle", input, upscale_factor, True)


def pixel_unshuffle(input, downscale_factor):
    """The inverse of pixel_shuffle: (*, C, H * r, W * r) -> (*, C * r * r, H, W). Matches
    torch.nn.functional.pixel_unshuffle."""
    return _pixel_shuffle("pixel_unshuffle", input, downscale_factor, False)


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


def _trailing_axes(name, input, normalized_shape, **params):
    """normalized_shape as a tuple and the trailing axes it names; the input must end with it and each given
    parameter (weight, bias) must have exactly its shape, as torch checks (a broadcast would hide a mistake)."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"{name}: input of shape {tuple(input.shape)} does not end with normalized_shape {shape}")
    for what, t in params.items():
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"{name}: {what} of shape {tuple(t.shape)} should have normalized_shape {shape}")
    return shape, tuple(range(input.ndim - k, input.ndim))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing dimensions `normalized_shape` (biased variance), then scale and shift
    elementwise. Matches torch.nn.functional.layer_norm."""
    _, axes = _trailing_axes("layer_norm", input, normalized_shape, weight=weight, bias=bias)
    mean = input.mean(axes, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(axes, keepdim=True)
    y = centered * (var + eps) ** -0.5
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """input / sqrt(mean(input ** 2) + eps) over the trailing dimensions `normalized_shape`, times weight.
    eps=None means the machine epsilon of input's dtype. Matches torch.nn.functional.rms_norm.

    >>> import minigrad
    >>> rms_norm(minigrad.tensor([[3.0, 4.0]]), (2,), eps=0.0)
    tensor([[0.8485, 1.1314]])
    """
    _, axes = _trailing_axes("rms_norm", input, normalized_shape, weight=weight)
    eps = float(dtypes.finfo(input.dtype).eps) if eps is None else eps
    y = input * ((input * input).mean(axes, keepdim=True) + eps) ** -0.5
    return y if weight is None else y * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """input (N, C, *) divided by (k + alpha * mean of input ** 2 over `size` neighbouring channels) ** beta; the
    window is zero-padded by size // 2 channels before and (size - 1) // 2 after, as torch's average pooling.
    Matches torch.nn.functional.local_response_norm."""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected a 3D or higher dimensional input, got shape "
                         f"{tuple(input.shape)}")
    if input.numel() == 0:
        return input
    n, c = input.shape[:2]
    sq = (input * input).reshape((n, 1, c, math.prod(input.shape[2:])))
    div = _avg_pool("local_response_norm", _pad(sq, (0, 0, size // 2, (size - 1) // 2)), (size, 1), 1, 0, False,
                    True, None, 2)
    return input / (div.reshape(tuple(input.shape)) * alpha + k) ** beta


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
