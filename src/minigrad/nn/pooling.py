"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d."""
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
    """Max over sliding windows of (N, C, L). Matches torch.nn.MaxPool1d (return_indices is not supported)."""

    _nsp = 1


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W); padding counts as -inf. Matches torch.nn.MaxPool2d
    (return_indices is not supported).

    >>> import minigrad
    >>> MaxPool2d(2)(minigrad.zeros(1, 3, 8, 8)).shape
    (1, 3, 4, 4)
    """

    _nsp = 2


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


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W). Matches torch.nn.AvgPool2d."""

    _nsp = 2


class _AdaptiveAvgPoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return FL._adaptive_avg_pool(type(self).__name__, input, self.output_size, self._nsp)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Matches torch.nn.AdaptiveAvgPool1d."""

    _nsp = 1


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average over torch's adaptive bins to a fixed output size. Matches torch.nn.AdaptiveAvgPool2d."""

    _nsp = 2
