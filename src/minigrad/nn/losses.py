"""Seed 000's loss forms: `criterion(targets, predictions)`, targets as class indices one-hot encoded to
`n_classes` (or already of the predictions' shape).

These keep the seed's argument order and are the seed-compatible forms only; new code should use nn.MSELoss,
nn.CrossEntropyLoss, ... with torch's (input, target) order.

>>> from minigrad import tensor
>>> MSE(2)(tensor([0, 1]), tensor([[1.0, 0.0], [0.0, 1.0]])).item()
0.0
"""
from ..tensor import Tensor, tensor
from . import functional as F
from .module import Module


class _SeedLoss(Module):
    def __init__(self, n_classes=None, reduction="mean"):
        super().__init__()
        self.n_classes, self.reduction = n_classes, reduction

    def _targets(self, targets, predictions):
        """Class indices -> one-hot rows of the predictions' dtype; float targets are used as they are."""
        t = targets if isinstance(targets, Tensor) else tensor(targets)
        if t.dtype.kind in "iu":
            n = self.n_classes if self.n_classes is not None else predictions.shape[-1]
            if t.ndim != predictions.ndim - 1:
                raise ValueError(f"{type(self).__name__}: class-index targets of shape {tuple(t.shape)} do not fit "
                                 f"predictions of shape {tuple(predictions.shape)}")
            t = F.one_hot(t, n)
        elif t.dtype.kind == "f" and t.shape != predictions.shape and self.n_classes is not None and \
                t.ndim == predictions.ndim - 1 and bool((t.data == t.data.round()).all()):
            t = F.one_hot(t.long(), self.n_classes)  # seed 000 passes float-typed labels straight from numpy
        return t.to(predictions.dtype) if t.dtype != predictions.dtype else t

    def extra_repr(self):
        return f"n_classes={self.n_classes}"


class MSE(_SeedLoss):
    """mean((predictions - one_hot(targets))^2) over all elements. Seed 000: `MSE(n_classes)(gt, outputs)`."""

    def forward(self, targets, predictions):
        return F.mse_loss(predictions, self._targets(targets, predictions), self.reduction)


class MAE(_SeedLoss):
    """mean(|predictions - one_hot(targets)|)."""

    def forward(self, targets, predictions):
        return F.l1_loss(predictions, self._targets(targets, predictions), self.reduction)


class CrossEntropyLoss(_SeedLoss):
    """-sum(one_hot(targets) * log(predictions)) per row, averaged over rows. NOTE: predictions are probabilities
    (seed 000's models end in Softmax), not logits as in nn.CrossEntropyLoss; each log is clamped at -100 (as
    torch's BCELoss) so a zero probability gives a finite loss."""

    def forward(self, targets, predictions):
        t = self._targets(targets, predictions)
        F._check_same_shape("losses.CrossEntropyLoss", predictions, t)
        logp = predictions.clamp(min=3.720075976020836e-44).log().clamp(min=-100.0)
        per_row = -(t * logp).sum(-1)
        return F._reduce(per_row, self.reduction, "losses.CrossEntropyLoss")


class BinaryCrossEntropy(_SeedLoss):
    """Binary cross entropy on probabilities, (targets, predictions) order."""

    def forward(self, targets, predictions):
        t = targets if isinstance(targets, Tensor) else tensor(targets, dtype=predictions.dtype)
        if t.dtype != predictions.dtype:
            t = t.to(predictions.dtype)
        return F.binary_cross_entropy(predictions, t, reduction=self.reduction)


BCE = BinaryCrossEntropy
CrossEntropy = CrossEntropyLoss
