"""NAdam, RAdam, Adadelta, Rprop and ASGD follow torch.optim's trajectories over 100 steps in float64 (1e-10
relative), with param groups, maximize, add_param_group and a state_dict round trip mid-run (the harness of
test_optim_torch.py)."""
import numpy as np
import pytest
import torch
from test_optim_torch import _assert_close, _numpy_grads, _problem, _run

import minigrad
from minigrad import optim

CASES = [
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.05, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.05, eps=1e-6)),
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.01)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-4, 0.05))),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.6, t0=20, weight_decay=0.01)),
]
NAMES = ["NAdam", "RAdam", "Adadelta", "Rprop", "ASGD"]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_trajectory_matches_torch(name, kw):
    _assert_close(*_run(name, kw))


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_param_groups_maximize_and_state_dict_round_trip(name, kw):
    kw = dict(kw, lr=kw.get("lr", 1.0))
    _assert_close(*_run(name, kw, groups=True))
    _assert_close(*_run(name, dict(kw, maximize=True), steps=20))
    ref, _ = _run(name, kw, groups=True)
    resumed, tp = _run(name, kw, groups=True, reload_at=50)
    for a, b in zip(ref, resumed):
        np.testing.assert_array_equal(a.data, b.data)
    _assert_close(resumed, tp)


@pytest.mark.parametrize("name", NAMES)
def test_add_param_group_and_state_match_torch(name):
    X, Y, init = _problem()
    mp = [minigrad.tensor(a.copy(), requires_grad=True) for a in init]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    kw = dict(lr=0.01) if name != "ASGD" else dict(lr=0.05, t0=5)
    mo, to = getattr(optim, name)(mp[:2], **kw), getattr(torch.optim, name)(tp[:2], **kw)
    for step in range(60):
        if step == 10:
            mo.add_param_group({"params": [mp[2]], "lr": 0.005})
            to.add_param_group({"params": [tp[2]], "lr": 0.005})
        n = len(mo.param_groups[-1]["params"]) + (2 if len(mo.param_groups) == 2 else 0)
        for ps, lib in ((mp, minigrad), (tp, torch)):
            arrs = [p.numpy() if lib is minigrad else p.detach().numpy() for p in ps]
            for p, g in list(zip(ps, _numpy_grads(X, Y, arrs)))[:n]:
                p.grad = lib.tensor(g)
        mo.step()
        to.step()
    _assert_close(mp, tp)
    assert mo.param_groups[1]["lr"] == 0.005 and set(mo.param_groups[1]) == set(mo.param_groups[0])
    for m, t in zip(mp, tp):  # every state entry equals torch's, scalars (step, mu_product, eta, mu) included
        ms, ts = mo.state[m], to.state[t]
        assert set(ms) == set(ts)
        for k, v in ts.items():
            got = ms[k].numpy() if isinstance(ms[k], minigrad.Tensor) else np.asarray(ms[k])
            np.testing.assert_allclose(got, v.detach().numpy(), rtol=1e-10, atol=1e-300)


def test_defaults_alias_and_validation():
    p = minigrad.tensor([1.0], requires_grad=True)
    for name in NAMES:
        cls, ref = getattr(optim, name), getattr(torch.optim, name)([torch.tensor([1.0], requires_grad=True)])
        opt = cls([p])
        for k, v in opt.param_groups[0].items():
            if k != "params":
                assert ref.param_groups[0][k] == v, (name, k)
        assert cls([p], learning_rate=0.123).param_groups[0]["lr"] == 0.123
        with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
            cls([p], lr=-0.1)
    with pytest.raises(ValueError, match="Invalid momentum_decay value: -1"):
        optim.NAdam([p], momentum_decay=-1)
    with pytest.raises(ValueError, match="Invalid eta values: 0.5, 0.9"):
        optim.Rprop([p], etas=(0.5, 0.9))
    with pytest.raises(ValueError, match="Invalid rho value: 1.5"):
        optim.Adadelta([p], rho=1.5)
