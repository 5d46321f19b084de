"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm) and the legacy hook-based
weight_norm / spectral_norm, against torch with the same weights: values, gradients of the original tensors,
state_dict keys, assignment through right_inverse, removal, and training through an optimizer. Spectral norm's u
and v start random, so each test copies torch's buffers into minigrad before comparing."""
import copy
import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.utils.parametrizations as TZ
import torch.nn.utils.parametrize as TP

import minigrad as mg
import minigrad.nn.utils.fusion as MF
import minigrad.nn.utils.legacy_norms as ML
import minigrad.nn.utils.parametrizations as MZ
import minigrad.nn.utils.parametrize as MP

LIBS = ((mg, MP, MZ, ML), (torch, TP, TZ, torch.nn.utils))


def _classes(lib):
    class Scale(lib.nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c = c

        def forward(self, x):
            return x * self.c

        def right_inverse(self, a):
            return a / self.c

    class Split(lib.nn.Module):  # two originals: original0, original1
        def forward(self, a, b):
            return a + b

        def right_inverse(self, w):
            return w * 0.25, w * 0.75

    class Grow(lib.nn.Module):
        def forward(self, x):
            return lib.cat([x, x], 0)

    return Scale, Split, Grow


def _linear(lib, out=4, dtype=None):
    m = lib.nn.Linear(3, out)
    with lib.no_grad():
        m.weight.copy_(lib.tensor((np.arange(3.0 * out).reshape(out, 3) - 4) / 10))
        m.bias.copy_(lib.tensor(np.linspace(-1, 1, out)))
    return m.double() if dtype == "float64" else m


def _np(t):
    return t.detach().numpy()


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(_np(a), _np(b), rtol=tol, atol=tol)


def _run_both(fn):
    return [fn(*libs) for libs in LIBS]


# --------------------------------------------------------------------------------------------- parametrize
def test_register_parametrization_assign_stack_and_state_dict_as_torch():
    def run(lib, P, *_):
        Scale, Split, _ = _classes(lib)
        m = _linear(lib)
        P.register_parametrization(m, "weight", Split())
        P.register_parametrization(m, "weight", Scale(2.0))
        keys = list(m.state_dict())
        w = m.weight
        m.weight = lib.ones(4, 3)  # through Scale's then Split's right_inverse
        pl = m.parametrizations.weight
        return keys, type(m).__name__, w, pl.original0, pl.original1, m.weight, P.type_before_parametrizations(m)

    (k0, n0, *ts0, t0), (k1, n1, *ts1, t1) = _run_both(run)
    assert k0 == k1 == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    assert n0 == n1 == "ParametrizedLinear"
    assert t0 is mg.nn.Linear and t1 is torch.nn.Linear
    for a, b in zip(ts0, ts1):
        _close(a, b)


def test_register_parametrization_refuses_shape_change_unless_unsafe():
    for lib, P, *_ in LIBS:
        Scale, _, Grow = _classes(lib)
        with pytest.raises(ValueError, match="may not change the shape"):
            P.register_parametrization(_linear(lib), "weight", Grow())
        m = P.register_parametrization(_linear(lib), "weight", Grow(), unsafe=True)
        assert tuple(m.weight.shape) == (8, 3)
        with pytest.raises(ValueError, match="does not have a parameter"):
            P.register_parametrization(_linear(lib), "foo", Scale(2.0))
        with pytest.raises(RuntimeError, match="does not implement right_inverse"):
            m.weight = lib.ones(8, 3)
        with pytest.raises(KeyError, match="already exists"):
            m.weight = lib.nn.Parameter(lib.ones(8, 3))


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations_as_torch(leave):
    def run(lib, P, *_):
        Scale, _, _ = _classes(lib)
        m = _linear(lib)
        orig = m.weight
        P.register_parametrization(m, "weight", Scale(3.0))
        P.register_parametrization(m, "bias", Scale(2.0))
        P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        mid = type(m).__name__, list(m.state_dict()), P.is_parametrized(m), P.is_parametrized(m, "weight")
        P.remove_parametrizations(m, "bias", leave_parametrized=leave)
        return mid, type(m).__name__, list(m.state_dict()), m.weight is orig, m.weight, m.bias

    (*meta0, w0, b0), (*meta1, w1, b1) = _run_both(run)
    assert meta0 == meta1
    assert meta0[1:] == ["Linear", ["weight", "bias"], True]
    _close(w0, w1)
    _close(b0, b1)
    with pytest.raises(ValueError, match="does not have a parametrization"):
        MP.remove_parametrizations(_linear(mg), "weight")


def test_cached_computes_each_parametrized_tensor_once():
    m = MP.register_parametrization(_linear(mg), "weight", _classes(mg)[0](2.0))
    assert m.weight is not m.weight
    with MP.cached():
        assert m.weight is m.weight
        with MP.cached():
            w = m.weight
        assert m.weight is w  # the cache lives until the outermost block ends
    assert m.weight is not w


def test_parametrized_module_trains_with_an_optimizer_as_torch():
    def run(lib, P, *_):
        Scale, Split, _ = _classes(lib)
        m = _linear(lib)
        P.register_parametrization(m, "weight", Split())
        P.register_parametrization(m, "weight", Scale(2.0))
        opt = lib.optim.Adam(m.parameters(), lr=0.1)
        x = lib.tensor(np.arange(6.0).reshape(2, 3), dtype=lib.float32)
        for _ in range(3):
            opt.zero_grad()
            (m(x) ** 2).sum().backward()
            opt.step()
        return [p for _, p in m.named_parameters()]

    for a, b in zip(*_run_both(run)):
        _close(a, b, 1e-4)


def test_parametrized_module_deepcopies_and_refuses_pickle_as_torch():
    m = MP.register_parametrization(_linear(mg), "weight", _classes(mg)[0](2.0))
    c = copy.deepcopy(m)
    assert type(c).__name__ == "ParametrizedLinear" and list(c.state_dict()) == list(m.state_dict())
    assert c.parametrizations.weight.original is not m.parametrizations.weight.original
    _close(c.weight, m.weight)
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)


# --------------------------------------------------------------------------------------------- weight_norm
@pytest.mark.parametrize("conv", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1, None, -2])
def test_weight_norm_matches_torch(conv, dim):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 3, 2, 2) if conv else (4, 3)).astype(np.float32)
    x = rng.standard_normal((2, 3, 4, 4) if conv else (5, 3)).astype(np.float32)
    res = []
    for lib, _, Z, _ in LIBS:
        m = lib.nn.Conv2d(3, 2, 2) if conv else lib.nn.Linear(3, 4)
        with lib.no_grad():
            m.weight.copy_(lib.tensor(w))
            m.bias.zero_()
        Z.weight_norm(m, dim=dim)
        out = m(lib.tensor(x))
        (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))).sum().backward()
        res.append((list(m.state_dict()), out, m.weight, [p.grad for p in m.parameters()]))
    (k0, o0, w0, g0), (k1, o1, w1, g1) = res
    assert k0 == k1 == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    for a, b in [(o0, o1), (w0, w1), *zip(g0, g1)]:
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b, 1e-4)


def test_weight_norm_assigns_and_loads_legacy_keys_as_torch():
    def run(lib, _, Z, LG):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            sd = LG.weight_norm(_linear(lib)).state_dict()  # weight_g, weight_v
        m = Z.weight_norm(_linear(lib, dtype="float64"), dim=1)
        m.weight = lib.ones(4, 3, dtype=lib.float64) * 2
        pl = m.parametrizations.weight
        new = Z.weight_norm(lib.nn.Linear(3, 4))
        keys = new.load_state_dict(sd)
        return (list(keys.missing_keys), list(keys.unexpected_keys)), pl.original0, pl.original1, new.weight

    (k0, *t0), (k1, *t1) = _run_both(run)
    assert k0 == k1 == ([], [])
    for a, b in zip(t0, t1):
        _close(a, b)


# --------------------------------------------------------------------------------------------- spectral_norm
SN_LAYERS = {"linear": (lambda lib: lib.nn.Linear(3, 4), (5, 3)),
             "conv": (lambda lib: lib.nn.Conv2d(3, 2, 2), (2, 3, 4, 4)),
             "conv_transpose": (lambda lib: lib.nn.ConvTranspose2d(3, 2, 2), (2, 3, 4, 4))}


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("layer", list(SN_LAYERS))
@pytest.mark.parametrize("kwargs", [{}, {"n_power_iterations": 3, "eps": 1e-3}, {"dim": 1}])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_spectral_norm_trains_as_torch(legacy, layer, kwargs, dtype):
    make, xshape = SN_LAYERS[layer]
    rng = np.random.default_rng(1)
    tol = 1e-4 if dtype == "float32" else 1e-9
    ms = []
    for lib, _, Z, LG in LIBS[::-1]:  # torch first: minigrad takes its weights, u and v
        m = make(lib).double() if dtype == "float64" else make(lib)
        (LG if legacy else Z).spectral_norm(m, **kwargs)
        if ms:
            m.load_state_dict({k: v.numpy() for k, v in ms[0].state_dict().items()})
        ms.append(m)
    ms = ms[::-1]
    assert list(ms[0].state_dict()) == list(ms[1].state_dict())
    opts = [lib.optim.SGD(m.parameters(), lr=0.05, momentum=0.9) for m, (lib, *_) in zip(ms, LIBS)]
    for step in range(4):
        if step == 3:  # eval: sigma from the stored u and v, which stay as they are
            for m in ms:
                m.eval()
        x = rng.standard_normal(xshape).astype(dtype)
        outs = [m(lib.tensor(x)) for m, (lib, *_) in zip(ms, LIBS)]
        g = rng.standard_normal(tuple(outs[1].shape)).astype(dtype)
        for out, opt, (lib, *_) in zip(outs, opts, LIBS):
            opt.zero_grad()
            (out * lib.tensor(g)).sum().backward()
        _close(*outs, tol)
        for p0, p1 in zip(ms[0].parameters(), ms[1].parameters()):
            _close(p0.grad, p1.grad, tol)
        for opt in opts:
            opt.step()
        sd0, sd1 = ms[0].state_dict(), ms[1].state_dict()
        for k in sd1:
            _close(sd0[k], sd1[k], tol)


def test_spectral_norm_of_a_vector_and_removal_as_torch():
    def run(lib, P, Z, LG):
        m = Z.spectral_norm(_linear(lib), "bias")  # 1-d: plain normalisation, no u or v
        m(lib.ones(2, 3)).sum().backward()
        res = [list(m.state_dict()), m.bias, m.parametrizations.bias.original.grad]
        m = Z.spectral_norm(_linear(lib)).eval()
        w = m.weight
        P.remove_parametrizations(m, "weight")
        legacy = LG.remove_spectral_norm(LG.spectral_norm(_linear(lib)))
        return res + [list(m.state_dict()), type(m.weight).__name__, bool((m.weight == w).all()),
                      list(legacy.state_dict()), len(legacy._forward_pre_hooks)]

    (k0, b0, g0, *r0), (k1, b1, g1, *r1) = _run_both(run)
    assert k0 == k1 == ["weight", "parametrizations.bias.original"]
    assert r0 == r1 == [["bias", "weight"], "Parameter", True, ["bias", "weight"], 0]
    _close(b0, b1)
    _close(g0, g1)


def test_spectral_norm_refuses_bad_arguments_as_torch():
    for lib, _, Z, LG in LIBS:
        for fn in (Z.spectral_norm, LG.spectral_norm):
            with pytest.raises(ValueError, match="n_power_iterations"):
                fn(_linear(lib), n_power_iterations=0)
        with pytest.raises(IndexError, match="Dimension out of range"):
            Z.spectral_norm(_linear(lib), dim=2)
        with pytest.raises(ValueError, match="has no parameter or buffer"):
            Z.spectral_norm(_linear(lib), "foo")
        with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
            LG.spectral_norm(LG.spectral_norm(_linear(lib)))
        with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
            LG.remove_spectral_norm(_linear(lib))


# --------------------------------------------------------------------------------------------- legacy weight_norm
@pytest.mark.parametrize("dim", [0, 1, None])
def test_legacy_weight_norm_trains_and_removes_as_torch(dim):
    def run(lib, _, __, LG):
        m = _linear(lib)
        with pytest.warns(FutureWarning, match="deprecated"):
            LG.weight_norm(m, dim=dim)
        keys = list(m.state_dict())
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (m(lib.ones(2, 3)) ** 2).sum().backward()
            opt.step()
        g, v = m.weight_g, m.weight_v
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
            LG.weight_norm(m, dim=dim)
        LG.remove_weight_norm(m)
        return keys, list(m.state_dict()), type(m.weight).__name__, g, v, m.weight

    (k0, *t0), (k1, *t1) = _run_both(run)
    assert k0 == k1 == ["bias", "weight_g", "weight_v"]
    assert t0[:2] == t1[:2] == [["bias", "weight"], "Parameter"]
    for a, b in zip(t0[2:], t1[2:]):
        _close(a, b)


# --------------------------------------------------------------------------------------------- fusion
FUSE = {"conv2d": (lambda lib, b: lib.nn.Conv2d(3, 4, 2, bias=b), "BatchNorm2d", (2, 3, 5, 5), False),
        "conv_transpose": (lambda lib, b: lib.nn.ConvTranspose2d(3, 4, 2, bias=b), "BatchNorm2d", (2, 3, 5, 5), True),
        "linear": (lambda lib, b: lib.nn.Linear(3, 4, bias=b), "BatchNorm1d", (5, 3), None)}


@pytest.mark.parametrize("layer", list(FUSE))
@pytest.mark.parametrize("bias", [True, False])
def test_fuse_bn_eval_as_torch(layer, bias):
    make, bn_name, xshape, transpose = FUSE[layer]
    rng = np.random.default_rng(2)
    x = rng.standard_normal(xshape).astype(np.float32)
    state = None
    res = []
    for lib, fuse in ((torch, torch.nn.utils), (mg, MF)):
        layer_m, bn = make(lib, bias), getattr(lib.nn, bn_name)(4)
        if state is None:
            with torch.no_grad():
                for t in (bn.running_mean, bn.weight, bn.bias):
                    t.uniform_(-1, 1)
                bn.running_var.uniform_(0.5, 2)
            state = [{k: v.numpy().copy() for k, v in m.state_dict().items()} for m in (layer_m, bn)]
        else:
            layer_m.load_state_dict(state[0])
            bn.load_state_dict(state[1])
        with pytest.raises(AssertionError, match="Fusion only for eval"):
            fuse.fuse_conv_bn_eval(layer_m, bn)
        layer_m.eval(), bn.eval()
        fused = (fuse.fuse_linear_bn_eval(layer_m, bn) if transpose is None
                 else fuse.fuse_conv_bn_eval(layer_m, bn, transpose=transpose))
        res.append((fused(lib.tensor(x)), bn(layer_m(lib.tensor(x))), fused.bias.requires_grad))
    (t_out, _, t_rg), (m_out, m_ref, m_rg) = res
    assert t_rg == m_rg == bias  # a bias made from zeros does not require grad, as torch's
    _close(m_out, t_out)
    _close(m_out, m_ref)


def test_parametrized_recurrent_weight_is_used_as_torch():
    # RNNBase read its weights from the parameter registry, which a parametrized weight leaves: forward crashed
    class Scale(mg.nn.Module):
        def forward(self, w):
            return w * 2

    class TScale(torch.nn.Module):
        def forward(self, w):
            return w * 2

    m, t = mg.nn.GRU(3, 4, num_layers=2), torch.nn.GRU(3, 4, num_layers=2)
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    MP.register_parametrization(m, "weight_hh_l1", Scale())
    TP.register_parametrization(t, "weight_hh_l1", TScale())
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(m(mg.tensor(x))[0].numpy(), t(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)
