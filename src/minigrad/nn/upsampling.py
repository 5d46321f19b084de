"""Upsample: nearest-neighbour resizing over nn.functional.interpolate."""
from . import functional as F
from .module import Module


class Upsample(Module):
    """Resize input (N, C, *S) to `size` or by `scale_factor`, by nearest-neighbour indexing. Matches
    torch.nn.Upsample for modes 'nearest' and 'nearest-exact' (other modes raise NotImplementedError).

    >>> import minigrad
    >>> Upsample(scale_factor=2)(minigrad.ones(1, 1, 2, 3)).shape
    (1, 1, 4, 6)
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners, self.recompute_scale_factor = mode, align_corners, recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"
