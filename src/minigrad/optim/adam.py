"""Adam (with AMSGrad), AdamW and Adamax."""
import math

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check, _lr_alias
from .sgd import _scratch


def _zeros_like(p):
    return Tensor._wrap(p._device.xp.zeros_like(p.data), p._device)


def _check_adam(name, lr, eps, betas, weight_decay):
    _check(name, lr >= 0, "learning rate", lr)
    _check(name, eps >= 0, "epsilon value", eps)
    _check(name, 0 <= betas[0] < 1, "beta parameter at index 0", betas[0])
    _check(name, 0 <= betas[1] < 1, "beta parameter at index 1", betas[1])
    _check(name, weight_decay >= 0, "weight_decay value", weight_decay)


# elements per block of the blocked Adam update: 128 KiB of float32 per array, six arrays well inside L2
_CHUNK = 32768


def _adam_update(xp, p, g, m, v, vmax, tmp, denom, beta1, beta2, step_size, c2, eps):
    """One Adam update of same-shaped arrays in place, in torch's operation order; tmp and denom are scratch."""
    if 1 - beta1 < 0.5:
        xp.subtract(g, m, out=tmp)
        tmp *= 1 - beta1
        m += tmp
    else:
        _lerp_(m, g, 1 - beta1)
    xp.multiply(g, 1 - beta2, out=tmp)
    tmp *= g
    v *= beta2
    v += tmp
    if vmax is not None:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    xp.sqrt(v, out=denom)
    denom /= c2
    denom += eps
    xp.multiply(m, -step_size, out=tmp)
    tmp /= denom
    p += tmp


def _lerp_(m, g, weight):
    # matches torch.lerp_: self + w * (end - self) for w < 0.5, else end - (end - self) * (1 - w)
    if abs(weight) < 0.5:
        m += weight * (g - m)
    else:
        m[...] = g - (g - m) * (1 - weight)


class Adam(Optimizer):
    """Matches torch.optim.Adam (Kingma & Ba, 2014). For parameter p with gradient g, step t:

    1. g = -g if maximize;  g = g + weight_decay * p  (AdamW, or decoupled_weight_decay=True, instead decays p
       itself: p = p * (1 - lr * wd))
    2. m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
    3. v_hat = max(v_hat, v) with amsgrad, else v
    4. p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)

    `learning_rate=` is an alias of `lr`.
    """

    _decoupled = False

    def __init__(self, params, lr=None, betas=(0.9, 0.999), eps=1e-8, weight_decay=None, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=None, learning_rate=None):
        lr = _lr_alias(type(self).__name__, lr, learning_rate, 1e-3)
        if weight_decay is None:
            weight_decay = 1e-2 if self._decoupled else 0
        if decoupled_weight_decay is not None and self._decoupled:
            raise TypeError("AdamW.__init__() got an unexpected keyword argument 'decoupled_weight_decay'")
        betas = tuple(betas)
        _check_adam(type(self).__name__, lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=self._decoupled or bool(decoupled_weight_decay)))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            decoupled = group.get("decoupled_weight_decay", self._decoupled)  # absent from an older state_dict
            for p, g in self._params_with_grad(group):
                state = self._state_for(p)
                if not state:
                    state["step"] = 0.0
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_avg_sq"] = _zeros_like(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = _zeros_like(p)
                state["step"] += 1
                step = state["step"]
                if maximize:
                    g = -g
                if wd != 0:
                    if decoupled:
                        p.data *= 1 - lr * wd
                    else:
                        g = g + wd * p.data
                xp = p._device.xp
                m, v = state["exp_avg"].data, state["exp_avg_sq"].data
                # in place, with torch's operation order (so float64 trajectories agree to the last bits):
                # m + (1 - beta1) * (g - m), beta2 * v + ((1 - beta2) * g) * g, p + (-step_size * m) / denom;
                # the temporaries live in the optimizer's scratch buffers (no allocation per parameter and step)
                vmax = state["max_exp_avg_sq"].data if amsgrad else None
                step_size = lr / (1 - beta1 ** step)
                c2 = math.sqrt(1 - beta2 ** step)
                pd = p.data
                n = m.size
                if (n > _CHUNK and isinstance(m, np.ndarray) and g.shape == m.shape and pd.flags.c_contiguous
                        and g.flags.c_contiguous and m.flags.c_contiguous and v.flags.c_contiguous
                        and (vmax is None or vmax.flags.c_contiguous)):
                    # blocked: the 13 passes run over one L2-sized block of every array before the next block,
                    # instead of streaming each ~1 MB array from memory 13 times (measured on a 784x256 float32
                    # weight: ~590 -> ~490 us; the results are the same elementwise operations)
                    pf, gf, mf, vf = pd.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
                    vmf = None if vmax is None else vmax.reshape(-1)
                    tmpb = _scratch(self, xp, mf[:_CHUNK], 0)
                    db = _scratch(self, xp, mf[:_CHUNK], 1)
                    for a in range(0, n, _CHUNK):
                        b = a + _CHUNK
                        k = min(_CHUNK, n - a)
                        _adam_update(xp, pf[a:b], gf[a:b], mf[a:b], vf[a:b], None if vmf is None else vmf[a:b],
                                     tmpb[:k], db[:k], beta1, beta2, step_size, c2, eps)
                else:
                    _adam_update(xp, pd, g, m, v, vmax, _scratch(self, xp, m, 0), _scratch(self, xp, m, 1), beta1,
                                 beta2, step_size, c2, eps)
                p._version += 1
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2017): p = p * (1 - lr * weight_decay) before the
    Adam step; weight_decay defaults to 1e-2. Matches torch.optim.AdamW."""

    _decoupled = True


class Adamax(Optimizer):
    """Adam with the infinity norm. Matches torch.optim.Adamax. Per step t:

    1. g = -g if maximize;  g = g + weight_decay * p
    2. m = lerp(m, g, 1 - beta1);  u = max(beta2 * u, |g| + eps)
    3. p = p - lr / (1 - beta1^t) * m / u
    """

    def __init__(self, params, lr=None, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False,
                 foreach=None, differentiable=False, capturable=False, learning_rate=None):
        lr = _lr_alias("Adamax", lr, learning_rate, 2e-3)
        betas = tuple(betas)
        _check_adam("Adamax", lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            wd, maximize = group["weight_decay"], group["maximize"]
            for p, g in self._params_with_grad(group):
                xp = p._device.xp
                state = self._state_for(p)
                if not state:
                    state["step"] = 0.0
                    state["exp_avg"] = _zeros_like(p)
                    state["exp_inf"] = _zeros_like(p)
                state["step"] += 1
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * p.data
                m, u = state["exp_avg"].data, state["exp_inf"].data
                _lerp_(m, g, 1 - beta1)
                u *= beta2
                xp.maximum(u, xp.abs(g) + eps, out=u)
                clr = lr / (1 - beta1 ** state["step"])
                p.data += (-clr * m) / u
                p._version += 1
        return loss


def _adam_like_state(state, p, **extra):
    if not state:
        state.update(step=0.0, **extra, exp_avg=_zeros_like(p), exp_avg_sq=_zeros_like(p))
    state["step"] += 1
    return state["step"], state["exp_avg"].data, state["exp_avg_sq"].data


def _adam_like_grad(p, g, group):
    # shared by NAdam and RAdam: maximize, then L2 or decoupled (AdamW-style) weight decay
    g = -g if group["maximize"] else g
    wd = group["weight_decay"]
    if wd != 0:
        if group["decoupled_weight_decay"]:
            p.data *= 1 - group["lr"] * wd
        else:
            g = g + wd * p.data
    return g


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2016). Matches torch.optim.NAdam. Per step t (psi = momentum_decay):

    1. g = -g if maximize; weight decay as Adam (decoupled_weight_decay=True: as AdamW)
    2. mu_t = beta1 * (1 - 0.96^(t psi) / 2);  P = P * mu_t (kept in float32, as torch's scalar state)
    3. m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g;  d = sqrt(v / (1 - beta2^t)) + eps
    4. p = p - lr (1 - mu_t) / (1 - P) * g / d - lr mu_{t+1} / (1 - P mu_{t+1}) * m / d
    """

    def __init__(self, params, lr=None, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, learning_rate=None):
        lr = _lr_alias("NAdam", lr, learning_rate, 2e-3)
        betas = tuple(betas)
        _check_adam("NAdam", lr, eps, betas, weight_decay)
        _check("NAdam", momentum_decay >= 0, "momentum_decay value", momentum_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, psi = group["lr"], group["betas"], group["eps"], group["momentum_decay"]
            for p, g in self._params_with_grad(group):
                state = self._state_for(p)
                t, m, v = _adam_like_state(state, p, mu_product=1.0)
                g = _adam_like_grad(p, g, group)
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                prod = state["mu_product"] = float(np.float32(state["mu_product"]) * np.float32(mu))
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                v += (1 - beta2) * g * g
                d = p._device.xp.sqrt(v / (1 - beta2 ** t))
                d += eps
                p.data += (-lr * (1.0 - mu) / (1.0 - prod)) * g / d
                p.data += (-lr * mu_next) / (1.0 - prod * mu_next) * m / d
                p._version += 1
        return loss


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2019). Matches torch.optim.RAdam. Per step t:

    1. g = -g if maximize; weight decay as Adam (decoupled_weight_decay=True: as AdamW)
    2. m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g
    3. rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    4. rho_t > 5: p = p - lr * m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t, with
       r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t));
       else p = p - lr * m / (1 - beta1^t)
    """

    def __init__(self, params, lr=None, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False, learning_rate=None):
        lr = _lr_alias("RAdam", lr, learning_rate, 1e-3)
        betas = tuple(betas)
        _check_adam("RAdam", lr, eps, betas, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            for p, g in self._params_with_grad(group):
                t, m, v = _adam_like_state(self._state_for(p), p)
                g = _adam_like_grad(p, g, group)
                _lerp_(m, g, 1 - beta1)
                v *= beta2
                v += (1 - beta2) * g * g
                bc2 = 1 - beta2 ** t
                upd = m / (1 - beta1 ** t) * lr
                rho_inf = 2 / (1 - beta2) - 1
                rho = rho_inf - 2 * t * beta2 ** t / bc2
                if rho > 5.0:
                    d = p._device.xp.sqrt(v)
                    d += eps
                    upd = upd * (bc2 ** 0.5 / d)
                    upd *= ((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) ** 0.5
                p.data -= upd
                p._version += 1
        return loss
