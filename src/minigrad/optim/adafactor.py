"""Adafactor (Shazeer & Stern, 2018) as torch.optim.Adafactor implements it."""
from ..tensor import Tensor
from .adam import _lerp_
from .optimizer import Optimizer


class Adafactor(Optimizer):
    """Matches torch.optim.Adafactor (its single-tensor path; foreach= is accepted and changes nothing). For
    parameter p with gradient g, step t (eps = (eps1, eps2), eps1 None meaning the dtype's machine epsilon):

    1. g = -g if maximize;  beta2_t = 1 - t^beta2_decay;  rho = min(lr, 1 / sqrt(t))
    2. alpha = max(eps2, RMS(p)) * rho;  p = p * (1 - lr * weight_decay)
    3. p with 2 or more dims: row and column means of g * g over the last two dims, r = lerp(r, row mean, 1 -
       beta2_t) and c likewise; v = r c / max(mean of r, eps1) (the factored second moment).
       Otherwise v = lerp(v, g * g, 1 - beta2_t)
    4. u = g / sqrt(max(v, eps1^2));  p = p - alpha / max(1, RMS(u) / d) * u
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        for ok, msg in ((0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                        (beta2_decay <= 0.0, f"beta2_decay should be <= 0 but is: {beta2_decay}"),
                        (eps[0] is None or eps[0] >= 0.0, f"epsilon1 should be >= 0 but is: {eps[0]}"),
                        (eps[1] >= 0.0, f"epsilon2 should be >= 0 but is: {eps[1]}"),
                        (d >= 1.0, f"Clipping threshold d should be >= 1 but is: {d}"),
                        (weight_decay >= 0.0, f"weight_decay should be >= 0 but is: {weight_decay}")):
            if not ok:
                raise ValueError(msg)
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, wd, (eps1, eps2) = group["lr"], group["weight_decay"], group["eps"]
            for p, g in self._params_with_grad(group):
                xp, pd = p._device.xp, p.data
                if p.dtype.kind == "c":
                    raise RuntimeError("Adafactor does not support complex parameters")
                state = self.state[p]
                if not state:
                    state["step"] = 0.0
                    if g.ndim > 1:  # the factored moment: one value per row and one per column
                        state["row_var"] = Tensor._wrap(xp.zeros(g.shape[:-1] + (1,), dtype=g.dtype), p._device)
                        state["col_var"] = Tensor._wrap(xp.zeros(g.shape[:-2] + (1, g.shape[-1]), dtype=g.dtype),
                                                        p._device)
                    else:
                        state["variance"] = Tensor._wrap(xp.zeros_like(g), p._device)
                if group["maximize"]:
                    g = -g
                e1 = float(xp.finfo(pd.dtype).eps) if eps1 is None else eps1
                state["step"] += 1
                t = state["step"]
                one_minus_beta2 = t ** group["beta2_decay"]
                alpha = max(eps2, float(xp.sqrt((pd * pd).sum())) / pd.size ** 0.5) * min(lr, 1 / t ** 0.5)
                if wd != 0:
                    pd *= 1 - lr * wd
                if g.ndim > 1:
                    r, c = state["row_var"].data, state["col_var"].data
                    gg = g * g
                    _lerp_(r, gg.sum(-1, keepdims=True) / g.shape[-1], one_minus_beta2)
                    _lerp_(c, gg.sum(-2, keepdims=True) / g.shape[-2], one_minus_beta2)
                    var = xp.matmul(r, c)
                    var /= xp.maximum(r.mean(-2, keepdims=True), e1)
                else:
                    v = state["variance"].data
                    _lerp_(v, g * g, one_minus_beta2)
                    var = v.copy()
                update = 1 / xp.sqrt(xp.maximum(var, e1 * e1))
                update *= g
                denom = max(1.0, float(xp.sqrt((update * update).sum())) / (update.size ** 0.5 * group["d"]))
                pd += (-alpha / denom) * update
                p._version += 1
        return loss
