"""Optimizers for scalar models."""

from __future__ import annotations

from collections.abc import Iterable

from .value import Value


class SGD:
    """Stochastic gradient descent with momentum, dampening, weight decay and Nesterov, as ``torch.optim.SGD``.

    Each ``step()``, for every parameter ``p`` with gradient ``g`` (torch's order)::

        g = g + weight_decay * p                      if weight_decay != 0
        b = g (first step), else momentum * b + (1 - dampening) * g     if momentum != 0
        g = g + momentum * b if nesterov else b       if momentum != 0
        p = p - lr * g                                (p + lr * g if maximize)

    Args:
        params: the Values to update (``model.parameters()``).
        lr: learning rate; may be changed between steps through ``optimizer.lr`` (seed 004 halves it).
        momentum, dampening, weight_decay, nesterov, maximize: as in torch.

    Raises:
        ValueError: a negative hyperparameter, nesterov without momentum or with dampening, or no parameters
            (torch's messages).

    >>> w = Value(1.0); opt = SGD([w], lr=0.1); (w * w).backward(); opt.step(); round(w.data, 6)
    0.8
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"SGD optimizes Values, got {type(p).__name__}")
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov, self.maximize = weight_decay, nesterov, maximize
        self.momentum_buffer: list[float | None] = [None] * len(self.params)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        lr, mom, damp, wd = self.lr, self.momentum, self.dampening, self.weight_decay
        bufs = self.momentum_buffer
        for i, p in enumerate(self.params):
            g = -p.grad if self.maximize else p.grad
            if wd != 0:
                g = g + wd * p.data
            if mom != 0:
                b = bufs[i]
                b = g if b is None else mom * b + (1 - damp) * g
                bufs[i] = b
                g = g + mom * b if self.nesterov else b
            p.data = p.data + -lr * g
