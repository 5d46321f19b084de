"""Padding layers: thin modules over F.pad, one per mode (constant, zero, reflect, replicate, circular) and number of
padded dimensions, with torch's names, stored `padding` tuples and reprs."""
from . import functional as F
from .module import Module


class _PadNd(Module):
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        # as torch's _ntuple: an int pads every side, a sequence is kept as given (F.pad checks its length)
        self.padding = tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * (2 * self._nsp)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        if input.ndim not in (self._nsp + 1, self._nsp + 2):
            raise ValueError(f"{type(self).__name__}: expected {self._nsp + 1}D or {self._nsp + 2}D input (got "
                             f"{input.ndim}D input of shape {tuple(input.shape)})")
        return super().forward(input)


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with `value`: padding is an int or (left, right). Matches torch.nn.ConstantPad1d."""

    _nsp = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims with `value`: padding is an int or (left, right, top, bottom). Matches
    torch.nn.ConstantPad2d.

    >>> import minigrad
    >>> ConstantPad2d((1, 0, 0, 2), 3.5)(minigrad.zeros(1, 2, 2)).shape
    (1, 4, 3)
    """

    _nsp = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims with `value`. Matches torch.nn.ConstantPad3d."""

    _nsp = 3


class _ZeroPad:
    """Mixin: a constant pad with value 0, shown without the value, as torch's ZeroPad."""

    extra_repr = _PadNd.extra_repr

    def __init__(self, padding):
        super().__init__(padding, 0.0)


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    """Pad the last dim with zeros. Matches torch.nn.ZeroPad1d."""


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    """Pad the last 2 dims with zeros. Matches torch.nn.ZeroPad2d."""


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    """Pad the last 3 dims with zeros. Matches torch.nn.ZeroPad3d."""


class ReflectionPad1d(_PadNd):
    """Pad the last dim of (N, C, W) or (C, W) with its reflection (the edge not repeated). Matches
    torch.nn.ReflectionPad1d."""

    _nsp, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dims with their reflection. Matches torch.nn.ReflectionPad2d."""

    _nsp, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dims with their reflection. Matches torch.nn.ReflectionPad3d."""

    _nsp, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge values. Matches torch.nn.ReplicationPad1d."""

    _nsp, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dims by repeating their edge values. Matches torch.nn.ReplicationPad2d."""

    _nsp, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dims by repeating their edge values. Matches torch.nn.ReplicationPad3d."""

    _nsp, _mode = 3, "replicate"


class CircularPad1d(_CircularPadNd):
    """Pad the last dim of (N, C, W) or (C, W) by wrapping around. Matches torch.nn.CircularPad1d."""

    _nsp = 1


class CircularPad2d(_CircularPadNd):
    """Pad the last 2 dims by wrapping around. Matches torch.nn.CircularPad2d."""

    _nsp = 2


class CircularPad3d(_CircularPadNd):
    """Pad the last 3 dims by wrapping around. Matches torch.nn.CircularPad3d."""

    _nsp = 3
