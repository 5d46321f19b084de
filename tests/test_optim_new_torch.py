"""Optimizers and optimizer hooks that torch code uses and minigrad lacked (found by differential testing against
torch 2.13): LBFGS (with and without the strong-Wolfe line search), Adafactor, and the step / state-dict /
load-state-dict hooks, per optimizer and global. Trajectories are compared in float64."""
import copy
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.optim import optimizer as torch_optimizer

import minigrad as mg
from minigrad.optim import optimizer as mg_optimizer
from minigrad.optim.adafactor import Adafactor
from minigrad.optim.lbfgs import LBFGS
from minigrad.optim.sgd import SGD

torch.set_num_threads(1)


# ------------------------------------------------------------------------------------------------ LBFGS
def _rosenbrock(x):
    a, b = x[:-1], x[1:]
    g = np.zeros_like(x)
    g[:-1] = -2 * (1 - a) - 400 * a * (b - a * a)
    g[1:] += 200 * (b - a * a)
    return ((1 - a) ** 2).sum() + (100 * (b - a * a) ** 2).sum(), [g]


_rng = np.random.default_rng(1)
_X, _Y = _rng.standard_normal((20, 3)), _rng.standard_normal((20, 2))


def _mlp(W1, b1, W2):
    """Least squares through a tanh layer, with its analytic gradient."""
    h = np.tanh(_X @ W1 + b1)
    d = h @ W2 - _Y
    dout = 2 * d / d.size
    dh = dout @ W2.T * (1 - h * h)
    return (d * d).mean(), [_X.T @ dh, dh.sum(0), h.T @ dout]


def _init(problem):
    if problem == "rosenbrock":
        return [np.array([-1.2, 1.0, -0.5, 0.8])]
    rng = np.random.default_rng(0)
    return [rng.standard_normal((3, 6)) * 0.5, rng.standard_normal(6) * 0.1, rng.standard_normal((6, 2)) * 0.5]


def _lbfgs_run(lib, opt_cls, problem, kw, steps, reload_at=None):
    """Both libraries get the same NumPy gradient from the closure, so the comparison isolates the optimizer
    (L-BFGS amplifies an ulp of difference over a few dozen iterations)."""
    ps = [lib.tensor(a, requires_grad=True) for a in _init(problem)]
    fn = _rosenbrock if problem == "rosenbrock" else _mlp
    opt = opt_cls(ps, **kw)
    calls = []

    def closure():
        loss, grads = fn(*[p.detach().numpy() for p in ps])
        for p, g in zip(ps, grads):
            p.grad = lib.tensor(g)
        calls.append(1)
        return lib.tensor(loss)

    traj = []
    for k in range(steps):
        if k == reload_at:
            sd = copy.deepcopy(opt.state_dict())
            opt = opt_cls(ps, **kw)
            opt.load_state_dict(sd)
        loss = opt.step(closure)
        traj.append((float(loss), np.concatenate([p.detach().numpy().ravel() for p in ps]), len(calls)))
    st = opt.state[ps[0]]
    return traj, (st["func_evals"], st["n_iter"])


LBFGS_CASES = [
    dict(max_iter=5),
    dict(max_iter=5, lr=0.5),
    dict(max_iter=5, history_size=2),
    dict(max_iter=7, max_eval=4),
    dict(max_iter=1, lr=0.1),
    dict(max_iter=5, tolerance_change=1e-3),
    dict(max_iter=5, line_search_fn="strong_wolfe"),
    dict(max_iter=5, line_search_fn="strong_wolfe", history_size=2),
    dict(max_iter=4, line_search_fn="strong_wolfe", max_eval=3),
    dict(line_search_fn="strong_wolfe"),
]


@pytest.mark.parametrize("problem", ["rosenbrock", "mlp"])
@pytest.mark.parametrize("kw", LBFGS_CASES, ids=str)
def test_lbfgs_trajectory_matches_torch(problem, kw):
    steps = 2 if "max_iter" not in kw else 4
    (t, t_counts), (m, m_counts) = (_lbfgs_run(torch, torch.optim.LBFGS, problem, kw, steps),
                                    _lbfgs_run(mg, LBFGS, problem, kw, steps))
    assert m_counts == t_counts
    for (lt, xt, ct), (lm, xm, cm) in zip(t, m):
        assert cm == ct  # closure evaluations per step
        np.testing.assert_allclose(lm, lt, rtol=1e-10)
        # relative to the vector's scale: a coordinate passing near zero has no relative precision
        np.testing.assert_allclose(xm, xt, rtol=1e-10, atol=1e-10 * np.abs(xt).max())


@pytest.mark.parametrize("kw", [dict(max_iter=4), dict(max_iter=4, line_search_fn="strong_wolfe")], ids=str)
def test_lbfgs_state_dict_round_trip_mid_run_matches_torch(kw):
    t, _ = _lbfgs_run(torch, torch.optim.LBFGS, "mlp", kw, 5)
    m, _ = _lbfgs_run(mg, LBFGS, "mlp", kw, 5, reload_at=2)
    for (_, xt, _), (_, xm, _) in zip(t, m):
        np.testing.assert_allclose(xm, xt, rtol=1e-10)


def test_lbfgs_with_autograd_closure_unused_param_and_scalar_param():
    # what a torch user writes: zero_grad + backward in the closure; a parameter the loss never uses keeps
    # grad None (LBFGS treats it as zero) and a 0-d parameter joins the flat vector
    def run(lib):
        rng = np.random.default_rng(0)
        A = lib.tensor(rng.standard_normal((4, 3)))
        W = lib.tensor(rng.standard_normal((3, 2)), requires_grad=True)
        s = lib.tensor(np.array(0.7), requires_grad=True)
        unused = lib.tensor(rng.standard_normal(2), requires_grad=True)
        opt = (LBFGS if lib is mg else torch.optim.LBFGS)([W, s, unused], max_iter=3, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = (((A @ W) * s).tanh() ** 2).sum() + (s - 2) ** 2
            loss.backward()
            return loss

        losses = [float(opt.step(closure)) for _ in range(2)]
        return losses, [p.detach().numpy() for p in (W, s, unused)]

    (tl, tp), (ml, mp) = run(torch), run(mg)
    np.testing.assert_allclose(ml, tl, rtol=1e-10)
    for a, b in zip(mp, tp):
        np.testing.assert_allclose(a, b, rtol=1e-9)


def test_lbfgs_state_dict_keys_match_torch():
    def keys(lib, cls):
        p = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        opt = cls([p], max_iter=3)

        def closure():
            opt.zero_grad()
            loss = ((p - 3) ** 4).sum()
            loss.backward()
            return loss

        opt.step(closure)
        opt.step(closure)
        sd = opt.state_dict()
        return sorted(sd["state"][0]), sorted(sd["param_groups"][0]), len(sd["state"][0]["old_dirs"])

    assert keys(mg, LBFGS) == keys(torch, torch.optim.LBFGS)


def test_lbfgs_errors_match_torch():
    p = mg.tensor([1.0], requires_grad=True)
    q = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="closure"):
        LBFGS([p]).step()
    with pytest.raises(ValueError, match="parameter groups"):
        LBFGS([{"params": [p]}, {"params": [q]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        LBFGS([p], lr=-1)
    p.grad = mg.tensor([1.0])
    with pytest.raises(RuntimeError, match="strong_wolfe"):
        LBFGS([p], line_search_fn="wolfe").step(lambda: mg.tensor(1.0))
    assert LBFGS([p], max_iter=8).defaults["max_eval"] == torch.optim.LBFGS(
        [torch.ones(1, requires_grad=True)], max_iter=8).defaults["max_eval"] == 10


# ------------------------------------------------------------------------------------------------ Adafactor
_SHAPES = ((3, 4), (5,), (2, 3, 4), (), (1, 4), (4, 1))


def _adafactor_run(lib, opt_cls, kw, steps=100, dtype=np.float64, reload_at=None, groups=False):
    rng = np.random.default_rng(0)
    ps = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in _SHAPES]
    noise = [[rng.standard_normal(s).astype(dtype) * (1 + k % 3) for s in _SHAPES] for k in range(steps)]

    def make():
        return opt_cls([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.05}] if groups else ps, **kw)

    opt = make()
    for k in range(steps):
        if k == reload_at:
            sd = copy.deepcopy(opt.state_dict())
            opt = make()
            opt.load_state_dict(sd)
        for i, (p, n) in enumerate(zip(ps, noise[k])):
            # the gradient depends on p, so the trajectory feeds back; p[1] skips every other step
            p.grad = None if i == 1 and k % 2 else lib.tensor(n + p.detach().numpy())
        opt.step()
    return [p.detach().numpy() for p in ps], opt


@pytest.mark.parametrize("kw", [dict(), dict(lr=0.1), dict(weight_decay=0.1), dict(beta2_decay=-0.5),
                                dict(eps=(1e-3, 0.1)), dict(d=2.0), dict(maximize=True), dict(foreach=True),
                                dict(lr=0.5, weight_decay=0.01, d=1.5, eps=(None, 1e-2))], ids=str)
def test_adafactor_trajectory_matches_torch(kw):
    (t, _), (m, _) = _adafactor_run(torch, torch.optim.Adafactor, kw), _adafactor_run(mg, Adafactor, kw)
    for a, b in zip(m, t):
        np.testing.assert_allclose(a, b, rtol=1e-10)


@pytest.mark.parametrize("opts", [dict(reload_at=50), dict(groups=True), dict(dtype=np.float32)], ids=str)
def test_adafactor_groups_reload_float32_match_torch(opts):
    (t, topt), (m, mopt) = (_adafactor_run(torch, torch.optim.Adafactor, {}, **opts),
                            _adafactor_run(mg, Adafactor, {}, **opts))
    for a, b in zip(m, t):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-10 if a.dtype == np.float64 else 1e-4)
    # the factored second moment: (..., m, 1) rows and (..., 1, n) columns for >= 2-d parameters
    tsd, msd = topt.state_dict(), mopt.state_dict()
    assert msd["param_groups"][0].keys() == tsd["param_groups"][0].keys()
    for i in tsd["state"]:
        assert {k: tuple(v.shape) for k, v in msd["state"][i].items() if k != "step"} == \
            {k: tuple(v.shape) for k, v in tsd["state"][i].items() if k != "step"}
        assert float(msd["state"][i]["step"]) == float(tsd["state"][i]["step"])


@pytest.mark.parametrize("kw,msg", [(dict(lr=-1), "Learning rate"), (dict(beta2_decay=0.1), "beta2_decay"),
                                    (dict(eps=(-1, 1e-3)), "epsilon1"), (dict(eps=(None, -1)), "epsilon2"),
                                    (dict(d=0.5), "Clipping threshold"), (dict(weight_decay=-1), "weight_decay")])
def test_adafactor_invalid_arguments_raise_as_torch(kw, msg):
    with pytest.raises(ValueError, match=msg):
        torch.optim.Adafactor([torch.ones(2, requires_grad=True)], **kw)
    with pytest.raises(ValueError, match=msg):
        Adafactor([mg.tensor([1.0, 1.0], requires_grad=True)], **kw)


# ------------------------------------------------------------------------------------------------ hooks
def _hook_log(lib, opt_cls, glob):
    log = []
    p = lib.tensor([1.0, 2.0], requires_grad=True)
    opt = opt_cls([p], lr=0.1)

    def pre(o, args, kwargs):
        log.append(("pre", len(args), args[0] is o, sorted(kwargs)))

    def replace_closure(o, args, kwargs):
        if len(args) == 1 and not kwargs:
            return args, {"closure": lambda: 3.0}

    handles = [opt.register_step_pre_hook(pre), opt.register_step_post_hook(lambda o, a, k: log.append("post")),
               glob.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global pre")),
               glob.register_optimizer_step_post_hook(lambda o, a, k: log.append("global post"))]
    p.grad = lib.tensor([1.0, 1.0])
    log.append(opt.step())
    log.append(opt.step(lambda: 2.0))
    handles.append(opt.register_step_pre_hook(replace_closure))
    log.append(opt.step())
    for h in handles:
        h.remove()
    log.append(opt.step())
    bad = opt.register_step_pre_hook(lambda *a: 5)
    with pytest.raises(RuntimeError, match="new_args"):
        opt.step()
    bad.remove()
    return log, [float(v) for v in p.detach().numpy()]


def test_step_hooks_match_torch():
    assert _hook_log(mg, SGD, mg_optimizer) == _hook_log(torch, torch.optim.SGD, torch_optimizer)


def _state_dict_hook_log(lib, opt_cls):
    log = []
    p = lib.tensor([1.0, 2.0], requires_grad=True)
    opt = opt_cls([p], lr=0.1)
    p.grad = lib.tensor([1.0, 1.0])
    opt.step()
    opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
    opt.register_state_dict_pre_hook(lambda o: log.append("pre, prepended"), prepend=True)
    opt.register_state_dict_post_hook(lambda o, sd: dict(sd, extra=1))
    opt.register_state_dict_post_hook(lambda o, sd: log.append(("post", sorted(sd))))
    sd = opt.state_dict()

    def load_pre(o, sd):
        log.append(("load pre", sorted(sd)))
        sd.pop("extra")  # a shallow copy: the caller's dict keeps its key
        sd["param_groups"][0]["lr"] = 0.5

    opt.register_load_state_dict_pre_hook(load_pre)
    opt.register_load_state_dict_post_hook(lambda o: log.append(("load post", o.param_groups[0]["lr"])))
    opt.load_state_dict(sd)
    log.append(sorted(sd))
    clone = copy.deepcopy(opt)  # hooks are not copied (nor pickled), as torch
    log.append(len(clone._optimizer_load_state_dict_post_hooks))
    return log


def test_state_dict_hooks_match_torch():
    assert _state_dict_hook_log(mg, mg.optim.Adam) == _state_dict_hook_log(torch, torch.optim.Adam)


def test_step_hooks_fire_once_per_step():
    # LBFGS calls its closure many times per step, and a subclass's step may call super().step(): the hooks
    # still run once per step() (torch runs them twice for the subclass; we follow its documented contract)
    p = mg.tensor([3.0, -1.0], dtype=mg.float64, requires_grad=True)
    log = []
    opt = LBFGS([p], max_iter=10)
    opt.register_step_pre_hook(lambda *a: log.append("pre"))
    opt.register_step_post_hook(lambda *a: log.append("post"))

    def closure():
        opt.zero_grad()
        loss = ((p - 1) ** 2).sum()
        loss.backward()
        log.append("closure")
        return loss

    opt.step(closure)
    assert log[0] == "pre" and log[-1] == "post" and log.count("pre") == log.count("post") == 1
    assert log.count("closure") > 1

    class Mine(SGD):
        def step(self, closure=None):
            log.append("mine")
            return super().step(closure)

    log.clear()
    opt = Mine([p], lr=0.1)
    opt.register_step_pre_hook(lambda *a: log.append("pre"))
    opt.step()
    assert log == ["pre", "mine"]


def test_optimizer_with_hooks_pickles_without_them():
    opt = SGD([mg.tensor([1.0], requires_grad=True)], lr=0.1)
    opt.register_step_pre_hook(lambda *a: None)  # a lambda does not pickle: torch leaves hooks out
    opt = pickle.loads(pickle.dumps(opt))
    assert len(opt._optimizer_step_pre_hooks) == 0
    opt.register_step_post_hook(lambda *a: None)
