"""The losses and distances of torch.nn.functional, composed from Tensor ops except where a fused op in ops/loss.py
is needed for stability or torch's exact gradient. Re-exported by nn.functional."""
import math

from .. import dtypes
from .. import functions as _functions
from ..autograd.grad_mode import no_grad
from ..ops import elementwise as E
from ..ops import loss as LO
from ..tensor import Tensor, tensor
from .functional import logsigmoid

_REDUCTIONS = ("none", "mean", "sum")


def _reduce(loss, reduction, name):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: {reduction} is not a valid value for reduction (expected one of {_REDUCTIONS})")


def _as_tensor(x, like):
    if isinstance(x, Tensor):
        return x
    return tensor(x, device=like._device)


def _check_same_shape(name, input, target):
    # NOTE: torch only warns and broadcasts; a (N, 1) vs (N,) pair silently makes an (N, N) loss (pytorch #4938)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"{name}: input shape {tuple(input.shape)} and target shape {tuple(target.shape)} differ; "
                         "minigrad does not broadcast loss inputs (reshape one of them, e.g. target.reshape"
                         f"{tuple(input.shape)})")


def _float_pair(name, input, target):
    target = _as_tensor(target, input)
    _check_same_shape(name, input, target)
    if target.dtype != input.dtype:
        target = target.to(dtypes.result_type(input, target))
        if input.dtype != target.dtype:
            input = input.to(target.dtype)
    return input, target


def mse_loss(input, target, reduction="mean"):
    """mean((input - target)^2). input and target: same shape. Matches torch.nn.functional.mse_loss, except
    that unequal shapes raise ValueError instead of broadcasting."""
    input, target = _float_pair("mse_loss", input, target)
    d = input - target
    return _reduce(d * d, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    input, target = _float_pair("l1_loss", input, target)
    return _reduce((input - target).abs(), reduction, "l1_loss")


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere (d = input - target)."""
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta (got {beta})")
    input, target = _float_pair("smooth_l1_loss", input, target)
    if beta == 0:
        return l1_loss(input, target, reduction)
    d = input - target
    a = d.abs()
    quad = d * d * (0.5 / beta)
    lin = a - 0.5 * beta
    return _reduce(_functions.where(a < beta, quad, lin), reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0):
    """0.5 d^2 where |d| < delta, delta (|d| - 0.5 delta) elsewhere."""
    if delta <= 0:
        raise RuntimeError(f"huber_loss does not support non-positive values for delta (got {delta})")
    input, target = _float_pair("huber_loss", input, target)
    d = input - target
    a = d.abs()
    return _reduce(_functions.where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta), reduction,
                   "huber_loss")


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)), each log clamped at -100 as torch does. input: probabilities."""
    input, target = _float_pair("binary_cross_entropy", input, target)
    xp = input._device.xp
    if input.data.size and (bool(xp.any(input.data < 0)) or bool(xp.any(input.data > 1))):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1 (got values in "
                           f"[{float(xp.min(input.data))}, {float(xp.max(input.data))}])")
    loss = LO.BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _as_tensor(weight, input)
    return _reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """BCE on sigmoid(input), computed as (1 - y) x + (1 + (pw - 1) y) softplus(-x): finite at |x| = 1000.
    Matches torch.nn.functional.binary_cross_entropy_with_logits."""
    input, target = _float_pair("binary_cross_entropy_with_logits", input, target)
    sp = E.Softplus.apply(-input, beta=1.0, threshold=float("inf"))  # log(1 + exp(-x)), stable
    if pos_weight is not None:
        pw = _as_tensor(pos_weight, input)
        loss = (1.0 - target) * input + (1.0 + (pw - 1.0) * target) * sp
    else:
        loss = (1.0 - target) * input + sp
    if weight is not None:
        loss = loss * _as_tensor(weight, input)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def kl_div(input, target, reduction="mean", log_target=False):
    """Pointwise target * (log target - input), input given as log-probabilities. reduction='batchmean' divides
    the sum by the batch size (the mathematically correct KL); 'mean' averages over elements, as torch."""
    input, target = _float_pair("kl_div", input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        # xlogy, as torch: 0 * log 0 is 0; a negative target is NaN there too (the log of a negative), not 0. The
        # condition is a recorded op, so a lazy graph replays it with a fed target
        nonzero = target != 0
        safe = _functions.where(nonzero, target, 1.0)
        loss = _functions.where(nonzero, target * safe.log(), 0.0) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction, "kl_div")


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-input[n, target[n]] * weight[target[n]], for log-probabilities input (N, C) or (N, C, d1, ...) and class
    indices target (N) or (N, d1, ...). 'mean' divides by the summed weights of the non-ignored targets, as torch."""
    return _nll(input, target, weight, ignore_index, reduction, 0.0, "nll_loss")


def _check_class_target(name, input, target):
    if target.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: expected target of integer dtype (class indices) for input of shape "
                           f"{tuple(input.shape)}, got dtype {target.dtype}")
    expected = (input.shape[0],) + tuple(input.shape[2:]) if input.ndim >= 2 else ()
    if tuple(target.shape) != expected:
        raise ValueError(f"{name}: input of shape {tuple(input.shape)} needs class-index target of shape "
                         f"{expected}, got {tuple(target.shape)}")


def _check_class_range(name, input, t, ignore_index, C):
    xp = input._device.xp
    valid = t != ignore_index
    lo, hi = (int(xp.min(t)), int(xp.max(t))) if t.size else (0, 0)
    if (lo < 0 or hi >= C) and (bool(xp.any(t[valid] < 0)) or bool(xp.any(t[valid] >= C))):
        bad = t[valid][(t[valid] < 0) | (t[valid] >= C)][0]
        raise IndexError(f"{name}: target {int(bad)} is out of bounds for {C} classes (input shape "
                         f"{tuple(input.shape)})")
    return valid


def _nll(logp, target, weight, ignore_index, reduction, label_smoothing, name):
    target = _as_tensor(target, logp)
    _check_class_target(name, logp, target)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: {reduction} is not a valid value for reduction (expected one of {_REDUCTIONS})")
    lead = tuple(target.shape)
    C = logp.shape[1] if logp.ndim >= 2 else logp.shape[0]
    if logp.ndim == 1:
        logp2, t = logp.reshape(1, C), target.data.reshape(1)
    elif logp.ndim == 2:
        logp2, t = logp, target.data
    else:
        logp2 = logp.permute(0, *range(2, logp.ndim), 1).reshape(-1, C)
        t = target.data.reshape(-1)
    xp = logp._device.xp
    valid = _check_class_range(name, logp, t, ignore_index, C)
    safe_t = xp.where(valid, t, 0)
    rows = xp.arange(t.shape[0])
    picked = logp2[rows, safe_t]
    dt = logp.dtype
    mask = xp.asarray(valid, dtype=dt)
    if weight is not None:
        weight = _as_tensor(weight, logp)
        if tuple(weight.shape) != (C,):
            raise RuntimeError(f"{name}: weight tensor should be defined either for all {C} classes or no classes "
                               f"but got weight tensor of shape: {tuple(weight.shape)}")
        w = Tensor._wrap(xp.asarray(weight.data[safe_t] * mask, dtype=dt), logp._device)
    else:
        w = Tensor._wrap(mask, logp._device)
    loss = -(picked * w)
    if label_smoothing > 0:
        if weight is not None:
            smooth = -(logp2 * Tensor._wrap(xp.asarray(weight.data, dtype=dt), logp._device)).sum(1)
        else:
            smooth = -logp2.sum(1)
        smooth = smooth * Tensor._wrap(mask, logp._device)
        loss = loss * (1.0 - label_smoothing) + smooth * (label_smoothing / C)
    if reduction == "none":
        return loss.reshape(*lead)
    if reduction == "sum":
        return loss.sum()
    total = xp.asarray(w.data.sum(), dtype=dt)
    if not total:
        # 0 / 0: the loss is nan, as in torch, whose backward sends an ignored target no gradient (a
        # zero-weight one gets nan); routed through where, the ignored rows get an exact 0, not 0 * inf
        loss = loss.where(Tensor._wrap(valid, logp._device), 0.0)
    return loss.sum() / Tensor._wrap(total, logp._device)


_UNSIGNED = {1: "u1", 2: "u2", 4: "u4", 8: "u8"}


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross entropy from logits. input: (N, C), (C) or (N, C, d1, ...); target: class indices (N) / (N, d1, ...)
    of an integer dtype, or class probabilities of input's shape. Computed through log_softmax, so finite at
    |logits| = 1000. Matches torch.nn.functional.cross_entropy (weight, ignore_index, label_smoothing)."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    target = _as_tensor(target, input)
    x, t = input.data, target.data  # the arrays: the checks below run on every training step
    if (x.ndim == 2 and t.dtype.kind in "iu" and weight is None and label_smoothing == 0
            and reduction in _REDUCTIONS and x.dtype.kind == "f"):
        if t.shape != x.shape[:1]:
            _check_class_target("cross_entropy", input, target)  # raises, naming both shapes
        C = x.shape[1]
        # fast check, one reduction: read as unsigned, a negative target is huge, so max < C says every target is
        # in [0, C); that and none equal to ignore_index lets the fused op skip its masks, anything else takes the
        # full check
        u = t if t.dtype.kind == "u" else t.view(_UNSIGNED[t.dtype.itemsize])
        all_valid = bool(t.size) and u.max() < C and not (0 <= ignore_index < C and bool((t == ignore_index).any()))
        if not all_valid:
            _check_class_range("cross_entropy", input, t, ignore_index, C)
        return LO.CrossEntropy.apply(input, target=t, ignore_index=ignore_index, reduction=reduction,
                                     all_valid=all_valid)
    cdim = 1 if input.ndim >= 2 else 0
    logp = input.log_softmax(cdim)
    if target.dtype.kind == "f":
        return _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, cdim)
    return _nll(logp, target, weight, ignore_index, reduction, label_smoothing, "cross_entropy")


def _soft_cross_entropy(logp, target, weight, reduction, label_smoothing, cdim):
    if tuple(target.shape) != tuple(logp.shape):
        raise ValueError(f"cross_entropy: class-probability target of shape {tuple(target.shape)} must have the "
                         f"input's shape {tuple(logp.shape)}")
    if target.dtype != logp.dtype:  # promoted, as torch: float32 logits with float64 targets give a float64 loss
        dt = dtypes.result_type(logp, target)
        logp, target = logp.to(dt), target.to(dt)
    C = logp.shape[cdim]
    if label_smoothing > 0:
        target = target * (1.0 - label_smoothing) + label_smoothing / C
    prod = logp * target
    if weight is not None:
        weight = _as_tensor(weight, logp).to(logp.dtype)
        shape = [1] * logp.ndim
        shape[cdim] = C
        prod = prod * weight.reshape(*shape)
    loss = -prod.sum(cdim)
    if reduction == "mean":
        n = loss.numel()
        return loss.sum() / n if n else loss.sum() * float("nan")
    return _reduce(loss, reduction, "cross_entropy")


def _same_ndim(name, *ts):
    if len({t.ndim for t in ts}) > 1:
        raise RuntimeError(f"{name}: all input tensors should have the same number of dimensions, got shapes "
                           + ", ".join(str(tuple(t.shape)) for t in ts))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / (max(||x1||, eps) max(||x2||, eps)) along dim of the broadcast inputs. Matches
    torch.nn.functional.cosine_similarity (NOTE: torch clamps the norms without cutting their gradient; the two
    differ only for 0 < ||x|| < eps)."""
    try:
        shape = x1._device.xp.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(f"cosine_similarity: x1 of shape {tuple(x1.shape)} and x2 of shape {tuple(x2.shape)} "
                           "cannot be broadcast together") from None
    # the norms are taken over the broadcast shape, as torch: x2 (1, D) against x1 (N, D) along dim 0 sees N rows
    x1, x2 = x1.broadcast_to(shape), x2.broadcast_to(shape)
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim. Matches torch.nn.functional.pairwise_distance."""
    return (x1 - x2 + eps).norm(p, -1, keepdim)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0), d pairwise_distance unless given; swap uses min(d(a, n), d(p, n)).
    Matches torch.nn.functional.triplet_margin_with_distance_loss."""
    return _triplet("triplet_margin_with_distance_loss", anchor, positive, negative,
                    distance_function or pairwise_distance, margin, swap, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, reduction="mean"):
    """triplet_margin_with_distance_loss with the p-norm distance. Matches torch.nn.functional.triplet_margin_loss."""
    return _triplet("triplet_margin_loss", anchor, positive, negative, lambda a, b: pairwise_distance(a, b, p, eps),
                    margin, swap, reduction)


def _triplet(name, anchor, positive, negative, dist, margin, swap, reduction):
    if margin <= 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")
    _same_ndim(name, anchor, positive, negative)
    d_pos, d_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(dist(positive, negative))
    return _reduce((d_pos + margin - d_neg).clamp_min(0.0), reduction, name)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """max(0, -target (input1 - input2) + margin), target +-1. Matches torch.nn.functional.margin_ranking_loss."""
    _same_ndim("margin_ranking_loss", input1, input2, target)
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0.0), reduction, "margin_ranking_loss")


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction="mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1; inputs (N, D) with target
    (N), or (D) with a 0-d target. Matches torch.nn.functional.cosine_embedding_loss (its 1e-12 in the norms)."""
    name, td = "cosine_embedding_loss", target.ndim
    if td > 1 or (input1.ndim, input2.ndim) != (td + 1, td + 1):
        raise RuntimeError(f"{name}: expected a 0-D target with 1-D inputs or a 1-D target with 2-D inputs, got "
                           f"target {tuple(target.shape)}, inputs {tuple(input1.shape)} and {tuple(input2.shape)}")
    prod = (input1 * input2).sum(td)
    cos = prod / (((input1 * input1).sum(td) + 1e-12) * ((input2 * input2).sum(td) + 1e-12)).sqrt()
    loss = (_functions.where(target == 1, 1.0 - cos, 0.0)
            + _functions.where(target == -1, (cos - margin).clamp_min(0.0), 0.0))
    return _reduce(loss, reduction, name)


def hinge_embedding_loss(input, target, margin=1.0, reduction="mean"):
    """x where target is 1, max(0, margin - x) where it is -1. Matches torch.nn.functional.hinge_embedding_loss
    (except: unequal shapes raise)."""
    target = _as_tensor(target, input)
    _check_same_shape("hinge_embedding_loss", input, target)
    loss = (_functions.where(target != 1, (margin - input).clamp_min(0.0), 0.0)
            + _functions.where(target != -1, input, 0.0))
    return _reduce(loss, reduction, "hinge_embedding_loss")


def soft_margin_loss(input, target, reduction="mean"):
    """log(1 + exp(-target x)), target +-1. Matches torch.nn.functional.soft_margin_loss, except: finite where
    torch's log1p(exp(.)) overflows to inf (-target x > 88 in float32)."""
    input, target = _float_pair("soft_margin_loss", input, target)
    return _reduce(E.Softplus.apply(-target * input, beta=1.0, threshold=math.inf), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input, target, weight=None, reduction="mean"):
    """Mean over the last dim (classes) of the binary cross entropy of sigmoid(input) against 0/1 targets.
    Matches torch.nn.functional.multilabel_soft_margin_loss."""
    input, target = _float_pair("multilabel_soft_margin_loss", input, target)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * _as_tensor(weight, input)
    return _reduce(loss.sum(-1) / input.shape[-1], reduction, "multilabel_soft_margin_loss")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """sum over i != y of max(0, margin - x[y] + x[i])^p / C (times weight[y]), per row of input (N, C) or (C)
    with class indices target (N) or (). Matches torch.nn.functional.multi_margin_loss."""
    name = "multi_margin_loss"
    if p not in (1, 2):
        raise ValueError(f"{name}: only p == 1 and p == 2 supported, got p={p}")
    target = _as_tensor(target, input)
    n = input.shape[0] if input.ndim == 2 else 1
    if input.ndim not in (1, 2) or input.numel() == 0 or target.ndim > 1 or target.numel() != n:
        raise RuntimeError(f"{name}: expected input (N, C) with target (N), or input (C) with a one-element "
                           f"target, got input {tuple(input.shape)} and target {tuple(target.shape)}")
    C = input.shape[-1]
    x, t = input.reshape(n, C), target.data.reshape(n)
    xp = input._device.xp
    if t.dtype.kind not in "iu" or bool(xp.any((t < 0) | (t >= C))):
        raise RuntimeError(f"{name}: target out of range: class indices in [0, {C}) expected for input of shape "
                           f"{tuple(input.shape)}")
    rows = xp.arange(n)
    # matches torch: no gradient where the margin is met exactly (z > 0 strictly), so relu, not clamp
    z = ((margin - x[rows, t]).reshape(n, 1) + x).relu()
    h = z * z if p == 2 else z
    h = h * Tensor._wrap(xp.asarray(xp.arange(C) != t[:, None], dtype=input.dtype), input._device)
    if weight is not None:
        weight = _as_tensor(weight, input)
        if tuple(weight.shape) != (C,):
            raise RuntimeError(f"{name}: inconsistent weight size, expected ({C},) but got {tuple(weight.shape)}")
        h = h * weight[t].reshape(n, 1)
    loss = h.sum(1) / C
    return _reduce(loss.reshape(target.shape) if reduction == "none" else loss, reduction, name)


def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    """exp(x) - target x (log_input) or x - target log(x + eps), plus Stirling's approximation of log(target!)
    where target > 1 when full. Matches torch.nn.functional.poisson_nll_loss (except: unequal shapes raise)."""
    input, target = _float_pair("poisson_nll_loss", input, target)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        big = target > 1
        t = _functions.where(big, target, 1.0)  # keeps log(0) out of the unused branch (and its gradient)
        loss = loss + _functions.where(big, t * t.log() - t + 0.5 * (t * (2 * math.pi)).log(), 0.0)
    return _reduce(loss, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 log(2 pi) when full). var: input's
    shape, one dim short of it, or one dim of size 1 (broadcast); a number. Matches
    torch.nn.functional.gaussian_nll_loss (the clamp, as torch's, does not cut var's gradient)."""
    name = "gaussian_nll_loss"
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError(f"{name}: var has negative entry/entries (var={var})")
        var = input.new_full(tuple(input.shape), float(var))
    elif bool((var < 0).any()):
        raise ValueError(f"{name}: var has negative entry/entries")
    shape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape != shape:
        if shape[:-1] == vshape:
            var = var.unsqueeze(-1)
        elif len(vshape) != len(shape) or sum(v for s, v in zip(shape, vshape) if s != v) != 1:
            raise ValueError(f"{name}: var is of incorrect size: {vshape} for input {shape} (expected the input's "
                             "shape, that shape without its last dim, or one dim of size 1)")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, name)


__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "kl_div", "nll_loss", "cross_entropy", "cosine_similarity",
           "pairwise_distance", "triplet_margin_with_distance_loss", "triplet_margin_loss", "margin_ranking_loss",
           "cosine_embedding_loss", "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "multi_margin_loss", "poisson_nll_loss", "gaussian_nll_loss"]
