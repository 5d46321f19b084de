"""Adagrad."""
from ..tensor import Tensor
from .optimizer import Optimizer, _check, _lr_alias


class Adagrad(Optimizer):
    """Matches torch.optim.Adagrad (Duchi et al., 2011). Per parameter p with gradient g, step t:

    1. g = -g if maximize;  g = g + weight_decay * p
    2. s = s + g * g  (s starts at initial_accumulator_value)
    3. p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr=None, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None, learning_rate=None):
        lr = _lr_alias("Adagrad", lr, learning_rate, 1e-2)
        _check("Adagrad", lr >= 0, "learning rate", lr)
        _check("Adagrad", lr_decay >= 0, "lr_decay value", lr_decay)
        _check("Adagrad", weight_decay >= 0, "weight_decay value", weight_decay)
        _check("Adagrad", initial_accumulator_value >= 0, "initial_accumulator_value value", initial_accumulator_value)
        _check("Adagrad", eps >= 0, "epsilon value", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p):
        # torch fills the sum from the constructor's initial_accumulator_value, for every group: a group's own
        # "initial_accumulator_value" is kept in param_groups but not used
        state = self._state_for(p)
        state["step"] = 0.0
        state["sum"] = Tensor._wrap(p._device.xp.full_like(p.data, self.defaults["initial_accumulator_value"]),
                                    p._device)
        return state

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, lr_decay, wd, eps, maximize = (group["lr"], group["lr_decay"], group["weight_decay"], group["eps"],
                                               group["maximize"])
            for p, g in self._params_with_grad(group):
                state = self._state_for(p)
                if not state:  # a group added by add_param_group: torch initialises it at its first step
                    state = self._init_state(p)
                state["step"] += 1
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * p.data
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                s = state["sum"].data
                s += g * g
                std = p._device.xp.sqrt(s)
                std += eps
                p.data += (-clr * g) / std
                p._version += 1
        return loss
