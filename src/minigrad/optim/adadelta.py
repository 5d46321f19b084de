"""Adadelta, Rprop and ASGD."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check, _lr_alias


def _full_like(p, value):
    return Tensor._wrap(p._device.xp.full_like(p.data, value), p._device)


class Adadelta(Optimizer):
    """Matches torch.optim.Adadelta (Zeiler, 2012). Per parameter p with gradient g:

    1. g = -g if maximize;  g = g + weight_decay * p
    2. v = rho * v + (1 - rho) * g * g
    3. d = sqrt(u + eps) / sqrt(v + eps) * g;  u = rho * u + (1 - rho) * d * d
    4. p = p - lr * d
    """

    def __init__(self, params, lr=None, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False, learning_rate=None):
        lr = _lr_alias("Adadelta", lr, learning_rate, 1.0)
        _check("Adadelta", lr >= 0, "learning rate", lr)
        _check("Adadelta", 0 <= rho <= 1, "rho value", rho)
        _check("Adadelta", eps >= 0, "epsilon value", eps)
        _check("Adadelta", weight_decay >= 0, "weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for p, g in self._params_with_grad(group):
                xp, state = p._device.xp, self._state_for(p)
                if not state:
                    state.update(step=0.0, square_avg=_full_like(p, 0), acc_delta=_full_like(p, 0))
                state["step"] += 1
                g = -g if group["maximize"] else g
                if wd != 0:
                    g = g + wd * p.data
                v, u = state["square_avg"].data, state["acc_delta"].data
                v *= rho
                v += (1 - rho) * g * g
                d = xp.sqrt(u + eps)
                d /= xp.sqrt(v + eps)
                d *= g
                u *= rho
                u += (1 - rho) * d * d
                p.data += -lr * d
                p._version += 1
        return loss


class Rprop(Optimizer):
    """Resilient backpropagation. Matches torch.optim.Rprop. Per parameter p with gradient g (previous one g'):

    1. g = -g if maximize;  s = sign(g * g')
    2. step = clip(step * (etaplus if s > 0, etaminus if s < 0, else 1), *step_sizes)  (step starts at lr)
    3. g = 0 where s < 0;  p = p - sign(g) * step;  g' = g
    """

    def __init__(self, params, lr=None, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False, learning_rate=None):
        lr = _lr_alias("Rprop", lr, learning_rate, 1e-2)
        _check("Rprop", lr >= 0, "learning rate", lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes), maximize=maximize))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            (etaminus, etaplus), (lo, hi) = group["etas"], group["step_sizes"]
            for p, g in self._params_with_grad(group):
                xp, state = p._device.xp, self._state_for(p)
                if not state:
                    state.update(step=0.0, prev=_full_like(p, 0), step_size=_full_like(p, group["lr"]))
                state["step"] += 1
                g = -g if group["maximize"] else g
                prev, size = state["prev"].data, state["step_size"].data
                s = xp.sign(g * prev)
                size *= xp.where(s > 0, etaplus, xp.where(s < 0, etaminus, 1.0)).astype(size.dtype)
                xp.clip(size, lo, hi, out=size)
                g = xp.where(s < 0, 0, g).astype(g.dtype)
                p.data -= xp.sign(g) * size
                prev[...] = g
                p._version += 1
        return loss


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky, 1992). Matches torch.optim.ASGD. Per step t, with eta starting at lr:

    1. g = -g if maximize;  g = g + weight_decay * p
    2. p = p * (1 - lambd * eta) - eta * g
    3. ax = ax + (p - ax) * mu  (ax = p while mu == 1)
    4. eta = lr / (1 + lambd * lr * t)^alpha;  mu = 1 / max(1, t - t0)  (both float32, as torch's scalar state)
    """

    def __init__(self, params, lr=None, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False, *, learning_rate=None):
        lr = _lr_alias("ASGD", lr, learning_rate, 1e-2)
        _check("ASGD", lr >= 0, "learning rate", lr)
        _check("ASGD", weight_decay >= 0, "weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      maximize=maximize))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0, wd = group["lr"], group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
            for p, g in self._params_with_grad(group):
                state = self._state_for(p)
                if not state:
                    state.update(step=0.0, eta=float(np.float32(lr)), mu=1.0, ax=_full_like(p, 0))
                t = state["step"] = state["step"] + 1
                g = -g if group["maximize"] else g
                if wd != 0:
                    g = g + wd * p.data
                eta, mu, ax = state["eta"], state["mu"], state["ax"].data
                p.data *= 1 - lambd * eta
                p.data += -eta * g
                if mu != 1:
                    ax += (p.data - ax) * mu
                else:
                    ax[...] = p.data
                state["eta"] = float(np.float32(lr / ((1 + lambd * lr * t) ** alpha)))
                state["mu"] = float(np.float32(1 / max(1, t - t0)))
                p._version += 1
        return loss
