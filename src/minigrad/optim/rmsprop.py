"""RMSprop."""
from ..tensor import Tensor
from .optimizer import Optimizer, _check, _lr_alias


class RMSprop(Optimizer):
    """Matches torch.optim.RMSprop. Per parameter p with gradient g:

    1. g = -g if maximize;  g = g + weight_decay * p
    2. v = alpha * v + (1 - alpha) * g * g
    3. centered: a = lerp(a, g, 1 - alpha), d = sqrt(v - a * a) + eps; else d = sqrt(v) + eps
    4. momentum > 0: b = momentum * b + g / d, p = p - lr * b; else p = p - lr * g / d
    """

    def __init__(self, params, lr=None, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False, *, learning_rate=None):
        lr = _lr_alias("RMSprop", lr, learning_rate, 1e-2)
        _check("RMSprop", lr >= 0, "learning rate", lr)
        _check("RMSprop", eps >= 0, "epsilon value", eps)
        _check("RMSprop", momentum >= 0, "momentum value", momentum)
        _check("RMSprop", weight_decay >= 0, "weight_decay value", weight_decay)
        _check("RMSprop", alpha >= 0, "alpha value", alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
            momentum, centered, maximize = group["momentum"], group["centered"], group["maximize"]
            for p, g in self._params_with_grad(group):
                xp = p._device.xp
                state = self._state_for(p)
                if not state:
                    state["step"] = 0.0
                    state["square_avg"] = Tensor._wrap(xp.zeros_like(p.data), p._device)
                    if momentum > 0:
                        state["momentum_buffer"] = Tensor._wrap(xp.zeros_like(p.data), p._device)
                    if centered:
                        state["grad_avg"] = Tensor._wrap(xp.zeros_like(p.data), p._device)
                state["step"] += 1
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * p.data
                v = state["square_avg"].data
                v *= alpha
                v += (1 - alpha) * g * g
                if centered:
                    a = state["grad_avg"].data
                    a += (1 - alpha) * (g - a)  # lerp with weight 1 - alpha < 0.5
                    avg = xp.sqrt(v - a * a)
                else:
                    avg = xp.sqrt(v)
                avg += eps
                if momentum > 0:
                    b = state["momentum_buffer"].data
                    b *= momentum
                    b += g / avg
                    p.data -= lr * b
                else:
                    p.data += (-lr * g) / avg
                p._version += 1
        return loss
