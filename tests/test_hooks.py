"""Tensor hooks, retain_grad, and Module forward/pre/full-backward hooks with removable handles, against torch."""
import numpy as np
import pytest
import torch

import minigrad
import minigrad.nn as nn


def _both(a, requires_grad=True):
    return minigrad.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def test_tensor_hook_sees_and_replaces_grad_like_torch():
    a = np.array([0.5, -1.0, 2.0])
    g = np.array([1.0, -2.0, 0.5])
    got = {}
    for lib, (x, mk) in {"mg": (_both(a)[0], minigrad.tensor), "th": (_both(a)[1], torch.tensor)}.items():
        h = x * x
        seen = []
        handle = h.register_hook(lambda grad, seen=seen: seen.append(grad.tolist()) or grad * 3)
        (h.exp() * mk(g)).sum().backward()
        got[lib] = (seen, x.grad.tolist())
        handle.remove()
        assert h._hooks == {} if lib == "mg" else True
    np.testing.assert_allclose(got["mg"][0], got["th"][0])
    np.testing.assert_allclose(got["mg"][1], got["th"][1])


def test_leaf_hook_and_handle_removal():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    with x.register_hook(lambda g: calls.append(1) or g * 0):
        (x * 3).sum().backward()
    assert calls == [1] and x.grad.tolist() == [0.0, 0.0]
    x.grad = None
    (x * 3).sum().backward()  # the handle left scope: hook removed
    assert calls == [1] and x.grad.tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match=r"register_hook: cannot register a hook on a tensor that doesn't require"):
        minigrad.tensor([1.0]).register_hook(lambda g: g)


def test_hook_on_a_leaf_used_twice_runs_once_on_the_sum():
    for mk in (minigrad.tensor, torch.tensor):
        x = mk([1.0], requires_grad=True)
        calls = []
        x.register_hook(lambda g, calls=calls: calls.append(float(g[0])))
        (x * 2 + x * 3).sum().backward()
        assert calls == [5.0]


def test_retain_grad_for_non_leaves_matches_torch():
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    g = rng.standard_normal((3, 2))
    res = []
    for mk, t in ((minigrad.tensor, minigrad), (torch.tensor, torch)):
        x, wt = mk(a, requires_grad=True), mk(w, requires_grad=True)
        h = x @ wt
        h.retain_grad()
        o = h.tanh()
        o.retain_grad()
        (o * mk(g)).sum().backward()
        res.append((h.grad.detach().numpy() if t is torch else h.grad.numpy(),
                    o.grad.detach().numpy() if t is torch else o.grad.numpy()))
        assert h.requires_grad and not h.is_leaf
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12)
    y = minigrad.tensor([1.0], requires_grad=True) * 2
    (y * 2).sum().backward()
    assert y.grad is None  # without retain_grad a non-leaf keeps no grad


def _linear_pair(seed=0):
    torch.manual_seed(seed)
    tl = torch.nn.Linear(3, 2).double()
    ml = nn.Linear(3, 2).double()
    ml.load_state_dict({k: minigrad.tensor(v.detach().numpy()) for k, v in tl.state_dict().items()})
    return ml, tl


def test_forward_pre_hook_and_forward_hook_replace_values():
    ml, tl = _linear_pair()
    x = np.ones((2, 3))
    outs = []
    for mod, mk in ((ml, minigrad.tensor), (tl, torch.tensor)):
        order = []
        h1 = mod.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        h2 = mod.register_forward_hook(lambda m, args, out: order.append("second") or out + 1)
        h3 = mod.register_forward_hook(lambda m, args, out: order.append("first"), prepend=True)
        outs.append(np.asarray(mod(mk(x)).detach().numpy() if mk is torch.tensor else mod(mk(x)).numpy()))
        assert order == ["first", "second"]
        for h in (h1, h2, h3):
            h.remove()
        assert not mod._forward_pre_hooks and not mod._forward_hooks
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)
    plain = ml(minigrad.tensor(x)).numpy()
    np.testing.assert_allclose(plain, (outs[0] - 1) - (ml.weight.numpy().sum(1) * 1.0), rtol=1e-12)


def test_forward_hooks_with_kwargs_and_always_call():
    class Scale(nn.Module):
        def forward(self, x, factor=1.0):
            if factor < 0:
                raise ValueError("negative factor")
            return x * factor

    m = Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: (args, {"factor": kwargs["factor"] * 10}), with_kwargs=True)
    seen = []
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append((kwargs["factor"], out)), with_kwargs=True,
                            always_call=True)
    assert m(minigrad.tensor([1.0]), factor=0.5).tolist() == [5.0]
    with pytest.raises(ValueError, match="negative factor"):
        m(minigrad.tensor([1.0]), factor=-1.0)
    assert seen[0][0] == 5.0 and seen[1] == (-10.0, None)


def test_full_backward_hook_matches_torch_and_can_replace_grad_input():
    ml, tl = _linear_pair(1)
    rng = np.random.default_rng(1)
    a, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    got = []
    for mod, (x, mk) in ((ml, (minigrad.tensor(a, requires_grad=True), minigrad.tensor)),
                         (tl, (torch.tensor(a, requires_grad=True), torch.tensor))):
        rec = []

        def hook(m, grad_input, grad_output, rec=rec):
            rec.append(([gi.detach().numpy() if isinstance(gi, torch.Tensor) else gi.numpy() for gi in grad_input],
                        [go.detach().numpy() if isinstance(go, torch.Tensor) else go.numpy() for go in grad_output]))
            return (grad_input[0] * 0.5,)

        handle = mod.register_full_backward_hook(hook)
        y = mod(x)
        (y.tanh() * mk(g)).sum().backward()
        got.append((rec, x.grad.detach().numpy() if isinstance(x, torch.Tensor) else x.grad.numpy(),
                    mod.weight.grad.detach().numpy() if isinstance(x, torch.Tensor) else mod.weight.grad.numpy()))
        handle.remove()
        assert not mod._backward_hooks
    (rec_m, gx_m, gw_m), (rec_t, gx_t, gw_t) = got
    assert len(rec_m) == len(rec_t) == 1
    np.testing.assert_allclose(rec_m[0][0][0], rec_t[0][0][0], rtol=1e-12)  # grad_input
    np.testing.assert_allclose(rec_m[0][1][0], rec_t[0][1][0], rtol=1e-12)  # grad_output
    np.testing.assert_allclose(gx_m, gx_t, rtol=1e-12)  # halved by the hook
    np.testing.assert_allclose(gw_m, gw_t, rtol=1e-12)  # parameters unaffected


def test_full_backward_hook_two_inputs_and_input_without_grad():
    class Mix(nn.Module):
        def forward(self, a, b, scale):
            return (a * b).sum(1) * scale

    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    recs = []
    for mod, mk in ((Mix(), minigrad.tensor), (torch.nn.Module(), torch.tensor)):
        if mk is torch.tensor:
            mod.forward = lambda a, b, scale: (a * b).sum(1) * scale
        rec = []
        mod.register_full_backward_hook(lambda m, gi, go, rec=rec: rec.append(
            [None if t is None else np.asarray(t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy())
             for t in gi]))
        x, y = mk(a, requires_grad=True), mk(b)
        mod(x, y, 2.0).sum().backward()
        recs.append(rec)
    (m_gi,), (t_gi,) = recs
    assert len(m_gi) == len(t_gi) == 3
    np.testing.assert_allclose(m_gi[0], t_gi[0], rtol=1e-12)
    # torch: a tensor input that needs no grad gets zeros (while another input needs grad), a non-tensor None
    np.testing.assert_array_equal(m_gi[1], t_gi[1])
    assert not np.any(m_gi[1]) and m_gi[2] is None and t_gi[2] is None


def test_full_backward_hook_when_no_input_requires_grad():
    ml, _ = _linear_pair(2)
    rec = []
    ml.register_full_backward_hook(lambda m, gi, go: rec.append((gi, go[0].shape)))
    ml(minigrad.tensor(np.ones((5, 3)))).sum().backward()
    assert rec == [((None,), (5, 2))]
    assert ml.weight.grad is not None


def test_backward_hook_module_under_no_grad_and_create_graph():
    ml, tl = _linear_pair(3)
    calls = []
    ml.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    tl.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    a = np.random.default_rng(3).standard_normal((4, 3))
    with minigrad.no_grad():
        assert not ml(minigrad.tensor(a, requires_grad=True)).requires_grad
    # the packing of inputs is differentiable: double backward through a hooked module matches torch
    res = []
    for mod, x in ((ml, minigrad.tensor(a, requires_grad=True)), (tl, torch.tensor(a, requires_grad=True))):
        y = mod(x)
        (y.tanh() ** 2).sum().backward(create_graph=True)
        gx = x.grad
        x.grad = None
        (gx ** 2).sum().backward()
        res.append(x.grad.detach().numpy() if isinstance(x, torch.Tensor) else x.grad.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10)
    assert calls == [1, 1, 1, 1]  # as torch: each backward (first and double) reaches the module's inputs


def test_full_backward_pre_hook_replaces_grad_output_as_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (minigrad, torch):
        lin = lib.nn.Linear(3, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(np.arange(6.0).reshape(2, 3) / 7, dtype=lib.float32))
        seen = []
        handle = lin.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
        lin.register_full_backward_pre_hook(lambda m, go: seen.append(tuple(go[0].shape)))
        lin.register_full_backward_hook(lambda m, gi, go: seen.append(float(go[0].sum())))
        x = lib.ones(4, 3, requires_grad=True)
        (lin(x) * lib.tensor([1.0, 3.0])).sum().backward()
        handle.remove()
        x2 = lib.ones(4, 3, requires_grad=True)
        lin(x2).sum().backward()
        results.append((x.grad.numpy(), lin.weight.grad.numpy(), x2.grad.numpy(), seen))
    for a, b in zip(*results):
        if isinstance(a, list):
            assert a == b
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_full_backward_pre_hook_refuses_several_outputs():
    class Two(minigrad.nn.Module):
        def forward(self, x):
            return x * 2, x * 3

    m = Two()
    m.register_full_backward_pre_hook(lambda m, go: None)
    with pytest.raises(NotImplementedError, match="Two returned 2 tensors that require grad; only one"):
        m(minigrad.ones(2, requires_grad=True))
