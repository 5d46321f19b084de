"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from ..tensor import Tensor
from .optimizer import Optimizer, _check, _lr_alias


def _scratch(opt, xp, like, slot=0):
    """A reusable array of like's shape and dtype from `opt`'s scratch buffers (one flat buffer per slot, dtype and
    array namespace `xp`, grown to the largest request): Adam's blocked update writes its temporaries here instead
    of allocating two per parameter and step. The contents are garbage between calls."""
    bufs = opt.__dict__.get("_scratch_bufs")
    if bufs is None:
        bufs = opt._scratch_bufs = {}
    key = (slot, like.dtype, id(type(like)))
    buf = bufs.get(key)
    n = like.size
    if buf is None or buf.size < n:
        buf = bufs[key] = xp.empty(n, dtype=like.dtype)
    return buf[:n].reshape(like.shape)


class SGD(Optimizer):
    """Matches torch.optim.SGD. For each parameter p with gradient g, in torch's order:

    1. g = -g if maximize;  g = g + weight_decay * p
    2. with momentum: b = g on the first step, else b = momentum * b + (1 - dampening) * g;
       g = g + momentum * b if nesterov else b
    3. p = p - lr * g

    `learning_rate=` (seeds 000 and 003) is an alias of `lr`.

    >>> from minigrad import tensor
    >>> p = tensor([1.0], requires_grad=True); p.grad = tensor([0.5])
    >>> SGD([p], lr=0.1).step(); p
    tensor([0.9500], requires_grad=True)
    """

    def __init__(self, params, lr=None, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None, learning_rate=None):
        lr = _lr_alias("SGD", lr, learning_rate, 1e-3)
        _check("SGD", lr >= 0, "learning rate", lr)
        _check("SGD", momentum >= 0, "momentum value", momentum)
        _check("SGD", weight_decay >= 0, "weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            wd, nesterov, maximize = group["weight_decay"], group["nesterov"], group["maximize"]
            if momentum == 0 and wd == 0 and not maximize:
                self._plain_step(group["params"], lr)
                continue
            for p, g in self._params_with_grad(group):
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * p.data
                if momentum != 0:
                    state = self._state_for(p)
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = Tensor._wrap(g.copy(), p._device)
                    else:
                        b = buf.data
                        b *= momentum
                        b += (1 - dampening) * g
                    g = g + momentum * buf.data if nesterov else buf.data
                p.data -= lr * g
                p._version += 1
        return loss

    def _plain_step(self, params, lr):
        # p -= lr * g, the loop inlined (at small sizes its Python cost is the step's cost). Measured in the MLP
        # step (bench_mlp_train.py): the fresh temporary of `lr * g` beats a reused scratch buffer (132 vs 150 us
        # for 784x256 + 256x256 + ...): it reuses memory the backward just freed, still in cache, while the
        # scratch buffer went cold during forward and backward
        for p in params:
            gt = p.grad
            if gt is None:
                continue
            p.data -= lr * gt.data
            p._version += 1
