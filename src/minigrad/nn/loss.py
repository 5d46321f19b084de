"""Loss modules over nn.functional, with torch's (input, target) argument order and `reduction`.

Unlike torch, an input and target of unequal shapes raise ValueError instead of broadcasting (a (N, 1) prediction
against a (N,) target would otherwise give an (N, N) loss). Seed 000's (targets, predictions) forms live in
nn.losses.
"""
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in ("none", "mean", "sum") and not (reduction == "batchmean" and isinstance(self, KLDivLoss)):
            raise ValueError(f"{type(self).__name__}: {reduction} is not a valid value for reduction "
                             "(expected 'none', 'mean' or 'sum')")
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction}"


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """mean((input - target)^2). Matches torch.nn.MSELoss (except: unequal shapes raise)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy from logits: input (N, C) / (C) / (N, C, d1, ...), target class indices (integer dtype) or
    class probabilities (input's shape). Matches torch.nn.CrossEntropyLoss (weight, ignore_index,
    label_smoothing, reduction); finite at |logits| = 1000.

    >>> from minigrad import tensor
    >>> round(CrossEntropyLoss()(tensor([[1000.0, -1000.0]]), tensor([1])).item(), 1)
    2000.0
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        # the weight buffer read from its registry, not through Module.__getattr__ (~0.5 us a step)
        b = self._buffers
        weight = b["weight"] if "weight" in b else self.weight  # noqa: SIM401 - get() would read self.weight
        return F.cross_entropy(input, target, weight, self.ignore_index, self.reduction, self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """-input[target] for log-probabilities. Matches torch.nn.NLLLoss."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy on probabilities (logs clamped at -100, as torch). Matches torch.nn.BCELoss."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross entropy on logits, stable at any magnitude. Matches torch.nn.BCEWithLogitsLoss."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class KLDivLoss(_Loss):
    """KL(target || input) with input as log-probabilities. Matches torch.nn.KLDivLoss ('batchmean' too)."""

    def __init__(self, reduction="mean", log_target=False):
        super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, self.reduction, self.log_target)
