"""Every optimizer follows torch.optim's trajectory over 100 steps in float64 (1e-10 relative), with param groups,
a state_dict round trip mid-run, and the seeds' learning_rate= alias."""
import copy

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn, optim

torch.set_num_threads(1)

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=False)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),  # (0.6, 0.9) turns chaotic near the optimum
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.3)),
    ("Adamax", dict(lr=0.01, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.003)),
    ("RMSprop", dict(lr=0.003, momentum=0.8, centered=True, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.05)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
]


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((32, 5))
    Y = rng.standard_normal((32, 2))
    W1 = rng.standard_normal((5, 8)) * 0.5
    W2 = rng.standard_normal((8, 2)) * 0.5
    b = rng.standard_normal(2) * 0.1
    return X, Y, [W1, W2, b]


def _loss(lib, X, Y, params):
    W1, W2, b = params
    out = lib.tanh(X @ W1) @ W2 + b if lib is torch else (X @ W1).tanh() @ W2 + b
    d = out - Y
    return (d * d).mean()


def _numpy_grads(X, Y, params):
    """The analytic gradient of _loss, shared by both libraries: the comparison then isolates the optimizers
    (two autograds differ by an ulp here and there, which Adam/RMSprop's normalisation can amplify)."""
    W1, W2, b = params
    h = np.tanh(X @ W1)
    dout = 2 * (h @ W2 + b - Y) / Y.size
    dh = dout @ W2.T * (1 - h * h)
    return [X.T @ dh, h.T @ dout, dout.sum(0)]


def _run(name, kw, steps=100, groups=False, reload_at=None, autograd=False):
    X, Y, init = _problem()
    mp = [minigrad.tensor(a.copy(), requires_grad=True) for a in init]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    mX, mY = minigrad.tensor(X), minigrad.tensor(Y)
    tX, tY = torch.tensor(X), torch.tensor(Y)

    def make(lib_opt, params):
        if groups:
            return lib_opt([{"params": params[:2]}, {"params": params[2:], "lr": kw["lr"] * 0.5}], **kw)
        return lib_opt(params, **kw)

    mo = make(getattr(optim, name), mp)
    to = make(getattr(torch.optim, name), tp)
    for step in range(steps):
        if step == reload_at:
            sd = copy.deepcopy(mo.state_dict())  # what torch users write; the save/load route has its own test
            mo = make(getattr(optim, name), mp)
            mo.load_state_dict(sd)
        mo.zero_grad()
        to.zero_grad()
        if autograd:
            _loss(minigrad, mX, mY, mp).backward()
            _loss(torch, tX, tY, tp).backward()
        else:
            for p, g in zip(mp, _numpy_grads(X, Y, [p.numpy() for p in mp])):
                p.grad = minigrad.tensor(g)
            for p, g in zip(tp, _numpy_grads(X, Y, [p.detach().numpy() for p in tp])):
                p.grad = torch.tensor(g)
        mo.step()
        to.step()
    return mp, tp


def _assert_close(mp, tp, tol=1e-10):
    for m, t in zip(mp, tp):
        ref = t.detach().numpy()
        rel = np.max(np.abs(m.numpy() - ref)) / np.max(np.abs(ref))
        assert rel < tol, f"relative deviation {rel:.3e} from torch"


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_optimizer_trajectory_matches_torch(name, kw):
    _assert_close(*_run(name, kw))


@pytest.mark.parametrize("name,kw", [CASES[1], CASES[5], CASES[11]], ids=["SGD", "Adam", "RMSprop"])
def test_optimizer_with_minigrad_autograd_matches_torch(name, kw):
    # end to end: gradients from minigrad's autograd vs torch's; an ulp apart, hence the looser tolerance
    _assert_close(*_run(name, kw, autograd=True), tol=1e-7)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adamax", "RMSprop", "Adagrad"])
def test_optimizer_param_groups_and_maximize(name):
    kw = dict(lr=0.01)
    if name == "SGD":
        kw["momentum"] = 0.9
    _assert_close(*_run(name, kw, groups=True))
    _assert_close(*_run(name, dict(kw, maximize=True), steps=20))


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("RMSprop", dict(lr=0.003, momentum=0.5, centered=True)),
                                     ("Adagrad", dict(lr=0.05)), ("Adamax", dict(lr=0.01)), ("AdamW", dict(lr=0.01))])
def test_optimizer_state_dict_round_trip_mid_run(name, kw):
    ref, _ = _run(name, kw, groups=True)
    resumed, tp = _run(name, kw, groups=True, reload_at=50)
    for a, b in zip(ref, resumed):
        np.testing.assert_array_equal(a.data, b.data)
    _assert_close(resumed, tp)


def test_optimizer_state_dict_through_save_load(tmp_path):
    X, Y, init = _problem()
    mp = [minigrad.tensor(a.copy(), requires_grad=True) for a in init]
    opt = optim.Adam(mp, lr=0.01, amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        _loss(minigrad, minigrad.tensor(X), minigrad.tensor(Y), mp).backward()
        opt.step()
    minigrad.save(opt.state_dict(), tmp_path / "opt.mgz")
    back = minigrad.load(tmp_path / "opt.mgz")
    opt2 = optim.Adam(mp, lr=0.5)
    opt2.load_state_dict(back)
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["betas"] == (0.9, 0.999)
    for p in mp:
        for k, v in opt.state[p].items():
            w = opt2.state[p][k]
            if isinstance(v, minigrad.Tensor):
                np.testing.assert_array_equal(v.data, w.data)
            else:
                assert v == w


def test_learning_rate_alias_and_validation():
    p = minigrad.tensor([1.0], requires_grad=True)
    for cls in (optim.SGD, optim.Adam, optim.AdamW, optim.Adamax, optim.RMSprop, optim.Adagrad):
        assert cls([p], learning_rate=0.123).param_groups[0]["lr"] == 0.123
        with pytest.raises(TypeError, match="not both"):
            cls([p], lr=0.1, learning_rate=0.2)
        with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
            cls([p], lr=-0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.0"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_zero_grad_set_to_none_and_zeros():
    p = minigrad.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and np.all(p.grad.data == 0)
    opt.zero_grad()
    assert p.grad is None


def test_step_updates_parameter_buffer_in_place():
    lin = nn.Linear(3, 2)
    buf = lin.weight.data
    opt = optim.Adam(lin.parameters(), lr=0.1)
    lin(minigrad.randn(4, 3)).sum().backward()
    opt.step()
    assert lin.weight.data is buf and lin.weight._version > 0


def test_torch_optimizer_trains_minigrad_parameters_through_shared_memory():
    # seed 003: any torch.optim optimizer works on minigrad parameters, because torch.from_numpy(p.data) shares
    # the array and minigrad keeps each parameter's array in place
    minigrad.manual_seed(0)
    X, Y, init = _problem(1)
    mp = [minigrad.tensor(a.copy(), requires_grad=True) for a in init]
    views = [torch.from_numpy(p.data) for p in mp]
    topt = torch.optim.Adam(views, lr=0.02)
    mX, mY = minigrad.tensor(X), minigrad.tensor(Y)
    first = None
    for _ in range(60):
        loss = _loss(minigrad, mX, mY, mp)
        first = first if first is not None else loss.item()
        for p in mp:
            p.grad = None
        loss.backward()
        for v, p in zip(views, mp):
            v.grad = torch.from_numpy(p.grad.data)
        topt.step()
    assert all(np.shares_memory(v.numpy(), p.data) for v, p in zip(views, mp))
    assert _loss(minigrad, mX, mY, mp).item() < 0.5 * first
    # and the trajectory is torch's own Adam on the same problem
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    ref = torch.optim.Adam(tp, lr=0.02)
    for _ in range(60):
        ref.zero_grad()
        _loss(torch, torch.tensor(X), torch.tensor(Y), tp).backward()
        ref.step()
    _assert_close(mp, tp)
