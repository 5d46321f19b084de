"""Learning-rate schedulers match torch.optim.lr_scheduler step by step (lr of every group, momentum/betas for
OneCycleLR), including state_dict round trips."""
import math

import numpy as np
import pytest
import torch

import minigrad
from minigrad import optim

SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=7)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1 / (1 + e))),
    ("LinearLR", dict(start_factor=0.1, total_iters=8)),
    ("LinearLR", dict(start_factor=0.5, end_factor=0.2, total_iters=6)),
    ("ConstantLR", dict(factor=0.25, total_iters=4)),
    ("PolynomialLR", dict(total_iters=12, power=2.0)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=40)),
    ("OneCycleLR", dict(max_lr=0.3, epochs=4, steps_per_epoch=10, anneal_strategy="linear", three_phase=True)),
    ("OneCycleLR", dict(max_lr=0.3, total_steps=40, pct_start=0.25, div_factor=10.0, final_div_factor=100.0,
                        cycle_momentum=False)),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95)),
    ("MultiplicativeLR", dict(lr_lambda=[lambda e: 0.9, lambda e: 1 - 0.01 * e])),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),  # restarts at 3, 9, 21
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.97, base_momentum=0.7,
                      max_momentum=0.95)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, scale_fn=lambda x: 0.5 ** x,
                      scale_mode="iterations", cycle_momentum=False)),
]


def _pair(opt_name="SGD", **kw):
    p = [minigrad.tensor([1.0], requires_grad=True), minigrad.tensor([2.0], requires_grad=True)]
    t = [torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)]
    groups = lambda ps: [{"params": [ps[0]]}, {"params": [ps[1]], "lr": 0.05}]  # noqa: E731
    kw = dict(kw or (dict(lr=0.1, momentum=0.9) if opt_name == "SGD" else dict(lr=0.1)))
    return getattr(optim, opt_name)(groups(p), **kw), getattr(torch.optim, opt_name)(groups(t), **kw)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_scheduler_matches_torch_step_by_step(name, kw, opt_name):
    mo, to = _pair(opt_name)
    ms, ts = getattr(optim.lr_scheduler, name)(mo, **kw), getattr(torch.optim.lr_scheduler, name)(to, **kw)
    for step in range(40 if name == "OneCycleLR" else 45):
        for mg, tg in zip(mo.param_groups, to.param_groups):
            assert mg["lr"] == pytest.approx(tg["lr"], rel=1e-12, abs=1e-15), f"step {step}"
            if "momentum" in tg and opt_name == "SGD":
                assert mg["momentum"] == pytest.approx(tg["momentum"], rel=1e-12)
            if "betas" in tg:
                assert mg["betas"][0] == pytest.approx(tg["betas"][0], rel=1e-12)
        assert ms.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)
        mo.step()
        to.step()
        if step < 39 or name != "OneCycleLR":
            ms.step()
            ts.step()


def test_onecycle_past_total_steps_raises():
    mo, _ = _pair()
    s = optim.lr_scheduler.OneCycleLR(mo, max_lr=0.1, total_steps=3)
    for _ in range(3):
        s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        s.step()


@pytest.mark.parametrize("mode,threshold_mode,cooldown", [("min", "rel", 0), ("min", "abs", 2), ("max", "rel", 1)])
def test_reduce_lr_on_plateau_matches_torch(mode, threshold_mode, cooldown):
    mo, to = _pair()
    kw = dict(mode=mode, factor=0.5, patience=2, threshold=0.01, threshold_mode=threshold_mode, cooldown=cooldown,
              min_lr=[0.001, 0.01])
    ms = optim.lr_scheduler.ReduceLROnPlateau(mo, **kw)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(to, **kw)
    metrics = np.concatenate([np.linspace(1, 0.5, 5), np.full(8, 0.5), np.linspace(0.5, 0.49, 6), np.full(20, 0.49)])
    if mode == "max":
        metrics = -metrics
    for m in metrics:
        ms.step(m)
        ts.step(m)
        assert [g["lr"] for g in mo.param_groups] == pytest.approx([g["lr"] for g in to.param_groups], rel=1e-12)
    assert ms.get_last_lr() == pytest.approx(ts.get_last_lr())
    assert mo.param_groups[0]["lr"] < 0.1 or mode == "max"


def test_scheduler_state_dict_resumes():
    mo, _ = _pair()
    s = optim.lr_scheduler.CosineAnnealingLR(mo, T_max=10)
    for _ in range(4):
        s.step()
    state = s.state_dict()
    lrs = []
    for _ in range(3):
        s.step()
        lrs.append(s.get_last_lr())
    mo2, _ = _pair()
    for g, g2 in zip(mo.param_groups, mo2.param_groups):
        g2["initial_lr"] = g["initial_lr"]
    s2 = optim.lr_scheduler.CosineAnnealingLR(mo2, T_max=10, last_epoch=3)
    s2.load_state_dict(state)
    for g, lr in zip(mo2.param_groups, state["_last_lr"]):
        g["lr"] = lr
    again = []
    for _ in range(3):
        s2.step()
        again.append(s2.get_last_lr())
    assert again == lrs
    assert math.isclose(lrs[-1][0], 0.1 * (1 + math.cos(math.pi * 7 / 10)) / 2, rel_tol=1e-12)


@pytest.mark.parametrize("parts,milestones", [
    ([("LinearLR", dict(start_factor=0.1, total_iters=5)), ("CosineAnnealingLR", dict(T_max=20))], [5]),
    ([("ConstantLR", dict(factor=0.5, total_iters=3)), ("ExponentialLR", dict(gamma=0.9)),
      ("StepLR", dict(step_size=4, gamma=0.5))], [3, 10]),
])
def test_sequential_lr_matches_torch(parts, milestones):
    mo, to = _pair()
    ms = optim.lr_scheduler.SequentialLR(mo, [getattr(optim.lr_scheduler, n)(mo, **kw) for n, kw in parts],
                                         milestones)
    ts = torch.optim.lr_scheduler.SequentialLR(to, [getattr(torch.optim.lr_scheduler, n)(to, **kw)
                                                    for n, kw in parts], milestones)
    for step in range(30):
        assert [g["lr"] for g in mo.param_groups] == pytest.approx([g["lr"] for g in to.param_groups], rel=1e-12), \
            f"step {step}"
        assert ms.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)
        mo.step()
        to.step()
        ms.step()
        ts.step()


NEW = [s for s in SCHEDULERS if s[0] in ("MultiplicativeLR", "CosineAnnealingWarmRestarts", "CyclicLR")]


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
@pytest.mark.parametrize("name,kw", NEW, ids=[f"{n}-{i}" for i, (n, _) in enumerate(NEW)])
def test_new_scheduler_state_dict_round_trip(name, kw, opt_name):
    # resume from (optimizer, scheduler) state dicts after 10 steps into fresh objects: the next 30 lrs (and
    # momenta) are the uninterrupted run's
    mo, _ = _pair(opt_name)
    ms = getattr(optim.lr_scheduler, name)(mo, **kw)
    for _ in range(10):
        ms.step()
    osd, ssd = mo.state_dict(), ms.state_dict()
    mo2, _ = _pair(opt_name)
    ms2 = getattr(optim.lr_scheduler, name)(mo2, **kw)
    mo2.load_state_dict(osd)
    ms2.load_state_dict(ssd)
    for _ in range(30):
        ms.step()
        ms2.step()
        assert ms2.get_last_lr() == ms.get_last_lr()
        assert [g.get("momentum", g.get("betas")) for g in mo2.param_groups] == \
            [g.get("momentum", g.get("betas")) for g in mo.param_groups]


@pytest.mark.parametrize("T_mult", [1, 2, 3])
def test_cosine_warm_restarts_with_epoch_argument_matches_torch(T_mult):
    mo, to = _pair()
    ms = optim.lr_scheduler.CosineAnnealingWarmRestarts(mo, T_0=4, T_mult=T_mult, eta_min=0.002)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(to, T_0=4, T_mult=T_mult, eta_min=0.002)
    epochs = [e + b / 5 for e in range(30) for b in range(5)] + [3, 0, 17.5, 4, 100, 2.25]
    for e in epochs:
        ms.step(e)
        ts.step(e)
        assert ms.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12, abs=1e-15), e
        assert (ms.T_i, ms.last_epoch) == (ts.T_i, ts.last_epoch)
    for _ in range(20):  # and plain steps after
        ms.step()
        ts.step()
        assert [g["lr"] for g in mo.param_groups] == pytest.approx([g["lr"] for g in to.param_groups], rel=1e-12)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        ms.step(-1)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        optim.lr_scheduler.CosineAnnealingWarmRestarts(mo, T_0=0)


def test_chained_scheduler_matches_torch_and_round_trips():
    def build(lib, opt):
        sch = lib.optim.lr_scheduler
        return sch.ChainedScheduler([sch.ConstantLR(opt, factor=0.5, total_iters=4), sch.ExponentialLR(opt, gamma=0.9),
                                     sch.CosineAnnealingWarmRestarts(opt, T_0=6)])
    mo, to = _pair()
    ms, ts = build(minigrad, mo), build(torch, to)
    for step in range(30):
        assert ms.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12), step
        assert [g["lr"] for g in mo.param_groups] == pytest.approx([g["lr"] for g in to.param_groups], rel=1e-12)
        ms.step()
        ts.step()
        if step == 12:
            osd, ssd = mo.state_dict(), ms.state_dict()
    mo2, _ = _pair()
    ms2 = build(minigrad, mo2)
    mo2.load_state_dict(osd)
    ms2.load_state_dict(ssd)
    for _ in range(17):
        ms2.step()
    assert ms2.get_last_lr() == ms.get_last_lr()
    with pytest.raises(ValueError, match="at least one scheduler"):
        optim.lr_scheduler.ChainedScheduler([])


def test_cyclic_lr_checks():
    mo, _ = _pair()
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        optim.lr_scheduler.CyclicLR(mo, 0.01, 0.1, mode="sawtooth")
    opt = optim.Adagrad([minigrad.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
    optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, cycle_momentum=False)
