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


@pytest.mark.parametrize("index", [1, -2, slice(0, 2), slice(None, None, 2), slice(5, 9)])
def test_sequential_del_renumbers_as_torch(index):
    def build(lib):
        from collections import OrderedDict
        return [lib.Sequential(lib.Linear(1, 1), lib.ReLU(), lib.Linear(1, 2), lib.Tanh()),
                lib.Sequential(OrderedDict([("fc", lib.Linear(1, 1)), ("act", lib.ReLU()), ("out", lib.Linear(1, 2)),
                                            ("squash", lib.Tanh())]))]

    for s, ts in zip(build(nn), build(torch.nn)):
        del s[index]
        del ts[index]
        assert list(s._modules) == list(ts._modules)
        s.append(nn.Sigmoid())  # reused a key before: it overwrote a module
        ts.append(torch.nn.Sigmoid())
        assert [type(m).__name__ for m in s] == [type(m).__name__ for m in ts]
        assert list(s.state_dict()) == list(ts.state_dict())
    with pytest.raises(IndexError, match="index 4 is out of range for a Sequential of length 4"):
        del build(nn)[0][4]


class _FrozenBN(nn.Module):
    """Keeps its BatchNorm in eval mode whatever train() asks (a common fine-tuning pattern)."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(3)
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(self.bn(x))

    def train(self, mode=True):
        super().train(mode)
        self.bn.eval()
        return self


class _TorchFrozenBN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(3)
        self.fc = torch.nn.Linear(3, 3)

    def train(self, mode=True):
        super().train(mode)
        self.bn.eval()
        return self


def test_train_and_eval_call_each_childs_train_as_torch():
    m = nn.Sequential(_FrozenBN(), nn.Sequential(_FrozenBN()))
    tm = torch.nn.Sequential(_TorchFrozenBN(), torch.nn.Sequential(_TorchFrozenBN()))
    for step in ("train", "eval", "train"):
        assert getattr(m, step)() is m
        getattr(tm, step)()
        assert [x.training for x in m.modules()] == [x.training for x in tm.modules()], step
    m[0].bn.running_mean.data[...] = 0
    m.train()(minigrad.randn(4, 3))
    assert np.all(m[0].bn.running_mean.numpy() == 0)  # the frozen BatchNorm did not update its statistics
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


@pytest.mark.parametrize("cls", ["BatchNorm1d", "BatchNorm2d"])
def test_batchnorm_loads_a_checkpoint_without_num_batches_tracked_as_torch(cls):
    tm = torch.nn.Sequential(torch.nn.Linear(3, 3), getattr(torch.nn, cls)(3))
    m = nn.Sequential(nn.Linear(3, 3), getattr(nn, cls)(3))
    m[1].num_batches_tracked.data[...] = 7
    with torch.no_grad():
        tm[1].num_batches_tracked.fill_(7)
        tm[1].running_mean.normal_()
    old = {k: v for k, v in tm.state_dict().items() if not k.endswith("num_batches_tracked")}
    want = torch.nn.Sequential(torch.nn.Linear(3, 3), getattr(torch.nn, cls)(3))
    with torch.no_grad():
        want[1].num_batches_tracked.fill_(7)
    assert tuple(want.load_state_dict(old)) == ([], [])
    assert tuple(m.load_state_dict({k: v.numpy() for k, v in old.items()})) == ([], [])
    assert int(m[1].num_batches_tracked.item()) == int(want[1].num_batches_tracked) == 7  # kept, not reset
    np.testing.assert_array_equal(m[1].running_mean.numpy(), want[1].running_mean.numpy())
    # torch's own state_dict (with its version metadata) loads as it is, and still checks the other keys
    del old["1.running_var"]
    res = m.load_state_dict(old, strict=False)
    assert res.missing_keys == want.load_state_dict(old, strict=False).missing_keys == ["1.running_var"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "1.running_var"'):
        m.load_state_dict(old)
    # a version-2 checkpoint must carry the count: torch reports it missing, as minigrad does
    v2 = tm.state_dict()
    del v2["1.num_batches_tracked"]
    assert (m.load_state_dict(v2, strict=False).missing_keys == want.load_state_dict(v2, strict=False).missing_keys
            == ["1.num_batches_tracked"])
    untracked = nn.BatchNorm1d(3, track_running_stats=False)
    assert list(untracked.state_dict()) == ["weight", "bias"] and not untracked.load_state_dict(
        {"weight": np.ones(3), "bias": np.zeros(3)}).missing_keys
