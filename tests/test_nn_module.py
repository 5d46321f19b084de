"""Module: registration, traversal, containers, modes, state_dict with torch's keys, loading torch weights,
errors, repr and summary."""
import copy
import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8))
        self.heads = nn.ModuleList([nn.Linear(8, 2), nn.Linear(8, 3)])
        self.extra = nn.ModuleDict({"a": nn.Linear(8, 1)})
        self.scale = nn.Parameter(minigrad.ones(1))
        self.register_buffer("count", minigrad.zeros(1))
        self.register_buffer("scratch", minigrad.zeros(2), persistent=False)

    def forward(self, x):
        h = self.features(x) * self.scale
        return [head(h) for head in self.heads] + [self.extra["a"](h)]


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8))
        self.heads = torch.nn.ModuleList([torch.nn.Linear(8, 2), torch.nn.Linear(8, 3)])
        self.extra = torch.nn.ModuleDict({"a": torch.nn.Linear(8, 1)})
        self.scale = torch.nn.Parameter(torch.ones(1))
        self.register_buffer("count", torch.zeros(1))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)

    def forward(self, x):
        h = self.features(x) * self.scale
        return [head(h) for head in self.heads] + [self.extra["a"](h)]


def test_names_and_keys_equal_torch():
    m, t = Net(), TorchNet()
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(m.state_dict()) == list(t.state_dict())
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in m.named_children()] == [n for n, _ in t.named_children()]
    assert len(list(m.modules())) == len(list(t.modules())) and len(list(m.children())) == 3
    assert len(m.params()) == len(list(t.parameters())) and isinstance(m.params(), list)


def test_torch_weights_load_and_outputs_match():
    m, t = Net(), TorchNet()
    with torch.no_grad():
        t.count += 3
    result = m.load_state_dict(t.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    for a, b in zip(m(minigrad.tensor(x)), t(torch.tensor(x))):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert m.count.item() == 3.0
    # and back: a minigrad state dict loads into torch
    t2 = TorchNet()
    t2.load_state_dict({k: torch.from_numpy(np.array(v.numpy())) for k, v in m.state_dict().items()})


def test_load_state_dict_lists_every_problem_in_one_error():
    m = Net()
    sd = m.state_dict()
    del sd["heads.0.bias"]
    sd["bogus.weight"] = minigrad.zeros(1)
    sd["features.0.weight"] = minigrad.zeros(3, 3)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert 'Missing key(s) in state_dict: "heads.0.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "bogus.weight"' in msg
    assert ("size mismatch for features.0.weight: copying a param with shape (3, 3) from checkpoint, the shape in "
            "current model is (8, 4)") in msg
    del sd["features.0.weight"]
    r = m.load_state_dict(sd, strict=False)
    assert r.missing_keys == ["features.0.weight", "heads.0.bias"] and r.unexpected_keys == ["bogus.weight"]


def test_load_state_dict_copies_in_place_and_state_dict_shares_memory():
    m = nn.Linear(3, 2)
    buf = m.weight.data
    m.load_state_dict({"weight": np.ones((2, 3)), "bias": minigrad.zeros(2)})
    assert m.weight.data is buf and np.all(buf == 1) and buf.dtype == np.float32
    assert np.shares_memory(m.state_dict()["weight"].numpy(), buf)
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_plain_list_or_dict_of_modules_warns():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2)]
            self.table = {"a": nn.Linear(2, 2)}

    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        bad = Bad()
    msgs = [str(w.message) for w in rec]
    assert any(m.startswith("Bad.layers: a plain list holding 2 Module(s) is not registered") and "nn.ModuleList" in m
               for m in msgs), msgs
    assert any("Bad.table: a plain dict holding 1 Module(s)" in m and "nn.ModuleDict" in m for m in msgs), msgs
    assert list(bad.parameters()) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Module().sizes = [1, 2, 3]  # plain data lists do not warn


def test_assigning_before_super_init_raises():
    class Early(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(2, 2)
            super().__init__()

    with pytest.raises(AttributeError, match=r"cannot assign module 'lin' before Module.__init__\(\) call: call "
                                             r"super\(\).__init__\(\) first in Early.__init__"):
        Early()

    class EarlyParam(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(minigrad.ones(1))

    with pytest.raises(AttributeError, match="cannot assign parameter 'w' before Module.__init__"):
        EarlyParam()


def test_registration_rules_and_errors():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'Tensor' as parameter 'weight' \(minigrad.nn.Parameter or "
                                        r"None expected\)"):
        m.weight = minigrad.ones(2, 2)
    m.bias = None
    assert "bias" in m._parameters and m.bias is None and len(list(m.parameters())) == 1
    with pytest.raises(KeyError, match="parameter name cannot contain a dot"):
        m.register_parameter("a.b", nn.Parameter(minigrad.ones(1)))
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        m.nope
    m.extra = nn.Buffer(minigrad.zeros(3))
    assert "extra" in dict(m.named_buffers())
    del m.extra
    assert "extra" not in dict(m.named_buffers())
    m.add_module("child", nn.ReLU())
    assert m.get_submodule("child") is m.child
    assert m.get_parameter("weight") is m.weight


def test_parameter_is_a_tensor_with_torch_repr():
    p = nn.Parameter(minigrad.tensor([1.0, 2.0]))
    assert isinstance(p, minigrad.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    t = minigrad.tensor([3.0])
    assert nn.Parameter(t).data is t.data  # shares, as torch
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.data is not p.data and np.all(q.data == p.data)


def test_train_eval_zero_grad_requires_grad_apply_to():
    m = Net()
    m.eval()
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    out = m(minigrad.randn(3, 4))
    sum(o.sum() for o in out).backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen[-1] == "Net" and seen.count("Linear") == 5
    w = m.features[0].weight
    m.double()
    assert m.features[0].weight is w and w.dtype == np.float64 and m.count.dtype == np.float64
    m.to(minigrad.float32)
    assert w.dtype == np.float32
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        m.to(minigrad.int64)


def test_containers():
    s = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert len(s) == 3 and isinstance(s[1], nn.Tanh) and isinstance(s[-1], nn.Linear)
    assert list(s[:2].state_dict()) == ["0.weight", "0.bias"]
    s.append(nn.Sigmoid())
    assert len(s) == 4 and s(minigrad.randn(5, 2)).shape == (5, 1)
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Linear(1, 1))
    ml += [nn.Linear(1, 1)]
    ml.insert(0, nn.ReLU())
    assert len(ml) == 4 and [n for n, _ in ml.named_parameters()][0] == "1.weight"
    del ml[0]
    assert [n for n, _ in ml.named_parameters()][0] == "0.weight"
    md = nn.ModuleDict({"x": nn.Linear(1, 1)})
    md["y"] = nn.ReLU()
    assert list(md.keys()) == ["x", "y"] and "y" in md and len(md) == 2
    pl = nn.ParameterList([minigrad.ones(2), nn.Parameter(minigrad.zeros(1))])
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"] and all(isinstance(p, nn.Parameter) for p in pl)
    pd = nn.ParameterDict({"a": minigrad.ones(1)})
    assert [n for n, _ in pd.named_parameters()] == ["a"]
    shared = nn.Linear(2, 2)
    tied = nn.Sequential(shared, shared)
    assert len(list(tied.parameters())) == 2  # shared parameters are listed once, as torch


def test_repr_and_summary():
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.2), nn.Softmax(dim=1))
    ts = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Softmax(dim=1))
    assert repr(s) == repr(ts)
    text = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)).summary()
    assert "Total params: 13" in text and "Trainable params: 13" in text and "Linear" in text


def test_call_runs_forward_hooks_when_registered():
    m = nn.Linear(2, 2)
    m._forward_pre_hooks[0] = lambda mod, args: (args[0] * 0,)
    m._forward_hooks[0] = lambda mod, args, out: out + 1
    out = m(minigrad.randn(3, 2))
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(m.bias.numpy() + 1, (3, 2)), rtol=1e-6)


def test_deepcopy_of_a_model_is_independent():
    m = Net()
    c = copy.deepcopy(m)
    c.features[0].weight.data[...] = 0
    assert not np.all(m.features[0].weight.numpy() == 0)
    assert list(c.state_dict()) == list(m.state_dict())
