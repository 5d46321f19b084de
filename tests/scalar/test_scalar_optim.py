"""minigrad.scalar.SGD: 50-step trajectories equal torch.optim.SGD's to 1e-12."""

import pytest
import torch
from scalar_ref import assert_same

from minigrad.scalar import SGD, Value

START = [0.8, -1.3, 0.4, 2.1]


def loss_fn(w):
    """A smooth, non-quadratic loss that works on Values and on float64 tensors alike."""
    return ((w[0] - 1) ** 2 + (w[1] * w[2]).tanh() * 0.5 + (w[2] + w[3] * 0.5) ** 2 + (w[3] * 0.3).exp()
            + (w[0] * w[1]).sigmoid())  # fmt: skip


SETTINGS = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.05},
    {"lr": 0.03, "momentum": 0.7, "dampening": 0.1, "weight_decay": 0.01},
    {"lr": 0.02, "momentum": 0.8, "weight_decay": 0.1, "nesterov": True},
    {"lr": 0.01, "momentum": 0.5, "maximize": True},
]


@pytest.mark.parametrize("kw", SETTINGS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_sgd_trajectory_matches_torch(kw):
    params = [Value(x) for x in START]
    opt = SGD(params, **kw)
    tparams = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    topt = torch.optim.SGD(tparams, **kw)
    sign = -1.0 if kw.get("maximize") else 1.0  # maximize a bounded function: the negated loss
    for step in range(50):
        opt.zero_grad()
        (loss_fn(params) * sign).backward()
        opt.step()
        topt.zero_grad()
        (loss_fn(tparams) * sign).backward()
        topt.step()
        for p, t in zip(params, tparams):
            assert_same(p.data, t.item(), f"step {step}")


def test_sgd_validates_like_torch():
    w = [Value(1.0)]
    for kw, msg in [({"lr": -0.1}, "Invalid learning rate: -0.1"), ({"lr": 0.1, "momentum": -1}, "Invalid momentum"),
                    ({"lr": 0.1, "weight_decay": -1}, "Invalid weight_decay"),
                    ({"lr": 0.1, "nesterov": True}, "Nesterov momentum requires")]:  # fmt: skip
        with pytest.raises(ValueError, match=msg):
            SGD(w, **kw)
    with pytest.raises(TypeError, match="SGD optimizes Values, got float"):
        SGD([1.0], lr=0.1)


def test_lr_can_change_between_steps():
    w = Value(1.0)
    opt = SGD([w], lr=0.5)
    w.grad = 1.0
    opt.step()
    opt.lr = opt.lr / 2  # seed 004 halves the rate like this
    opt.step()
    assert w.data == 1.0 - 0.5 - 0.25


def test_empty_parameter_list_is_refused_like_torch():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        torch.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD([], lr=0.1)
