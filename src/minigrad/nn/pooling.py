"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool1d/2d/3d and
MaxUnpool1d/2d/3d."""
from . import functional_layers as FL
from .module import Module


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return FL._max_pool(type(self).__name__, input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices, self._nsp)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L). Matches torch.nn.MaxPool1d."""

    _nsp = 1


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W); padding counts as -inf. With return_indices, forward returns
    (output, indices) as torch's. Matches torch.nn.MaxPool2d.

    >>> import minigrad
    >>> MaxPool2d(2)(minigrad.zeros(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    _nsp = 2


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of (N, C, D, H, W). Matches torch.nn.MaxPool3d."""

    _nsp = 3


class _MaxUnpoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name, n = type(self).__name__, self._nsp
        self.kernel_size = FL._ntuple(kernel_size, n, name, "kernel_size")  # tuples, as torch stores them
        self.stride = FL._ntuple(kernel_size if stride is None else stride, n, name, "stride")
        self.padding = FL._ntuple(padding, n, name, "padding")

    def forward(self, input, indices, output_size=None):
        return FL._max_unpool(type(self).__name__, input, indices, self.kernel_size, self.stride, self.padding,
                              output_size, self._nsp)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Matches torch.nn.MaxUnpool1d."""

    _nsp = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Undo MaxPool2d(return_indices=True): forward(input, indices, output_size=None) puts each value back at its
    index in a zero plane. Matches torch.nn.MaxUnpool2d."""

    _nsp = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Matches torch.nn.MaxUnpool3d."""

    _nsp = 3


class _AvgPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return FL._avg_pool(type(self).__name__, input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override, self._nsp)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, L). Matches torch.nn.AvgPool1d."""

    _nsp = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        # as torch, which stores them as 1-tuples
        self.kernel_size, self.stride, self.padding = (FL._ntuple(v, 1, "AvgPool1d", "each size") for v in (
            self.kernel_size, self.stride, self.padding))


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W). Matches torch.nn.AvgPool2d."""

    _nsp = 2


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, D, H, W). Matches torch.nn.AvgPool3d."""

    _nsp = 3


class _AdaptivePoolNd(Module):
    _reduce = "avg"

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        if self._reduce == "max":  # torch's AdaptiveAvgPool has no return_indices
            self.return_indices = return_indices

    def forward(self, input):
        return FL._adaptive_pool(type(self).__name__, input, self.output_size, self._nsp, self._reduce,
                                 getattr(self, "return_indices", False))

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Matches torch.nn.AdaptiveAvgPool1d."""

    _nsp = 1


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average over torch's adaptive bins to a fixed output size. Matches torch.nn.AdaptiveAvgPool2d."""

    _nsp = 2


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Matches torch.nn.AdaptiveAvgPool3d."""

    _nsp = 3


class AdaptiveMaxPool1d(_AdaptivePoolNd):
    """Max over torch's adaptive bins. Matches torch.nn.AdaptiveMaxPool1d."""

    _nsp, _reduce = 1, "max"


class AdaptiveMaxPool2d(_AdaptivePoolNd):
    """Max over torch's adaptive bins. Matches torch.nn.AdaptiveMaxPool2d."""

    _nsp, _reduce = 2, "max"


class AdaptiveMaxPool3d(_AdaptivePoolNd):
    """Max over torch's adaptive bins. Matches torch.nn.AdaptiveMaxPool3d."""

    _nsp, _reduce = 3, "max"
