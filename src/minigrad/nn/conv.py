"""Convolution layers: Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d."""
import math

from .. import dtypes
from ..creation import empty
from . import functional as F
from . import functional_layers as FL
from . import init
from .module import Module, Parameter


class _ConvNd(Module):
    _nsp = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None, output_padding=0):
        super().__init__()
        name, n = type(self).__name__, self._nsp
        if groups < 1 or in_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) must be divisible by groups ({groups})")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels ({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular") or (
                self._transposed and padding_mode != "zeros"):
            raise ValueError(f"{name}: padding_mode must be 'zeros', 'reflect', 'replicate' or 'circular' (only "
                             f"'zeros' for a transposed convolution), got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = FL._ntuple(kernel_size, n, name, "kernel_size")
        self.stride = FL._ntuple(stride, n, name, "stride")
        self.dilation = FL._ntuple(dilation, n, name, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: padding must be 'same', 'valid', an int or a tuple, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions "
                                 f"(stride {self.stride})")
            self.padding = padding
        else:
            self.padding = FL._ntuple(padding, n, name, "padding")
        self.output_padding = FL._ntuple(output_padding, n, name, "output_padding")
        self.padding_mode = padding_mode
        dt = dtypes.get_default_dtype() if dtype is None else dtype
        shape = ((in_channels, out_channels // groups) if self._transposed else
                 (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(empty(*shape, dtype=dt, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dt, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        # torch's default: kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in)), for the weight and the bias
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        padding = self.padding
        if self.padding_mode != "zeros":  # as torch: pad by the mode, then convolve without padding
            if padding == "same":
                padding = tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                                for d, k in zip(self.dilation, self.kernel_size))
            else:
                padding = tuple((p, p) for p in ((0,) * self._nsp if padding == "valid" else padding))
            input, padding = F.pad(input, [w for pair in reversed(padding) for w in pair], self.padding_mode), 0
        return FL._conv(type(self).__name__, input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups, self._nsp)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}")
        if self.padding != (0,) * self._nsp:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nsp:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nsp:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s + (f", padding_mode={self.padding_mode}" if self.padding_mode != "zeros" else "")


class Conv1d(_ConvNd):
    """1-d convolution over (N, C_in, L) or (C_in, L). Matches torch.nn.Conv1d."""

    _nsp = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)


class Conv2d(_ConvNd):
    """2-d convolution over (N, C_in, H, W) or (C_in, H, W). weight: (C_out, C_in / groups, kH, kW). padding may
    be 'same' or 'valid'. Matches torch.nn.Conv2d, including its init.

    >>> import minigrad
    >>> Conv2d(1, 6, 5, padding=2)(minigrad.zeros(8, 1, 28, 28)).shape
    (8, 6, 28, 28)
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)


class Conv3d(_ConvNd):
    """3-d convolution over (N, C_in, D, H, W). Matches torch.nn.Conv3d."""

    _nsp = 3

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype)


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        if isinstance(padding, str):  # torch raises ValueError here too
            raise ValueError(  # noqa: TRY004
                f"{type(self).__name__}: padding must be an int or a tuple, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, device, dtype, output_padding)

    def forward(self, input, output_size=None):
        return FL._conv_transpose(type(self).__name__, input, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation, self._nsp, output_size)


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution; weight: (C_in, C_out / groups, K). Matches torch.nn.ConvTranspose1d."""

    _nsp = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution (the gradient of Conv2d with respect to its input); weight:
    (C_in, C_out / groups, kH, kW). Output size (H - 1) * stride - 2 * padding + dilation * (k - 1) +
    output_padding + 1. Matches torch.nn.ConvTranspose2d."""


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution; weight: (C_in, C_out / groups, kD, kH, kW). Matches torch.nn.ConvTranspose3d."""

    _nsp = 3
