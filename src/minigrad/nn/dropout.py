"""Dropout layers: each calls the nn.functional form named by `_fn` with (p, self.training, inplace)."""
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zeroes each element with probability p in training mode and scales the others by 1/(1-p); the identity in
    eval mode. Masks come from minigrad.manual_seed's generator. Matches torch.nn.Dropout."""

    _fn = "dropout"

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return getattr(F, self._fn)(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zeroes whole channels of (N, C, L) or (C, L) input. Matches torch.nn.Dropout1d."""

    _fn = "dropout1d"


class Dropout2d(Dropout):
    """Zeroes whole channels of (N, C, H, W) input. Matches torch.nn.Dropout2d."""

    _fn = "dropout2d"


class Dropout3d(Dropout):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input. Matches torch.nn.Dropout3d."""

    _fn = "dropout3d"


class AlphaDropout(Dropout):
    """Dropout that keeps SELU activations at zero mean and unit variance. Matches torch.nn.AlphaDropout."""

    _fn = "alpha_dropout"


class FeatureAlphaDropout(Dropout):
    """AlphaDropout of whole channels. Matches torch.nn.FeatureAlphaDropout."""

    _fn = "feature_alpha_dropout"
