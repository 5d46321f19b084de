"""Dropout."""
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zeroes each element with probability p in training mode and scales the others by 1/(1-p); the identity in
    eval mode. Masks come from minigrad.manual_seed's generator. Matches torch.nn.Dropout."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
