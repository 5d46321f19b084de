"""Against torch: schedulers resumed with last_epoch=k, param groups added after the optimizer (or the scheduler)
was built, and Optimizer.state as a defaultdict(dict)."""
import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad import optim

torch.set_num_threads(1)

RESUMABLE = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 3, 3, 5], gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=4, eta_min=0.01)),
    ("LinearLR", dict(start_factor=0.1, total_iters=4)),
    ("PolynomialLR", dict(total_iters=4, power=2.0)),
    ("ConstantLR", dict(factor=0.5, total_iters=4)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.5 ** e)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=20)),
]


def _lrs(opt):
    return [g["lr"] for g in opt.param_groups]


def _resumed(lib, name, kw, k, restored_lr):
    """Run a scheduler k + 1 steps, optionally overwrite group 0's lr (as a checkpoint might hold), rebuild the
    scheduler with last_epoch=k and record every group's lr for 6 more steps."""
    M = minigrad if lib == "mg" else torch
    o = M.optim.SGD([M.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
    o.add_param_group({"params": [M.zeros(1, requires_grad=True)], "lr": 2.0})
    s = getattr(M.optim.lr_scheduler, name)(o, **kw)
    for _ in range(k + 1):
        s.step()
    if restored_lr is not None:
        o.param_groups[0]["lr"] = restored_lr
    s = getattr(M.optim.lr_scheduler, name)(o, **kw, last_epoch=k)
    out = [(_lrs(o), s.last_epoch)]
    for _ in range(6):
        s.step()
        out.append((_lrs(o), s.last_epoch))
    return out


@pytest.mark.parametrize("restored_lr", [None, 0.3])
@pytest.mark.parametrize("k", [0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize("name,kw", RESUMABLE, ids=[n for n, _ in RESUMABLE])
def test_scheduler_resumed_with_last_epoch_matches_torch(name, kw, k, restored_lr):
    # torch 2.x leaves the restored lr alone on the constructor's step (ExponentialLR, LinearLR, PolynomialLR and
    # CosineAnnealingLR used to apply one more step there when last_epoch > 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _resumed("torch", name, kw, k, restored_lr)
    mine = _resumed("mg", name, kw, k, restored_lr)
    for step, ((m, me), (t, te)) in enumerate(zip(mine, theirs)):
        assert me == te and m == pytest.approx(t, rel=1e-12, abs=1e-15), f"step {step}"


def test_exponential_lr_resume_keeps_restored_lr():
    for lib in (optim, torch.optim):
        p = (minigrad if lib is optim else torch).zeros(1, requires_grad=True)
        o = lib.SGD([p], lr=1.0)
        o.param_groups[0].update(initial_lr=1.0, lr=0.125)
        lib.lr_scheduler.ExponentialLR(o, 0.5, last_epoch=2)
        assert o.param_groups[0]["lr"] == 0.125


@pytest.mark.parametrize("milestones", [[0], [2]])
def test_sequential_lr_with_milestone_zero_matches_torch(milestones):
    res = []
    for M in (minigrad, torch):
        L = M.optim.lr_scheduler
        o = M.optim.SGD([M.zeros(1, requires_grad=True)], lr=1.0)
        s = L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=3), L.ExponentialLR(o, 0.5)], milestones)
        lrs = [_lrs(o)[0]]
        for _ in range(5):
            s.step()
            lrs.append(_lrs(o)[0])
        res.append(lrs)
    assert res[0] == pytest.approx(res[1], rel=1e-12)


OPTIMIZERS = [
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1)),
]


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[n for n, _ in OPTIMIZERS])
def test_add_param_group_then_step_matches_torch(name, kw):
    # torch initialises a new group's state at its first step (Adagrad from the constructor's
    # initial_accumulator_value, even when the group names its own)
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal(3), rng.standard_normal((2, 2))
    grads = [(rng.standard_normal(3), rng.standard_normal((2, 2))) for _ in range(4)]
    params = []
    for M in (minigrad, torch):
        a, b = M.tensor(a0, requires_grad=True), M.tensor(b0, requires_grad=True)
        o = getattr(M.optim, name)([a], **kw)
        extra = {"initial_accumulator_value": 0.7} if name == "Adagrad" else {}
        o.add_param_group({"params": [b], "lr": 0.02, **extra})
        for ga, gb in grads:
            a.grad, b.grad = M.tensor(ga), M.tensor(gb)
            o.step()
        params.append((a.detach().numpy().copy(), b.detach().numpy().copy()))
    for m, t in zip(*params):
        np.testing.assert_allclose(m, t, rtol=1e-12, atol=1e-14)


def test_adagrad_group_initial_accumulator_value_is_ignored_as_torch():
    sums = []
    for M in (minigrad, torch):
        p = M.ones(2, requires_grad=True)
        o = M.optim.Adagrad([{"params": [p], "initial_accumulator_value": 3.0}], lr=0.1)
        sums.append(o.state[p]["sum"].tolist())
    assert sums[0] == sums[1] == [0.0, 0.0]


class _CountingSign:
    """A torch-style custom optimizer (plain gradient steps, counted): reads `self.state[p]` and initialises it
    when empty."""

    @staticmethod
    def build(M):
        class Sign(M.optim.Optimizer):
            def __init__(self, params, lr=0.1):
                super().__init__(params, dict(lr=lr))

            def step(self):
                for g in self.param_groups:
                    for p in g["params"]:
                        state = self.state[p]
                        if len(state) == 0:
                            state["n"] = 0
                        state["n"] += 1
                        p.data -= g["lr"] * p.grad.data

        return Sign


def test_optimizer_state_is_a_defaultdict_as_torch():
    out = []
    for M in (minigrad, torch):
        p, q = M.ones(2, requires_grad=True), M.ones(1, requires_grad=True)
        opt = _CountingSign.build(M)([p])
        p.grad = M.tensor([1.0, -2.0])
        opt.step()
        opt.step()
        sd = opt.state_dict()
        assert opt.state[q] == {}  # no KeyError for a parameter without state
        out.append((p.tolist(), {k: dict(v) for k, v in sd["state"].items()}))
        opt2 = _CountingSign.build(M)([M.ones(2, requires_grad=True)])
        opt2.load_state_dict(sd)
        assert next(iter(opt2.state.values()))["n"] == 2
        fresh = M.ones(1, requires_grad=True)
        assert opt2.state[fresh] == {}
    assert out[0][0] == pytest.approx(out[1][0]) and out[0][1][0] == out[1][1][0]


def test_reduce_lr_on_plateau_after_add_param_group_matches_torch():
    res = []
    for M in (minigrad, torch):
        o = M.optim.SGD([M.zeros(1, requires_grad=True)], lr=0.1)
        s = M.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0, min_lr=0.02)
        o.add_param_group({"params": [M.zeros(1, requires_grad=True)], "lr": 0.5})
        lrs = []
        for m in (1, 2, 3, 4):
            s.step(m)
            lrs += _lrs(o)
        res.append((lrs, list(s.min_lrs)))
    assert res[0][0] == pytest.approx(res[1][0], rel=1e-12) and res[0][1] == res[1][1] == [0.02, 0.02]
    # with one min_lr per group, a new group cannot be given a floor: torch raises when it comes to reducing
    for M in (minigrad, torch):
        o = M.optim.SGD([M.zeros(1, requires_grad=True)], lr=0.1)
        s = M.optim.lr_scheduler.ReduceLROnPlateau(o, patience=0, min_lr=[0.01])
        o.add_param_group({"params": [M.zeros(1, requires_grad=True)]})
        s.step(1)
        with pytest.raises(RuntimeError, match=r"number of param groups in the `optimizer` \(2\) differs"):
            s.step(2)
        with pytest.raises(ValueError, match="expected 1 min_lrs, got 2"):
            M.optim.lr_scheduler.ReduceLROnPlateau(M.optim.SGD([M.zeros(1, requires_grad=True)]), min_lr=[0, 0])
